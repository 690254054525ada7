"""One training loop for `pretrain`, `sft` and `lora` (docs/architecture.md, "Training").

    pretrain  full model from scratch
    sft       full model, initialised (`init_from`, weights only) from the pretrain best checkpoint
    lora      adapters on the frozen base (`init_from`); only adapter parameters reach the optimizer,
              checkpoints hold the adapters only

AdamW with warmup + cosine, gradient accumulation, clipping, bf16 autocast where the device computes bf16
natively (a GPU; a CPU with AMX / AVX512-BF16), `torch.compile` on GPU (ignored on CPU), DDP under
`torchrun` (rank 0 alone logs and writes), DVCLive per step and per epoch,
`training_verbose.log` (what the inputs decide; wall-clock times beside DVCLive: `stickgen.train.runlog`),
atomic checkpoints, and an exact resume: the resume point
(`checkpoint_latest.pth`, every `resume_every_steps` steps and at each epoch end) holds model, optimizer
and step; the data position and every random draw are functions of (seed, step) or (seed, epoch, clip),
so a run killed at any point and resumed ends with the weights of an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from stickgen.core.config import DiffusionConfig, LoRAPhaseConfig, PhaseConfig, to_dict
from stickgen.core.device import native_bf16
from stickgen.core.features import FeatureStats
from stickgen.embed.dataset import StickFigureDataset
from stickgen.model.diffusion import RefinerConfig
from stickgen.model.lora import inject_lora_adapters, lora_state_dict
from stickgen.model.memory import MemorySettings, fill_memory_from
from stickgen.model.motion_model import MODEL_FORMAT, StickFigureModel
from stickgen.model.side_prior import fit_side_prior
from stickgen.model.transformer import TransformerConfig, style_names
from stickgen.train import checkpoint as ck
from stickgen.train import distributed as dd
from stickgen.train import runlog
from stickgen.train.data import (
    TrainBatch,
    TrainingSet,
    epoch_plan,
    padding_fraction,
    step_batches,
    steps_per_epoch,
)
from stickgen.train.live import open_live
from stickgen.train.objective import feature_weights
from stickgen.train.optim import build_optimizer, lr_at
from stickgen.train.runlog import CLOCK_LOG_NAME, LOG_NAME
from stickgen.train.step import optimizer_step, step_seed, validation_losses

PHASES = ("pretrain", "sft", "lora")


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


def train(
    spec: RunSpec,
    cfg: PhaseConfig,
    model_cfg: TransformerConfig,
    refiner_cfg: RefinerConfig,
    diffusion: DiffusionConfig,
    resume_from: str | None = None,
    init_from: str | None = None,
    memory: MemorySettings | None = None,
    data_workers: int = 0,
) -> dict:
    """Train one phase; returns a summary dict. Rank 0 writes checkpoints, the log and DVCLive. `memory`:
    how many training clips the motion memory holds and how often a sample goes without a template
    (None: `MemorySettings()`). `data_workers` (params `train.data_workers`): processes that build the
    next steps' batches while this one steps (0: built here, `train.data.BUILD_AHEAD` steps' at a time); the
    batches are the same."""
    if spec.phase not in PHASES:
        raise ValueError(f"unsupported phase [{spec.phase}]; phases are {PHASES}")
    if spec.phase == "lora" and not isinstance(cfg, LoRAPhaseConfig):
        raise TypeError("the lora phase needs a LoRAPhaseConfig (rank, alpha, dropout, target_modules)")
    if spec.phase in ("sft", "lora") and not init_from:
        raise ValueError(f"the {spec.phase} phase starts from a trained model: pass init_from")
    info = dd.setup()
    try:
        memory = memory or MemorySettings()
        return _train(
            spec, cfg, model_cfg, refiner_cfg, diffusion, resume_from, init_from, memory, info, data_workers
        )
    finally:
        dd.teardown(info)


def _datasets(
    spec: RunSpec,
    cfg: PhaseConfig,
    model_cfg: TransformerConfig,
    diffusion: DiffusionConfig,
    stats: FeatureStats,
) -> tuple[TrainingSet, TrainingSet]:
    """The training set (crops, random captions, the phase's draws) and the validation set (whole clips,
    first caption, text only, fixed draws)."""
    train_set = TrainingSet(
        StickFigureDataset(spec.train_data, stats, model_cfg.max_actors, cfg.crop_frames, spec.seed),
        spec.seed,
        model_cfg.n_styles,
        cfg.action_dropout,
        diffusion.cond_dropout,
    )
    val_set = TrainingSet(
        StickFigureDataset(
            spec.val_data, stats, model_cfg.max_actors, model_cfg.max_frames, spec.seed, random_caption=False
        ),
        spec.seed,
        model_cfg.n_styles,
        action_dropout=1.0,
        cond_dropout=0.0,
    )
    enc = train_set.data.text_encoder
    if enc["dim"] != model_cfg.text_dim or val_set.data.text_encoder != enc:
        raise ValueError(
            f"text encoders disagree: train {enc}, val {val_set.data.text_encoder}, "
            f"model text_dim {model_cfg.text_dim}"
        )
    if len(val_set) == 0:
        raise ValueError(f"{spec.val_data}: empty validation set")
    return train_set, val_set


def _build_model(
    spec: RunSpec,
    cfg: PhaseConfig,
    model_cfg: TransformerConfig,
    refiner_cfg: RefinerConfig,
    init_from: str | None,
    stats: FeatureStats,
    text_encoder: dict,
) -> tuple[StickFigureModel, dict]:
    """A fresh model, the `init_from` weights loaded (weights only) and, for LoRA, adapters injected.

    Returns the model and the part of the run's config it defines (`init`, and `lora` for LoRA).
    """
    torch.manual_seed(spec.seed)
    model = StickFigureModel(model_cfg, replace(refiner_cfg, trained=False))
    extra: dict = {"init": None, "styles": []}
    if init_from:
        init_ckpt = ck.load_checkpoint(init_from)
        if init_ckpt["feature_stats"] != stats.to_dict() or init_ckpt["text_encoder"] != text_encoder:
            raise ValueError(
                f"--init_from {init_from} was trained with other feature statistics or text encoder than "
                f"{spec.stats_path} / {spec.train_data}"
            )
        ck.load_weights(model, ck.full_state_dict(init_ckpt), f"--init_from {init_from}")
        base_trained = RefinerConfig(**init_ckpt["config"]["refiner"]).trained
        model.refiner_cfg = replace(model.refiner_cfg, trained=base_trained)
        extra["init"] = {"path": str(init_from), "sha256": ck.file_sha256(init_from)}
        extra["styles"] = list(init_ckpt["config"].get("styles", []))
    if spec.phase == "lora":
        extra["lora"] = {
            "rank": cfg.rank,
            "alpha": cfg.alpha,
            "dropout": cfg.dropout,
            "target_modules": list(cfg.target_modules),
        }
        inject_lora_adapters(model, **extra["lora"])
    return model, extra


@dataclass
class _Run:
    """One run's parts, shared by the steps of `_train`."""

    spec: RunSpec
    cfg: PhaseConfig
    info: dd.DistInfo
    log: logging.Logger
    model: StickFigureModel
    opt: torch.optim.Optimizer
    train_set: TrainingSet
    val_set: TrainingSet
    stats: FeatureStats
    weight: torch.Tensor  # each feature's loss weight (metres)
    text_encoder: dict
    config: dict  # the run's identity, saved in every checkpoint
    with_refiner: bool
    denoise_weight: float
    steps_per_epoch: int
    total: int
    progress: ck.Progress = field(default_factory=ck.Progress)
    net: torch.nn.Module | None = None  # the model as trained: compiled and / or wrapped by DDP
    trainable: list[torch.nn.Parameter] = field(default_factory=list)

    def save(self, name: str) -> None:
        """Write a checkpoint (rank 0 only): weights (LoRA: adapters only), optimizer, schedule, progress."""
        if not self.info.is_main:
            return
        p = self.progress
        weights = lora_state_dict(self.model) if self.spec.phase == "lora" else self.model.state_dict()
        ck.save_checkpoint(
            {
                "model_state_dict": {k: v.detach().cpu() for k, v in weights.items()},
                "optimizer_state_dict": self.opt.state_dict(),
                "scheduler_state_dict": {
                    "kind": "warmup_cosine",
                    "step": p.step,
                    "total_steps": self.total,
                    "warmup_steps": self.cfg.warmup_steps,
                },
                "epoch": p.step // self.steps_per_epoch,
                "step": p.step,
                "rng_state": {"torch": torch.get_rng_state()},
                "config": self.config,
                "feature_stats": self.stats.to_dict(),
                "text_encoder": self.text_encoder,
                "best_val_loss": p.best,
                "epoch_losses": list(p.epoch_losses),
            },
            self.spec.out_dir / name,
        )


