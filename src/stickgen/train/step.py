"""One optimizer step and the validation losses: the computation the training loop repeats.

The loss of a step is that of the whole global batch (every process, every micro-batch of gradient
accumulation): sums divided by global element counts; the torch RNG (dropout) is seeded per (seed, step,
rank), so a resumed run draws what an uninterrupted one draws.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from stickgen.core.config import PhaseConfig
from stickgen.core.device import autocast
from stickgen.model.motion_model import StickFigureModel
from stickgen.train import distributed as dd
from stickgen.train.data import TrainingSet, step_batches
from stickgen.train.objective import element_counts, feature_weights, forward_train, loss_sums


def step_seed(seed: int, step: int, rank: int) -> int:
    """The torch RNG seed of one optimizer step on one process (dropout): resume needs no RNG state."""
    return int(np.random.SeedSequence([seed, step, rank, 0x57E9]).generate_state(1)[0])


@torch.no_grad()
def validation_losses(
    model: StickFigureModel,
    data: TrainingSet,
    batch_size: int,
    info: dd.DistInfo | None = None,
    bf16: bool = False,
    with_refiner: bool = True,
) -> dict[str, float]:
    """Pooled validation losses at the set's fixed draws (a noise level drawn as in training,
    `stickgen.train.data.LEVEL_POWER`, and noise per clip; text only, no action): `loss`, the denoising
    objective of the transformer (its clean-motion prediction against the real clip), and, `with_refiner`,
    `denoise_loss`, the refiner's.

    Under DDP each process takes every world_size-th clip and the sums are all-reduced.
    """
    info = info or dd.DistInfo(0, 1, 0, next(model.parameters()).device)
    was_training = model.training
    model.eval()
    idx = list(range(info.rank, len(data), info.world_size))
    sums = torch.zeros(6, dtype=torch.float64, device=info.device)
    weight = feature_weights(data.data.stats).to(info.device)
    steps = [[idx[i : i + batch_size]] for i in range(0, len(idx), batch_size)]  # one batch a "step"
    for (tb,) in step_batches(data, steps, workers=0):  # built as training's, BUILD_AHEAD at a time
        tb = tb.to(info.device)
        with autocast(bf16, info.device):
            motion, x0 = forward_train(model, tb, with_refiner=with_refiner)
        gen = loss_sums(motion.float(), tb.batch, weight)
        den = gen if x0 is None else loss_sums(x0.float(), tb.batch, weight)
        sums += torch.tensor(
            [float(gen.pos), float(gen.vel), float(den.pos), float(den.vel), gen.pos_n, gen.vel_n],
            dtype=torch.float64,
            device=info.device,
        )
    dd.all_reduce_sum(sums, info)
    model.train(was_training)
    pos_n, vel_n = max(float(sums[4]), 1.0), max(float(sums[5]), 1.0)
    losses = {"loss": float(sums[0] / pos_n + sums[1] / vel_n)}
    if with_refiner:
        losses["denoise_loss"] = float(sums[2] / pos_n + sums[3] / vel_n)
    return losses


@dataclass
class StepResult:
    motion_loss: float
    denoise_loss: float
    samples: int


def optimizer_step(
    net: torch.nn.Module,
    opt: torch.optim.Optimizer,
    trainable: list[torch.nn.Parameter],
    batches: list,
    info: dd.DistInfo,
    cfg: PhaseConfig,
    with_refiner: bool,
    denoise_weight: float,
    weight: torch.Tensor,
) -> StepResult:
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
            autocast(cfg.bf16, info.device),
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
    return StepResult(
        float(logged[0] / pos_n + logged[1] / vel_n),
        float(logged[2] / pos_n + logged[3] / vel_n),
        int(n_samples),
    )
