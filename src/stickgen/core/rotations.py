"""The library's one set of numpy rotation helpers, vectorised over any leading axes.

Matrices act on column vectors (`R @ v`). Quaternions are (w, x, y, z). `mirror` reflects a rotation
through the body's sagittal plane (x -> -x), which turns a left-limb rotation into the matching
right-limb one: rotations about X are kept, rotations about Y and Z change sign.

Euler angles (BVH channels, Acclaim dofs, the BVH exporter): `matrix_to_euler(R, "ZXY")` returns angles
(a, b, c) with R = Rz(a) @ Rx(b) @ Ry(c), the order BVH channels are listed and applied in (intrinsic).
Acclaim's extrinsic `XYZ` (Rz @ Ry @ Rx) is the intrinsic order `ZYX` with the angles reversed;
`euler_to_matrix(..., extrinsic=True)` composes in that sense directly.
"""

from __future__ import annotations

import numpy as np

# Sign pattern of M @ R @ M with M = diag(-1, 1, 1): entries that mix x with y or z flip sign.
_MIRROR_SIGNS = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]])
_AXES = {"X": 0, "Y": 1, "Z": 2}


def _axis_rotation(angle: np.ndarray | float, i: int, j: int) -> np.ndarray:
    """Rotation by `angle` in the (i, j) coordinate plane, taking axis i towards axis j: (..., 3, 3)."""
    a = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    k = 3 - i - j
    out[..., k, k] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., j, i] = s
    out[..., i, j] = -s
    return out


def rot_x(angle: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about +X (takes +Y towards +Z)."""
    return _axis_rotation(angle, 1, 2)


def rot_y(angle: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about +Y (takes +Z towards +X: a turn to the figure's left)."""
    return _axis_rotation(angle, 2, 0)


def rot_z(angle: np.ndarray | float) -> np.ndarray:
    """Right-handed rotation about +Z (takes +X towards +Y)."""
    return _axis_rotation(angle, 0, 1)


AXIS_ROTATIONS = {"X": rot_x, "Y": rot_y, "Z": rot_z}


def matrix_to_euler(rotation: np.ndarray, order: str, lock: bool = False) -> np.ndarray:
    """Angles (..., 3) in radians, the first for the first axis of `order` (intrinsic composition).

    `lock`: at gimbal lock (the middle angle within 1e-9 of +-90 degrees) only the sum or difference of
    the outer angles is defined; put all of it in the first angle and make the last 0, rather than
    splitting it by the rounding noise of two near-zero entries.
    """
    order = order.upper()
    if sorted(order) != ["X", "Y", "Z"]:
        raise ValueError(f"matrix_to_euler: order must be a permutation of XYZ, got {order!r}")
    i, j, k = (_AXES[a] for a in order)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0  # +1 for the cyclic orders XYZ, YZX, ZXY
    r = np.asarray(rotation, dtype=np.float64)
    b = np.arcsin(np.clip(sign * r[..., i, k], -1.0, 1.0))
    a = np.arctan2(-sign * r[..., j, k], r[..., k, k])
    c = np.arctan2(-sign * r[..., i, j], r[..., i, i])
    if lock:
        locked = np.abs(r[..., i, k]) > 1.0 - 1e-9
        if np.any(locked):
            c = np.where(locked, 0.0, c)
            a = np.where(locked, np.arctan2(sign * r[..., k, j], r[..., j, j]), a)
    return np.stack([a, b, c], axis=-1)


def euler_to_matrix(angles: np.ndarray, order: str, extrinsic: bool = False) -> np.ndarray:
    """Rotations (..., 3, 3) from angles (..., 3) in radians, one per axis of `order`.

    Intrinsic (the default, the inverse of `matrix_to_euler`): R = R_first(a) @ R_second(b) @ R_third(c).
    Extrinsic (Acclaim's `axis` and `dof` orders): each axis is applied after the ones before it,
    R = R_third(c) @ R_second(b) @ R_first(a).
    """
    angles = np.asarray(angles, dtype=np.float64)
    out = None
    for n, axis in enumerate(order.upper()):
        m = AXIS_ROTATIONS[axis](angles[..., n])
        if out is None:
            out = m
        else:
            out = m @ out if extrinsic else out @ m
    return out


def mirror(rotation: np.ndarray) -> np.ndarray:
    """Reflect rotations (..., 3, 3) through the x = 0 plane: M @ R @ M with M = diag(-1, 1, 1)."""
    return rotation * _MIRROR_SIGNS


def matrix_to_quat(rotation: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4) as (w, x, y, z) from rotation matrices (..., 3, 3)."""
    m = np.asarray(rotation, dtype=np.float64)
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    # Four algebraically equal candidates; each is well conditioned when its leading term is largest.
    cand = np.stack(
        [
            np.stack([1.0 + m00 + m11 + m22, m21 - m12, m02 - m20, m10 - m01], -1),
            np.stack([m21 - m12, 1.0 + m00 - m11 - m22, m01 + m10, m02 + m20], -1),
            np.stack([m02 - m20, m01 + m10, 1.0 - m00 + m11 - m22, m12 + m21], -1),
            np.stack([m10 - m01, m02 + m20, m12 + m21, 1.0 - m00 - m11 + m22], -1),
        ],
        axis=-2,
    )  # (..., 4 candidates, 4)
    best = np.argmax(np.stack([m00 + m11 + m22, m00, m11, m22], -1), axis=-1)
    q = np.take_along_axis(cand, best[..., None, None], axis=-2)[..., 0, :]
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0.0, -q, q)


def quat_to_matrix(quat: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) from quaternions (..., 4) (normalised here)."""
    q = np.asarray(quat, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(r, -1) for r in rows], -2)


def slerp(q0: np.ndarray, q1: np.ndarray, weight: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation along the shorter arc; `weight` broadcasts against q0[..., 0]."""
    w = np.asarray(weight, dtype=np.float64)[..., None]
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0.0, -q1, q1)
    theta = np.arccos(np.clip(np.abs(dot), 0.0, 1.0))
    sin_t = np.sin(theta)
    near = sin_t < 1e-6  # nearly equal: linear interpolation is exact enough
    safe = np.where(near, 1.0, sin_t)
    a = np.where(near, 1.0 - w, np.sin((1.0 - w) * theta) / safe)
    b = np.where(near, w, np.sin(w * theta) / safe)
    q = a * q0 + b * q1
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def blend(rot_a: np.ndarray, rot_b: np.ndarray, weight: np.ndarray | float) -> np.ndarray:
    """Slerp between two rotation arrays (..., 3, 3); weight 0 gives `rot_a`, 1 gives `rot_b`."""
    return quat_to_matrix(slerp(matrix_to_quat(rot_a), matrix_to_quat(rot_b), weight))


def matrix_to_axis_angle(rotation: np.ndarray) -> np.ndarray:
    """Axis-angle vectors (..., 3) (axis times angle in radians, angle in [0, pi]), e.g. for AMASS."""
    q = matrix_to_quat(rotation)
    vec = q[..., 1:]
    sin_half = np.linalg.norm(vec, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(sin_half, q[..., :1])
    scale = np.where(sin_half < 1e-12, 2.0, angle / np.where(sin_half < 1e-12, 1.0, sin_half))
    return vec * scale