def _run_config(spec, cfg, model_cfg, refiner_cfg, diffusion, train_set, val_set, info, extra) -> dict:
    """The run's identity: what a checkpoint records and an own-checkpoint resume must match."""
    return {
        "model_format": MODEL_FORMAT,
        "model": model_cfg.to_dict(),
        "refiner": refiner_cfg.to_dict(),
        "train": {k: v for k, v in to_dict(cfg).items() if k != "resume_from"},
        "diffusion": {"loss_weight": diffusion.loss_weight, "cond_dropout": diffusion.cond_dropout},
        "variant": spec.variant,
        "phase": spec.phase,
        "fps": float(train_set.data.store.data["fps"]),
        "data": {"train": train_set.data.fingerprint(), "val": val_set.data.fingerprint()},
        "world_size": info.world_size,
        "code": ck.code_fingerprint(),
        **extra,
    }


def _set_up(spec, cfg, model_cfg, refiner_cfg, diffusion, init_from, memory, info, log) -> _Run:
    """Data, model (with `init_from` weights, LoRA adapters, the side prior fitted), the run's config and
    the optimizer."""
    stats = FeatureStats.from_dict(json.loads(spec.stats_path.read_text()))
    train_set, val_set = _datasets(spec, cfg, model_cfg, diffusion, stats)
    weight = feature_weights(stats).to(info.device)
    text_encoder = dict(train_set.data.text_encoder)
    spe = steps_per_epoch(len(train_set), cfg.batch_size, cfg.grad_accum, info.world_size)
    model, extra = _build_model(spec, cfg, model_cfg, refiner_cfg, init_from, stats, text_encoder)
    if spec.phase != "lora":  # LoRA keeps its base's prior and memory, as every other base weight
        nll = fit_side_prior(model.transformer.side_prior, *train_set.data.side_examples())
        log.info("side prior p(side | text) fitted to the training captions: NLL %.4f", nll)
        held = fill_memory_from(model.transformer.memory, train_set.data, memory.max_clips, spec.seed)
        log.info("motion memory filled with %d of the %d training clips", len(held), len(train_set))
    for data in (train_set, val_set):
        data.read_memory(model.transformer.memory, model_cfg.memory_top_k, memory.dropout)
    with_refiner = diffusion.loss_weight > 0 and any(p.requires_grad for p in model.refiner.parameters())
    if with_refiner:
        model.refiner_cfg = replace(model.refiner_cfg, trained=True)
    else:  # an unused trainable parameter would stall DDP; keep it out of the optimizer
        model.refiner.requires_grad_(False)
    extra["styles"] = style_names(train_set.data.store.data["styles"], also=extra["styles"])  # and the base's
    config = _run_config(spec, cfg, model_cfg, model.refiner_cfg, diffusion, train_set, val_set, info, extra)
    model.to(info.device)
    opt = build_optimizer(model, cfg)
    return _Run(
        spec,
        cfg,
        info,
        log,
        model,
        opt,
        train_set,
        val_set,
        stats,
        weight,
        text_encoder,
        config,
        with_refiner,
        diffusion.loss_weight,
        spe,
        spe * cfg.epochs,
    )


