"""Checkpoints: atomic `.pth` writes, safe (`weights_only`) loads, resume precedence, weights-only init.

A checkpoint is a plain dict: `model_state_dict` (LoRA phase: the adapters only), `optimizer_state_dict`,
`scheduler_state_dict`, `epoch`, `step`, `rng_state`, `config` (`model`, `refiner`, `train`,
`diffusion`, `variant`, `phase`, `data`, `init`, `world_size`, `code`), `feature_stats`, `text_encoder`
({name, dim}) and `best_val_loss`. It loads with `torch.load(..., weights_only=True)`.

Files in a phase's folder: `model_checkpoint_best.pth` (best validation loss), `checkpoint_epoch_{N}.pth`
(every `save_every_epochs`), `checkpoint_latest.pth` (the resume point, every `resume_every_steps` steps
and at each epoch end) and `model_checkpoint.pth` (final).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from stickgen.core.canonical import atomic_torch_save, torch_load_failure
from stickgen.model.lora import load_lora_state_dict
from stickgen.model.memory import MotionMemory

if TYPE_CHECKING:
    from stickgen.core.config import PhaseConfig
    from stickgen.model.motion_model import StickFigureModel
    from stickgen.train.loop import RunSpec

BEST = "model_checkpoint_best.pth"
FINAL = "model_checkpoint.pth"
LATEST = "checkpoint_latest.pth"
EPOCH_PATTERN = re.compile(r"checkpoint_epoch_(\d+)\.pth$")
BASE_PATH = "lora_base_path"  # load_checkpoint's resolved location of a LoRA checkpoint's base
REQUIRED_KEYS = ("model_state_dict", "epoch", "step", "config", "feature_stats", "text_encoder")
OWN_LATEST = "own latest checkpoint"
# the code that defines a training run: a change here makes an old resume point stale
_CODE_FILES = ("model/*.py", "train/*.py", "embed/dataset.py", "core/features.py")


def epoch_name(epoch: int) -> str:
    return f"checkpoint_epoch_{epoch}.pth"


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> None:
    """Atomic write (temporary file + fsync + rename): a kill during the save leaves the previous file."""
    atomic_torch_save(state, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint with `weights_only=True`; a clear error names the file and what is missing.

    A LoRA checkpoint's base (config `init.path`, relative to the repository it was trained in) is the file
    at that path from the checkpoint's folder or its nearest parent, whatever the working directory.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # corrupt or foreign files raise several types
        reason = torch_load_failure(path, exc)
        raise ValueError(f"{path}: not a readable stickgen checkpoint: {reason}") from exc
    missing = [k for k in REQUIRED_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise ValueError(f"{path}: checkpoint lacks {missing}")
    init = ckpt["config"].get("init")
    if init:
        # the base was recorded relative to the repository the adapters were trained in: it is the file at
        # that path from the checkpoint's own place (read from another working directory, or a clone)
        recorded = Path(init["path"])
        found = next((r / recorded for r in path.resolve().parents if (r / recorded).is_file()), recorded)
        ckpt[BASE_PATH] = str(found)  # derived at load time, never saved; the config keeps the record
    return ckpt


def checkpoint_fps(ckpt: dict[str, Any]) -> float | None:
    """The frame rate a checkpoint's training data had (`config.fps`; older ones: `config.data.fps`), or
    None when it records none."""
    config = ckpt["config"]
    fps = config.get("fps", (config.get("data") or {}).get("fps"))
    return None if fps is None else float(fps)


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_fingerprint() -> str:
    """A short hash of the model and training source: part of a run's identity."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for pattern in _CODE_FILES:
        for f in sorted(root.glob(pattern)):
            h.update(f.relative_to(root).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def resolve_resume(
    cli_resume: str | None, config_resume: str, out_dir: Path, env: dict[str, str] | None = None
) -> tuple[Path | None, str]:
    """Pick the checkpoint to resume from, by docs/architecture.md, "Training" precedence.

    `--resume_from` > env `RESUME_FROM_CHECKPOINT` > `train.<phase>.resume_from` > the stage's own
    latest checkpoint (`checkpoint_latest.pth` in `out_dir`; the caller checks that its config matches).
    Returns (path or None, which source).
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
    return (own, OWN_LATEST) if own.is_file() else (None, "fresh start")


def load_weights(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Strict weights-only load; a mismatch lists the missing, unexpected and reshaped keys (a motion
    memory takes the size of the stored one)."""
    for name, module in model.named_modules():
        if isinstance(module, MotionMemory):
            module.adopt_shapes(state, f"{name}." if name else "")
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    reshaped = sorted(
        f"{k} {tuple(state[k].shape)} -> {tuple(own[k].shape)}"
        for k in set(own) & set(state)
        if own[k].shape != state[k].shape
    )
    if missing or unexpected or reshaped:
        raise ValueError(
            f"{source} does not fit this model: missing keys {missing}; unexpected keys {unexpected}; "
            f"shape mismatches {reshaped}"
        )
    model.load_state_dict(state)


def full_state_dict(ckpt: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The complete model weights of a checkpoint (a LoRA checkpoint: its base with the adapters merged)."""
    if "lora" not in ckpt["config"]:
        return ckpt["model_state_dict"]
    from stickgen.model.lora import merged_state_dict

    return merged_state_dict(model_from_checkpoint(ckpt, merge=False))


def build_model(config: dict[str, Any]):
    """A fresh StickFigureModel from a checkpoint's `config` (never from the current params.yaml)."""
    from stickgen.model.diffusion import RefinerConfig
    from stickgen.model.motion_model import MODEL_FORMAT, StickFigureModel
    from stickgen.model.transformer import TransformerConfig

    found = config.get("model_format", 1)
    if found != MODEL_FORMAT:
        raise ValueError(
            f"the checkpoint holds a model of format {found} (1: the deterministic regressor, 2: the "
            f"denoiser with a spline decoder, 3: the denoiser without a side condition, 4: the denoiser "
            f"over the 26-action vocabulary, 5: the denoiser without a motion memory, 6: the denoiser "
            f"whose face has no voice, 7: the denoiser whose template reaches its prediction only through "
            f"attention, 8: the denoiser whose memory does not know its clips' sides, 9: the denoiser whose "
            f"template's voice does not reach its prediction, 10: the denoiser with a learnt gain on its "
            f"template's voice, 11: the denoiser that places each actor without its template, 14: the "
            f"denoiser whose memory does not know its clips' actions, 15: the denoiser whose memory does "
            f"not know its clips' paces, of earlier stickgen); "
            f"this stickgen samples with format {MODEL_FORMAT} (a diffusion denoiser that decodes every "
            f"frame, conditioned on the motion's leading side, an action of the 54-action vocabulary and a "
            f"template of the motion's side, action and pace retrieved from its motion memory and added to "
            f"its prediction, "
            f"each actor starting where the template's stands, "
            f"with a face whose mouth cycles at a generated rate around the level its template lends): "
            f"retrain it (dvc repro)"
        )
    return StickFigureModel(TransformerConfig(**config["model"]), RefinerConfig(**config["refiner"]))


def model_from_checkpoint(ckpt: dict[str, Any], merge: bool = True):
    """Rebuild the model of a checkpoint, in eval mode.

    A LoRA checkpoint holds adapters only: its base (config `init`) is loaded first, checked against the
    SHA-256 recorded at training time, and the adapters are put on it (merged unless `merge=False`).
    """
    from stickgen.model.lora import inject_lora_adapters, load_lora_state_dict, merge_lora

    config = ckpt["config"]
    model = build_model(config)
    if "lora" not in config:
        load_weights(model, ckpt["model_state_dict"], "checkpoint")
        return model.eval()
    base = config["init"]
    base_path = ckpt.get(BASE_PATH, base["path"])
    if not Path(base_path).is_file():
        raise FileNotFoundError(f"the LoRA checkpoint's base model is missing: {base_path}")
    if file_sha256(base_path) != base["sha256"]:
        raise ValueError(
            f"the LoRA base {base_path} changed since the adapters were trained (SHA-256 differs)"
        )
    load_weights(model, full_state_dict(load_checkpoint(base_path)), base_path)
    lora = config["lora"]
    inject_lora_adapters(model, lora["rank"], lora["alpha"], lora["dropout"], lora["target_modules"])
    load_lora_state_dict(model, ckpt["model_state_dict"])
    if merge:
        merge_lora(model)
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


@dataclass
class Progress:
    """What the resume point holds besides weights and optimizer: where the run is."""

    step: int = 0
    best: float = float("inf")
    epoch_losses: list[float] = field(default_factory=list)  # this epoch's step losses (train/epoch_loss)
    resumed: bool = False


def resume(
    spec: RunSpec,
    cfg: PhaseConfig,
    resume_from: str | None,
    config: dict,
    model: StickFigureModel,
    opt: torch.optim.Optimizer,
    log: logging.Logger,
) -> Progress:
    """Load the resume checkpoint chosen by the docs/architecture.md, "Training" precedence into model and
    optimizer."""
    path, source = resolve_resume(resume_from, cfg.resume_from, spec.out_dir)
    if path is None:
        return Progress()
    state = load_checkpoint(path)
    if source == OWN_LATEST and state["config"] != config:
        changed = sorted(k for k in config if state["config"].get(k) != config[k])
        log.info("own checkpoint %s was made by another run (differs in %s): starting fresh", path, changed)
        return Progress()
    if spec.phase == "lora":
        load_lora_state_dict(model, state["model_state_dict"])
    else:
        load_weights(model, state["model_state_dict"], f"resume checkpoint {path}")
    opt.load_state_dict(state["optimizer_state_dict"])
    progress = Progress(
        int(state["step"]),
        float(state["best_val_loss"]),
        [float(x) for x in state.get("epoch_losses", [])],
        resumed=True,
    )
    log.info("resumed from %s (%s) at step %d", path, source, progress.step)
    return progress
