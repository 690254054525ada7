"""Checkpoints: atomic `.pth` writes, safe (`weights_only`) loads, and the resume precedence.

A checkpoint is a plain dict: `model_state_dict`, `optimizer_state_dict`, `scheduler_state_dict`,
`epoch`, `step`, `rng_state`, `config` (`model`, `train`, `variant`, `phase`), `feature_stats`,
`text_encoder` ({name, dim}), `best_val_loss`. It loads with `torch.load(..., weights_only=True)`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch

from stickgen.canonical import atomic_torch_save

BEST = "model_checkpoint_best.pth"
FINAL = "model_checkpoint.pth"
LATEST = "checkpoint_latest.pth"
EPOCH_PATTERN = re.compile(r"checkpoint_epoch_(\d+)\.pth$")
REQUIRED_KEYS = ("model_state_dict", "epoch", "step", "config", "feature_stats", "text_encoder")


def epoch_name(epoch: int) -> str:
    return f"checkpoint_epoch_{epoch}.pth"


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Atomic write: a kill during the save leaves the previous file intact."""
    atomic_torch_save(state, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True`; a clear error names the file and what is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # corrupt or foreign files raise several types
        raise ValueError(f"{path}: not a readable stickgen checkpoint: {exc}") from exc
    missing = [k for k in REQUIRED_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{path}: checkpoint lacks {missing}")
    return ckpt


def resolve_resume(
    cli_resume: str | None, config_resume: str, out_dir: Path, env: dict[str, str] | None = None
) -> tuple[Path | None, str]:
    """Pick the checkpoint to resume from, by design §6 precedence.

    `--resume_from` > env `RESUME_FROM_CHECKPOINT` > `train.<phase>.resume_from` > the stage's own
    latest checkpoint (`checkpoint_latest.pth` in `out_dir`). Returns (path or None, which source).
    """
    env = os.environ if env is None else env
    for value, source in (
        (cli_resume, "--resume_from"),
        (env.get("RESUME_FROM_CHECKPOINT", ""), "RESUME_FROM_CHECKPOINT"),
        (config_resume, "train.resume_from"),
    ):
        if value:
            path = Path(value)
            if not path.is_file():
                raise FileNotFoundError(f"{source} points to a missing checkpoint: {path}")
            return path, source
    own = out_dir / LATEST
    return (own, "own latest checkpoint") if own.is_file() else (None, "fresh start")


def model_from_checkpoint(ckpt: dict[str, Any]):
    """Rebuild the model from the checkpoint's own config (never from the current params.yaml)."""
    from stickgen.model.transformer import StickFigureTransformer, TransformerConfig

    model = StickFigureTransformer(TransformerConfig(**ckpt["config"]["model"]))
    model.load_state_dict(ckpt["model_state_dict"])
    return model.eval()
