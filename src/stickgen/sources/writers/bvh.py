"""BVH writer: a rig (`MotionTake` root, local rotations, offsets) as a BVH file, in several dialects.

A `BvhProfile` fixes what differs between real BVH sources: joint names (Mixamo, CMU, 100STYLE,
Blender), rotation channel order, length unit, up axis, and whether a rest T-pose frame is
prepended (as the CMU conversions do). The 22 SMPL-order joints are written as the hierarchy; the
leaves (head, feet, wrists) get End Sites. `write_bvh_folder` writes a generic BVH dataset folder
that cycles through the profiles, with a `descriptions.tsv` of the takes' captions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stickgen.core.quantize import on_grid
from stickgen.core.rotations import matrix_to_euler
from stickgen.core.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS
from stickgen.sources.descriptions import DESCRIPTIONS_FILE
from stickgen.sources.orient import up_rotation
from stickgen.sources.units import UNITS_M, Y_UP_TO_Z_UP
from stickgen.sources.writers.common import MotionTake, write_lines

_SMPL_ORDER = JOINT_NAMES


def _names(*names: str) -> dict[str, str]:
    assert len(names) == NUM_JOINTS, len(names)
    return dict(zip(_SMPL_ORDER, names, strict=True))


@dataclass(frozen=True)
class BvhProfile:
    """One BVH dialect (see the module docstring)."""

    name: str
    joints: dict[str, str]  # SMPL joint name -> rig joint name
    rotation_order: str  # channel order, e.g. "ZXY"
    unit: str  # a key of sources.units.UNITS_M
    up: str = "y"  # the file's up axis: "y", "z", or signed ("+x", "-y", ...)
    rest_frame: bool = False


MIXAMO = BvhProfile(
    "mixamo",
    _names(
        "mixamorig:Hips",
        "mixamorig:LeftUpLeg",
        "mixamorig:RightUpLeg",
        "mixamorig:Spine",
        "mixamorig:LeftLeg",
        "mixamorig:RightLeg",
        "mixamorig:Spine1",
        "mixamorig:LeftFoot",
        "mixamorig:RightFoot",
        "mixamorig:Spine2",
        "mixamorig:LeftToeBase",
        "mixamorig:RightToeBase",
        "mixamorig:Neck",
        "mixamorig:LeftShoulder",
        "mixamorig:RightShoulder",
        "mixamorig:Head",
        "mixamorig:LeftArm",
        "mixamorig:RightArm",
        "mixamorig:LeftForeArm",
        "mixamorig:RightForeArm",
        "mixamorig:LeftHand",
        "mixamorig:RightHand",
    ),
    "ZXY",
    "cm",
)
CMU = BvhProfile(
    "cmu",
    _names(
        "Hips",
        "LeftUpLeg",
        "RightUpLeg",
        "LowerBack",
        "LeftLeg",
        "RightLeg",
        "Spine",
        "LeftFoot",
        "RightFoot",
        "Spine1",
        "LeftToeBase",
        "RightToeBase",
        "Neck",
        "LeftShoulder",
        "RightShoulder",
        "Head",
        "LeftArm",
        "RightArm",
        "LeftForeArm",
        "RightForeArm",
        "LeftHand",
        "RightHand",
    ),
    "ZYX",
    "cmu",
    rest_frame=True,
)
BLENDER = BvhProfile(
    "blender",
    _names(
        "pelvis",
        "thigh.L",
        "thigh.R",
        "spine",
        "shin.L",
        "shin.R",
        "spine.001",
        "foot.L",
        "foot.R",
        "spine.002",
        "toe.L",
        "toe.R",
        "neck",
        "shoulder.L",
        "shoulder.R",
        "head",
        "upper_arm.L",
        "upper_arm.R",
        "forearm.L",
        "forearm.R",
        "hand.L",
        "hand.R",
    ),
    "XYZ",
    "m",
    up="z",
)
STYLE100 = BvhProfile(
    "100style",
    _names(
        "Hips",
        "LeftHip",
        "RightHip",
        "Chest",
        "LeftKnee",
        "RightKnee",
        "Chest2",
        "LeftAnkle",
        "RightAnkle",
        "Chest3",
        "LeftToe",
        "RightToe",
        "Neck",
        "LeftCollar",
        "RightCollar",
        "Head",
        "LeftShoulder",
        "RightShoulder",
        "LeftElbow",
        "RightElbow",
        "LeftWrist",
        "RightWrist",
    ),
    "YXZ",
    "cm",
)
PROFILES: tuple[BvhProfile, ...] = (MIXAMO, CMU, BLENDER)

HEAD_TOP_M = 0.02  # End Site above the head joint
TOE_TIP_M = 0.05  # End Site in front of the ball of the foot
HAND_TIP_M = 0.08  # End Site beyond the wrist, along the forearm


def _turn(up: str) -> np.ndarray:
    """The rotation from canonical Y-up axes to a file whose up axis is `up`."""
    if up == "z":
        return Y_UP_TO_Z_UP
    axis, sign = "xyz".index(up[-1]), -1 if up.startswith("-") else 1
    return up_rotation(axis, sign).T


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for j, p in enumerate(PARENTS):
        out.setdefault(p, []).append(j)
    return out


def _end_site(j: int, offsets: np.ndarray) -> np.ndarray:
    name = JOINT_NAMES[j]
    if name == "head":
        return np.array([0.0, HEAD_TOP_M, 0.0])
    if name.endswith("_foot"):
        return np.array([0.0, 0.0, TOE_TIP_M])
    along = offsets[j] / max(float(np.linalg.norm(offsets[j])), 1e-9)  # the forearm direction
    return HAND_TIP_M * along


def bvh_text(take: MotionTake, profile: BvhProfile, actor: int = 0) -> str:
    """One actor of a take as BVH text in `profile`'s dialect, at the take's frame rate."""
    root, rotations, offsets = take.rig("write_bvh")
    root, rot, off = root[:, actor], rotations[:, actor].copy(), offsets[actor]
    turn = _turn(profile.up)
    rot = turn @ rot @ turn.T  # local frames expressed in the file's world axes
    scale = 1.0 / UNITS_M[profile.unit]
    off_file = on_grid(off @ turn.T * scale, 6)  # the decimals written below (stickgen.core.quantize)
    children = _children()
    order: list[int] = []
    lines = ["HIERARCHY"]
    chans = " ".join(f"{a}rotation" for a in profile.rotation_order)

    def emit(j: int, depth: int) -> None:
        pad = "\t" * depth
        order.append(j)
        kind = "ROOT" if PARENTS[j] < 0 else "JOINT"
        lines.append(f"{pad}{kind} {profile.joints[JOINT_NAMES[j]]}")
        lines.append(f"{pad}{{")
        x, y, z = off_file[j]
        lines.append(f"{pad}\tOFFSET {x:.6f} {y:.6f} {z:.6f}")
        if PARENTS[j] < 0:
            lines.append(f"{pad}\tCHANNELS 6 Xposition Yposition Zposition {chans}")
        else:
            lines.append(f"{pad}\tCHANNELS 3 {chans}")
        kids = children.get(j, [])
        for c in kids:
            emit(c, depth + 1)
        if not kids:
            ex, ey, ez = on_grid((_end_site(j, off) @ turn.T) * scale, 6)
            lines.extend(
                [
                    f"{pad}\tEnd Site",
                    f"{pad}\t{{",
                    f"{pad}\t\tOFFSET {ex:.6f} {ey:.6f} {ez:.6f}",
                    f"{pad}\t}}",
                ]
            )
        lines.append(f"{pad}}}")

    emit(0, 0)
    angles = np.degrees(matrix_to_euler(rot[:, order], profile.rotation_order))  # (T, 22, 3)
    pos = root @ turn.T * scale  # (T, 3)
    values = on_grid(np.concatenate([pos, angles.reshape(take.frames, -1)], axis=1), 4)
    if profile.rest_frame:
        rest = np.zeros((1, values.shape[1]))
        rest[0, :3] = values[0, :3]
        values = np.concatenate([rest, values])
    lines += ["MOTION", f"Frames: {values.shape[0]}", f"Frame Time: {1.0 / take.fps:.7f}"]
    lines += [" ".join(f"{v:.4f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def write_bvh(path: Path, take: MotionTake, profile: BvhProfile) -> None:
    """Write one single-actor take as a BVH file."""
    if take.actors != 1:
        raise ValueError(f"write_bvh: take [{take.name}] has {take.actors} actors; a BVH file holds one")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bvh_text(take, profile))


def write_descriptions(out_dir: Path, takes: Sequence[tuple[str, Sequence[str]]]) -> None:
    """`descriptions.tsv`: a header, then one `clip<TAB>caption` row per caption."""
    rows = ["clip\tdescription"]
    rows += [f"{stem}\t{' '.join(c.split())}" for stem, captions in takes for c in captions]
    write_lines(out_dir / DESCRIPTIONS_FILE, rows)


def write_bvh_folder(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """A generic BVH dataset: `<profile>/<name>.bvh`, cycling through `PROFILES`, + descriptions.tsv."""
    described = []
    for k, take in enumerate(takes):
        profile = PROFILES[k % len(PROFILES)]
        write_bvh(out_dir / profile.name / f"{take.name}.bvh", take, profile)
        described.append((take.name, take.texts))
    write_descriptions(out_dir, described)
