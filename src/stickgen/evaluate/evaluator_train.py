"""Train the evaluator (`stickgen.evaluate.evaluator`) on the train split only, and measure it on val.

Objective: a symmetric InfoNCE loss between motion and caption embeddings (each clip with one of its
captions, drawn per epoch; captions that are (near-)duplicates of another clip's in the same batch
are not used as negatives) plus the action recogniser's cross-entropy over clips with a known action.
Every random draw is a function of (seed, epoch): a rerun gives the same weights.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from stickgen.core.config import EvaluatorTrainConfig
from stickgen.core.device import autocast
from stickgen.core.vocab import ACTION_INDEX
from stickgen.embed.dataset import load_embedded
from stickgen.evaluate import metrics
from stickgen.evaluate.evaluator import Evaluator, EvaluatorConfig, EvaluatorNet, input_stats, motion_inputs

CPU = torch.device("cpu")  # the evaluator trains on the CPU (bf16 where it computes bf16 natively)

# Two captions this similar (cosine of their text-encoder embeddings) say the same thing: neither is a
# negative for the other's motion.
DUPLICATE_CAPTION_COS = 0.95
UNKNOWN = ACTION_INDEX["unknown"]


@dataclass
class ClipSet:
    """The clips of one embedded split, as raw evaluator inputs and caption rows.

    Attributes:
        inputs: raw (T, A, 67) inputs per clip (`motion_inputs`).
        joints: canonical (T, A, 22, 3) joints per clip.
        actions: (N,) action ids.
        captions: per clip, rows of `caption_emb` (its captions in dataset order).
        caption_emb: (U, text_dim) caption embeddings.
        caption_texts: (U) the captions those rows embed.
        text_encoder: {name, dim}.
        fps: frame rate.
        fingerprint: which clips these are (`StickFigureDataset.fingerprint` of the file).
    """

    inputs: list[np.ndarray]
    joints: list[np.ndarray]
    actions: np.ndarray
    captions: list[list[int]]
    caption_emb: np.ndarray
    caption_texts: list[str]
    text_encoder: dict[str, Any]
    fps: float
    fingerprint: str

    def __len__(self) -> int:
        return len(self.inputs)


def _fingerprint(ids: list[str], frames: list[int], text_encoder: dict) -> str:
    h = hashlib.sha256(json.dumps([ids, frames, text_encoder], sort_keys=True).encode())
    return h.hexdigest()[:16]


def load_clip_set(path: str | Path) -> ClipSet:
    """Read an embedded split (train, val or test) for the evaluator."""
    store = load_embedded(path)
    d = store.data
    offs, index = d["clip_caption_offsets"], d["clip_caption_index"]
    joints = [store.joints(i) for i in range(len(store))]
    if not joints:
        raise ValueError(f"{path}: no clips")
    return ClipSet(
        inputs=[motion_inputs(j, store.fps) for j in joints],
        joints=joints,
        actions=np.array([ACTION_INDEX[a] for a in d["actions"]], dtype=np.int64),
        captions=[[int(x) for x in index[int(offs[i]) : int(offs[i + 1])]] for i in range(len(store))],
        caption_emb=d["caption_emb"].float().numpy(),
        caption_texts=list(d["captions"]),
        text_encoder=dict(d["text_encoder"]),
        fps=store.fps,
        fingerprint=_fingerprint(store.ids.tolist(), d["clip_frames"].tolist(), dict(d["text_encoder"])),
    )


def _padded(inputs: list[np.ndarray], mean: np.ndarray, std: np.ndarray, max_actors: int):
    lengths = [x.shape[0] for x in inputs]
    out = np.zeros((len(inputs), max(lengths), max_actors, inputs[0].shape[-1]), dtype=np.float32)
    for k, x in enumerate(inputs):
        out[k, : x.shape[0], : x.shape[1]] = (x - mean) / std
    return torch.from_numpy(out.reshape(len(inputs), max(lengths), -1)), torch.tensor(lengths)


def contrastive_loss(
    motion: torch.Tensor, text: torch.Tensor, same: torch.Tensor, temperature: float
) -> torch.Tensor:
    """Symmetric InfoNCE over a batch of unit-norm pairs (B, D); `same` (B, B) marks off-diagonal pairs
    whose captions are duplicates (excluded as negatives)."""
    logits = motion @ text.T / temperature  # (B, B): motion i vs caption j
    logits = logits.masked_fill(same & ~torch.eye(len(motion), dtype=torch.bool), float("-inf"))
    target = torch.arange(len(motion))
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def train_evaluator(
    train: ClipSet, cfg: EvaluatorTrainConfig, max_actors: int, seed: int, log=print
) -> tuple[Evaluator, dict[str, float]]:
    """Train on `train`; returns the evaluator and the last epoch's mean losses."""
    if len(train) < 2:
        raise ValueError(f"the evaluator needs >= 2 training clips, got {len(train)}")
    mean, std = input_stats(train.inputs)
    ecfg = EvaluatorConfig(
        text_dim=int(train.caption_emb.shape[1]),
        max_actors=max_actors,
        fps=train.fps,
        hidden=cfg.hidden,
        emb_dim=cfg.emb_dim,
    )
    torch.manual_seed(seed)
    net = EvaluatorNet(ecfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    batch = min(cfg.batch_size, len(train))
    steps_per_epoch = len(train) // batch
    total = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s / total, 1.0))))
    cap = torch.from_numpy(train.caption_emb)
    cap_unit = F.normalize(cap, dim=-1)
    actions = torch.from_numpy(train.actions)
    t0, last = time.perf_counter(), {}
    net.train()
    for epoch in range(cfg.epochs):
        rng = np.random.default_rng([seed, epoch])
        order = rng.permutation(len(train))
        sums = np.zeros(2)
        for s in range(steps_per_epoch):
            idx = order[s * batch : (s + 1) * batch]
            rows = torch.tensor([train.captions[i][int(rng.integers(len(train.captions[i])))] for i in idx])
            x, lengths = _padded([train.inputs[i] for i in idx], mean, std, max_actors)
            with autocast(cfg.bf16, CPU):
                m, logits = net.encode_motion(x, lengths)
                t = net.encode_text(cap[rows])
            m, logits, t = m.float(), logits.float(), t.float()
            same = (cap_unit[rows] @ cap_unit[rows].T) >= DUPLICATE_CAPTION_COS
            loss_c = contrastive_loss(m, t, same, cfg.temperature)
            a = actions[idx]
            known = a != UNKNOWN
            loss_a = F.cross_entropy(logits[known], a[known]) if known.any() else torch.zeros(())
            loss = loss_c + loss_a
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            sums += [loss_c.item(), loss_a.item()]
        last = {"contrastive_loss": sums[0] / steps_per_epoch, "action_loss": sums[1] / steps_per_epoch}
        if (epoch + 1) % max(1, cfg.epochs // 5) == 0 or epoch + 1 == cfg.epochs:
            log(
                f"evaluator: epoch {epoch + 1}/{cfg.epochs} contrastive {last['contrastive_loss']:.4f} "
                f"action {last['action_loss']:.4f} ({time.perf_counter() - t0:.1f} s)"
            )
    ev = Evaluator(net.eval(), ecfg, mean, std, dict(train.text_encoder), {})
    return ev, last


def measure_evaluator(ev: Evaluator, data: ClipSet, batch_size: int, seed: int) -> dict[str, float]:
    """The evaluator on REAL clips of a split: R-precision with each clip's first caption, the same with
    the captions shuffled (chance level), MM-Dist and action accuracy."""
    ev.check_text_encoder(data.text_encoder, "this split")
    rng = np.random.default_rng(seed)
    motion, predicted = ev.encode_motions(data.joints, data.fps)
    text = ev.encode_captions(data.caption_emb[[c[0] for c in data.captions]])
    own = metrics.r_precision(text, motion, batch_size, rng)
    shuffled = metrics.r_precision(text[rng.permutation(len(text))], motion, batch_size, rng)
    out = {f"r_precision_top{k + 1}": float(v) for k, v in enumerate(own)}
    out.update({f"shuffled_r_precision_top{k + 1}": float(v) for k, v in enumerate(shuffled)})
    out["mm_dist"] = metrics.mm_dist(text, motion)
    out["action_accuracy"] = metrics.action_accuracy(predicted, data.actions, UNKNOWN)
    out["n_clips"] = len(data)
    return out


def build_evaluator(
    train_path: Path,
    val_path: Path,
    cfg: EvaluatorTrainConfig,
    max_actors: int,
    seed: int,
    r_precision_batch: int,
    log=print,
) -> tuple[Evaluator, dict[str, Any]]:
    """The `evaluator` stage's work: train on the train split, measure on train and val (real motion).

    Returns the evaluator (its `meta` records data fingerprints and the report) and the report.
    """
    train, val = load_clip_set(train_path), load_clip_set(val_path)
    if val.text_encoder != train.text_encoder or val.fps != train.fps:
        raise ValueError(
            f"{val_path} and {train_path} differ in text encoder or fps: re-run `dvc repro embed`"
        )
    t0 = time.perf_counter()
    ev, losses = train_evaluator(train, cfg, max_actors, seed, log)
    report: dict[str, Any] = {
        "train": {**measure_evaluator(ev, train, r_precision_batch, seed), **losses},
        "val": measure_evaluator(ev, val, r_precision_batch, seed),
        "train_seconds": round(time.perf_counter() - t0, 2),
        "data": {"train": train.fingerprint, "val": val.fingerprint},
    }
    ev.meta = {"data": report["data"], "val": report["val"]}
    return ev, report
