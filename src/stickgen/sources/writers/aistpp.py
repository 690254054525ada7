"""AIST++ writer: `motions/g<genre>_sBM_cAll_d<dancer>_m<genre><n>_ch<n>.pkl`, SMPL poses, 60 fps, Y up."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.sources.aistpp import GENRES, MOTIONS_DIR
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.smpl_params import smpl_params


def motion_name(index: int) -> str:
    """An AIST++-style name; the genre cycles through the ten genres."""
    codes = list(GENRES)
    genre = codes[index % len(codes)]
    return f"g{genre}_sBM_cAll_d{index % 30 + 1:02d}_m{genre}{index % 6}_ch{index + 1:02d}"


def write_aistpp(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """Write single-actor takes as AIST++ motion pickles (`smpl_trans` is metres times `smpl_scaling`)."""
    folder = out_dir / MOTIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for k, take in enumerate(takes):
        if take.actors != 1:
            raise ValueError(f"write_aistpp: take [{take.name}] has {take.actors} actors; AIST++ holds one")
        root, rotations, _ = take.rig("write_aistpp")
        pose, trans = smpl_params(root[:, 0], rotations[:, 0])
        scaling = 90.0 + 2.5 * (k % 5)
        poses = np.zeros((take.frames, 72))
        poses[:, :66] = pose.reshape(take.frames, 66)
        data = {
            "smpl_loss": np.float64(0.5),
            "smpl_poses": poses,
            "smpl_scaling": np.array([scaling]),
            "smpl_trans": trans * scaling,
        }
        with (folder / f"{motion_name(k)}.pkl").open("wb") as fh:
            pickle.dump(data, fh, protocol=4)
