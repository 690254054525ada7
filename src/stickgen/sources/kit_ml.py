"""KIT Motion-Language in its HumanML3D-style release (`kit_ml`).

Layout (the `KIT-ML` folder of the HumanML3D release): the same as `sources.humanml3d` (`new_joints/`,
`texts/`, `train.txt` / `val.txt` / `test.txt` / `all.txt`, `M`-prefixed mirrored copies skipped), but
`new_joints/<name>.npy` holds (T, 21, 3) KIT (MMM) joints in millimetres, Y up, at 12.5 fps.

KIT joint order and the SMPL joints they become (by name):

    0 root -> pelvis        1 BP (lower back)     2 BT (thorax)       3 BLN (neck base) -> neck
    4 BUN (head) -> head    5/8 right/left shoulder -> shoulders      6/9 elbows   7/10 wrists
    11/16 right/left hip -> hips   12/17 knees   13/18 ankles   14/19 ball of foot -> feet   15/20 toe tips

spine1-3 lie on the root -> BP -> BT -> BLN polyline and the collars are derived (`sources.retarget`);
the toe tips are not used. Every clip lists the derived joints in meta.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stickgen.sources.humanml3d import HumanML3DConverter
from stickgen.sources.retarget import BodyPoints, smpl_joints

NAME = "kit_ml"
NATIVE_FPS = 12.5
NUM_KIT_JOINTS = 21
UNIT_M = 0.001  # the release's joints are millimetres
LICENCE = "kit_ml (KIT Motion-Language Dataset; see docs/datasets.md#kit_ml)"
KIT_JOINTS: tuple[str, ...] = (
    "root", "BP", "BT", "BLN", "BUN",
    "RS", "RE", "RW", "LS", "LE", "LW",
    "RH", "RK", "RA", "RMrot", "RF",
    "LH", "LK", "LA", "LMrot", "LF",
)  # fmt: skip


def kit_to_smpl(kit: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(T, 21, 3) KIT joints in metres -> (T, 22, 3) SMPL joints and the derived joint names."""
    assert kit.shape[1:] == (NUM_KIT_JOINTS, 3), kit.shape
    k = {name: kit[:, i] for i, name in enumerate(KIT_JOINTS)}
    points = BodyPoints(
        pelvis=k["root"],
        left_hip=k["LH"],
        right_hip=k["RH"],
        left_knee=k["LK"],
        right_knee=k["RK"],
        left_ankle=k["LA"],
        right_ankle=k["RA"],
        neck=k["BLN"],
        head=k["BUN"],
        left_shoulder=k["LS"],
        right_shoulder=k["RS"],
        left_elbow=k["LE"],
        right_elbow=k["RE"],
        left_wrist=k["LW"],
        right_wrist=k["RW"],
        back=[k["root"], k["BP"], k["BT"], k["BLN"]],
        left_foot=k["LMrot"],
        right_foot=k["RMrot"],
    )
    return smpl_joints(points)


class KITMLConverter(HumanML3DConverter):
    """KIT-ML's HumanML3D-style release (see the module docstring)."""

    name = NAME
    native_fps = NATIVE_FPS
    licence = LICENCE
    n_joints = NUM_KIT_JOINTS

    def to_smpl(self, arr: np.ndarray, label: str) -> tuple[np.ndarray, dict[str, Any]]:
        joints, derived = kit_to_smpl(arr * UNIT_M)
        return joints, {"units": "mm", "derived_joints": derived, "skeleton": "KIT MMM (21 joints)"}
