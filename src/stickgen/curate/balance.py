"""Caps on shares: per-source caps and action balance (docs/curation.md, "Caps").

The rule (`cap_counts`), for groups (sources or actions) with `a_g` eligible clips and a cap fraction
f: with K non-empty groups, let f' = max(f, 1 / K) (below 1 / K no mix can keep every group under f,
so every group gets an equal share instead). The cap c is the largest integer with

    c <= f' * sum_g min(a_g, c)

and each group keeps min(a_g, c) clips. Then no group exceeds f' of the output, the groups under
the cap keep all their clips, and no larger output satisfies the cap: a dominant group is cut only
down to what the other groups can balance. Which clips a cut group keeps is decided by a seeded
hash of their take (`group` field), so whole takes stay together and the choice is stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from stickgen.curate.splits import unit_hash


def cap_counts(available: Mapping[str, int], fraction: float) -> dict[str, int]:
    """How many clips each group keeps under the cap rule of the module docstring."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"cap fraction must be in (0, 1], got {fraction}")
    sizes = {k: int(v) for k, v in available.items()}
    if any(v < 0 for v in sizes.values()):
        raise ValueError(f"negative group sizes: {sizes}")
    nonempty = [v for v in sizes.values() if v > 0]
    if not nonempty:
        return dict(sizes)
    f = max(fraction, 1.0 / len(nonempty))
    arr = np.array(nonempty, dtype=np.int64)

    def fits(c: int) -> bool:
        return c <= f * int(np.minimum(arr, c).sum()) + 1e-9

    lo, hi = 0, int(arr.max())  # fits(0) holds; find the largest c in [lo, hi] that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return {k: min(v, lo) for k, v in sizes.items()}


def select_capped(
    labels: Sequence[str], takes: Sequence[str], ids: Sequence[str], fraction: float, seed: int, salt: str
) -> tuple[np.ndarray, dict[str, int]]:
    """Apply the cap rule to items labelled by group; returns (keep mask, kept count per label).

    Within a label, items are ranked by `unit_hash(seed, salt + take)` and then id, and the first
    `cap_counts(...)[label]` are kept.
    """
    labels_arr = np.asarray(labels, dtype=object)
    keep = np.zeros(len(labels_arr), dtype=bool)
    uniq, counts = np.unique(labels_arr.astype(str), return_counts=True) if len(labels_arr) else ([], [])
    quota = cap_counts(dict(zip([str(u) for u in uniq], [int(c) for c in counts], strict=True)), fraction)
    rank_of_take: dict[str, float] = {}
    for label, q in quota.items():
        idx = np.flatnonzero(labels_arr == label)
        if q >= len(idx):
            keep[idx] = True
            continue
        keys = []
        for i in idx:
            t = takes[i]
            if t not in rank_of_take:
                rank_of_take[t] = unit_hash(seed, salt + t)
            keys.append((rank_of_take[t], ids[i]))
        ranked = idx[sorted(range(len(idx)), key=keys.__getitem__)]
        keep[ranked[:q]] = True
    return keep, quota
