"""Evaluate a checkpoint on held-out data: the metrics report of one (variant, phase)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import torch

from stickgen.dataset import StickFigureDataset
from stickgen.eval.metrics import motion_mse
from stickgen.features import FeatureStats
from stickgen.inference.sample import generate_joints
from stickgen.text import EncoderInfo
from stickgen.train.checkpoint import load_checkpoint, model_from_checkpoint
from stickgen.train.loop import validation_loss


def evaluate_checkpoint(
    checkpoint: Path, val_data: Path, test_data: Path, max_clips: int, seed: int, batch_size: int = 16
) -> dict:
    """Validation loss (generated vs real, val split) and motion MSE (generated vs real, test split).

    Every motion is generated from text alone (first caption, the real clip's length and actor
    count); nothing is teacher-forced. `max_clips` test clips are drawn with `seed`.
    """
    ckpt = load_checkpoint(checkpoint)
    model = model_from_checkpoint(ckpt)
    stats = FeatureStats.from_dict(ckpt["feature_stats"])
    enc = EncoderInfo(**ckpt["text_encoder"])
    max_actors, max_frames = model.cfg.max_actors, model.cfg.max_frames
    val = StickFigureDataset(val_data, stats, max_actors, max_frames, seed, random_caption=False)
    test = StickFigureDataset(test_data, stats, max_actors, max_frames, seed, random_caption=False)
    for data, path in ((val, val_data), (test, test_data)):
        enc.check_matches(data.text_encoder, str(path))
    torch.manual_seed(seed)
    val_loss = validation_loss(model, val, batch_size)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.permutation(len(test))[: min(max_clips, len(test))])
    errors = []
    for start in range(0, len(idx), batch_size):
        chunk = [int(i) for i in idx[start : start + batch_size]]
        real = [test.store.joints(i)[:max_frames] for i in chunk]
        text = torch.stack([test[i]["text"] for i in chunk])
        gen = generate_joints(model, stats, text, [r.shape[0] for r in real], [r.shape[1] for r in real])
        errors += [motion_mse(g, r) for g, r in zip(gen, real, strict=True)]
    cfg = ckpt["config"]
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "variant": cfg["variant"],
        "phase": cfg["phase"],
        "checkpoint": str(checkpoint),
        "n_test_clips": len(errors),
        "val_loss": float(val_loss),
        "motion_mse": float(np.mean(errors)),
    }


def write_report(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
