"""ASF/AMC writer: a rig as a CMU-style Acclaim skeleton (`<subject>/<subject>.asf`) and motion
(`<subject>/<subject>_01.amc`), 120 fps, CMU length units (1/0.45 inch), Y up.

Each rig joint with children becomes one bone per child, from the joint to the child (siblings that
start at one joint carry its rotation), and the leaves (head, feet, wrists) get a short end bone.
Bones hanging from the root carry no rotation of their own (the root orientation moves them). Leg
bones get a tilted `axis` as in the CMU skeletons, so the local frames of the format are exercised.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.quantize import on_grid
from stickgen.core.rotations import euler_to_matrix, matrix_to_euler
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.asf_format import INCH_M
from stickgen.sources.writers.bvh import HAND_TIP_M, HEAD_TOP_M, TOE_TIP_M, write_descriptions
from stickgen.sources.writers.common import MotionTake

LENGTH_MULTIPLIER = 0.45
UNIT_M = INCH_M / LENGTH_MULTIPLIER
FIRST_SUBJECT = 91
# (start joint, end joint or None for a leaf's end bone) -> bone name
BONES: dict[tuple[str, str | None], str] = {
    ("pelvis", "left_hip"): "lhipjoint",
    ("left_hip", "left_knee"): "lfemur",
    ("left_knee", "left_ankle"): "ltibia",
    ("left_ankle", "left_foot"): "lfoot",
    ("left_foot", None): "ltoes",
    ("pelvis", "right_hip"): "rhipjoint",
    ("right_hip", "right_knee"): "rfemur",
    ("right_knee", "right_ankle"): "rtibia",
    ("right_ankle", "right_foot"): "rfoot",
    ("right_foot", None): "rtoes",
    ("pelvis", "spine1"): "lowerback",
    ("spine1", "spine2"): "upperback",
    ("spine2", "spine3"): "thorax",
    ("spine3", "neck"): "upperthorax",
    ("neck", "head"): "lowerneck",
    ("head", None): "head",
    ("spine3", "left_collar"): "lclavicle",
    ("left_collar", "left_shoulder"): "lscapula",
    ("left_shoulder", "left_elbow"): "lhumerus",
    ("left_elbow", "left_wrist"): "lradius",
    ("left_wrist", None): "lwrist",
    ("spine3", "right_collar"): "rclavicle",
    ("right_collar", "right_shoulder"): "rscapula",
    ("right_shoulder", "right_elbow"): "rhumerus",
    ("right_elbow", "right_wrist"): "rradius",
    ("right_wrist", None): "rwrist",
}
LEG_AXIS_DEG = 20.0


def _bone_axis(name: str) -> np.ndarray:
    if name[1:] in ("femur", "tibia"):
        return np.array([0.0, 0.0, LEG_AXIS_DEG if name[0] == "l" else -LEG_AXIS_DEG])
    return np.zeros(3)


def _leaf_vector(joint: str, offsets: np.ndarray) -> np.ndarray:
    if joint == "head":
        return np.array([0.0, HEAD_TOP_M, 0.0])
    if joint.endswith("_foot"):
        return np.array([0.0, 0.0, TOE_TIP_M])
    o = offsets[JOINT_INDEX[joint]]
    return HAND_TIP_M * o / max(float(np.linalg.norm(o)), 1e-9)


def _bones(offsets: np.ndarray) -> list[tuple[str, str, str, np.ndarray]]:
    """(bone, parent bone, start joint, vector in metres) in topological order."""
    out = []
    bone_ending_at = {"pelvis": "root"}
    for (start, end), name in BONES.items():
        vec = _leaf_vector(start, offsets) if end is None else offsets[JOINT_INDEX[end]]
        out.append((name, bone_ending_at[start], start, vec))
        if end is not None:
            bone_ending_at[end] = name
    return out


def asf_text(name: str, offsets: np.ndarray) -> str:
    """The skeleton file of one actor's rest offsets."""
    lines = [
        "# AST/ASF file written by stickgen (synthetic sample)",
        ":version 1.10", f":name {name}", ":units", "  mass 1.0", f"  length {LENGTH_MULTIPLIER}",
        "  angle deg",
        ":documentation", "   stickgen sample skeleton",
        ":root", "   order TX TY TZ RX RY RZ", "   axis XYZ", "   position 0 0 0", "   orientation 0 0 0",
        ":bonedata",
    ]  # fmt: skip
    for i, (bone, parent, _, vec) in enumerate(_bones(offsets), start=1):
        length = float(np.linalg.norm(vec))
        d = on_grid(vec / max(length, 1e-12), 6)  # the decimals written (stickgen.core.quantize)
        ax = _bone_axis(bone)
        lines += [
            "  begin",
            f"     id {i}",
            f"     name {bone}",
            f"     direction {d[0]:.6f} {d[1]:.6f} {d[2]:.6f}",
        ]
        stored_length = float(on_grid(length / UNIT_M, 6))
        lines += [f"     length {stored_length:.6f}", f"     axis {ax[0]:g} {ax[1]:g} {ax[2]:g}  XYZ"]
        if parent != "root":
            lines += [
                "    dof rx ry rz",
                "    limits (-180.0 180.0)",
                "           (-180.0 180.0)",
                "           (-180.0 180.0)",
            ]
        lines.append("  end")
    children: dict[str, list[str]] = {}
    for bone, parent, _, _ in _bones(offsets):
        children.setdefault(parent, []).append(bone)
    lines += [":hierarchy", "  begin"] + [f"    {p} {' '.join(c)}" for p, c in children.items()] + ["  end"]
    return "\n".join(lines) + "\n"


