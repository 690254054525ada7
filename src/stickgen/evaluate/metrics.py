"""Metrics: pure functions over GENERATED motion (definitions: docs/metrics.md).

Every function checks its input shapes, never touches global state, and takes an explicit
`np.random.Generator` where it samples. Embedding metrics (the HumanML3D protocol) read the
evaluator's embeddings (`stickgen.evaluate.evaluator`); motion metrics read canonical joints
(T, A, 22, 3) in metres at a frame rate; physical plausibility reuses the detectors of
`stickgen.core.quality`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import linalg

from stickgen.core import quality
from stickgen.core.skeleton import NUM_JOINTS

# The detectors of stickgen.core.quality that make up physics_consistency (contacts, rigid bones, anatomy,
# body speed); jitter and frozen are temporal, not physical, and stay out.
PHYSICS_DETECTORS: tuple[str, ...] = (
    "foot_skating",
    "ground_penetration",
    "floating",
    "bone_length",
    "teleport",
    "joint_angles",
)
assert set(PHYSICS_DETECTORS) <= set(quality.DETECTORS), PHYSICS_DETECTORS


def _check_clip(joints: np.ndarray, name: str) -> None:
    if joints.ndim != 4 or joints.shape[-2:] != (NUM_JOINTS, 3) or joints.shape[0] < 1:
        raise ValueError(f"{name} needs (T, A, {NUM_JOINTS}, 3) joints, got {joints.shape}")


def _check_embeddings(x: np.ndarray, name: str, min_rows: int = 1) -> None:
    if x.ndim != 2 or x.shape[0] < min_rows:
        raise ValueError(f"{name} needs (N >= {min_rows}, D) embeddings, got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: embeddings contain non-finite values")


# ---------------------------------------------------------------------------------------------
# Reductions over replications.


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """Mean and 95% half-interval 1.96 * std / sqrt(n) over replications (0 for one replication)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"mean_ci95 needs a non-empty 1-D sequence, got shape {v.shape}")
    if v.size == 1:
        return float(v[0]), 0.0
    return float(v.mean()), float(1.96 * v.std() / np.sqrt(v.size))


# ---------------------------------------------------------------------------------------------
# Text-to-motion protocol (HumanML3D), over evaluator embeddings.


