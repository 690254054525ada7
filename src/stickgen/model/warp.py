"""Time warping: which frames of a clip match a target's, and a clip read along such a path.

A training sample's template is its memory clip played on the sample's own timing
(`stickgen.model.memory.MotionMemory.aligned_templates`): `warp_path` matches each target frame with a clip
frame (dynamic time warping with open ends and a bounded slope; `warp_paths` for many pairs in one pass),
`smooth_path` turns the matched frames into a steady fractional path, and `played` reads the clip along it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def played(rows: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """`rows` (L, ...) read at the fractional frames `at` (T,) (linear between neighbours, held past the
    last), so a clip played along a warped path moves smoothly instead of holding and skipping
    frames."""
    at = at.clamp(0, rows.shape[0] - 1)
    lo = at.floor().long()
    hi = (lo + 1).clamp(max=rows.shape[0] - 1)
    w = (at - lo).to(rows.dtype).view(-1, *([1] * (rows.dim() - 1)))
    return rows[lo] * (1 - w) + rows[hi] * w


_PATH_KERNEL = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0


def smooth_path(path: np.ndarray) -> np.ndarray:
    """A warp path's frames (T,) smoothed into a monotone fractional path: a DTW path holds a frame and then
    jumps two; a template read on it would stutter where the motion it stands for is smooth."""
    if len(path) < 2:
        return path.astype(np.float64)
    r = len(_PATH_KERNEL) // 2
    return np.convolve(np.pad(path.astype(np.float64), r, mode="edge"), _PATH_KERNEL, mode="valid")


MAX_WARP = 2  # a template frame advances 0, 1 or 2 frames of its clip per frame of the target


def warp_path(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """(T,) frames of `source` (L, D) matched with the frames of `target` (T, D): the monotone path
    through source, from any start to any end (a part of it), that advances 0 to `MAX_WARP` frames per
    target frame and minimises the summed squared distance of the matched frames (dynamic time warping
    with open ends and bounded slope; O(T L), one vectorised row per target frame). Of equal totals the
    path that advances least is taken."""
    return warp_paths([(target, source)])[0]


def warp_paths(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """`warp_path` of every (target (T_b, D_b), source (L_b, D_b)) pair, their rows computed together (a
    training batch's templates: one Python loop over the longest target's rows, not one per pair). The same
    paths bit for bit: a pair's distances are its own product, and a total at (i, j) depends only on its
    pair's totals at columns <= j of the row before, so the columns padding a shorter source (and the rows
    past a shorter target, never read back) change nothing of it."""
    if not pairs:
        return []
    costs = [_distances(t, s) for t, s in pairs]
    rows, cols = np.array([c.shape[0] for c in costs]), np.array([c.shape[1] for c in costs])
    # laid out (row, column, pair): a row's shifted columns are contiguous blocks of every pair at once
    cost = np.zeros((rows.max(), cols.max(), len(costs)), dtype=np.float32)
    for b, c in enumerate(costs):
        cost[: c.shape[0], : c.shape[1], b] = c
    totals = np.empty_like(cost)  # the least total of a path ending at (i, j)
    totals[0] = cost[0]
    best = np.empty_like(cost[0])
    for i in range(1, cost.shape[0]):
        prev = totals[i - 1]
        best[:] = prev
        for k in range(1, MAX_WARP + 1):  # arriving from k frames back
            np.minimum(best[k:], prev[:-k], out=best[k:])
        np.add(cost[i], best, out=totals[i])
    path = np.zeros((len(costs), cost.shape[0]), dtype=np.int64)
    for b, (t, n) in enumerate(zip(rows, cols, strict=True)):
        path[b, t - 1] = int(totals[t - 1, :n, b].argmin())
    back = np.arange(MAX_WARP + 1)
    for i in range(cost.shape[0] - 1, 0, -1):  # back along the least predecessors, the nearest first on a tie
        on = np.flatnonzero(rows > i)
        j = path[on, i]
        frames = j[:, None] - back[None, :]  # (n, MAX_WARP + 1): staying, then 1 and 2 frames back
        came = np.where(frames >= 0, totals[i - 1, np.maximum(frames, 0), on[:, None]], np.inf)
        path[on, i - 1] = j - came.argmin(axis=1)
    return [path[b, :t] for b, t in enumerate(rows)]


def _distances(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """(T, L) squared distances of every target frame to every source frame, float32."""
    target, source = np.asarray(target, np.float32), np.asarray(source, np.float32)
    return (target**2).sum(1)[:, None] + (source**2).sum(1)[None, :] - 2.0 * target @ source.T
