"""Curation: filter canonical clips, split them by group and write the curated sets.

Filters (each rejection is recorded with its reason; nothing is dropped silently):
- `non_finite`: any joint coordinate is NaN or infinite;
- `too_short` / `too_long`: duration outside [curate.min_s, curate.max_s];
- `frozen`: no joint moves more than `curate.frozen_max_motion_m` from its first-frame position.

Outputs: `pretrain` (train split), `sft` (train split, clips with a known action), `val`, `test`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from stickgen.canonical import CanonicalStore, Clip
from stickgen.config import CurateConfig
from stickgen.splits import assign_split

OUTPUT_SETS = ("pretrain", "sft", "val", "test")


def reject_reason(clip: Clip, fps: float, cfg: CurateConfig) -> str | None:
    """Why a clip fails the basic filters, or None when it passes."""
    if not np.isfinite(clip.joints).all():
        return "non_finite: joints contain NaN or infinite values"
    seconds = clip.frames / fps
    if seconds < cfg.min_s:
        return f"too_short: {seconds:.2f} s < min_s {cfg.min_s}"
    if seconds > cfg.max_s + 1e-9:
        return f"too_long: {seconds:.2f} s > max_s {cfg.max_s}"
    motion = float(np.abs(clip.joints - clip.joints[:1]).max())
    if motion <= cfg.frozen_max_motion_m:
        return f"frozen: largest joint motion {motion:.4f} m <= {cfg.frozen_max_motion_m} m"
    return None


def curate(
    stores: Iterable[CanonicalStore], cfg: CurateConfig, seed: int
) -> tuple[dict[str, list[Clip]], dict]:
    """Filter and split every clip of every store. Returns (sets, report)."""
    sets: dict[str, list[Clip]] = {name: [] for name in OUTPUT_SETS}
    rejects: list[dict] = []
    fps_seen: set[float] = set()
    per_source: Counter = Counter()
    for store in stores:
        fps_seen.add(store.fps)
        for clip in store:
            per_source[clip.source] += 1
            reason = reject_reason(clip, store.fps, cfg)
            if reason is not None:
                rejects.append({"id": clip.id, "source": clip.source, "reason": reason})
                continue
            split = assign_split(clip.group, seed, cfg.val_fraction, cfg.test_fraction)
            if split == "train":
                sets["pretrain"].append(clip)
                if clip.action != "unknown":
                    sets["sft"].append(clip)
            else:
                sets[split].append(clip)
    if len(fps_seen) > 1:
        raise ValueError(f"canonical inputs disagree on fps: {sorted(fps_seen)}")
    report = {
        "inputs": dict(sorted(per_source.items())),
        "outputs": {name: len(clips) for name, clips in sets.items()},
        "actions": {name: dict(sorted(Counter(c.action for c in clips).items())) for name, clips in sets.items()},
        "rejected": len(rejects),
        "reject_reasons": dict(sorted(Counter(r["reason"].split(":")[0] for r in rejects).items())),
        "rejects": rejects,
    }
    return sets, report
