"""The evaluator: contrastive text-motion encoders and an action recogniser (the HumanML3D protocol's
"feature extractor", trained in our pipeline on the train split only; see `evaluator_train`).

- Motion side: canonical joints -> per-frame inputs (`motion_inputs`: root height, root velocity and
  root-relative joints per actor, normalised with the training split's statistics) -> a 1-D
  convolutional encoder with masked mean + max pooling -> a unit-norm embedding, and an action head on
  the pooled features.
- Text side: an MLP over the caption embeddings of the pipeline's text encoder -> a unit-norm
  embedding in the same space.

The file `evaluator.pth` holds the weights, the architecture config, the input statistics, the text
encoder identity and the action vocabulary; `load_evaluator` rebuilds everything from it alone.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from stickgen.core.canonical import atomic_torch_save
from stickgen.core.skeleton import NUM_JOINTS, PELVIS
from stickgen.core.vocab import ACTIONS

FORMAT = "stickgen-evaluator"
FORMAT_VERSION = 1
INPUTS_PER_ACTOR = 1 + 3 + (NUM_JOINTS - 1) * 3  # root height, root velocity, root-relative joints
_STD_FLOOR = 1e-3


@dataclass(frozen=True)
class EvaluatorConfig:
    """The evaluator's architecture and input contract; saved with its weights."""

    text_dim: int
    max_actors: int
    fps: float
    hidden: int
    emb_dim: int
    n_actions: int = len(ACTIONS)

    def __post_init__(self) -> None:
        for name in ("text_dim", "max_actors", "hidden", "emb_dim", "n_actions"):
            if getattr(self, name) < 1:
                raise ValueError(f"EvaluatorConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.fps <= 0:
            raise ValueError(f"EvaluatorConfig.fps must be > 0, got {self.fps}")


def motion_inputs(joints: np.ndarray, fps: float) -> np.ndarray:
    """Canonical joints (T, A, 22, 3) -> raw evaluator inputs (T, A, 67), before normalisation.

    Per actor and frame: root height (1), root velocity in m/s (3; frame 0 repeats frame 1), and the
    21 other joints relative to the root (63). Absolute x/z positions are left out: where a clip
    starts says nothing about what it shows.
    """
    if joints.ndim != 4 or joints.shape[-2:] != (NUM_JOINTS, 3) or joints.shape[0] < 1:
        raise ValueError(f"motion_inputs needs (T, A, {NUM_JOINTS}, 3) joints, got {joints.shape}")
    j = joints.astype(np.float32)
    root = j[:, :, PELVIS]  # (T, A, 3)
    vel = np.zeros_like(root)
    if j.shape[0] > 1:
        vel[1:] = (root[1:] - root[:-1]) * fps
        vel[0] = vel[1]
    rel = (j[:, :, 1:] - root[:, :, None]).reshape(*j.shape[:2], -1)  # (T, A, 63)
    return np.concatenate([root[..., 1:2], vel, rel], axis=-1)


class MotionEncoder(nn.Module):
    """(B, T, max_actors * 67) normalised inputs + lengths -> pooled features (B, hidden)."""

    STRIDES = (2, 2, 1)

    def __init__(self, cfg: EvaluatorConfig) -> None:
        super().__init__()
        h, in_dim = cfg.hidden, cfg.max_actors * INPUTS_PER_ACTOR
        self.convs = nn.ModuleList(
            nn.Conv1d(in_dim if i == 0 else h, h, kernel_size=5, stride=s, padding=2)
            for i, s in enumerate(self.STRIDES)
        )
        self.pool = nn.Sequential(nn.Linear(2 * h, h), nn.GELU())

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = x.transpose(1, 2)  # (B, F, T)
        lengths = lengths.clamp(min=1)
        for conv, stride in zip(self.convs, self.STRIDES, strict=True):
            mask = torch.arange(h.shape[-1], device=h.device)[None, :] < lengths[:, None]  # (B, T')
            h = F.gelu(conv(h * mask[:, None, :]))
            lengths = (lengths + stride - 1) // stride
        mask = (torch.arange(h.shape[-1], device=h.device)[None, :] < lengths[:, None])[:, None, :]
        mean = (h * mask).sum(-1) / lengths[:, None]
        peak = h.masked_fill(~mask, float("-inf")).amax(-1)
        return self.pool(torch.cat([mean, peak], dim=-1))  # (B, hidden)


class EvaluatorNet(nn.Module):
    """Motion encoder + text head in one embedding space, and the action recogniser."""

    def __init__(self, cfg: EvaluatorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.motion = MotionEncoder(cfg)
        self.motion_proj = nn.Linear(cfg.hidden, cfg.emb_dim)
        self.action_head = nn.Linear(cfg.hidden, cfg.n_actions)
        self.text = nn.Sequential(
            nn.Linear(cfg.text_dim, cfg.hidden), nn.GELU(), nn.Linear(cfg.hidden, cfg.emb_dim)
        )

    def encode_motion(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(unit-norm embeddings (B, emb_dim), action logits (B, n_actions))."""
        pooled = self.motion(x, lengths)
        return F.normalize(self.motion_proj(pooled), dim=-1), self.action_head(pooled)

    def encode_text(self, caption_emb: torch.Tensor) -> torch.Tensor:
        """(B, text_dim) caption embeddings -> unit-norm (B, emb_dim)."""
        return F.normalize(self.text(caption_emb), dim=-1)


@dataclass
class Evaluator:
    """A trained evaluator, ready to embed motions and captions.

    Attributes:
        net: the networks (eval mode).
        cfg: architecture and input contract.
        mean, std: (67,) input statistics of the training split.
        text_encoder: {name, dim} of the caption embeddings it was trained on.
        meta: training facts (data fingerprints, validation metrics).
    """

    net: EvaluatorNet
    cfg: EvaluatorConfig
    mean: np.ndarray
    std: np.ndarray
    text_encoder: dict[str, Any]
    meta: dict[str, Any]

    def batch(self, motions: list[np.ndarray], fps: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded normalised inputs (B, T, max_actors * 67) and lengths (B,) for clips (T, A, 22, 3)."""
        if abs(fps - self.cfg.fps) > 1e-6:
            raise ValueError(
                f"the evaluator reads motion at {self.cfg.fps} fps, got {fps} fps: resample first"
            )
        lengths = [m.shape[0] for m in motions]
        x = np.zeros((len(motions), max(lengths), self.cfg.max_actors, INPUTS_PER_ACTOR), dtype=np.float32)
        for k, m in enumerate(motions):
            if m.shape[1] > self.cfg.max_actors:
                raise ValueError(f"the evaluator reads up to {self.cfg.max_actors} actors, got {m.shape[1]}")
            x[k, : m.shape[0], : m.shape[1]] = (motion_inputs(m, fps) - self.mean) / self.std
        return torch.from_numpy(x.reshape(len(motions), max(lengths), -1)), torch.tensor(lengths)

    @torch.no_grad()
    def encode_motions(
        self, motions: list[np.ndarray], fps: float, batch_size: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """(embeddings (N, emb_dim), recognised action ids (N,)) of clips (T, A, 22, 3) at `fps`."""
        if not motions:
            raise ValueError("encode_motions needs at least one clip")
        self.net.eval()
        embs, actions = [], []
        for start in range(0, len(motions), batch_size):
            emb, logits = self.net.encode_motion(*self.batch(motions[start : start + batch_size], fps))
            embs.append(emb.numpy())
            actions.append(logits.argmax(-1).numpy())
        return np.concatenate(embs).astype(np.float64), np.concatenate(actions)

    @torch.no_grad()
    def encode_captions(self, caption_emb: np.ndarray | torch.Tensor) -> np.ndarray:
        """(N, text_dim) caption embeddings (the pipeline's text encoder) -> (N, emb_dim)."""
        c = torch.as_tensor(np.asarray(caption_emb, dtype=np.float32))
        if c.ndim != 2 or c.shape[1] != self.cfg.text_dim:
            raise ValueError(
                f"encode_captions needs (N, {self.cfg.text_dim}) caption embeddings, got {tuple(c.shape)}"
            )
        self.net.eval()
        return self.net.encode_text(c).numpy().astype(np.float64)

    def check_text_encoder(self, other: dict, where: str) -> None:
        if {k: other.get(k) for k in ("name", "dim")} != {
            k: self.text_encoder.get(k) for k in ("name", "dim")
        }:
            raise ValueError(
                f"{where} was embedded with {other}, but the evaluator was trained on {self.text_encoder}: "
                "retrain the evaluator (`dvc repro evaluator`)"
            )


def input_stats(blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (67,) over all rows of raw input blocks (..., 67) (real actor-frames only)."""
    rows = np.concatenate([b.reshape(-1, INPUTS_PER_ACTOR) for b in blocks]).astype(np.float64)
    if rows.shape[0] == 0:
        raise ValueError("input_stats needs at least one frame")
    return rows.mean(0).astype(np.float32), np.maximum(rows.std(0), _STD_FLOOR).astype(np.float32)


def save_evaluator(ev: Evaluator, path: str | os.PathLike) -> None:
    atomic_torch_save(
        {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "config": asdict(ev.cfg),
            "state_dict": {k: v.detach().cpu() for k, v in ev.net.state_dict().items()},
            "input_mean": torch.from_numpy(ev.mean),
            "input_std": torch.from_numpy(ev.std),
            "text_encoder": dict(ev.text_encoder),
            "actions": list(ACTIONS),
            "meta": ev.meta,
        },
        path,
    )


def load_evaluator(path: str | os.PathLike) -> Evaluator:
    """Rebuild an evaluator from its file alone (safe `weights_only` load)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"evaluator not found: {path} (train it with `dvc repro evaluator`)")
    d = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("version") != FORMAT_VERSION:
        fmt = d.get("format") if isinstance(d, dict) else type(d).__name__
        raise ValueError(f"{path}: not a stickgen evaluator v{FORMAT_VERSION} (format={fmt!r})")
    if list(d["actions"]) != list(ACTIONS):
        raise ValueError(f"{path}: trained on another action vocabulary; retrain it (`dvc repro evaluator`)")
    cfg = EvaluatorConfig(**d["config"])
    net = EvaluatorNet(cfg)
    net.load_state_dict(d["state_dict"])
    return Evaluator(
        net.eval(),
        cfg,
        d["input_mean"].numpy(),
        d["input_std"].numpy(),
        dict(d["text_encoder"]),
        dict(d["meta"]),
    )
