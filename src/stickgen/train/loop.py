"""One training loop for `pretrain`, `sft` and `lora` (design §6).

AdamW with linear warmup + cosine decay, gradient accumulation and clipping, optional bf16 autocast and
`torch.compile` on GPU, DVCLive metrics per step and per epoch, `training_verbose.log`, atomic
checkpoints and resume. Every random choice derives from `seed`.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from dvclive import Live
from tqdm import tqdm

from stickgen.config import PhaseConfig, to_dict
from stickgen.dataset import StickFigureDataset, collate
from stickgen.features import FeatureStats
from stickgen.model.transformer import StickFigureTransformer, TransformerConfig
from stickgen.train import checkpoint as ck
from stickgen.train.objective import generate_features, motion_loss

LOG_NAME = "training_verbose.log"


@dataclass(frozen=True)
class RunSpec:
    """What one training run is: paths and identity (everything else is in PhaseConfig)."""

    phase: str
    variant: str
    train_data: Path
    val_data: Path
    stats_path: Path
    out_dir: Path
    live_dir: Path
    seed: int


def lr_at(step: int, total: int, cfg: PhaseConfig) -> float:
    """Linear warmup over `warmup_steps`, then cosine decay to 10% of `lr` at `total` steps."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def _logger(out_dir: Path) -> logging.Logger:
    log = logging.getLogger(f"stickgen.train.{out_dir}")
    log.setLevel(logging.INFO)
    log.handlers.clear()
    fh = logging.FileHandler(out_dir / LOG_NAME)
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(fh)
    return log


def _batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    order = np.random.default_rng([seed, epoch, 0xBA7C]).permutation(n)
    return [order[i : i + batch_size].tolist() for i in range(0, n, batch_size)]


