"""BVH that retargets: a T-pose rest skeleton, SMPL or Mixamo joint names, rotations with limb twist, Y or Z
up, centimetres or metres (docs/inference.md, "BVH").

    text = bvh_text(joints, fps, BvhOptions(rig="mixamo", up="z", units="m"))   # one actor (T, 22, 3)

Rest pose (OFFSETs, all joint rotations zero): a T-pose with the clip's median bone lengths: legs straight
down, feet forward, spine and neck straight up, arms straight out to the sides, facing +Z (-Y when Z is up).
The two rigid torso blocks keep the actor's own shape: the pelvis (hips, lower spine) and the chest (neck,
collars), each as its median over the clip in a frame built from its own joints.

Rotations, parent before child, as global rotations G (rest -> now):
- a joint with several children (pelvis, spine3) fits all its child directions at once (Kabsch);
- a joint with one child takes the shortest swing from its parent's frame onto that child, then, for hips,
  knees, shoulders and the spine, the twist about the bone that best fits the bones below it (`TWIST_FROM`:
  the knee's bend plane and the foot twist the thigh, the foot the shin, the elbow's bend plane the upper
  arm, the shoulder line the spine; elbows bend forward and knees back from the T-pose); a straight limb
  keeps its parent's twist;
- a leaf joint (head, wrists, feet) follows its parent.
Every bone's direction is matched exactly (the torso blocks to their fit), so a motion with rigid bones reads
back to within float precision; bone-length changes, which BVH cannot express, are absorbed.

Channels: `Xposition Yposition Zposition Zrotation Xrotation Yrotation` on the root and `Zrotation Xrotation
Yrotation` on every other joint (rotation matrix Rz @ Rx @ Ry), as most importers (Blender, MotionBuilder,
Unity, Unreal via Blender) expect.

Faces: BVH carries the skeleton only, so a motion's face track (`Motion.face`) is not written; export it as
JSON or NPZ (`stickgen.generate.export`) to keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from stickgen.core.rotations import euler_to_matrix, matrix_to_euler
from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PARENTS

# canonical (Y up, facing +Z) -> Z up facing -Y (AMASS's and Blender's axes): a rotation about X
from stickgen.sources.units import Y_UP_TO_Z_UP

CHILDREN: tuple[tuple[int, ...], ...] = tuple(
    tuple(c for c, p in enumerate(PARENTS) if p == j) for j in range(NUM_JOINTS)
)
RIGS = ("smpl", "mixamo")
UNITS = {"cm": 100.0, "m": 1.0}
MIXAMO_NAMES: dict[str, str] = {
    "pelvis": "Hips",
    "left_hip": "LeftUpLeg",
    "right_hip": "RightUpLeg",
    "spine1": "Spine",
    "left_knee": "LeftLeg",
    "right_knee": "RightLeg",
    "spine2": "Spine1",
    "left_ankle": "LeftFoot",
    "right_ankle": "RightFoot",
    "spine3": "Spine2",
    "left_foot": "LeftToeBase",
    "right_foot": "RightToeBase",
    "neck": "Neck",
    "left_collar": "LeftShoulder",
    "right_collar": "RightShoulder",
    "head": "Head",
    "left_shoulder": "LeftArm",
    "right_shoulder": "RightArm",
    "left_elbow": "LeftForeArm",
    "right_elbow": "RightForeArm",
    "left_wrist": "LeftHand",
    "right_wrist": "RightHand",
}
MIXAMO_PREFIX = "mixamorig:"
# the rigid torso blocks: joint -> (its left child, its right child, its upper child) spanning its frame
TORSO: dict[int, tuple[int, int, int]] = {
    JOINT_INDEX["pelvis"]: (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"], JOINT_INDEX["spine1"]),
    JOINT_INDEX["spine3"]: (JOINT_INDEX["left_collar"], JOINT_INDEX["right_collar"], JOINT_INDEX["neck"]),
}
_X, _Y, _Z = np.eye(3)
# T-pose bone directions (canonical: Y up, facing +Z, the body's left at +X) of the bones below the torso
TPOSE: dict[str, np.ndarray] = {
    "spine2": _Y,
    "spine3": _Y,
    "head": _Y,
    "left_knee": -_Y,
    "right_knee": -_Y,
    "left_ankle": -_Y,
    "right_ankle": -_Y,
    "left_foot": _Z,
    "right_foot": _Z,
    "left_shoulder": _X,
    "right_shoulder": -_X,
    "left_elbow": _X,
    "right_elbow": -_X,
    "left_wrist": _X,
    "right_wrist": -_X,
}
# the hinges: where the lower bone goes when the joint bends from the T-pose (elbows forward, knees back).
# In the T-pose a limb is straight, so its lower bone says nothing about the twist of the joint above; the
# bend plane does
HINGE_BEND: dict[str, np.ndarray] = {"left_elbow": _Z, "right_elbow": _Z, "left_knee": -_Z, "right_knee": -_Z}
# the joints whose twist about their bone is solved, and the bones (named by their end joint) that decide it:
# the knee's bend plane and the foot twist the thigh, the foot the shin, the elbow's bend plane the upper
# arm, the shoulder line the spine. Every other one-child joint (collars, neck, elbows, ankles) keeps its
# parent's twist (the shortest swing), as its own twist is not in the joint positions
TWIST_FROM: dict[str, tuple[str, ...]] = {
    "left_hip": ("left_ankle", "left_foot"),
    "right_hip": ("right_ankle", "right_foot"),
    "left_knee": ("left_foot",),
    "right_knee": ("right_foot",),
    "left_shoulder": ("left_wrist",),
    "right_shoulder": ("right_wrist",),
    "spine1": ("left_collar", "right_collar"),
    "spine2": ("left_collar", "right_collar"),
}


@dataclass(frozen=True)
class BvhOptions:
    """rig: joint names (`smpl`: the canonical SMPL names; `mixamo`: `mixamorig:Hips`, ...); up: `y` or `z`
    (Z up faces -Y, as Blender does); units: `cm` or `m`."""

    rig: Literal["smpl", "mixamo"] = "smpl"
    up: Literal["y", "z"] = "y"
    units: Literal["cm", "m"] = "cm"

    def __post_init__(self) -> None:
        if self.rig not in RIGS:
            raise ValueError(f"BVH rig must be one of {RIGS}, got {self.rig!r}")
        if self.up not in ("y", "z"):
            raise ValueError(f"BVH up axis must be 'y' or 'z', got {self.up!r}")
        if self.units not in UNITS:
            raise ValueError(f"BVH units must be one of {tuple(UNITS)}, got {self.units!r}")

    def names(self) -> list[str]:
        if self.rig == "mixamo":
            return [MIXAMO_PREFIX + MIXAMO_NAMES[n] for n in JOINT_NAMES]
        return list(JOINT_NAMES)

    @property
    def axes(self) -> np.ndarray:
        """The rotation from canonical axes to the file's."""
        return Y_UP_TO_Z_UP if self.up == "z" else np.eye(3)


