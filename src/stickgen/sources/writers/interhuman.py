"""InterHuman writer: `motions/<id>.pkl` (person1 / person2 SMPL parameters, Z up) + `annots/<id>.txt`."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.sources.interhuman import ANNOTS_DIR, MOTIONS_DIR, NATIVE_FPS, PEOPLE
from stickgen.sources.units import Y_UP_TO_Z_UP
from stickgen.sources.writers.common import MotionTake, split_names, write_lines
from stickgen.sources.writers.smpl_params import smpl_params

FIRST_ID = 1001


def write_interhuman(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """Write two-actor takes in InterHuman's layout; the frame rate is stored only when it is not the
    release's capture rate (the converter assumes that one)."""
    (out_dir / MOTIONS_DIR).mkdir(parents=True, exist_ok=True)
    (out_dir / ANNOTS_DIR).mkdir(parents=True, exist_ok=True)
    names = []
    for k, take in enumerate(takes):
        if take.actors != 2:
            raise ValueError(
                f"write_interhuman: take [{take.name}] has {take.actors} actors; InterHuman has two"
            )
        root, rotations, _ = take.rig("write_interhuman")
        data: dict[str, object] = {}
        for a, who in enumerate(PEOPLE):
            pose, trans = smpl_params(root[:, a], rotations[:, a], Y_UP_TO_Z_UP)
            data[who] = {
                "trans": trans,
                "root_orient": pose[:, 0],
                "pose_body": pose[:, 1:].reshape(take.frames, 63),
                "betas": np.zeros(10),
            }
        if abs(take.fps - NATIVE_FPS) > 1e-9:
            data["mocap_framerate"] = float(take.fps)
        name = str(FIRST_ID + k)
        names.append(name)
        with (out_dir / MOTIONS_DIR / f"{name}.pkl").open("wb") as fh:
            pickle.dump(data, fh, protocol=4)
        write_lines(out_dir / ANNOTS_DIR / f"{name}.txt", list(take.texts))
    for split, members in split_names(names, seed).items():
        write_lines(out_dir / f"{split}.txt", members)
    write_lines(out_dir / "ignore_list.txt", [])
