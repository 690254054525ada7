"""Rotation matrices -> Euler angles in any Tait-Bryan order (for BVH channels and AMC dofs).

`matrix_to_euler(R, "ZXY")` returns angles (a, b, c) with R = Rz(a) @ Rx(b) @ Ry(c): the order BVH
channels are listed and applied in (intrinsic). Acclaim's extrinsic `XYZ` (Rz @ Ry @ Rx) is the
intrinsic order `ZYX` with the angles reversed.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.rotations import rot_x, rot_y, rot_z

_AXES = {"X": 0, "Y": 1, "Z": 2}
_ROT = {"X": rot_x, "Y": rot_y, "Z": rot_z}


def matrix_to_euler(rotation: np.ndarray, order: str) -> np.ndarray:
    """Angles (..., 3) in radians, the first for the first axis of `order` (intrinsic composition)."""
    order = order.upper()
    if sorted(order) != ["X", "Y", "Z"]:
        raise ValueError(f"matrix_to_euler: order must be a permutation of XYZ, got {order!r}")
    i, j, k = (_AXES[a] for a in order)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0  # +1 for the cyclic orders XYZ, YZX, ZXY
    r = np.asarray(rotation, dtype=np.float64)
    b = np.arcsin(np.clip(sign * r[..., i, k], -1.0, 1.0))
    a = np.arctan2(-sign * r[..., j, k], r[..., k, k])
    c = np.arctan2(-sign * r[..., i, j], r[..., i, i])
    return np.stack([a, b, c], axis=-1)


def euler_to_matrix(angles: np.ndarray, order: str) -> np.ndarray:
    """The inverse of `matrix_to_euler`: R = R_first(a) @ R_second(b) @ R_third(c)."""
    angles = np.asarray(angles, dtype=np.float64)
    out = None
    for n, axis in enumerate(order.upper()):
        m = _ROT[axis](angles[..., n])
        out = m if out is None else out @ m
    return out