def _resume_and_wrap(run: _Run, resume_from: str | None) -> None:
    """Resume (or start fresh and clear the folder), then wrap the model for training: compile, DDP."""
    info, cfg, log = run.info, run.cfg, run.log
    run.progress = ck.resume(run.spec, cfg, resume_from, run.config, run.model, run.opt, log)
    dd.barrier(info)  # every process has read its checkpoints before rank 0 clears a stale folder
    if info.is_main:
        # a fresh run owns its folder; a resumed one only drops the half-written file of a killed save
        out = run.spec.out_dir
        stale = [*out.glob(".*.tmp-*")] + ([] if run.progress.resumed else [*out.glob("*.pth")])
        for path in stale:
            path.unlink()
    on_gpu = info.device.type == "cuda"
    net: torch.nn.Module = torch.compile(run.model) if cfg.compile and on_gpu else run.model
    if info.enabled:
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[info.device.index] if on_gpu else None
        )
    if cfg.compile and not on_gpu:
        log.info("compile is a GPU switch: ignored on %s", info.device)
    if cfg.bf16 and not native_bf16(info.device):
        log.info("bf16 asked, but %s has no native bf16 (emulated, slower): float32", info.device)
    run.net = net
    run.trainable = [p for p in run.model.parameters() if p.requires_grad]