def distance_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances (N, M) between the rows of a (N, D) and b (M, D)."""
    _check_embeddings(a, "distance_matrix a")
    _check_embeddings(b, "distance_matrix b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"distance_matrix: dims differ, {a.shape} vs {b.shape}")
    sq = (a * a).sum(1)[:, None] - 2.0 * a @ b.T + (b * b).sum(1)[None, :]
    return np.sqrt(np.maximum(sq, 0.0))


def r_precision(
    text_emb: np.ndarray, motion_emb: np.ndarray, batch_size: int, rng: np.random.Generator, top_k: int = 3
) -> np.ndarray:
    """R-precision top-1..top-k: how often a motion's own caption ranks among the k nearest captions.

    The pairs are shuffled with `rng` and cut into batches of `batch_size` (32 in the protocol; a
    partial last batch is dropped, and a set smaller than one batch is one batch). Within a batch,
    each motion ranks the batch's captions by Euclidean distance; chance level is k / batch.

    Args:
        text_emb: (N, D) evaluator embeddings of the captions.
        motion_emb: (N, D) evaluator embeddings of the motions; row i was made from caption i.

    Returns:
        (top_k,) fractions in [0, 1], cumulative: [top-1, top-2, top-3].
    """
    _check_embeddings(text_emb, "r_precision text_emb", 2)
    if motion_emb.shape != text_emb.shape:
        raise ValueError(f"r_precision needs paired rows, got {text_emb.shape} vs {motion_emb.shape}")
    if batch_size < 2 or top_k < 1:
        raise ValueError(f"r_precision needs batch_size >= 2 and top_k >= 1, got {batch_size}, {top_k}")
    n = text_emb.shape[0]
    size = min(batch_size, n)
    order = rng.permutation(n)
    hits = np.zeros(top_k)
    count = 0
    for start in range(0, n - size + 1, size):
        idx = order[start : start + size]
        d = distance_matrix(motion_emb[idx], text_emb[idx])  # (B, B): motion i -> caption j
        rank = (d < np.diag(d)[:, None]).sum(1)  # captions strictly closer than its own
        hits += (rank[:, None] < np.arange(1, top_k + 1)[None, :]).sum(0)
        count += size
    return hits / count


def mm_dist(text_emb: np.ndarray, motion_emb: np.ndarray) -> float:
    """Mean Euclidean distance between each motion's embedding and its own caption's."""
    _check_embeddings(text_emb, "mm_dist text_emb")
    if motion_emb.shape != text_emb.shape:
        raise ValueError(f"mm_dist needs paired rows, got {text_emb.shape} vs {motion_emb.shape}")
    return float(np.linalg.norm(text_emb - motion_emb, axis=1).mean())


def gaussian_stats(emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of embeddings (N, D), N >= 2."""
    _check_embeddings(emb, "gaussian_stats", 2)
    return emb.mean(0), np.cov(emb, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2):
    |mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))."""
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.shape[0],) * 2:
        raise ValueError(f"frechet_distance: shapes {mu1.shape} {sigma1.shape} vs {mu2.shape} {sigma2.shape}")
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():  # singular product: regularise both sides a little
        eps = np.eye(sigma1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((sigma1 + eps) @ (sigma2 + eps))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean), 0.0))


def fid(real_emb: np.ndarray, generated_emb: np.ndarray) -> float:
    """FID between the evaluator embeddings of real (N, D) and generated (M, D) motions."""
    return frechet_distance(*gaussian_stats(real_emb), *gaussian_stats(generated_emb))


def diversity(emb: np.ndarray, n_pairs: int, rng: np.random.Generator) -> float:
    """Mean Euclidean distance between `n_pairs` random pairs (i != j, drawn with replacement)."""
    _check_embeddings(emb, "diversity", 2)
    if n_pairs < 1:
        raise ValueError(f"diversity needs n_pairs >= 1, got {n_pairs}")
    n = emb.shape[0]
    i = rng.integers(0, n, n_pairs)
    j = (i + rng.integers(1, n, n_pairs)) % n  # uniform over the other rows
    return float(np.linalg.norm(emb[i] - emb[j], axis=1).mean())


def multimodality(groups: np.ndarray) -> float:
    """Mean distance between motions generated from the SAME caption: groups (P, R, D), R >= 2 repeats
    of P captions; the mean over captions of the mean over all R (R - 1) / 2 pairs."""
    if groups.ndim != 3 or groups.shape[0] < 1 or groups.shape[1] < 2:
        raise ValueError(f"multimodality needs (P >= 1, R >= 2, D) embeddings, got {groups.shape}")
    d = np.linalg.norm(groups[:, :, None, :] - groups[:, None, :, :], axis=-1)  # (P, R, R)
    r = groups.shape[1]
    return float(d.sum(axis=(1, 2)).mean() / (r * (r - 1)))


# ---------------------------------------------------------------------------------------------
# Selection metrics over joints.


def motion_mse(generated: np.ndarray, real: np.ndarray) -> float:
    """Mean squared joint-position error in m^2 between a generated and a real clip.

    Args:
        generated: (T, A, 22, 3) canonical joints generated from the real clip's caption and length.
        real: (T, A, 22, 3) the real clip.
    """
    _check_clip(generated, "motion_mse")
    if generated.shape != real.shape:
        raise ValueError(f"motion_mse needs equal shapes, got {generated.shape} vs {real.shape}")
    return float(np.mean(np.sum((generated - real) ** 2, axis=-1)))


def frame_accelerations(joints: np.ndarray, fps: float) -> np.ndarray:
    """Per frame and actor, the mean over joints of |second difference| * fps^2 (m/s^2): (T - 2) * A
    values."""
    _check_clip(joints, "frame_accelerations")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if joints.shape[0] < 3:
        return np.zeros(0)
    acc = joints[2:] - 2.0 * joints[1:-1] + joints[:-2]  # (T-2, A, 22, 3)
    return (np.linalg.norm(acc, axis=-1).mean(-1) * fps**2).ravel()


def smoothness_threshold(reference: Sequence[np.ndarray], fps: float, quantile: float) -> float:
    """The `quantile` of the per-frame accelerations of reference (real) clips: temporal_consistency's bar."""
    if not 0.0 < quantile <= 1.0:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    acc = np.concatenate([frame_accelerations(j, fps) for j in reference]) if reference else np.zeros(0)
    if acc.size == 0:
        raise ValueError("smoothness_threshold needs reference clips of >= 3 frames")
    return float(np.quantile(acc, quantile))


