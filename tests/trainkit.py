"""Tiny training fixtures: embedded sets written in a temp folder, tiny params, a stage runner.

`write_sets` without an encoder stands in for the text encoder with a fixed pseudo-random vector per
caption (fast, offline); with one, it embeds with the real pipeline encoder and writes with the embed
stage's writer (`write_embedded`), for the learning tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers import ROOT, tiny_params_dict, walking_clip

from stickgen.core import canonical, strings
from stickgen.core.canonical import Clip
from stickgen.core.config import LoRAPhaseConfig, PhaseConfig
from stickgen.core.device import cpu_threads
from stickgen.embed.dataset import feature_stats_of, write_embedded

FAKE_DIM = 16
TINY_MODEL = {"d_model": 32, "n_layers": 1, "n_heads": 2, "ffn_hidden": 64, "dropout": 0.0}
TINY_DIFFUSION = {"d_model": 16, "n_layers": 1, "n_heads": 2, "ffn_hidden": 32, "diffusion_steps": 4}


PHASE = {
    "epochs": 2,
    "batch_size": 4,
    "lr": 3e-3,
    "weight_decay": 0.01,
    "warmup_steps": 2,
    "grad_accum": 1,
    "grad_clip": 1.0,
    "crop_frames": 40,
    "bucket_by_length": True,
    "action_dropout": 0.5,
    "save_every_epochs": 1,
    "resume_every_steps": 3,
    "bf16": False,
    "compile": False,
    "resume_from": "",
}
LORA = {"rank": 2, "alpha": 4.0, "dropout": 0.0, "target_modules": ["qkv", "proj", "gate", "up", "down"]}


@pytest.fixture
def one_thread():
    """Tiny models run fastest on one thread (and two threads crawl on a busy 2-core machine)."""
    with cpu_threads(1):
        yield


def phase_config(**over) -> PhaseConfig:
    return PhaseConfig(**{**PHASE, **over})


def lora_config(**over) -> LoRAPhaseConfig:
    return LoRAPhaseConfig(**{**PHASE, **LORA, **over})


def caption_vector(text: str, dim: int = FAKE_DIM) -> np.ndarray:
    v = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _embedded_dict(store: canonical.CanonicalStore, dim: int) -> dict:
    d, texts = dict(store.raw), list(store.data["texts"])
    captions = sorted({t for ts in texts for t in ts})
    row = {t: i for i, t in enumerate(captions)}
    counts = [len(ts) for ts in texts]
    d.update(
        kind="embedded",
        text_encoder={"name": "fake-hash", "dim": dim},
        **strings.pack("captions", captions),
        caption_emb=torch.from_numpy(np.stack([caption_vector(c, dim) for c in captions])),
        clip_caption_offsets=torch.tensor(np.concatenate([[0], np.cumsum(counts)]), dtype=torch.int64),
        clip_caption_index=torch.tensor([row[t] for ts in texts for t in ts], dtype=torch.int64),
    )
    return d


def write_sets(
    folder: Path, train: list[Clip], val: list[Clip], encoder: str | None = None
) -> dict[str, Path]:
    """train.pt, val.pt (embedded) and stats.json (of train) in `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"train": folder / "train.pt", "val": folder / "val.pt", "stats": folder / "stats.json"}
    for name, clips in (("train", train), ("val", val)):
        store = canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="curated"))
        if encoder is None:
            canonical.atomic_torch_save(_embedded_dict(store, FAKE_DIM), paths[name])
        else:
            from stickgen.core.text import TextEncoder

            enc = TextEncoder(encoder, "cpu", 64)
            write_embedded(store, paths[name], enc.info.to_dict(), enc.encode)
        if name == "train":
            paths["stats"].write_text(json.dumps(feature_stats_of(store).to_dict()))
    return paths


def walking_set(n: int, prefix: str, seed: int = 0, styles: tuple[str, ...] = ()) -> list[Clip]:
    """n walking-like clips with different speeds, lengths and captions (some with two actors); every
    other clip in one of `styles` (in turn), where any are given."""
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(n):
        frames = int(rng.integers(24, 48))
        speed = float(rng.uniform(0.3, 1.8))
        texts = [f"a person walks at speed {speed:.1f}", f"someone moves forward ({i % 3})"]
        clips.append(
            walking_clip(
                f"{prefix}/c{i}#0-{frames}",
                frames=frames,
                speed=speed,
                texts=texts,
                actors=2 if i % 5 == 4 else 1,
                style=styles[(i // 2) % len(styles)] if styles and i % 2 == 0 else "",
            )
        )
    return clips


def tiny_params(
    path: Path, model: dict | None = None, train: dict | None = None, **phase_overrides: dict
) -> Path:
    """A params.yaml with a tiny model and refiner; `train={...}` overrides train.* keys (`cpu_threads`, ...),
    `pretrain={...}` etc. train.<phase> keys."""
    p = tiny_params_dict()
    p["model"]["variants"] = {"tiny": {**TINY_MODEL, **(model or {})}}
    p["diffusion"].update(TINY_DIFFUSION)
    p["train"].update(train or {})
    for phase, over in phase_overrides.items():
        p["train"][phase].update(over)
    path.write_text(yaml.safe_dump(p, sort_keys=False))
    return path


def stage_args(phase: str, sets: dict[str, Path], out: Path, params: Path, *extra: str) -> list[str]:
    return [
        str(ROOT / "stages" / "train.py"),
        "--phase",
        phase,
        "--variant",
        "tiny",
        "--train-data",
        str(sets["train"]),
        "--val-data",
        str(sets["val"]),
        "--stats",
        str(sets["stats"]),
        "--out-dir",
        str(out / "model"),
        "--live-dir",
        str(out / "live"),
        "--params",
        str(params),
        *extra,
    ]


def stage_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RESUME_FROM_CHECKPOINT", "WORLD_SIZE", "RANK")}
    return {**env, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", **extra}


def run_train(phase: str, sets: dict[str, Path], out: Path, params: Path, *extra: str, cwd: Path) -> None:
    proc = subprocess.run(
        [sys.executable, *stage_args(phase, sets, out, params, *extra)],
        cwd=cwd,
        env=stage_env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"train {phase} failed:\n{proc.stdout}\n{proc.stderr}"


def train_in_process(phase: str, sets: dict[str, Path], out: Path, params: Path, **kw) -> dict:
    """What `stages/train.py` does, in this process: on the params' torch threads (`train.cpu_threads`,
    restored after) with its batches built as the params say (`train.data_workers`), so that it computes
    what a stage subprocess computes."""
    from stickgen.core.config import load_params
    from stickgen.train.loop import RunSpec, train
    from stickgen.wiring import model_configs

    p = load_params(params)
    model_cfg, refiner_cfg = model_configs(p, "tiny", FAKE_DIM)
    spec = RunSpec(
        phase, "tiny", sets["train"], sets["val"], sets["stats"], out / "model", out / "live", p.base.seed
    )
    kw.setdefault("data_workers", p.train.data_workers)
    with cpu_threads(p.train.cpu_threads):
        return train(spec, getattr(p.train, phase), model_cfg, refiner_cfg, p.diffusion, **kw)


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["model_state_dict"]