def amc_text(take: MotionTake, actor: int = 0) -> str:
    """The motion file of one actor: root translation + orientation, then each bone's rx ry rz."""
    root, rotations, offsets = take.rig("write_asf_amc")
    rot = rotations[:, actor]
    bones = _bones(offsets[actor])
    root_angles = np.degrees(matrix_to_euler(rot[:, 0], "ZYX"))[:, ::-1]  # extrinsic XYZ: rx ry rz
    per_bone = {}
    for bone, parent, start, _ in bones:
        if parent == "root":
            continue
        c = euler_to_matrix(np.radians(_bone_axis(bone)[::-1]), "ZYX")  # the axis rotation, extrinsic XYZ
        m = c.T @ rot[:, JOINT_INDEX[start]] @ c
        per_bone[bone] = np.degrees(matrix_to_euler(m, "ZYX"))[:, ::-1]
    # on the written decimals first (stickgen.core.quantize): no "-0.00000" on one CPU and "0.00000" on
    # another
    pos = on_grid(root[:, actor] / UNIT_M, 5)
    root_angles = on_grid(root_angles, 5)
    per_bone = {b: on_grid(a, 5) for b, a in per_bone.items()}
    lines = ["#!OML:ASF stickgen sample", ":FULLY-SPECIFIED", ":DEGREES"]
    for f in range(take.frames):
        lines.append(str(f + 1))
        lines.append("root " + " ".join(f"{v:.5f}" for v in (*pos[f], *root_angles[f])))
        lines += [f"{b} " + " ".join(f"{v:.5f}" for v in a[f]) for b, a in per_bone.items()]
    return "\n".join(lines) + "\n"


def write_asf_amc(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """Write single-actor takes (120 fps), one subject folder each, + descriptions.tsv."""
    described = []
    for k, take in enumerate(takes):
        if take.actors != 1:
            raise ValueError(f"write_asf_amc: take [{take.name}] has {take.actors} actors; AMC holds one")
        _, _, offsets = take.rig("write_asf_amc")
        subject = f"{FIRST_SUBJECT + k:02d}"
        folder = out_dir / subject
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{subject}.asf").write_text(asf_text(subject, offsets[0]))
        (folder / f"{subject}_01.amc").write_text(amc_text(take))
        described.append((f"{subject}_01", take.texts))
    write_descriptions(out_dir, described)
