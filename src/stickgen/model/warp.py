"""Time warping: which frames of a clip match a target's, and a clip read along such a path.

A training sample's template is its memory clip played on the sample's own timing
(`stickgen.model.memory.MotionMemory.aligned_template`): `warp_path` matches each target frame with a clip
frame (dynamic time warping with open ends and a bounded slope), `smooth_path` turns the matched frames into
a steady fractional path, and `played` reads the clip along it.
"""

from __future__ import annotations

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
    t, n = target.shape[0], source.shape[0]
    target, source = np.asarray(target, np.float32), np.asarray(source, np.float32)
    cost = (target**2).sum(1)[:, None] + (source**2).sum(1)[None, :] - 2.0 * target @ source.T  # (T, L)
    totals = np.empty((t, n), dtype=np.float32)  # the least total of a path ending at (i, j)
    totals[0] = cost[0]
    best = np.empty(n, dtype=np.float32)
    for i in range(1, t):
        prev = totals[i - 1]
        best[:] = prev
        for k in range(1, MAX_WARP + 1):  # arriving from k frames back
            np.minimum(best[k:], prev[:-k], out=best[k:])
        np.add(cost[i], best, out=totals[i])
    path = np.empty(t, dtype=np.int64)
    path[-1] = int(totals[-1].argmin())
    for i in range(t - 1, 0, -1):  # back along the least predecessors, the nearest first on a tie
        j = int(path[i])
        path[i - 1] = j - int(totals[i - 1, max(j - MAX_WARP, 0) : j + 1][::-1].argmin())
    return path