def _log_start(run: _Run) -> None:
    """The run's first log lines (sizes, steps, config), then the log file starts (or continues)."""
    model, spec = run.model, run.spec
    run.log.info(
        "phase=%s variant=%s world_size=%d device=%s parameters=%d (transformer %d, refiner %d) trainable=%d "
        "train=%d val=%d steps=%d (%d per epoch) refiner_loss=%s",
        spec.phase,
        spec.variant,
        run.info.world_size,
        run.info.device,
        sum(p.numel() for p in model.parameters()),
        model.transformer.num_parameters(),
        model.refiner.num_parameters(),
        sum(p.numel() for p in run.trainable),
        len(run.train_set),
        len(run.val_set),
        run.total,
        run.steps_per_epoch,
        run.with_refiner,
    )
    run.log.info("config %s", json.dumps(run.config, sort_keys=True))
    resume_step = run.progress.step if run.progress.resumed else None
    runlog.start(run.log, spec.out_dir / LOG_NAME, spec.live_dir / CLOCK_LOG_NAME, resume_step)


def _one_step(run: _Run, batches: list[TrainBatch]) -> tuple[float, dict[str, float]]:
    """One optimizer step on the micro-batches `batches`: (the step's training loss, its metrics)."""
    t0 = time.perf_counter()
    lr = lr_at(run.progress.step, run.total, run.cfg)
    for g in run.opt.param_groups:
        g["lr"] = lr
    torch.manual_seed(step_seed(run.spec.seed, run.progress.step, run.info.rank))
    padding = padding_fraction(batches)
    batches = [b.to(run.info.device) for b in batches]
    r = optimizer_step(
        run.net,
        run.opt,
        run.trainable,
        batches,
        run.info,
        run.cfg,
        run.with_refiner,
        run.denoise_weight,
        run.weight,
    )
    run.progress.step += 1
    train_loss = r.motion_loss + (run.denoise_weight * r.denoise_loss if run.with_refiner else 0.0)
    run.progress.epoch_losses.append(train_loss)
    metrics = {
        "train/loss": train_loss,
        "train/motion_loss": r.motion_loss,
        "lr": lr,
        "samples_per_s": r.samples / (time.perf_counter() - t0),
        "train/padding": padding,
    }
    if run.with_refiner:
        metrics["train/denoise_loss"] = r.denoise_loss
    return train_loss, metrics


def _log_step(run: _Run, live, epoch: int, metrics: dict, val: dict | None) -> None:
    """Rank 0: the step's log line and DVCLive metrics; at an epoch's end (`val`) the epoch's too."""
    step = run.progress.step
    run.log.info(
        "step %d/%d epoch %d %s",
        step,
        run.total,
        epoch + 1,
        " ".join(f"{k} {v:.5g}" for k, v in metrics.items() if k not in runlog.WALL_CLOCK),
        extra=runlog.wall_clock(metrics),
    )
    if val is not None:
        metrics.update({f"val/{k}": v for k, v in val.items()})
        metrics["train/epoch_loss"] = float(np.mean(run.progress.epoch_losses))
        run.log.info(
            "epoch %d step %d train_loss %.5f %s",
            epoch + 1,
            step,
            metrics["train/epoch_loss"],
            " ".join(f"val_{k} {v:.5f}" for k, v in val.items()),
        )
        live.log_metric("epoch", epoch + 1, plot=False)
    for k, v in metrics.items():
        live.log_metric(k, v)
    live.next_step()


