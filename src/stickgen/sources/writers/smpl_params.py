"""A rig's rotations -> SMPL-family pose parameters (for the AMASS, AIST++ and InterHuman writers).

The rig (`writers.common.MotionTake`) and the SMPL models share the joint order and the rest axes
(T-pose, Y up, facing +Z), so SMPL's axis-angle pose is the rig's local rotations as they are; the
root orientation and translation are turned into the dataset's world axes. The translation is the
rig's pelvis position: a body model's rest pelvis is not at its origin, which only shifts the whole
take (canonical clips are re-placed anyway).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.quantize import ANGLE_DECIMALS, POSITION_DECIMALS, on_grid
from stickgen.core.rotations import matrix_to_axis_angle


def smpl_params(
    root: np.ndarray, rotations: np.ndarray, world: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(pose (T, 22, 3) axis-angle, trans (T, 3)) of one actor, on the stored grids of
    `stickgen.core.quantize` (the same bytes on every CPU).

    Args:
        root: (T, 3) pelvis positions, Y up.
        rotations: (T, 22, 3, 3) local rotations.
        world: 3x3 rotation from Y-up to the dataset's world axes (None: Y up).
    """
    rot = np.array(rotations, dtype=np.float64)
    trans = np.asarray(root, dtype=np.float64)
    if world is not None:
        rot[:, 0] = world @ rot[:, 0]
        trans = trans @ world.T
    return on_grid(matrix_to_axis_angle(rot), ANGLE_DECIMALS), on_grid(trans, POSITION_DECIMALS)
