"""Step 1 of curation (`stickgen.curate.curation`): one streaming pass over the canonical stores that
puts, per clip, the quality detectors' raw values and score (`stickgen.core.quality`), the largest joint
displacement and the de-duplication descriptor (`stickgen.curate.dedup`) in a columnar `ClipTable`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stickgen.core import canonical, quality
from stickgen.core.columnar import decode_rows, release_pages, row_chunks
from stickgen.curate import dedup

DEFAULT_CHUNK_ROWS = 50_000  # rows per step: small enough to stay in cache-friendly arrays
# Actions whose body something other than the floor holds up (a ladder's rungs, water): a climber is off the
# floor for the whole climb, a swimmer floats at hip height, and their feet move while near the floor, which
# `floating` and `foot_skating` score as defects (curation rejected every climb of the embedded default).
# Those detectors are not counted for the clips of these actions.
HELD_UP_ACTIONS: dict[str, tuple[str, ...]] = {
    "climb": ("floating", "foot_skating"),
    "swim": ("floating", "foot_skating"),
}


def excuse_held_up(raw: dict[str, np.ndarray], actions: Sequence[str]) -> dict[str, np.ndarray]:
    """`raw` (detector -> per-clip values, N each) with the detectors `HELD_UP_ACTIONS` names set to 0 for
    the clips of `actions` (N action names) held up by something other than the floor."""
    if any(len(v) != len(actions) for v in raw.values()):
        raise ValueError(
            f"{len(actions)} actions for detector values of {[len(v) for v in raw.values()]} clips"
        )
    out = {k: np.array(v, dtype=np.float64) for k, v in raw.items()}
    for action, names in HELD_UP_ACTIONS.items():
        rows = np.array([a == action for a in actions], dtype=bool)
        for name in names:
            out[name][rows] = 0.0
    return out


class CurationError(RuntimeError):
    """Curation cannot produce sound sets (too many damaged clips, mixed frame rates, ...).

    `rejects` lists the clips rejected so far (id, source, reason), for the report.
    """

    def __init__(self, message: str, rejects: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.rejects = rejects or []


@dataclass
class ClipTable:
    """One row per input clip (all stores, in store order). Strings reference the stores' lists."""

    store: np.ndarray  # int32: index of the input store
    index: np.ndarray  # int64: clip index inside that store
    frames: np.ndarray  # int64
    actors: np.ndarray  # int64
    raw: dict[str, np.ndarray]  # detector raw values (worst actor) incl. non_finite
    score: np.ndarray  # float64 quality score
    motion: np.ndarray  # float64 largest |joint - its first-frame position| coordinate (m)
    desc: np.ndarray  # float16 (N, dedup.DESCRIPTOR_POINTS, 3)
    ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.store.shape[0])


def _tracks_of_chunk(rows: np.ndarray, frames: np.ndarray, actors: np.ndarray, fps: float) -> quality.Tracks:
    """Frame-major stored rows of consecutive clips -> actor tracks (clip by clip, actor 0 first)."""
    sizes = frames * actors
    offs = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if np.all(actors == 1):
        return quality.Tracks(rows, np.concatenate([offs, [rows.shape[0]]]).astype(np.int64), fps)
    clip = np.repeat(np.arange(len(sizes)), sizes)
    k = np.arange(rows.shape[0]) - offs[clip]
    a, t = actors[clip], frames[clip]
    out = np.empty_like(rows)
    out[offs[clip] + (k % a) * t + k // a] = rows  # row k is frame k // A of actor k % A
    within = np.arange(int(actors.sum())) - np.repeat(np.cumsum(actors) - actors, actors)
    starts = np.repeat(offs, actors) + within * np.repeat(frames, actors)
    return quality.Tracks(out, np.concatenate([starts, [rows.shape[0]]]).astype(np.int64), fps)


def scan_store(
    store: canonical.CanonicalStore, weights: dict[str, float], chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> dict[str, Any]:
    """Per-clip columns of one store (see `ClipTable`), reading it chunk by chunk."""
    d = store.data
    offs = d["clip_offsets"].numpy()
    frames_all = d["clip_frames"].numpy().astype(np.int64)
    actors_all = d["clip_actors"].numpy().astype(np.int64)
    n = len(store)
    raw = {k: np.zeros(n) for k in (*quality.DETECTORS, "non_finite")}
    motion = np.zeros(n)
    desc = np.zeros((n, dedup.DESCRIPTOR_POINTS, 3), dtype=np.float16)
    for c0, c1 in row_chunks(offs, chunk_rows):
        a, b = int(offs[c0]), int(offs[c1])
        root_t, off_t = d["root"][a:b], d["offsets"][a:b]
        rows = decode_rows(root_t.numpy(), off_t.numpy())
        frames, actors = frames_all[c0:c1], actors_all[c0:c1]
        tracks = _tracks_of_chunk(rows, frames, actors, store.fps)
        for k, v in quality.per_clip(quality.measure(tracks), actors).items():
            raw[k][c0:c1] = v
        first = np.repeat(tracks.finite[tracks.starts[:-1]], tracks.lengths, axis=0)
        moved = np.abs(tracks.finite - first).reshape(len(first), -1).max(axis=1)
        motion[c0:c1] = np.maximum.reduceat(
            np.maximum.reduceat(moved, tracks.starts[:-1]), np.concatenate([[0], np.cumsum(actors)[:-1]])
        )
        desc[c0:c1] = dedup.descriptors(tracks, actors)
        release_pages(root_t)
        release_pages(off_t)
    raw = excuse_held_up(raw, list(d["actions"]))
    return {
        "frames": frames_all,
        "actors": actors_all,
        "raw": raw,
        "score": quality.quality_score(raw, weights),
        "motion": motion,
        "desc": desc,
    }


def scan(
    stores: Sequence[canonical.CanonicalStore],
    weights: dict[str, float],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> ClipTable:
    """Scan every store (see `scan_store`) into one `ClipTable`."""
    fps = {s.fps for s in stores}
    if len(fps) > 1:
        raise CurationError(f"canonical inputs disagree on fps: {sorted(fps)}")
    parts = [scan_store(s, weights, chunk_rows) for s in stores]
    cat = (lambda k: np.concatenate([p[k] for p in parts])) if parts else (lambda k: np.zeros(0))
    return ClipTable(
        store=np.concatenate(
            [np.full(len(s), i, dtype=np.int32) for i, s in enumerate(stores)] or [np.zeros(0)]
        ),
        index=np.concatenate([np.arange(len(s), dtype=np.int64) for s in stores] or [np.zeros(0)]),
        frames=cat("frames").astype(np.int64),
        actors=cat("actors").astype(np.int64),
        raw={k: np.concatenate([p["raw"][k] for p in parts]) for k in (*quality.DETECTORS, "non_finite")}
        if parts
        else {},
        score=cat("score"),
        motion=cat("motion"),
        desc=np.concatenate([p["desc"] for p in parts])
        if parts
        else np.zeros((0, dedup.DESCRIPTOR_POINTS, 3)),
        ids=[i for s in stores for i in s.data["ids"]],
        sources=[x for s in stores for x in s.data["sources"]],
        groups=[x for s in stores for x in s.data["groups"]],
        actions=[x for s in stores for x in s.data["actions"]],
    )