def _checkpoint(run: _Run, epoch: int, epoch_end: bool, val: dict) -> None:
    """The checkpoints a step ends with: best and every `save_every_epochs` at an epoch's end, the resume
    point then and every `resume_every_steps`."""
    p, cfg = run.progress, run.cfg
    if epoch_end:
        p.epoch_losses = []
        if val["loss"] < p.best:
            p.best = val["loss"]
            run.save(ck.BEST)
        if (epoch + 1) % cfg.save_every_epochs == 0:
            run.save(ck.epoch_name(epoch + 1))
    if epoch_end or p.step % cfg.resume_every_steps == 0:
        run.save(ck.LATEST)


def _run_steps(run: _Run, live, data_workers: int) -> dict[str, float]:
    """Every remaining step, epoch by epoch, from where the run stands; returns the last validation losses."""
    spec, cfg, info, spe = run.spec, run.cfg, run.info, run.steps_per_epoch
    run.model.train()
    val = {"loss": float("nan")}
    bar = tqdm(
        total=run.total,
        initial=run.progress.step,
        desc=f"{spec.phase}/{spec.variant}",
        leave=False,
        disable=not info.is_main,
    )
    while run.progress.step < run.total:
        epoch = run.progress.step // spe
        run.train_set.set_epoch(epoch)
        lengths = run.train_set.data.lengths() if cfg.bucket_by_length else None
        plan = epoch_plan(
            len(run.train_set),
            cfg.batch_size,
            cfg.grad_accum,
            info.world_size,
            info.rank,
            spec.seed,
            epoch,
            lengths=lengths,
        )
        for batches in step_batches(run.train_set, plan[run.progress.step % spe :], data_workers):
            train_loss, metrics = _one_step(run, batches)
            epoch_end = run.progress.step % spe == 0
            if epoch_end:
                val = validation_losses(
                    run.model, run.val_set, cfg.batch_size, info, cfg.bf16, run.with_refiner
                )
            if info.is_main:
                _log_step(run, live, epoch, metrics, val if epoch_end else None)
                bar.update(1)
                bar.set_postfix(loss=f"{train_loss:.4f}")
            _checkpoint(run, epoch, epoch_end, val)
    bar.close()
    return val


def _train(
    spec, cfg, model_cfg, refiner_cfg, diffusion, resume_from, init_from, memory, info: dd.DistInfo, workers
) -> dict:
    if info.is_main:
        spec.out_dir.mkdir(parents=True, exist_ok=True)
    dd.barrier(info)
    log = runlog.open_run_log(spec.out_dir, info.is_main)  # held back until the run knows whether it resumes
    run = _set_up(spec, cfg, model_cfg, refiner_cfg, diffusion, init_from, memory, info, log)
    _resume_and_wrap(run, resume_from)
    _log_start(run)
    if run.progress.step >= run.total:  # resumed at its end: a rerun stage whose run was complete
        if not (spec.out_dir / ck.FINAL).exists():  # killed between its last checkpoint and the final one
            run.save(ck.FINAL)
        log.info("the run was complete at step %d: nothing to train, its curves kept", run.progress.step)
        return {"best_val_loss": run.progress.best, "steps": run.progress.step}
    live = (
        open_live(spec.live_dir, run.progress.step if run.progress.resumed else None)
        if info.is_main
        else None
    )
    val = _run_steps(run, live, workers)
    run.save(ck.FINAL)
    if info.is_main:
        live.summary["best_val_loss"] = run.progress.best
        live.end()
        log.info("done: step %d, best val loss %.5f", run.progress.step, run.progress.best)
    dd.barrier(info)
    return {"best_val_loss": run.progress.best, "final_val_loss": val["loss"], "steps": run.progress.step}