def temporal_consistency(motions: Sequence[np.ndarray], fps: float, threshold: float) -> float:
    """Share of frames (over all clips and actors) whose mean joint acceleration is at most `threshold`
    (m/s^2; from `smoothness_threshold` on the real clips). Jitter and teleports push frames over it."""
    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    acc = np.concatenate([frame_accelerations(j, fps) for j in motions]) if motions else np.zeros(0)
    if acc.size == 0:
        raise ValueError("temporal_consistency needs clips of >= 3 frames")
    return float((acc <= threshold).mean())


def action_accuracy(predicted: np.ndarray, labels: np.ndarray, ignore: int | None = 0) -> float:
    """Share of clips whose recognised action equals the label, over clips whose label is not `ignore`
    (0: "unknown"). NaN when no clip has a known label."""
    if predicted.shape != labels.shape or predicted.ndim != 1:
        raise ValueError(f"action_accuracy needs equal 1-D shapes, got {predicted.shape} vs {labels.shape}")
    keep = labels != ignore if ignore is not None else np.ones(labels.shape, dtype=bool)
    if not keep.any():
        return float("nan")
    return float((predicted[keep] == labels[keep]).mean())


# ---------------------------------------------------------------------------------------------
# Physical plausibility (stickgen.core.quality detectors, one value per clip: the worst actor).


def physical_measures(motions: Sequence[np.ndarray], fps: float) -> dict[str, np.ndarray]:
    """Raw `stickgen.core.quality` detector values per clip (N,), for clips (T, A, 22, 3) at `fps`."""
    if not motions:
        raise ValueError("physical_measures needs at least one clip")
    for j in motions:
        _check_clip(j, "physical_measures")
    rows = [np.swapaxes(j, 0, 1).reshape(-1, NUM_JOINTS, 3).astype(np.float64) for j in motions]
    lengths = np.array([j.shape[0] for j in motions for _ in range(j.shape[1])], dtype=np.int64)
    tracks = quality.Tracks(np.concatenate(rows), np.concatenate([[0], np.cumsum(lengths)]), float(fps))
    return quality.per_clip(quality.measure(tracks), np.array([j.shape[1] for j in motions]))


def physics_scores(raw: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per clip, prod over `PHYSICS_DETECTORS` of (1 - severity): 1 = no physical artefact."""
    weights = {name: (1.0 if name in PHYSICS_DETECTORS else 0.0) for name in quality.DETECTORS}
    return quality.quality_score(raw, weights)


def physical_plausibility(motions: Sequence[np.ndarray], fps: float) -> dict[str, float]:
    """Means over clips: foot_skating_ratio, ground_penetration (m), floating (s), jerk (m/s^3, the
    reversing jerk of `quality.jitter`), bone_length_error (ratio) and physics_consistency ([0, 1])."""
    raw = physical_measures(motions, fps)
    return {
        "foot_skating_ratio": float(raw["foot_skating"].mean()),
        "ground_penetration": float(raw["ground_penetration"].mean()),
        "floating": float(raw["floating"].mean()),
        "jerk": float(raw["jitter"].mean()),
        "bone_length_error": float(raw["bone_length"].mean()),
        "physics_consistency": float(physics_scores(raw).mean()),
    }