# --- rotations ------------------------------------------------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def axis_rotation(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations by `angle` (T,) radians about unit `axis` (T, 3) (Rodrigues)."""
    k = np.zeros((len(axis), 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = axis[:, 2], -axis[:, 1], axis[:, 0]
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * k + (1.0 - c) * (k @ k)


def min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) shortest-arc rotations taking unit vectors a (T, 3) onto b (T, 3)."""
    axis = np.cross(a, b)
    sin = np.linalg.norm(axis, axis=-1)
    cos = np.einsum("ti,ti->t", a, b)
    # opposite vectors: a half turn about any axis perpendicular to a
    other = np.where(np.abs(a[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    axis = np.where((sin < 1e-9)[:, None], np.cross(a, other), axis)
    return axis_rotation(_unit(axis), np.arctan2(sin, cos))


def kabsch(rest: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations R minimising sum_i |R rest_i - cur_i|^2; rest (K, 3), cur (T, K, 3)."""
    h = np.einsum("ki,tkj->tij", rest, cur)  # (T, 3, 3) cross-covariance
    u, _, vt = np.linalg.svd(h)
    v, ut = np.swapaxes(vt, 1, 2), np.swapaxes(u, 1, 2)
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = np.sign(np.linalg.det(v @ ut))
    return v @ fix @ ut


def torso_frame(joints: np.ndarray, j: int) -> np.ndarray:
    """(T, 3, 3) the torso block's frame (columns: its left, up, forward) from its own joints (T, 22, 3)."""
    left, right, upper = TORSO[j]
    x = _unit(joints[:, left] - joints[:, right])
    y = joints[:, upper] - joints[:, j]
    y = _unit(y - np.einsum("ti,ti->t", y, x)[:, None] * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


# --- rest pose and solve --------------------------------------------------------------------------------


def rest_offsets(joints: np.ndarray) -> np.ndarray:
    """(22, 3) T-pose offsets in canonical axes (metres) from one actor's joints (T, 22, 3): median bone
    lengths; the torso blocks' own median shape (module docstring)."""
    j = joints.astype(np.float64)
    offsets = np.zeros((NUM_JOINTS, 3))
    frames = {t: torso_frame(j, t) for t in TORSO}
    for c in range(1, NUM_JOINTS):
        p = PARENTS[c]
        bone = j[:, c] - j[:, p]
        length = float(np.median(np.linalg.norm(bone, axis=-1)))
        if p in TORSO:  # the bone in its block's frame, as it usually is
            local = np.einsum("tji,tj->ti", frames[p], bone)
            direction = _unit(np.median(_unit(local), axis=0))
        else:
            direction = TPOSE[JOINT_NAMES[c]]
        offsets[c] = direction * length
    return offsets


def solve(joints: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Global rotations (T, 22, 3, 3) taking the rest pose of `offsets` to `joints` (T, 22, 3)."""
    j = joints.astype(np.float64)
    t = j.shape[0]
    rest_dir = _unit(offsets)
    glob = np.zeros((t, NUM_JOINTS, 3, 3))
    for p in range(NUM_JOINTS):  # parents come before children in the SMPL order
        kids = CHILDREN[p]
        parent = glob[:, PARENTS[p]] if p > 0 else np.broadcast_to(np.eye(3), (t, 3, 3))
        if not kids:
            glob[:, p] = parent
        elif len(kids) > 1:
            glob[:, p] = kabsch(offsets[list(kids)], j[:, list(kids)] - j[:, p : p + 1])
        else:
            c = kids[0]
            axis = _unit(j[:, c] - j[:, p])
            swung = min_rotation(parent @ rest_dir[c], axis) @ parent
            num, den = np.zeros(t), np.zeros(t)
            for v in (JOINT_INDEX[n] for n in TWIST_FROM.get(JOINT_NAMES[p], ())):
                # where the bone would point with this twist: its rest direction, or a hinge's bend direction
                u = PARENTS[v]
                a = swung @ HINGE_BEND.get(JOINT_NAMES[u], rest_dir[v])
                b = _unit(j[:, v] - j[:, u])
                a = a - np.einsum("ti,ti->t", a, axis)[:, None] * axis
                b = b - np.einsum("ti,ti->t", b, axis)[:, None] * axis
                num += np.einsum("ti,ti->t", axis, np.cross(a, b))
                den += np.einsum("ti,ti->t", a, b)
            angle = np.where(np.hypot(num, den) > 1e-6, np.arctan2(num, den), 0.0)
            glob[:, p] = axis_rotation(axis, angle) @ swung
    return glob


def local_rotations(glob: np.ndarray) -> np.ndarray:
    """(T, 22, 3, 3) each joint's rotation relative to its parent's (the root's is global)."""
    local = glob.copy()
    for c in range(1, NUM_JOINTS):
        local[:, c] = np.swapaxes(glob[:, PARENTS[c]], 1, 2) @ glob[:, c]
    return local


def forward(offsets: np.ndarray, root: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Forward kinematics: joints (T, 22, 3) from offsets (22, 3), root positions (T, 3), local rotations."""
    glob = np.zeros_like(local)
    out = np.zeros((root.shape[0], NUM_JOINTS, 3))
    out[:, 0], glob[:, 0] = root, local[:, 0]
    for c in range(1, NUM_JOINTS):
        p = PARENTS[c]
        glob[:, c] = glob[:, p] @ local[:, c]
        out[:, c] = out[:, p] + glob[:, p] @ offsets[c]
    return out


# --- Euler angles and the file --------------------------------------------------------------------------


def euler_zxy(r: np.ndarray) -> np.ndarray:
    """Angles (..., 3) in degrees, ordered (z, x, y), with r = Rz(z) @ Rx(x) @ Ry(y); at gimbal lock
    (x = +-90 deg, where only z +- y is defined) all of it goes in z."""
    return np.degrees(matrix_to_euler(r, "ZXY", lock=True))


def rotation_zxy(angles_deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) = Rz @ Rx @ Ry from (..., 3) angles (z, x, y) in degrees."""
    return euler_to_matrix(np.radians(angles_deg), "ZXY")


def bvh_pose(
    joints: np.ndarray, options: BvhOptions | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One actor's joints (T, 22, 3) in canonical metres -> the file's (offsets (22, 3), root positions
    (T, 3), local angles (T, 22, 3) in degrees, (z, x, y) order), in its axes and units."""
    o = options or BvhOptions()
    m, s = o.axes, UNITS[o.units]
    offsets = rest_offsets(joints)
    local = local_rotations(solve(joints, offsets))
    local = m @ local @ m.T  # the same rotations in the file's axes
    return (offsets @ m.T) * s, (joints[:, 0].astype(np.float64) @ m.T) * s, euler_zxy(local)


def bvh_forward(offsets: np.ndarray, root: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Forward kinematics of `bvh_pose`'s output: joints (T, 22, 3) in the file's axes and units."""
    return forward(offsets, root, rotation_zxy(angles_deg))


def _dfs_order() -> list[int]:
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for c in CHILDREN[j]:
            visit(c)

    visit(0)
    return order


def bvh_text(joints: np.ndarray, fps: float, options: BvhOptions | None = None) -> str:
    """One actor's joints (T, 22, 3) in canonical metres as a BVH document (see the module docstring)."""
    o = options or BvhOptions()
    offsets, root, angles = bvh_pose(joints, o)
    names = o.names()
    lines = ["HIERARCHY"]

    def write(j: int, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if j == 0 else 'JOINT'} {names[j]}")
        lines.append(f"{pad}{{")
        off = offsets[j]
        lines.append(f"{pad}  OFFSET {off[0]:.6f} {off[1]:.6f} {off[2]:.6f}")
        if j == 0:
            lines.append(f"{pad}  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation")
        else:
            lines.append(f"{pad}  CHANNELS 3 Zrotation Xrotation Yrotation")
        for c in CHILDREN[j]:
            write(c, depth + 1)
        if not CHILDREN[j]:  # an end site continues the incoming bone by a quarter of its length
            end = offsets[j] * 0.25
            site = f"{pad}    OFFSET {end[0]:.6f} {end[1]:.6f} {end[2]:.6f}"
            lines.extend([f"{pad}  End Site", f"{pad}  {{", site, f"{pad}  }}"])
        lines.append(f"{pad}}}")

    write(0, 0)
    order = _dfs_order()
    lines += ["MOTION", f"Frames: {joints.shape[0]}", f"Frame Time: {1.0 / fps:.8f}"]
    values = np.concatenate([root, angles[:, order].reshape(len(root), -1)], axis=1)
    lines += [" ".join(f"{v:.5f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"
