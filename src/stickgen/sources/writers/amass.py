"""AMASS writer: `<sub-dataset>/<subject>/<label>_poses.npz` (SMPL-H) or `_stageii.npz` (SMPL-X), Z up.

Takes alternate between SMPL-H and SMPL-X files and between the ways AMASS stores the gender (str,
bytes), so the samples exercise both; each subject folder also gets a `shape.npz` (skipped by the
converter). The label is the take's action and name (AMASS file names are the only text it has).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.sources.units import Y_UP_TO_Z_UP
from stickgen.sources.writers.common import MotionTake, save_npz
from stickgen.sources.writers.smpl_params import smpl_params

SUB_DATASET = "StickgenSynth"
TAKES_PER_SUBJECT = 4
NUM_BETAS = 16
_GENDERS = ("male", "female", "neutral")


def amass_arrays(take: MotionTake, family: str, gender: str | bytes) -> dict[str, np.ndarray]:
    """The arrays of one AMASS motion file for a single-actor take."""
    root, rotations, _ = take.rig("write_amass")
    pose, trans = smpl_params(root[:, 0], rotations[:, 0], Y_UP_TO_Z_UP)
    t = take.frames
    width = {"smplh": 156, "smplx": 165}[family]
    poses = np.zeros((t, width))
    poses[:, :66] = pose.reshape(t, 66)
    gender_arr = np.array(gender)
    out = {"trans": trans, "gender": gender_arr, "betas": np.zeros(NUM_BETAS)}
    if family == "smplh":
        out.update(poses=poses, mocap_framerate=np.array(float(take.fps)), dmpls=np.zeros((t, 8)))
    else:
        out.update(
            poses=poses,
            mocap_frame_rate=np.array(float(take.fps)),
            surface_model_type=np.array("smplx"),
            root_orient=poses[:, :3],
            pose_body=poses[:, 3:66],
        )
    return out


def write_amass(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """Write single-actor takes as AMASS motion files (see the module docstring)."""
    for k, take in enumerate(takes):
        if take.actors != 1:
            raise ValueError(f"write_amass: take [{take.name}] has {take.actors} actors; AMASS holds one")
        family = "smplh" if k % 2 == 0 else "smplx"
        gender = _GENDERS[k % 3]
        stored: str | bytes = gender.encode() if k % 4 == 1 else gender
        subject = out_dir / SUB_DATASET / f"S{k // TAKES_PER_SUBJECT + 1:02d}"
        suffix = "_poses" if family == "smplh" else "_stageii"
        save_npz(subject / f"{take.action}_{take.name}{suffix}.npz", amass_arrays(take, family, stored))
        save_npz(subject / "shape.npz", {"betas": np.zeros(NUM_BETAS), "gender": np.array(gender)})
