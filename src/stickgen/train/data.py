"""Training batches: per-sample random draws, padding, the (distributed) order of an epoch, their building.

Every random choice of a training sample is a pure function of (seed, epoch, clip index): the crop and
caption (in `StickFigureDataset`) and here whether its action label is kept, whether its caption is
dropped (classifier-free guidance), its diffusion noise level and noise. So a batch does
not depend on which other samples share it, on the process that draws it, or on the run being resumed:
N processes with batch b give the same global batch as one process with batch N*b.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from stickgen.core.device import cpu_threads
from stickgen.embed.dataset import Batch, StickFigureDataset, collate
from stickgen.model.memory import NO_CLIP, MotionMemory, group_id, no_template, pick
from stickgen.model.transformer import style_id

_DRAWS = 0xD1FF  # stream tag of the draws made here (the dataset draws crop and caption on its own)
_MEMORY_DRAWS = 0x3E31  # stream tag of the template draws (which memory clip, where in it, whether read)
# noise levels are drawn as u ** LEVEL_POWER (u uniform): density 2t, so two thirds of the samples train the
# noisier half of the schedule, where a sample's kind, phase and side are decided (docs/training.md)
LEVEL_POWER = 0.5
# steps whose batches are built at a time when no worker process builds them (`step_batches`)
BUILD_AHEAD = 32


class TrainingSet(Dataset):
    """A `StickFigureDataset` plus the per-sample draws of the objective.

    Args:
        data: the clips.
        seed: base seed.
        n_styles: style vocabulary size of the model (styles hash into it).
        action_dropout: probability that a sample's action label is hidden (1.0: text only).
        cond_dropout: probability that a sample's text, action and style are hidden (the unconditional
            branch of classifier-free guidance).
    """

    def __init__(
        self, data: StickFigureDataset, seed: int, n_styles: int, action_dropout: float, cond_dropout: float
    ) -> None:
        self.data = data
        self.seed = seed
        self.action_dropout = action_dropout
        self.cond_dropout = cond_dropout
        self.styles = [style_id(s, n_styles) for s in data.store.data["styles"]]
        self.groups = torch.tensor([group_id(g) for g in data.store.data["groups"]])
        self.epoch = 0
        self.memory: MotionMemory | None = None
        self.top_k = 1
        self.memory_dropout = 1.0
        self._nearest: dict[tuple[str, int, int, bool, int | None], list[int]] = {}

    def read_memory(self, memory: MotionMemory, top_k: int, dropout: float) -> None:
        """Serve each sample a template from `memory` (`stickgen.model.memory`): one of the `top_k` clips
        nearest its caption, of its actor count (and a one-sided sample's leading side, as at generation)
        and not of its own group, played on the sample's timing
        (`MotionMemory.aligned_templates`); a template whose clip shows no face takes its face from another
        take among the nearest clips that have one (`MotionMemory.lend_faces`, as at generation); none with
        probability `dropout` (the model then generates without one, as it must for a prompt nothing in
        memory resembles)."""
        self.memory, self.top_k, self.memory_dropout = memory, top_k, dropout
        self._nearest = {}

    def _templates(
        self, indices: Sequence[int], items: list[dict]
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(template (T, A, STATE), valid (T,)) of each sample: zeros and nothing valid without a memory, or
        where the sample's draw hides it; the time warps of all of them found together."""
        memory = self.memory
        if memory is None:
            return [no_template(*item["features"].shape[:2]) for item in items]
        clips, lenders = [], []
        for i, item in zip(indices, items, strict=True):
            u_drop, u_pick = np.random.default_rng([self.seed, self.epoch, i, _MEMORY_DRAWS]).random(2)
            hidden = u_drop < self.memory_dropout
            clip, lender = (
                (NO_CLIP, NO_CLIP)
                if hidden
                else (pick(self._nearest_clips(i, item, f), float(u_pick)) for f in (False, True))
            )
            clips.append(clip)
            lenders.append(lender)

        def play(jobs: list[tuple[int, int]]) -> list[tuple[torch.Tensor, torch.Tensor]]:
            return memory.aligned_templates([(clip, items[k]["features"]) for k, clip in jobs])

        return memory.lend_faces(clips, lenders, play)

    def _nearest_clips(self, i: int, item: dict, faced: bool) -> list[int]:
        """The memory clips sample i's template is drawn among (`MotionMemory.nearest`), cached by what
        they depend on."""
        side = None if faced else item["side"]  # the body's clip leads with the sample's side; a face any
        key = (item["caption"], item["actors"], int(self.groups[i]), faced, side)
        if key not in self._nearest:
            query, actors, group = item["text"][None], torch.tensor([item["actors"]]), self.groups[i : i + 1]
            sides = None if side is None else torch.tensor([side])
            self._nearest[key] = self.memory.nearest(query, actors, self.top_k, group, faced, sides)[0]
        return self._nearest[key]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.data.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> dict:
        return self.samples([i])[0]

    def samples(self, indices: Sequence[int]) -> list[dict]:
        """Samples `indices`, each as it is alone (its draws are its own); their templates' time warps found
        together (`MotionMemory.aligned_templates`)."""
        items = [self.data[i] for i in indices]
        templates = self._templates(indices, items)
        out = []
        for i, item, (template, template_valid) in zip(indices, items, templates, strict=True):
            rng = np.random.default_rng([self.seed, self.epoch, i, _DRAWS])
            u_action, u_text, u_level = rng.random(3)
            noise = rng.standard_normal(tuple(item["features"].shape), dtype=np.float32)
            out.append(
                {
                    **item,
                    "template": template,
                    "template_valid": template_valid,
                    "style": self.styles[i],
                    "keep_action": bool(u_action >= self.action_dropout),
                    "drop_cond": bool(u_text < self.cond_dropout),
                    "level": float(u_level**LEVEL_POWER),
                    "noise": torch.from_numpy(noise),
                }
            )
        return out


@dataclass(frozen=True)
class TrainBatch:
    """A padded `Batch` and its draws: style (B,), keep_action (B,), drop_cond (B,), level (B,), noise
    (B, T, A, 66 + FACE_FEATURES), the shape of the batch's features (zero in padding), and the template
    each sample reads (`stickgen.model.memory`; (B, T, A, 66 + FACE_FEATURES) and its valid frames (B, T);
    None: none). `dense`: no clip is
    padded (every clip is T frames long), so the networks run without a padding mask (known on the CPU at
    collation: no device sync)."""

    batch: Batch
    style: torch.Tensor
    keep_action: torch.Tensor
    drop_cond: torch.Tensor
    level: torch.Tensor
    noise: torch.Tensor
    template: torch.Tensor | None = None
    template_valid: torch.Tensor | None = None
    dense: bool = False

    @property
    def action(self) -> torch.Tensor:
        """The action condition with hidden labels set to 0 (unknown)."""
        return self.batch.action * self.keep_action

    def to(self, device: torch.device | str) -> TrainBatch:
        return TrainBatch(
            self.batch.to(device),
            *(getattr(self, f).to(device) for f in ("style", "keep_action", "drop_cond", "level", "noise")),
            *(None if v is None else v.to(device) for v in (self.template, self.template_valid)),
            dense=self.dense,
        )


def collate_train(items: list[dict]) -> TrainBatch:
    batch = collate(items)
    noise, template = torch.zeros_like(batch.features), torch.zeros_like(batch.features)
    template_valid = torch.zeros(batch.features.shape[:2], dtype=torch.bool)
    for k, it in enumerate(items):
        noise[k, : it["noise"].shape[0]] = it["noise"]
        template[k, : it["template"].shape[0]] = it["template"]
        template_valid[k, : it["template_valid"].shape[0]] = it["template_valid"]
    return TrainBatch(
        batch=batch,
        style=torch.tensor([it["style"] for it in items]),
        keep_action=torch.tensor([it["keep_action"] for it in items]),
        drop_cond=torch.tensor([it["drop_cond"] for it in items]),
        level=torch.tensor([it["level"] for it in items], dtype=torch.float32),
        noise=noise,
        template=template,
        template_valid=template_valid,
        dense=bool((batch.lengths == batch.features.shape[1]).all()),
    )


def build_batches(data: TrainingSet, batches: Sequence[list[int]]) -> list[TrainBatch]:
    """The batches of samples `batches`, their samples made together (`TrainingSet.samples`: one pass of the
    templates' time warps), at one torch thread: a sample's many small tensor operations are slower shared
    between threads (the embedded default's batch took 0.12 s at two threads, 0.025 s at one:
    docs/training.md, "Two threads, nothing under the floor"); the model's threads are restored after."""
    with cpu_threads(1):
        made = iter(data.samples([i for indices in batches for i in indices]))
        return [collate_train([next(made) for _ in indices]) for indices in batches]


def padding_fraction(batches: list[TrainBatch]) -> float:
    """The fraction of (clip, frame) slots of these batches that are padding (this process's share)."""
    slots = sum(b.batch.lengths.numel() * b.batch.features.shape[1] for b in batches)
    return 1.0 - sum(int(b.batch.lengths.sum()) for b in batches) / max(slots, 1)


def micro_batches_per_epoch(n: int, batch_size: int, world_size: int) -> int:
    """Global micro-batches (batch_size x world_size samples each) per epoch; the last partial one is
    dropped so that every process holds exactly `batch_size` samples."""
    global_batch = batch_size * world_size
    if n < global_batch:
        raise ValueError(
            f"the training set has {n} clips, fewer than one global batch ({batch_size} x {world_size} "
            "processes); lower train.<phase>.batch_size"
        )
    return n // global_batch


def steps_per_epoch(n: int, batch_size: int, grad_accum: int, world_size: int) -> int:
    return math.ceil(micro_batches_per_epoch(n, batch_size, world_size) / grad_accum)


BUCKET_POOL = 64  # optimizer steps' worth of clips sorted by length together (bucketing)


def epoch_plan(
    n: int,
    batch_size: int,
    grad_accum: int,
    world_size: int,
    rank: int,
    seed: int,
    epoch: int,
    lengths: np.ndarray | None = None,
) -> list[list[list[int]]]:
    """This process's sample indices: one list per optimizer step, of `grad_accum` micro-batches.

    The epoch's permutation is shared by all processes; global micro-batch j is
    `order[j*B*W : (j+1)*B*W]` and process r takes its r-th slice of `batch_size` samples.

    With `lengths` (N,) (params `train.<phase>.bucket_by_length`), clips of similar length share a step:
    the permuted clips are cut into pools of `BUCKET_POOL` steps' worth, each pool is sorted by length
    (ties keep the permutation's order), and the epoch's steps are shuffled. Batches then carry little
    padding, and those whose clips all reach the crop length need no padding mask (`TrainBatch.dense`).
    Bucketing works on whole steps, so one step holds the same clips however it is split into
    micro-batches and processes (gradient accumulation and DDP stay exact).
    """
    rng = np.random.default_rng([seed, epoch, 0xBA7C])
    order = rng.permutation(n)
    global_batch = batch_size * world_size
    n_micro = micro_batches_per_epoch(n, batch_size, world_size)
    order = order[: n_micro * global_batch]
    if lengths is not None:
        if len(lengths) != n:
            raise ValueError(f"epoch_plan: {len(lengths)} lengths for {n} clips")
        step = global_batch * grad_accum
        cuts = range(BUCKET_POOL * step, len(order), BUCKET_POOL * step)
        order = np.concatenate([c[np.argsort(lengths[c], kind="stable")] for c in np.split(order, cuts)])
        full = len(order) // step  # whole steps are shuffled; a last, shorter step stays last
        shuffled = order[: full * step].reshape(full, step)[rng.permutation(full)].reshape(-1)
        order = np.concatenate([shuffled, order[full * step :]])
    micro = [
        order[j * global_batch + rank * batch_size : j * global_batch + (rank + 1) * batch_size].tolist()
        for j in range(n_micro)
    ]
    return [micro[i : i + grad_accum] for i in range(0, len(micro), grad_accum)]


def step_batches(train_set: TrainingSet, groups: list, workers: int) -> Iterator[list[TrainBatch]]:
    """The micro-batches of each step of `groups` (the steps' sample indices, `epoch_plan`), built in order
    by `workers` processes ahead of the step that reads them, or (0) here, `BUILD_AHEAD` steps' at a time at
    one torch thread (`build_batches`; a model stepping on two threads right after a batch was built between
    its steps ran at two thirds of its speed). A sample is a function of (seed, epoch, index) alone (the
    module's docstring), so where and when it is built changes nothing."""
    if workers == 0:
        for start in range(0, len(groups), BUILD_AHEAD):
            ahead = groups[start : start + BUILD_AHEAD]
            built = iter(build_batches(train_set, [idx for group in ahead for idx in group]))
            yield from [[next(built) for _ in group] for group in ahead]
        return
    micro = [idx for group in groups for idx in group]
    loader = DataLoader(train_set, batch_sampler=micro, collate_fn=collate_train, num_workers=workers)
    batches = iter(loader)
    for group in groups:
        yield [next(batches) for _ in group]