@torch.no_grad()
def validation_loss(model: StickFigureTransformer, data: StickFigureDataset, batch_size: int) -> float:
    """Mean loss of GENERATED motion (first caption, no crop) against the real val clips."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(data), batch_size):
        batch = collate([data[k] for k in range(i, min(i + batch_size, len(data)))])
        total += float(motion_loss(generate_features(model, batch), batch)) * len(batch.lengths)
        count += len(batch.lengths)
    model.train()
    return total / max(count, 1)


def _action_mask(batch_action: torch.Tensor, p: float, seed: int, step: int) -> torch.Tensor:
    """Drop the action condition with probability p (so text alone suffices at generation)."""
    keep = np.random.default_rng([seed, step, 0xAC7]).random(len(batch_action)) >= p
    return batch_action * torch.from_numpy(keep).to(batch_action.device)


def train(
    spec: RunSpec,
    cfg: PhaseConfig,
    model_cfg: TransformerConfig,
    resume_from: str | None = None,
    init_from: str | None = None,
) -> dict:
    """Train one phase; returns a summary dict. Writes checkpoints, the log and DVCLive into out_dir."""
    out = spec.out_dir
    out.mkdir(parents=True, exist_ok=True)
    log = _logger(out)
    stats = FeatureStats.from_dict(json.loads(spec.stats_path.read_text()))
    train_set = StickFigureDataset(spec.train_data, stats, model_cfg.max_actors, cfg.crop_frames, spec.seed)
    val_set = StickFigureDataset(
        spec.val_data, stats, model_cfg.max_actors, model_cfg.max_frames, spec.seed, random_caption=False
    )
    if train_set.text_encoder["dim"] != model_cfg.text_dim:
        raise ValueError(
            f"{spec.train_data}: text encoder {train_set.text_encoder} does not match the model's "
            f"text_dim {model_cfg.text_dim}"
        )
    if len(train_set) == 0 or len(val_set) == 0:
        raise ValueError(f"empty training ({len(train_set)}) or validation ({len(val_set)}) set")
    torch.manual_seed(spec.seed)
    model = StickFigureTransformer(model_cfg)
    config = {
        "model": model_cfg.to_dict(),
        "train": to_dict(cfg),
        "variant": spec.variant,
        "phase": spec.phase,
        "data": {"train": train_set.fingerprint(), "val": val_set.fingerprint()},
    }
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.95))
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size / cfg.grad_accum)
    total_steps = steps_per_epoch * cfg.epochs
    start_epoch, step, best = 0, 0, float("inf")

    resume_path, source = ck.resolve_resume(resume_from, cfg.resume_from, out)
    if resume_path is not None:
        state = ck.load_checkpoint(resume_path)
        if source == "own latest checkpoint" and state["config"] != config:
            log.info("own checkpoint %s has another config; starting fresh", resume_path)
            resume_path = None
        else:
            model.load_state_dict(state["model_state_dict"])
            opt.load_state_dict(state["optimizer_state_dict"])
            torch.set_rng_state(state["rng_state"])
            start_epoch, step, best = int(state["epoch"]), int(state["step"]), float(state["best_val_loss"])
            log.info("resumed from %s (%s) at epoch %d step %d", resume_path, source, start_epoch, step)
    if resume_path is None:
        for stale in [*out.glob("*.pth"), *out.glob(".*.tmp-*")]:  # a fresh run owns its folder
            stale.unlink()
        if init_from:
            raise NotImplementedError("--init_from arrives with the SFT/LoRA phases")
    if cfg.compile and torch.cuda.is_available():
        model = torch.compile(model)

    log.info("phase=%s variant=%s params=%d train=%d val=%d steps=%d", spec.phase, spec.variant,
             sum(p.numel() for p in model.parameters()), len(train_set), len(val_set), total_steps)

    def state_at(epoch: int) -> dict:
        return {
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "scheduler_state_dict": {"total_steps": total_steps, "step": step},
            "epoch": epoch,
            "step": step,
            "rng_state": torch.get_rng_state(),
            "config": config,
            "feature_stats": stats.to_dict(),
            "text_encoder": dict(train_set.text_encoder),
            "best_val_loss": best,
        }

    live = Live(str(spec.live_dir), dvcyaml=None, save_dvc_exp=False, resume=resume_path is not None)
    model.train()
    val_loss = float("nan")
    for epoch in range(start_epoch, cfg.epochs):
        train_set.set_epoch(epoch)
        batches = _batches(len(train_set), cfg.batch_size, spec.seed, epoch)
        groups = [batches[i : i + cfg.grad_accum] for i in range(0, len(batches), cfg.grad_accum)]
        bar = tqdm(groups, desc=f"{spec.phase}/{spec.variant} epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for group in bar:
            t0 = time.perf_counter()
            lr = lr_at(step, total_steps, cfg)
            for g in opt.param_groups:
                g["lr"] = lr
            n_samples, loss_sum = 0, 0.0
            for idx in group:
                batch = collate([train_set[k] for k in idx])
                with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cfg.bf16 and torch.cuda.is_available()):
                    pred = generate_features(model, batch, _action_mask(batch.action, cfg.action_dropout,
                                                                         spec.seed, step))
                    loss = motion_loss(pred.float(), batch)
                (loss / len(group)).backward()
                loss_sum += float(loss) * len(idx)
                n_samples += len(idx)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            train_loss = loss_sum / n_samples
            live.log_metric("train/loss", train_loss)
            live.log_metric("lr", lr)
            live.log_metric("samples_per_s", n_samples / (time.perf_counter() - t0))
            live.next_step()
            bar.set_postfix(loss=f"{train_loss:.4f}")
        val_loss = validation_loss(model, val_set, cfg.batch_size)
        live.log_metric("val/loss", val_loss, plot=True)
        live.log_metric("epoch", epoch + 1, plot=False)
        log.info("epoch %d step %d train_loss %.5f val_loss %.5f lr %.2e", epoch + 1, step, train_loss,
                 val_loss, lr)
        if val_loss < best:
            best = val_loss
            ck.save_checkpoint(state_at(epoch + 1), out / ck.BEST)
        if (epoch + 1) % cfg.save_every_epochs == 0:
            ck.save_checkpoint(state_at(epoch + 1), out / ck.epoch_name(epoch + 1))
        ck.save_checkpoint(state_at(epoch + 1), out / ck.LATEST)
    ck.save_checkpoint(state_at(cfg.epochs), out / ck.FINAL)
    live.summary["best_val_loss"] = best
    live.end()
    log.info("done: best val loss %.5f", best)
    return {"best_val_loss": best, "final_val_loss": val_loss, "steps": step}
