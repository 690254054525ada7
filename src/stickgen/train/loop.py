"""One training loop for `pretrain`, `sft` and `lora` (docs/architecture.md, "Training").

    pretrain  full model from scratch
    sft       full model, initialised (`init_from`, weights only) from the pretrain best checkpoint
    lora      adapters on the frozen base (`init_from`); only adapter parameters reach the optimizer,
              checkpoints hold the adapters only

AdamW with warmup + cosine, gradient accumulation, clipping, bf16 autocast and `torch.compile` on GPU
(ignored on CPU), DDP under `torchrun` (rank 0 alone logs and writes), DVCLive per step and per epoch,
`training_verbose.log` (what the inputs decide; wall-clock times beside DVCLive: `stickgen.train.runlog`),
atomic checkpoints, and an exact resume: the resume point
(`checkpoint_latest.pth`, every `resume_every_steps` steps and at each epoch end) holds model, optimizer
and step; the data position and every random draw are functions of (seed, step) or (seed, epoch, clip),
so a run killed at any point and resumed ends with the weights of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from stickgen.core.config import DiffusionConfig, LoRAPhaseConfig, PhaseConfig, to_dict
from stickgen.core.features import FeatureStats
from stickgen.embed.dataset import StickFigureDataset
from stickgen.model.diffusion import RefinerConfig
from stickgen.model.lora import inject_lora_adapters, load_lora_state_dict, lora_state_dict
from stickgen.model.motion_model import MODEL_FORMAT, StickFigureModel
from stickgen.model.side_prior import fit_side_prior
from stickgen.model.transformer import TransformerConfig
from stickgen.train import checkpoint as ck
from stickgen.train import distributed as dd
from stickgen.train import runlog
from stickgen.train.data import TrainingSet, collate_train, epoch_plan, padding_fraction, steps_per_epoch
from stickgen.train.live import open_live
from stickgen.train.objective import element_counts, feature_weights, forward_train, loss_sums
from stickgen.train.optim import build_optimizer, lr_at
from stickgen.train.runlog import CLOCK_LOG_NAME, LOG_NAME

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


def _step_seed(seed: int, step: int, rank: int) -> int:
    """The torch RNG seed of one optimizer step on one process (dropout): resume needs no RNG state."""
    return int(np.random.SeedSequence([seed, step, rank, 0x57E9]).generate_state(1)[0])


def _autocast(enabled: bool, device: torch.device):
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def validation_losses(
    model: StickFigureModel,
    data: TrainingSet,
    batch_size: int,
    info: dd.DistInfo | None = None,
    bf16: bool = False,
) -> dict[str, float]:
    """Pooled validation losses at the set's fixed draws (a noise level drawn as in training,
    `stickgen.train.data.LEVEL_POWER`, and noise per clip; text only, no action): `loss`, the denoising
    objective of the transformer (its clean-motion prediction against the real clip), and `denoise_loss`,
    the refiner's.

    Under DDP each process takes every world_size-th clip and the sums are all-reduced.
    """
    info = info or dd.DistInfo(0, 1, 0, next(model.parameters()).device)
    was_training = model.training
    model.eval()
    idx = list(range(info.rank, len(data), info.world_size))
    sums = torch.zeros(6, dtype=torch.float64, device=info.device)
    weight = feature_weights(data.data.stats).to(info.device)
    for i in range(0, len(idx), batch_size):
        tb = collate_train([data[k] for k in idx[i : i + batch_size]]).to(info.device)
        with _autocast(bf16, info.device):
            motion, x0 = forward_train(model, tb, with_refiner=True)
        gen, den = loss_sums(motion.float(), tb.batch, weight), loss_sums(x0.float(), tb.batch, weight)
        sums += torch.tensor(
            [float(gen.pos), float(gen.vel), float(den.pos), float(den.vel), gen.pos_n, gen.vel_n],
            dtype=torch.float64,
            device=info.device,
        )
    dd.all_reduce_sum(sums, info)
    model.train(was_training)
    pos_n, vel_n = max(float(sums[4]), 1.0), max(float(sums[5]), 1.0)
    return {
        "loss": float(sums[0] / pos_n + sums[1] / vel_n),
        "denoise_loss": float(sums[2] / pos_n + sums[3] / vel_n),
    }


def train(
    spec: RunSpec,
    cfg: PhaseConfig,
    model_cfg: TransformerConfig,
    refiner_cfg: RefinerConfig,
    diffusion: DiffusionConfig,
    resume_from: str | None = None,
    init_from: str | None = None,
) -> dict:
    """Train one phase; returns a summary dict. Rank 0 writes checkpoints, the log and DVCLive."""
    if spec.phase not in PHASES:
        raise ValueError(f"unsupported phase [{spec.phase}]; phases are {PHASES}")
    if spec.phase == "lora" and not isinstance(cfg, LoRAPhaseConfig):
        raise TypeError("the lora phase needs a LoRAPhaseConfig (rank, alpha, dropout, target_modules)")
    if spec.phase in ("sft", "lora") and not init_from:
        raise ValueError(f"the {spec.phase} phase starts from a trained model: pass init_from")
    info = dd.setup()
    try:
        return _train(spec, cfg, model_cfg, refiner_cfg, diffusion, resume_from, init_from, info)
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
    model = StickFigureModel(model_cfg, refiner_cfg)
    extra: dict = {"init": None}
    if init_from:
        init_ckpt = ck.load_checkpoint(init_from)
        if init_ckpt["feature_stats"] != stats.to_dict() or init_ckpt["text_encoder"] != text_encoder:
            raise ValueError(
                f"--init_from {init_from} was trained with other feature statistics or text encoder than "
                f"{spec.stats_path} / {spec.train_data}"
            )
        ck.load_weights(model, ck.full_state_dict(init_ckpt), f"--init_from {init_from}")
        extra["init"] = {"path": str(init_from), "sha256": ck.file_sha256(init_from)}
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
class _Progress:
    """What the resume point holds besides weights and optimizer: where the run is."""

    step: int = 0
    best: float = float("inf")
    epoch_losses: list[float] = field(default_factory=list)  # this epoch's step losses (train/epoch_loss)
    resumed: bool = False


def _resume(
    spec: RunSpec,
    cfg: PhaseConfig,
    resume_from: str | None,
    config: dict,
    model: StickFigureModel,
    opt: torch.optim.Optimizer,
    log: logging.Logger,
) -> _Progress:
    """Load the resume checkpoint chosen by the docs/architecture.md, "Training" precedence into model and
    optimizer."""
    path, source = ck.resolve_resume(resume_from, cfg.resume_from, spec.out_dir)
    if path is None:
        return _Progress()
    state = ck.load_checkpoint(path)
    if source == ck.OWN_LATEST and state["config"] != config:
        changed = sorted(k for k in config if state["config"].get(k) != config[k])
        log.info("own checkpoint %s was made by another run (differs in %s): starting fresh", path, changed)
        return _Progress()
    if spec.phase == "lora":
        load_lora_state_dict(model, state["model_state_dict"])
    else:
        ck.load_weights(model, state["model_state_dict"], f"resume checkpoint {path}")
    opt.load_state_dict(state["optimizer_state_dict"])
    progress = _Progress(
        int(state["step"]),
        float(state["best_val_loss"]),
        [float(x) for x in state.get("epoch_losses", [])],
        resumed=True,
    )
    log.info("resumed from %s (%s) at step %d", path, source, progress.step)
    return progress


@dataclass
class _StepResult:
    motion_loss: float
    denoise_loss: float
    samples: int


def _optimizer_step(
    net: torch.nn.Module,
    opt: torch.optim.Optimizer,
    trainable: list[torch.nn.Parameter],
    batches: list,
    info: dd.DistInfo,
    cfg: PhaseConfig,
    with_refiner: bool,
    denoise_weight: float,
    weight: torch.Tensor,
) -> _StepResult:
    """Accumulate the micro-batches of one optimizer step (this process's share), clip, step.

    Losses are divided by the global element counts (all processes, all micro-batches), so the gradient
    is that of the whole global batch; DDP averages over processes, hence the `world_size` factor.
    """
    counts = [
        element_counts(b.batch.lengths, b.batch.actor_mask, b.batch.features.shape[-1]) for b in batches
    ]
    totals = torch.tensor(
        [sum(c[0] for c in counts), sum(c[1] for c in counts), sum(len(b.batch.lengths) for b in batches)],
        dtype=torch.float64,
        device=info.device,
    )
    pos_n, vel_n, n_samples = (float(x) for x in dd.all_reduce_sum(totals, info))
    logged = torch.zeros(4, dtype=torch.float64, device=info.device)
    for i, tb in enumerate(batches):
        last = i == len(batches) - 1
        with (
            contextlib.nullcontext() if last or not info.enabled else net.no_sync(),
            _autocast(cfg.bf16, info.device),
        ):
            motion, x0 = forward_train(net, tb, with_refiner)
            gen = loss_sums(motion.float(), tb.batch, weight)
            loss = gen.pos / pos_n + gen.vel / vel_n
            parts = [gen.pos, gen.vel]
            if with_refiner:
                den = loss_sums(x0.float(), tb.batch, weight)
                loss = loss + denoise_weight * (den.pos / pos_n + den.vel / vel_n)
                parts += [den.pos, den.vel]
        (loss * info.world_size).backward()
        logged[: len(parts)] += torch.stack([t.detach().double() for t in parts])
    torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
    opt.step()
    opt.zero_grad(set_to_none=True)
    dd.all_reduce_sum(logged, info)
    return _StepResult(
        float(logged[0] / pos_n + logged[1] / vel_n),
        float(logged[2] / pos_n + logged[3] / vel_n),
        int(n_samples),
    )


def _train(spec, cfg, model_cfg, refiner_cfg, diffusion, resume_from, init_from, info: dd.DistInfo) -> dict:
    out, main = spec.out_dir, info.is_main
    if main:
        out.mkdir(parents=True, exist_ok=True)
    dd.barrier(info)
    log = runlog.open_run_log(out, main)  # held back until the run knows whether it resumes
    stats = FeatureStats.from_dict(json.loads(spec.stats_path.read_text()))
    train_set, val_set = _datasets(spec, cfg, model_cfg, diffusion, stats)
    weight = feature_weights(stats).to(info.device)
    text_encoder = dict(train_set.data.text_encoder)
    spe = steps_per_epoch(len(train_set), cfg.batch_size, cfg.grad_accum, info.world_size)
    total = spe * cfg.epochs
    model, extra = _build_model(spec, cfg, model_cfg, refiner_cfg, init_from, stats, text_encoder)
    if spec.phase != "lora":  # LoRA keeps its base's prior, as every other base weight
        nll = fit_side_prior(model.transformer.side_prior, *train_set.data.side_examples())
        log.info("side prior p(side | text) fitted to the training captions: NLL %.4f", nll)
    config = {
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
    with_refiner = diffusion.loss_weight > 0 and any(p.requires_grad for p in model.refiner.parameters())
    if not with_refiner:  # an unused trainable parameter would stall DDP; keep it out of the optimizer
        model.refiner.requires_grad_(False)
    model.to(info.device)
    opt = build_optimizer(model, cfg)
    progress = _resume(spec, cfg, resume_from, config, model, opt, log)
    dd.barrier(info)  # every process has read its checkpoints before rank 0 clears a stale folder
    if main:
        # a fresh run owns its folder; a resumed one only drops the half-written file of a killed save
        stale = [*out.glob(".*.tmp-*")] + ([] if progress.resumed else [*out.glob("*.pth")])
        for path in stale:
            path.unlink()

    on_gpu = info.device.type == "cuda"
    net: torch.nn.Module = torch.compile(model) if cfg.compile and on_gpu else model
    if info.enabled:
        net = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[info.device.index] if on_gpu else None
        )
    if (cfg.bf16 or cfg.compile) and not on_gpu:
        log.info("bf16 / compile are GPU switches: ignored on %s", info.device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    log.info(
        "phase=%s variant=%s world_size=%d device=%s parameters=%d (transformer %d, refiner %d) trainable=%d "
        "train=%d val=%d steps=%d (%d per epoch) refiner_loss=%s",
        spec.phase,
        spec.variant,
        info.world_size,
        info.device,
        sum(p.numel() for p in model.parameters()),
        model.transformer.num_parameters(),
        model.refiner.num_parameters(),
        sum(p.numel() for p in trainable),
        len(train_set),
        len(val_set),
        total,
        spe,
        with_refiner,
    )
    log.info("config %s", json.dumps(config, sort_keys=True))
    resume_step = progress.step if progress.resumed else None
    runlog.start(log, out / LOG_NAME, spec.live_dir / CLOCK_LOG_NAME, resume_step)

    def save(name: str) -> None:
        if not main:
            return
        weights = lora_state_dict(model) if spec.phase == "lora" else model.state_dict()
        ck.save_checkpoint(
            {
                "model_state_dict": {k: v.detach().cpu() for k, v in weights.items()},
                "optimizer_state_dict": opt.state_dict(),
                "scheduler_state_dict": {
                    "kind": "warmup_cosine",
                    "step": progress.step,
                    "total_steps": total,
                    "warmup_steps": cfg.warmup_steps,
                },
                "epoch": progress.step // spe,
                "step": progress.step,
                "rng_state": {"torch": torch.get_rng_state()},
                "config": config,
                "feature_stats": stats.to_dict(),
                "text_encoder": text_encoder,
                "best_val_loss": progress.best,
                "epoch_losses": list(progress.epoch_losses),
            },
            out / name,
        )

    live = open_live(spec.live_dir, progress.step if progress.resumed else None) if main else None
    model.train()
    val = {"loss": float("nan"), "denoise_loss": float("nan")}
    bar = tqdm(
        total=total, initial=progress.step, desc=f"{spec.phase}/{spec.variant}", leave=False, disable=not main
    )
    while progress.step < total:
        epoch = progress.step // spe
        train_set.set_epoch(epoch)
        plan = epoch_plan(
            len(train_set),
            cfg.batch_size,
            cfg.grad_accum,
            info.world_size,
            info.rank,
            spec.seed,
            epoch,
            lengths=train_set.data.lengths() if cfg.bucket_by_length else None,
        )
        for group in plan[progress.step % spe :]:
            t0 = time.perf_counter()
            lr = lr_at(progress.step, total, cfg)
            for g in opt.param_groups:
                g["lr"] = lr
            torch.manual_seed(_step_seed(spec.seed, progress.step, info.rank))
            batches = [collate_train([train_set[k] for k in idx]) for idx in group]
            padding = padding_fraction(batches)
            batches = [b.to(info.device) for b in batches]
            r = _optimizer_step(
                net, opt, trainable, batches, info, cfg, with_refiner, diffusion.loss_weight, weight
            )
            progress.step += 1
            step = progress.step
            train_loss = r.motion_loss + (diffusion.loss_weight * r.denoise_loss if with_refiner else 0.0)
            progress.epoch_losses.append(train_loss)
            epoch_end = step % spe == 0
            if epoch_end:
                val = validation_losses(model, val_set, cfg.batch_size, info, cfg.bf16)
            if main:
                metrics = {
                    "train/loss": train_loss,
                    "train/motion_loss": r.motion_loss,
                    "lr": lr,
                    "samples_per_s": r.samples / (time.perf_counter() - t0),
                    "train/padding": padding,
                }
                if with_refiner:
                    metrics["train/denoise_loss"] = r.denoise_loss
                log.info(
                    "step %d/%d epoch %d %s",
                    step,
                    total,
                    epoch + 1,
                    " ".join(f"{k} {v:.5g}" for k, v in metrics.items() if k not in runlog.WALL_CLOCK),
                    extra=runlog.wall_clock(metrics),
                )
                if epoch_end:
                    metrics.update(
                        {
                            "val/loss": val["loss"],
                            "val/denoise_loss": val["denoise_loss"],
                            "train/epoch_loss": float(np.mean(progress.epoch_losses)),
                        }
                    )
                    log.info(
                        "epoch %d step %d train_loss %.5f val_loss %.5f val_denoise_loss %.5f",
                        epoch + 1,
                        step,
                        metrics["train/epoch_loss"],
                        val["loss"],
                        val["denoise_loss"],
                    )
                    live.log_metric("epoch", epoch + 1, plot=False)
                for k, v in metrics.items():
                    live.log_metric(k, v)
                live.next_step()
                bar.update(1)
                bar.set_postfix(loss=f"{train_loss:.4f}")
            if epoch_end:
                progress.epoch_losses = []
                if val["loss"] < progress.best:
                    progress.best = val["loss"]
                    save(ck.BEST)
                if (epoch + 1) % cfg.save_every_epochs == 0:
                    save(ck.epoch_name(epoch + 1))
            if epoch_end or step % cfg.resume_every_steps == 0:
                save(ck.LATEST)
    bar.close()
    save(ck.FINAL)
    if main:
        live.summary["best_val_loss"] = progress.best
        live.end()
        log.info("done: step %d, best val loss %.5f", progress.step, progress.best)
    dd.barrier(info)
    return {"best_val_loss": progress.best, "final_val_loss": val["loss"], "steps": progress.step}
