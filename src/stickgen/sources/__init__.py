"""Raw-dataset converters: one module per dataset, behind a registry `name -> Converter`.

`get_converter(name)` returns the converter of a dataset name used in `params.yaml` (`datasets`);
`sources.base` holds what converters share (`Take`, `Converter`, `check_take`, `takes_to_clips`),
`sources.driver` runs a conversion (`convert_dataset`, `run_conversion`).
To add a dataset: write `sources/<name>.py` with a `Converter` subclass, list it in `_CONVERTERS` and its
name in `stickgen.core.config.KNOWN_DATASETS` (params are checked against it), and a native-format writer
in `sources/writers/` for the `samples` stage and the tests.

Shared pieces: `captions` (templated captions), `units` (axes and unit inference), `retarget` (named
points -> the 22 SMPL joints), `rigmap` (find those points in a BVH / ASF rig: `rigs` is the catalogue
of known skeletons, `rigtopology` the fallback), `orient` (up axis, units and sides from the motion),
`plausibility` (standing height and proportions of every take), `bodymodel` (SMPL-family
poses -> joints), `kinect` and `ntu_classes` (NTU RGB+D and LSMB19), `bvh_format` / `asf_format`
(parsers), `safe_pickle`, `descriptions`.
"""

from __future__ import annotations

from stickgen.core.config import KNOWN_DATASETS
from stickgen.sources.aistpp import AISTPPConverter
from stickgen.sources.amass import AMASSConverter
from stickgen.sources.asf_amc import ASFAMCConverter
from stickgen.sources.base import ConversionError, Converter, SourceError, Take, takes_to_clips
from stickgen.sources.bvh import BVHConverter
from stickgen.sources.driver import convert_dataset, run_conversion
from stickgen.sources.humanml3d import HumanML3DConverter
from stickgen.sources.interhuman import InterHumanConverter
from stickgen.sources.kit_ml import KITMLConverter
from stickgen.sources.lsmb19 import LSMB19Converter
from stickgen.sources.ntu_rgbd import NTURGBDConverter
from stickgen.sources.style100 import Style100Converter

_CONVERTERS: dict[str, type[Converter]] = {
    cls.name: cls
    for cls in (
        AMASSConverter,
        HumanML3DConverter,
        KITMLConverter,
        InterHumanConverter,
        NTURGBDConverter,
        LSMB19Converter,
        Style100Converter,
        AISTPPConverter,
        BVHConverter,
        ASFAMCConverter,
    )
}

if sorted(_CONVERTERS) != list(KNOWN_DATASETS):
    raise ImportError(
        f"stickgen.core.config.KNOWN_DATASETS {KNOWN_DATASETS} must name the converters {sorted(_CONVERTERS)}"
    )


def known_datasets() -> list[str]:
    """Names with a registered converter, sorted."""
    return sorted(_CONVERTERS)


def get_converter(name: str, body_models: str = "", rig: str = "") -> Converter:
    """A new converter for dataset `name`; a clear error for a name without one.

    Args:
        name: registry name (a `datasets` entry of params.yaml).
        body_models: `convert.body_models`: folder of SMPL-family body model files, "" for none.
        rig: a rig mapping to force on a rig-based source (`--rig`), "" to recognise each file's.
    """
    if name in _CONVERTERS:
        return _CONVERTERS[name](body_models, rig)
    raise ValueError(f"unsupported dataset [{name}]; known: {known_datasets()}")


__all__ = [
    "ConversionError",
    "Converter",
    "SourceError",
    "Take",
    "convert_dataset",
    "get_converter",
    "known_datasets",
    "run_conversion",
    "takes_to_clips",
]
