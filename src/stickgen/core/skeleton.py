"""The canonical skeleton: the 22 SMPL body joints, their hierarchy, mirror map and stick segments.

Canonical coordinates (docs/architecture.md, "Canonical data"): metres, Y up, floor at y = 0, body facing +Z
at frame 0, so the
figure's left side is +X. This module also owns 3D -> 2D camera projection for stick figures.
"""

from __future__ import annotations

import numpy as np

JOINT_NAMES: tuple[str, ...] = (
    "pelvis",
    "left_hip",
    "right_hip",
    "spine1",
    "left_knee",
    "right_knee",
    "spine2",
    "left_ankle",
    "right_ankle",
    "spine3",
    "left_foot",
    "right_foot",
    "neck",
    "left_collar",
    "right_collar",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
NUM_JOINTS = len(JOINT_NAMES)
JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINT_NAMES)}


class ActorFrames:
    """`frames` and `actors` of a class holding canonical `joints` (T, A, 22, 3): clips, takes, motions."""

    joints: np.ndarray

    @property
    def frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def actors(self) -> int:
        return int(self.joints.shape[1])


# Parent of each joint (SMPL kinematic tree); -1 for the root.
PARENTS: tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)

# (parent, child) pairs: the 21 bones.
BONES: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(PARENTS) if p >= 0)


def _mirror_index() -> tuple[int, ...]:
    out = []
    for name in JOINT_NAMES:
        if name.startswith("left_"):
            out.append(JOINT_INDEX["right_" + name[5:]])
        elif name.startswith("right_"):
            out.append(JOINT_INDEX["left_" + name[6:]])
        else:
            out.append(JOINT_INDEX[name])
    return tuple(out)


# MIRROR[i] is the joint that i becomes when the body is mirrored left <-> right.
MIRROR: tuple[int, ...] = _mirror_index()

FOOT_JOINTS: tuple[int, ...] = tuple(
    JOINT_INDEX[n] for n in ("left_ankle", "right_ankle", "left_foot", "right_foot")
)
HEAD = JOINT_INDEX["head"]
NECK = JOINT_INDEX["neck"]
PELVIS = JOINT_INDEX["pelvis"]

# Stick-figure segments. The v3 layout is 12 segments x (x1, y1, x2, y2) = 48 values per frame and
# actor; the legacy layout (used by older tools) is 5 segments x 4 = 20 values.
V3_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("head", "neck"),
    ("neck", "pelvis"),
    ("neck", "left_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("neck", "right_shoulder"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("pelvis", "left_knee"),
    ("left_knee", "left_ankle"),
    ("pelvis", "right_knee"),
    ("right_knee", "right_ankle"),
)
LEGACY_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("head", "pelvis"),
    ("left_shoulder", "left_wrist"),
    ("right_shoulder", "right_wrist"),
    ("pelvis", "left_ankle"),
    ("pelvis", "right_ankle"),
)
V3_DIM = 4 * len(V3_SEGMENTS)
LEGACY_DIM = 4 * len(LEGACY_SEGMENTS)
assert V3_DIM == 48 and LEGACY_DIM == 20, (V3_DIM, LEGACY_DIM)


def rigid_bones(joints: np.ndarray) -> np.ndarray:
    """Hold every bone of a clip at one length: (T, ..., 22, 3) joints -> the same shape and dtype.

    Each bone keeps its direction in every frame and takes the median of its lengths over the frames
    (axis 0); the figure is rebuilt from the root down the kinematic tree. Generated motion predicts joint
    positions, not rotations, so nothing else keeps its limbs from stretching from frame to frame.
    """
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim < 3 or j.shape[-2:] != (NUM_JOINTS, 3):
        raise ValueError(f"rigid_bones needs (T, ..., {NUM_JOINTS}, 3) joints, got {j.shape}")
    out = np.empty_like(j)
    out[..., 0, :] = j[..., 0, :]
    for child in range(1, NUM_JOINTS):  # parents come before their children in the SMPL order
        parent = PARENTS[child]
        bone = j[..., child, :] - j[..., parent, :]
        norm = np.linalg.norm(bone, axis=-1, keepdims=True)
        direction = bone / np.maximum(norm, 1e-9)
        out[..., child, :] = out[..., parent, :] + direction * np.median(norm, axis=0, keepdims=True)
    return out.astype(np.asarray(joints).dtype)


