"""Generated stores of any size, for scale tests and benchmarks (never for training).

`write_generated_store` writes a canonical (or embedded) file of `n_clips` procedurally animated
clips, streamed chunk by chunk (`stickgen.core.columnar`), so a multi-GB store costs little memory and
takes seconds per GB. Each clip is a standing figure of random stature swinging its forearms, with
random lengths, sources, actions, takes (two windows per take) and a second actor in some clips; a
known share of clips carries artifacts (frame noise, a glide on planted feet, a NaN) or repeats
the previous clip exactly, so that curation exercises every path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from stickgen.core import canonical, strings
from stickgen.core.columnar import Column, ColumnSink, write_columnar
from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS
from stickgen.core.vocab import ACTIONS

# a standing adult (1.75 m), canonical axes: Y up, facing +Z, left side at +X
_STANDING = {
    "pelvis": (0, 0.95, 0),
    "left_hip": (0.09, 0.90, 0),
    "right_hip": (-0.09, 0.90, 0),
    "spine1": (0, 1.05, 0),
    "left_knee": (0.10, 0.50, 0.02),
    "right_knee": (-0.10, 0.50, 0.02),
    "spine2": (0, 1.18, 0),
    "left_ankle": (0.10, 0.08, 0),
    "right_ankle": (-0.10, 0.08, 0),
    "spine3": (0, 1.30, 0),
    "left_foot": (0.11, 0.02, 0.12),
    "right_foot": (-0.11, 0.02, 0.12),
    "neck": (0, 1.48, 0),
    "left_collar": (0.07, 1.42, 0),
    "right_collar": (-0.07, 1.42, 0),
    "head": (0, 1.62, 0.02),
    "left_shoulder": (0.18, 1.42, 0),
    "right_shoulder": (-0.18, 1.42, 0),
    "left_elbow": (0.22, 1.15, 0),
    "right_elbow": (-0.22, 1.15, 0),
    "left_wrist": (0.24, 0.90, 0.03),
    "right_wrist": (-0.24, 0.90, 0.03),
}
STANDING = np.array([_STANDING[n] for n in JOINT_NAMES], dtype=np.float64)
_ARMS = [
    (JOINT_INDEX[f"{s}_shoulder"], JOINT_INDEX[f"{s}_elbow"], JOINT_INDEX[f"{s}_wrist"])
    for s in ("left", "right")
]
_N_PARAMS = 10 + NUM_JOINTS * 3  # stature, 2 x (swing frequency, amplitude, phase), 2 arm raises, turn, pose


@dataclass(frozen=True)
class GeneratedSpec:
    """What to generate. Fractions are shares of clips."""

    n_clips: int
    seed: int = 0
    min_frames: int = 30
    max_frames: int = 90
    fps: float = 20.0
    sources: tuple[str, ...] = ("gen_a", "gen_b", "gen_c")
    two_actor_fraction: float = 0.1
    noise_fraction: float = 0.03
    glide_fraction: float = 0.02
    nan_fraction: float = 0.002
    repeat_fraction: float = 0.01
    captions_per_clip: int = 2
    chunk_clips: int = 4_000
    # reuse the first chunk's clips (sizes and motion, shifted sideways) for every chunk: a store of many
    # GB in the time it takes to write it (for memory tests, where motion variety does not matter)
    tile: bool = False


def _clip_table(spec: GeneratedSpec) -> dict[str, np.ndarray]:
    if spec.tile and spec.n_clips > spec.chunk_clips:
        first = _clip_table(GeneratedSpec(**{**spec.__dict__, "n_clips": spec.chunk_clips, "tile": False}))
        reps = -(-spec.n_clips // spec.chunk_clips)
        return {k: np.tile(v, reps)[: spec.n_clips] for k, v in first.items()}
    rng = np.random.default_rng([spec.seed, 1])
    n = spec.n_clips
    frames = rng.integers(spec.min_frames, spec.max_frames + 1, n)
    actors = np.where(rng.random(n) < spec.two_actor_fraction, 2, 1)
    repeat = rng.random(n) < spec.repeat_fraction
    repeat[0] = False
    motion_seed = np.arange(n)
    for i in np.flatnonzero(repeat):  # a repeat copies the previous clip's motion and size
        motion_seed[i], frames[i], actors[i] = motion_seed[i - 1], frames[i - 1], actors[i - 1]
    u = rng.random(n)
    artifact = np.select(
        [
            u < spec.nan_fraction,
            u < spec.nan_fraction + spec.glide_fraction,
            u < spec.nan_fraction + spec.glide_fraction + spec.noise_fraction,
        ],
        [3, 2, 1],
        0,
    )
    artifact[repeat] = 0
    return {
        "frames": frames,
        "actors": actors,
        "motion_seed": motion_seed,
        "artifact": artifact,
        "source": rng.integers(0, len(spec.sources), n),
        "action": rng.integers(1, len(ACTIONS), n),
    }


def _rows(spec: GeneratedSpec, tab: dict[str, np.ndarray], c0: int, c1: int) -> np.ndarray:
    """Float32 joints of clips [c0, c1) as stored rows (frame-major, actors interleaved), vectorised.

    Per clip (seeded by its motion seed, so repeats repeat): a stature, a static pose (every joint
    moved by a few centimetres), each upper arm raised sideways by its own angle, a forearm swing per
    arm (frequency, amplitude, phase) and a slow turn on the spot (up to 1.5 rad/s: the toes move
    under the skating threshold); the second actor stands 1.2 m to the side.
    """
    frames, actors = tab["frames"][c0:c1], tab["actors"][c0:c1]
    seeds = tab["motion_seed"][c0:c1]
    params = np.stack([np.random.default_rng([spec.seed, 2, int(m)]).random(_N_PARAMS) for m in seeds])
    scale = 0.85 + 0.25 * params[:, 0]
    pose = (params[:, _N_PARAMS - NUM_JOINTS * 3 :] - 0.5).reshape(-1, NUM_JOINTS, 3) * 0.06  # +-3 cm
    body = (STANDING[None] + pose) * scale[:, None, None]  # (C, 22, 3)
    for side, (shoulder, elbow, wrist) in enumerate(_ARMS):  # raise each arm sideways about its shoulder
        raise_ = (1.4 * params[:, 7 + side]) * (1 if side == 0 else -1)
        c, s = np.cos(raise_)[:, None], np.sin(raise_)[:, None]
        rel = body[:, [elbow, wrist]] - body[:, [shoulder]]
        body[:, [elbow, wrist], 0] = body[:, [shoulder], 0] + c * rel[..., 0] - s * rel[..., 1]
        body[:, [elbow, wrist], 1] = body[:, [shoulder], 1] + s * rel[..., 0] + c * rel[..., 1]
    sizes = frames * actors
    clip = np.repeat(np.arange(len(frames)), sizes)
    k = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    actor = k % actors[clip]
    t = ((k // actors[clip]) / spec.fps).astype(np.float32)
    j = body.astype(np.float32)[clip] * (1.0 - 0.04 * actor).astype(np.float32)[:, None, None]  # (R, 22, 3)
    for side, (_, elbow, wrist) in enumerate(_ARMS):
        f = 0.3 + 0.9 * params[clip, 1 + 3 * side]
        amp = 0.3 + 0.6 * params[clip, 2 + 3 * side]
        phase = 6.3 * params[clip, 3 + 3 * side] + 1.7 * actor
        theta = (1.05 + amp * np.sin(2 * np.pi * f * t + phase)).astype(np.float32)
        fore = j[:, wrist] - j[:, elbow]
        c, s = np.cos(theta), np.sin(theta)
        j[:, wrist, 1] = j[:, elbow, 1] + c * fore[:, 1] - s * fore[:, 2]
        j[:, wrist, 2] = j[:, elbow, 2] + s * fore[:, 1] + c * fore[:, 2]
    yaw = ((params[clip, 9] - 0.5) * 3.0 * t).astype(np.float32)[:, None]  # turn on the spot
    c, s = np.cos(yaw), np.sin(yaw)
    x, z = j[:, :, 0].copy(), j[:, :, 2].copy()
    j[:, :, 0], j[:, :, 2] = c * x + s * z, -s * x + c * z
    j[:, :, 0] += (1.2 * actor)[:, None]
    art = tab["artifact"][c0:c1][clip]
    noise_rng = np.random.default_rng([spec.seed, 4, c0])
    noisy = art == 1
    j[noisy] += noise_rng.normal(0.0, 0.02, (int(noisy.sum()), NUM_JOINTS, 3)).astype(np.float32)
    glide = art == 2
    j[glide, :, 2] += t[glide, None]  # 1 m/s on planted feet
    first_nan = np.flatnonzero((art == 3) & (k == sizes[clip] // 2))
    j[first_nan, 0, 1] = np.nan
    return j


def write_generated_store(
    path: str | os.PathLike, spec: GeneratedSpec, embedded_dim: int | None = None
) -> dict:
    """Write the store; `embedded_dim` makes it an embedded file with random unit caption vectors.

    Returns a summary: clips, rows, bytes.
    """
    tab = _clip_table(spec)
    n = spec.n_clips
    sizes = tab["frames"] * tab["actors"]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    names = [spec.sources[s] for s in tab["source"]]
    ids = [
        f"{names[i]}/gen{i // 2:08d}#{(i % 2) * 5}-{(i % 2) * 5 + int(tab['frames'][i])}" for i in range(n)
    ]
    texts = [
        [f"a person waves, variant {i % 997} ({k})" for k in range(spec.captions_per_clip)] for i in range(n)
    ]
    header = canonical.file_header(
        "embedded" if embedded_dim else "canonical",
        spec.fps,
        torch.from_numpy(offsets),
        torch.from_numpy(tab["frames"].astype(np.int32)),
        torch.from_numpy(tab["actors"].astype(np.int32)),
        {
            "ids": ids,
            "texts": texts,
            "actions": [ACTIONS[a] for a in tab["action"]],
            "styles": [""] * n,
            "sources": names,
            "groups": [x.split("#")[0] for x in ids],
            "meta": ["{}"] * n,
        },
        {"generated": True, "seed": spec.seed},
    )
    rows = int(offsets[-1])
    columns = {
        "root": Column((rows, 3), torch.float32),
        "offsets": Column((rows, NUM_JOINTS - 1, 3), torch.int16),
        "face": Column((rows, canonical.FACE_BYTES), torch.uint8),  # never written: all "unknown"
    }
    if embedded_dim:
        captions = sorted({t for ts in texts for t in ts})
        row = {t: k for k, t in enumerate(captions)}
        header.update(
            text_encoder={"name": "generated-random", "dim": int(embedded_dim)},
            **strings.pack("captions", captions),
            clip_caption_offsets=torch.from_numpy(np.arange(n + 1, dtype=np.int64) * spec.captions_per_clip),
            clip_caption_index=torch.tensor([row[t] for ts in texts for t in ts], dtype=torch.int64),
        )
        columns["caption_emb"] = Column((len(captions), int(embedded_dim)), torch.float32)

    def fill(sink: ColumnSink) -> None:
        first: tuple[np.ndarray, np.ndarray] | None = None
        for c0 in range(0, n, spec.chunk_clips):
            c1 = min(c0 + spec.chunk_clips, n)
            if spec.tile and first is not None:
                rows_here = int(offsets[c1] - offsets[c0])
                root = first[0][:rows_here].copy()
                root[:, 0] += np.float32(0.001 * (c0 // spec.chunk_clips))
                rel = first[1][:rows_here]
            else:
                j = _rows(spec, tab, c0, c1)
                root = np.ascontiguousarray(j[:, 0])
                rel_f = np.rint((j[:, 1:] - root[:, None]) * np.float32(1000.0))
                rel_f[~np.isfinite(rel_f)] = 0
                rel = rel_f.astype(np.int16)
                first = first or (root, rel)
            sink.write("root", int(offsets[c0]), root)
            sink.write("offsets", int(offsets[c0]), rel)
        if embedded_dim:
            r = np.random.default_rng([spec.seed, 3])
            total = columns["caption_emb"].shape[0]
            for a in range(0, total, 50_000):
                v = r.standard_normal((min(50_000, total - a), int(embedded_dim))).astype(np.float32)
                sink.write("caption_emb", a, v / np.linalg.norm(v, axis=1, keepdims=True))

    write_columnar(path, header, columns, fill)
    return {"clips": n, "rows": rows, "bytes": os.path.getsize(path)}
