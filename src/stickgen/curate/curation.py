"""Curation: canonical stores -> the curated sets `pretrain`, `sft`, `val`, `test` (docs/curation.md).

Three steps, each streaming over the memory-mapped stores so that the cost grows linearly with the
data and the memory with the clip count only (never with the frames):

1. `scan` (`stickgen.curate.scan`): one pass over every store in chunks of rows; per clip the quality
   detectors (`stickgen.core.quality`), the largest joint displacement and the de-duplication descriptor
   (`stickgen.curate.dedup`) land in a columnar `ClipTable`.
2. `plan`: pure decisions on the table: hard filters, near-duplicates, the group-aware split, the
   per-source cap of `pretrain`, the quality bar and action balance of `sft`, mirroring. Every clip
   that reaches no set is listed with its reason; so is every pretrain clip left out of `sft`.
3. `write_sets`: each set is copied row chunk by row chunk from the input stores (mirrored rows are
   mirrored on the way) into a columnar file of kind `curated` (`stickgen.core.columnar`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stickgen.core import canonical, quality
from stickgen.core.columnar import Column, ColumnSink, release_pages, row_chunks, write_columnar
from stickgen.core.config import CurateConfig, QualityConfig
from stickgen.core.skeleton import NUM_JOINTS
from stickgen.curate import dedup
from stickgen.curate.augment import UNMIRRORED_ACTIONS, mirror_caption, mirror_id, mirror_rows
from stickgen.curate.balance import select_capped
from stickgen.curate.scan import DEFAULT_CHUNK_ROWS, ClipTable, CurationError, scan
from stickgen.curate.splits import assign_splits

OUTPUT_SETS = ("pretrain", "sft", "val", "test")
# reasons a clip reaches no set, in the order the filters run
REJECT_REASONS = (
    "non_finite",
    "too_short",
    "too_long",
    "too_many_actors",
    "motionless",
    "low_quality",
    "duplicate",
    "mirror_duplicate",
    "source_cap",
)
# reasons a pretrain clip is not in sft
SFT_REASONS = ("sft_quality", "unknown_action", "action_cap")
# the filters that measure damage (their share is bounded by curate.max_reject_fraction); de-duplication
# and caps are policy and do not count
DAMAGE_REASONS = REJECT_REASONS[:6]


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Concatenated aranges [starts[k], starts[k] + sizes[k]) (vectorised)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    ends = np.cumsum(sizes)
    return np.repeat(np.asarray(starts, dtype=np.int64) - ends + sizes, sizes) + np.arange(
        int(ends[-1]) if len(ends) else 0
    )


def quality_weights(cfg: QualityConfig) -> dict[str, float]:
    """The detector weights of params.yaml `quality` by detector name."""
    weights = {
        "jitter": cfg.jitter,
        "foot_skating": cfg.foot_skating,
        "ground_penetration": cfg.ground_penetration,
        "floating": cfg.floating,
        "bone_length": cfg.bone_length,
        "teleport": cfg.teleport,
        "frozen": cfg.frozen,
        "joint_angles": cfg.joint_angles,
    }
    assert tuple(weights) == quality.DETECTORS, weights
    return weights


# ---------------------------------------------------------------------------------------------
# 2. plan


@dataclass
class SetPlan:
    """The clips of one output set, in output order: table rows and whether each is the mirror image."""

    rows: np.ndarray  # int64 indices into the ClipTable
    mirrored: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.rows.shape[0])


@dataclass
class Plan:
    sets: dict[str, SetPlan]
    rejects: list[dict[str, str]]  # every clip in no set: id, source, reason
    sft_excluded: list[dict[str, str]]  # every pretrain clip not in sft: id, reason
    split: list[str]  # train / val / test per table row
    caps: dict[str, dict[str, dict[str, int]]]  # "source" / "action" -> label -> available, kept


def _with_mirrors(rows: np.ndarray, mirror: bool, actions: list[str]) -> SetPlan:
    """Each row, followed by its mirror image when `mirror` and its action has one (`UNMIRRORED_ACTIONS`)."""
    twice = np.array([mirror and actions[i] not in UNMIRRORED_ACTIONS for i in rows], dtype=bool)
    copies = np.where(twice, 2, 1)
    mirrored = np.zeros(int(copies.sum()), dtype=bool)
    mirrored[np.cumsum(copies)[twice] - 1] = True
    return SetPlan(np.repeat(rows, copies), mirrored)


def hard_filter_reasons(
    table: ClipTable, cfg: CurateConfig, fps: float, max_actors: int, weights: dict[str, float]
) -> list[str | None]:
    """The first failing damage filter per clip, as a reject reason (None: passes)."""
    seconds = table.frames / fps
    checks = [
        (
            table.raw["non_finite"] > 0,
            lambda i: f"non_finite: {int(table.raw['non_finite'][i])} NaN/inf values",
        ),
        (seconds < cfg.min_s - 1e-9, lambda i: f"too_short: {seconds[i]:.2f} s < min_s {cfg.min_s}"),
        (seconds > cfg.max_s + 1e-9, lambda i: f"too_long: {seconds[i]:.2f} s > max_s {cfg.max_s}"),
        (
            table.actors > max_actors,
            lambda i: f"too_many_actors: {table.actors[i]} > max_actors {max_actors}",
        ),
        (
            table.motion <= cfg.frozen_max_motion_m,
            lambda i: (
                f"motionless: no joint moves more than {table.motion[i]:.4f} m <= {cfg.frozen_max_motion_m} m"
            ),
        ),
        (
            table.score < cfg.min_quality_pretrain,
            lambda i: _low_quality(table, i, cfg.min_quality_pretrain, weights),
        ),
    ]
    out: list[str | None] = [None] * len(table)
    for mask, message in checks:
        for i in np.flatnonzero(mask):
            if out[i] is None:
                out[i] = message(int(i))
    return out


def _low_quality(table: ClipTable, i: int, bar: float, weights: dict[str, float]) -> str:
    name, sev = quality.worst_detector(table.raw, weights, i)
    return (
        f"low_quality: score {table.score[i]:.3f} < {bar} (worst: {name} = "
        f"{table.raw[name][i]:.3g}, severity {sev:.2f})"
    )


def _mark_duplicates(
    table: ClipTable, alive: np.ndarray, reasons: list[str | None], cfg: CurateConfig, seed: int
) -> None:
    """Reject near-duplicates among the living clips (the better-scored clip of a group is kept)."""
    idx = np.flatnonzero(alive)
    order = np.lexsort((idx, -table.score[idx]))
    dup_of, mirrored, dist = dedup.find_duplicates(
        table.desc[idx], table.actors[idx], table.frames[idx], order, cfg.dedup_max_dist_m, cfg.mirror, seed
    )
    for k in np.flatnonzero(dup_of >= 0):
        i, j = int(idx[k]), int(idx[dup_of[k]])
        kind = "mirror_duplicate: mirror image of" if mirrored[k] else "duplicate: of"
        reasons[i] = f"{kind} {table.ids[j]} (descriptor distance {dist[k]:.4f} m)"
        alive[i] = False


def _cap(
    table: ClipTable, rows: np.ndarray, labels: list[str], fraction: float, seed: int, salt: str
) -> tuple[np.ndarray, dict[str, dict[str, int]]]:
    """`balance.select_capped` over table rows: (keep mask, {label: {available, kept}})."""
    keep, quota = select_capped(
        labels, [table.groups[i] for i in rows], [table.ids[i] for i in rows], fraction, seed, salt
    )
    available = Counter(labels)
    return keep, {k: {"available": int(available[k]), "kept": int(quota[k])} for k in sorted(quota)}


def _select_sft(
    table: ClipTable, pretrain: np.ndarray, cfg: CurateConfig, seed: int
) -> tuple[np.ndarray, list[dict[str, str]], dict[str, dict[str, int]]]:
    """SFT rows: pretrain clips over the SFT quality bar with a known action, action-balanced."""
    excluded: list[dict[str, str]] = []
    cand = []
    for i in pretrain:
        if table.score[i] < cfg.min_quality_sft:
            why = f"sft_quality: score {table.score[i]:.3f} < min_quality_sft {cfg.min_quality_sft}"
            excluded.append({"id": table.ids[i], "reason": why})
        elif table.actions[i] == "unknown":
            excluded.append({"id": table.ids[i], "reason": "unknown_action: no action label"})
        else:
            cand.append(i)
    rows = np.array(cand, dtype=np.int64)
    keep, caps = _cap(
        table, rows, [table.actions[i] for i in rows], cfg.balance_max_fraction, seed, "action:"
    )
    for i in rows[~keep]:
        c = caps[table.actions[i]]
        excluded.append(
            {
                "id": table.ids[i],
                "reason": f"action_cap: {table.actions[i]} keeps {c['kept']} of "
                f"{c['available']} (balance_max_fraction {cfg.balance_max_fraction})",
            }
        )
    return rows[keep], excluded, caps


def plan(
    table: ClipTable, cfg: CurateConfig, seed: int, fps: float, max_actors: int, weights: dict[str, float]
) -> Plan:
    """Decide every clip's fate (module docstring, step 2). Raises CurationError when more than
    `cfg.max_reject_fraction` of the clips fail the damage filters."""
    n = len(table)
    reasons = hard_filter_reasons(table, cfg, fps, max_actors, weights)
    damaged = sum(r is not None for r in reasons)
    if n and damaged / n > cfg.max_reject_fraction:
        top = Counter(r.split(":")[0] for r in reasons if r is not None).most_common(3)
        raise CurationError(
            f"{damaged} of {n} clips ({damaged / n:.0%}) fail the damage filters, more than "
            f"curate.max_reject_fraction {cfg.max_reject_fraction}; top reasons: {top}",
            [
                {"id": table.ids[i], "source": table.sources[i], "reason": r}
                for i, r in enumerate(reasons)
                if r
            ],
        )
    alive = np.array([r is None for r in reasons], dtype=bool)
    _mark_duplicates(table, alive, reasons, cfg, seed)

    split = assign_splits(table.groups, seed, cfg.val_fraction, cfg.test_fraction)
    split_arr = np.array(split, dtype=object)
    train = np.flatnonzero(alive & (split_arr == "train"))
    keep, source_caps = _cap(
        table, train, [table.sources[i] for i in train], cfg.max_source_fraction, seed, "source:"
    )
    for i in train[~keep]:
        c = source_caps[table.sources[i]]
        reasons[i] = (
            f"source_cap: {table.sources[i]} keeps {c['kept']} of {c['available']} train clips "
            f"(max_source_fraction {cfg.max_source_fraction})"
        )
    pretrain = train[keep]
    sft, sft_excluded, action_caps = _select_sft(table, pretrain, cfg, seed)

    return Plan(
        sets={
            "pretrain": _with_mirrors(pretrain, cfg.mirror, table.actions),
            "sft": _with_mirrors(sft, cfg.mirror, table.actions),
            "val": _with_mirrors(np.flatnonzero(alive & (split_arr == "val")), False, table.actions),
            "test": _with_mirrors(np.flatnonzero(alive & (split_arr == "test")), False, table.actions),
        },
        rejects=[
            {"id": table.ids[i], "source": table.sources[i], "reason": r} for i, r in enumerate(reasons) if r
        ],
        sft_excluded=sft_excluded,
        split=split,
        caps={"source": source_caps, "action": action_caps},
    )


# ---------------------------------------------------------------------------------------------
# 3. write


def write_set(
    path: str | Path,
    set_plan: SetPlan,
    table: ClipTable,
    stores: Sequence[canonical.CanonicalStore],
    fps: float,
    extra: dict[str, Any] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> None:
    """Write one set as a `curated` canonical file, copying (and mirroring) rows chunk by chunk."""
    rows_idx, mirrored = set_plan.rows, set_plan.mirrored
    st, ci = table.store[rows_idx], table.index[rows_idx]
    frames, actors = table.frames[rows_idx], table.actors[rows_idx]
    sizes = frames * actors
    out_offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    src_offs = [s.data["clip_offsets"].numpy() for s in stores]
    lists: dict[str, list] = {k: [] for k in canonical.CLIP_LIST_FIELDS}
    for s, c, m in zip(st.tolist(), ci.tolist(), mirrored.tolist(), strict=True):
        d = stores[s].data
        lists["ids"].append(mirror_id(d["ids"][c]) if m else d["ids"][c])
        lists["texts"].append([mirror_caption(t) for t in d["texts"][c]] if m else list(d["texts"][c]))
        for k in ("actions", "styles", "sources", "groups"):
            lists[k].append(d[k][c])
        meta = d["meta"][c]
        if m:  # a JSON object: add the key without parsing it
            tag = f'"mirrored_from": {json.dumps(d["ids"][c])}'
            meta = f"{{{tag}}}" if meta.strip() == "{}" else f"{meta.rstrip()[:-1]}, {tag}}}"
        lists["meta"].append(meta)
    header = canonical.file_header(
        "curated",
        fps,
        torch.from_numpy(out_offs),
        torch.from_numpy(frames.astype(np.int32)),
        torch.from_numpy(actors.astype(np.int32)),
        lists,
        extra,
    )
    total = int(out_offs[-1])
    columns = {
        "root": Column((total, 3), torch.float32),
        "offsets": Column((total, NUM_JOINTS - 1, 3), torch.int16),
        "face": Column((total, canonical.FACE_BYTES), torch.uint8),
    }

    def fill(sink: ColumnSink) -> None:
        for k0, k1 in row_chunks(out_offs, chunk_rows):
            base = int(out_offs[k0])
            root = np.empty((int(out_offs[k1]) - base, 3), dtype=np.float32)
            offs = np.empty((root.shape[0], NUM_JOINTS - 1, 3), dtype=np.int16)
            face = np.empty((root.shape[0], canonical.FACE_BYTES), dtype=np.uint8)
            for s in np.unique(st[k0:k1]):
                ks = k0 + np.flatnonzero(st[k0:k1] == s)
                src = _ranges(src_offs[s][ci[ks]], sizes[ks])
                dst = _ranges(out_offs[ks] - base, sizes[ks])
                lo, hi = int(src.min()), int(src.max()) + 1
                for out, key in ((root, "root"), (offs, "offsets"), (face, "face")):
                    part = stores[s].data[key][lo:hi]
                    out[dst] = part.numpy()[src - lo]
                    release_pages(part)
            mk = k0 + np.flatnonzero(mirrored[k0:k1])
            if mk.size:
                dst = _ranges(out_offs[mk] - base, sizes[mk])
                root[dst], offs[dst] = mirror_rows(root[dst], offs[dst])
            sink.write("root", base, root)
            sink.write("offsets", base, offs)
            sink.write("face", base, face)  # a face has no side: mirroring keeps it

    write_columnar(path, header, columns, fill)


# ---------------------------------------------------------------------------------------------
# the stage body


def curate(
    stores: Sequence[canonical.CanonicalStore],
    out_dir: str | Path,
    cfg: CurateConfig,
    quality_cfg: QualityConfig,
    seed: int,
    fps: float,
    max_actors: int,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    timings: dict[str, float] | None = None,
) -> tuple[Plan, ClipTable]:
    """Scan, plan and write `out_dir/{pretrain,sft,val,test}.pt`. Returns the plan and the table
    (for the report); raises CurationError before writing anything when the plan is unsound.
    `timings`, if given, receives the seconds of each step (scan, plan, write)."""
    weights = quality_weights(quality_cfg)
    bad_fps = [s.path for s in stores if abs(s.fps - fps) > 1e-9]
    if bad_fps:
        raise CurationError(f"canonical inputs {bad_fps} are not at canonical.fps {fps}; re-run convert")
    clock = {} if timings is None else timings
    t0 = time.perf_counter()
    table = scan(stores, weights, chunk_rows)
    t1 = time.perf_counter()
    the_plan = plan(table, cfg, seed, fps, max_actors, weights)
    t2 = time.perf_counter()
    out_dir = Path(out_dir)
    for name in OUTPUT_SETS:
        write_set(
            out_dir / f"{name}.pt",
            the_plan.sets[name],
            table,
            stores,
            fps,
            extra={"set": name, "inputs": [Path(s.path).name for s in stores]},
            chunk_rows=chunk_rows,
        )
    clock.update(scan=t1 - t0, plan=t2 - t1, write=time.perf_counter() - t2)
    return the_plan, table