def camera_basis(azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> np.ndarray:
    """Rows: camera right, camera up, view direction (towards the scene), in canonical coordinates.

    Azimuth 0 and elevation 0 is the front view: the camera stands on +Z looking towards -Z, so the
    figure (facing +Z) looks at the camera and its left side (+X) appears on screen right.
    Positive azimuth orbits the camera to the figure's left; positive elevation raises it.
    """
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    # Camera position direction (unit vector from the target to the camera).
    eye = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    forward = -eye
    world_up = np.array([0.0, 1.0, 0.0])
    right = np.cross(forward, world_up)
    if np.linalg.norm(right) < 1e-8:  # looking straight down/up: keep screen right = +X
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return np.stack([right, up, forward])


def project(joints: np.ndarray, azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> np.ndarray:
    """Orthographic projection of canonical 3D points (..., 3) onto the screen plane (..., 2).

    Screen x grows to the right and screen y grows upwards (height above the floor in the front view).
    """
    basis = camera_basis(azimuth_deg, elevation_deg)
    return np.asarray(joints, dtype=np.float64) @ basis[:2].T


def segments(joints2d: np.ndarray, layout: str = "v3") -> np.ndarray:
    """Stick segments (..., 4 * n_segments) from 2D joints (..., 22, 2): (x1, y1, x2, y2) per segment."""
    table = {"v3": V3_SEGMENTS, "legacy": LEGACY_SEGMENTS}
    if layout not in table:
        raise ValueError(f"unsupported segment layout [{layout}]; choose one of {sorted(table)}")
    if joints2d.shape[-2:] != (NUM_JOINTS, 2):
        raise ValueError(f"segments expects (..., {NUM_JOINTS}, 2) joints, got {joints2d.shape}")
    idx = np.array([[JOINT_INDEX[a], JOINT_INDEX[b]] for a, b in table[layout]])
    pairs = joints2d[..., idx, :]  # (..., S, 2, 2)
    return pairs.reshape(*joints2d.shape[:-2], 4 * len(idx))


def mirror(joints: np.ndarray) -> np.ndarray:
    """Mirror canonical joints (..., 22, 3) left <-> right: negate X and swap left/right joints."""
    out = np.asarray(joints)[..., list(MIRROR), :].copy()
    out[..., 0] *= -1.0
    return out


def body_height(joints: np.ndarray) -> float:
    """Median over frames of head height above the lower foot, for one actor's joints (T, 22, 3).

    The head joint sits at about the ear line, so a standing adult measures about 0.9 of stature;
    we add a fixed 10 cm crown allowance to report an estimate of stature in metres.
    """
    feet = joints[:, FOOT_JOINTS, 1].min(axis=1)
    return float(np.median(joints[:, HEAD, 1] - feet) + 0.10)


def is_upright(joints: np.ndarray) -> bool:
    """True when the head is above both feet in most frames of one actor's joints (T, 22, 3)."""
    feet = joints[:, FOOT_JOINTS, 1].max(axis=1)
    return bool(np.mean(joints[:, HEAD, 1] > feet) > 0.5)


def facing_yaw(joints_frame: np.ndarray) -> float:
    """Yaw angle (radians, about +Y) of the body's facing direction for one frame (22, 3).

    The facing direction is perpendicular to the hip and shoulder lines in the floor plane; yaw 0
    means facing +Z, positive yaw turns towards +X.
    """
    across = (joints_frame[JOINT_INDEX["left_hip"]] - joints_frame[JOINT_INDEX["right_hip"]]) + (
        joints_frame[JOINT_INDEX["left_shoulder"]] - joints_frame[JOINT_INDEX["right_shoulder"]]
    )
    forward = np.cross(across, np.array([0.0, 1.0, 0.0]))
    return float(np.arctan2(forward[0], forward[2]))


def rotation_y(angle: float) -> np.ndarray:
    """3x3 rotation about +Y by `angle` radians (right-handed)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def to_canonical_frame(joints: np.ndarray) -> np.ndarray:
    """Place a clip (T, A, 22, 3), already Y-up in metres, in the canonical frame of docs/architecture.md,
    "Canonical data".

    Actor 0 faces +Z with its pelvis at x = z = 0 at frame 0; the lowest foot point of the clip is at
    y = 0. Every actor moves with the same rigid transform, so relative placement is kept.
    """
    if joints.ndim != 4 or joints.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"to_canonical_frame expects (T, A, {NUM_JOINTS}, 3), got {joints.shape}")
    yaw = facing_yaw(joints[0, 0])
    rot = rotation_y(-yaw)
    out = joints.astype(np.float64) @ rot.T
    root = out[0, 0, PELVIS]
    out[..., 0] -= root[0]
    out[..., 2] -= root[2]
    out[..., 1] -= out[:, :, FOOT_JOINTS, 1].min()
    return out.astype(np.float32)
