"""KIT-ML writer: the HumanML3D-style release with (T, 21, 3) KIT joints in millimetres at 12.5 fps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.kit_ml import KIT_JOINTS, NUM_KIT_JOINTS, UNIT_M
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.humanml3d import write_release

# KIT joint -> the SMPL joint it is written from (toe tips are extrapolated from the foot)
_FROM_SMPL: dict[str, str] = {
    "root": "pelvis", "BP": "spine1", "BT": "spine3", "BLN": "neck", "BUN": "head",
    "RS": "right_shoulder", "RE": "right_elbow", "RW": "right_wrist",
    "LS": "left_shoulder", "LE": "left_elbow", "LW": "left_wrist",
    "RH": "right_hip", "RK": "right_knee", "RA": "right_ankle", "RMrot": "right_foot",
    "LH": "left_hip", "LK": "left_knee", "LA": "left_ankle", "LMrot": "left_foot",
}  # fmt: skip
TOE_EXTENSION = 0.4  # toe tip = ball + this * (ball - ankle)
# The mirror image: X negated, right and left joints swapped.
MIRROR: tuple[int, ...] = (0, 1, 2, 3, 4, 8, 9, 10, 5, 6, 7, 16, 17, 18, 19, 20, 11, 12, 13, 14, 15)


def smpl_to_kit(joints: np.ndarray) -> np.ndarray:
    """(T, 22, 3) SMPL joints (metres) -> (T, 21, 3) KIT joints (metres)."""
    out = np.empty((joints.shape[0], NUM_KIT_JOINTS, 3))
    for k, name in enumerate(KIT_JOINTS):
        if name in _FROM_SMPL:
            out[:, k] = joints[:, JOINT_INDEX[_FROM_SMPL[name]]]
    for side, ball, tip in (("right", "RMrot", "RF"), ("left", "LMrot", "LF")):
        ankle = joints[:, JOINT_INDEX[f"{side}_ankle"]]
        b = out[:, KIT_JOINTS.index(ball)]
        out[:, KIT_JOINTS.index(tip)] = b + TOE_EXTENSION * (b - ankle)
    return out


def mirror_kit(kit: np.ndarray) -> np.ndarray:
    out = kit[:, list(MIRROR)].copy()
    out[..., 0] *= -1.0
    return out


def write_kit_ml(out_dir: Path, takes: Sequence[MotionTake], split_seed: int, mirrored: bool = False) -> None:
    """Write single-actor takes (12.5 fps) in KIT-ML's HumanML3D-style layout (see `sources.kit_ml`)."""
    entries = []
    for t in takes:
        if t.actors != 1:
            raise ValueError(f"write_kit_ml: take [{t.name}] has {t.actors} actors; KIT-ML holds one")
        entries.append((t.name, smpl_to_kit(t.joints[:, 0]) / UNIT_M, list(t.texts)))
    write_release(
        out_dir, entries, split_seed, mirrored, n_joints=NUM_KIT_JOINTS, mirror_fn=mirror_kit, index=False
    )
