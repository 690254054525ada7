"""Writers of native dataset layouts, for the `samples` stage and for tests.

Each writer takes motions in canonical-style world coordinates (Y up, metres; `common.MotionTake`)
and lays them out as the real release does (file names, folders, axes, units, frame-rate fields,
side tables), so that the dataset's converter reads them like the real thing. One module per format.
"""

from __future__ import annotations

from stickgen.sources.writers.aistpp import write_aistpp
from stickgen.sources.writers.amass import write_amass
from stickgen.sources.writers.asf_amc import write_asf_amc
from stickgen.sources.writers.bvh import BvhProfile, write_bvh, write_bvh_folder
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.humanml3d import caption_tokens, write_humanml3d
from stickgen.sources.writers.interhuman import write_interhuman
from stickgen.sources.writers.kit_ml import write_kit_ml
from stickgen.sources.writers.lsmb19 import write_lsmb19
from stickgen.sources.writers.ntu_rgbd import write_ntu_rgbd
from stickgen.sources.writers.style100 import write_100style

__all__ = [
    "BvhProfile",
    "MotionTake",
    "caption_tokens",
    "write_100style",
    "write_aistpp",
    "write_amass",
    "write_asf_amc",
    "write_bvh",
    "write_bvh_folder",
    "write_humanml3d",
    "write_interhuman",
    "write_kit_ml",
    "write_lsmb19",
    "write_ntu_rgbd",
]
