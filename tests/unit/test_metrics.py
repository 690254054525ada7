"""Metric functions: known values, shape checks, explicit randomness, and the FID / R-precision sanity."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import walking_clip

from stickgen.evaluate import metrics

FPS = 20.0


def _emb(n: int, d: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d))


def test_mean_ci95_is_196_std_over_sqrt_n() -> None:
    m, ci = metrics.mean_ci95([1.0, 2.0, 3.0, 4.0])
    assert m == 2.5 and ci == pytest.approx(1.96 * np.std([1, 2, 3, 4]) / 2)
    assert metrics.mean_ci95([0.7]) == (0.7, 0.0)
    with pytest.raises(ValueError):
        metrics.mean_ci95([])


def test_distance_matrix_matches_brute_force() -> None:
    a, b = _emb(5), _emb(7, seed=1)
    brute = np.linalg.norm(a[:, None] - b[None], axis=-1)
    np.testing.assert_allclose(metrics.distance_matrix(a, b), brute, atol=1e-9)
    with pytest.raises(ValueError, match="dims differ"):
        metrics.distance_matrix(a, _emb(3, d=4))


def test_r_precision_is_perfect_for_matching_pairs_and_near_chance_for_random_ones() -> None:
    text = _emb(320, d=16)
    rng = np.random.default_rng(0)
    assert metrics.r_precision(text, text + 1e-3 * _emb(320, d=16, seed=2), 32, rng).tolist() == [
        1.0,
        1.0,
        1.0,
    ]
    chance = metrics.r_precision(text, _emb(320, d=16, seed=3), 32, rng)
    assert chance[2] == pytest.approx(3 / 32, abs=0.05) and (np.diff(chance) >= 0).all()
    with pytest.raises(ValueError, match="paired"):
        metrics.r_precision(text, text[:-1], 32, rng)


def test_r_precision_drops_the_partial_batch_and_uses_one_batch_for_small_sets() -> None:
    text = _emb(40)
    motion = text.copy()
    motion[-5:] = 100.0  # these five fall in the dropped partial batch when the order keeps them last...
    ordered = np.random.default_rng(0)
    full = metrics.r_precision(text, motion, 32, ordered)
    assert 0.0 <= full[0] <= 1.0
    small = metrics.r_precision(text[:8], text[:8], 32, np.random.default_rng(0))  # one batch of 8
    assert small.tolist() == [1.0, 1.0, 1.0]


def test_r_precision_reproduces_with_the_same_generator_and_ignores_global_state() -> None:
    text, motion = _emb(96), _emb(96, seed=5)
    np.random.seed(1)
    a = metrics.r_precision(text, motion, 32, np.random.default_rng(7))
    np.random.seed(2)
    b = metrics.r_precision(text, motion, 32, np.random.default_rng(7))
    assert a.tolist() == b.tolist()


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_mean_shift() -> None:
    x = _emb(500, d=8)
    assert metrics.fid(x, x) == pytest.approx(0.0, abs=1e-6)
    y = _emb(500, d=8, seed=9)  # another sample of the same distribution
    assert metrics.fid(x, y) < 0.2
    assert metrics.fid(x, y + 1.0) == pytest.approx(8.0, rel=0.1)  # |mu shift|^2 = 8


def test_diversity_and_multimodality() -> None:
    pts = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert metrics.diversity(pts, 300, np.random.default_rng(0)) == pytest.approx(5.0)  # i != j always
    same = np.repeat(_emb(4)[:, None], 3, axis=1)  # (4 captions, 3 repeats) identical
    assert metrics.multimodality(same) == 0.0
    groups = np.zeros((1, 2, 2))
    groups[0, 1] = [3.0, 4.0]
    assert metrics.multimodality(groups) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        metrics.multimodality(np.zeros((2, 1, 4)))


def test_motion_mse_is_the_mean_squared_joint_distance() -> None:
    real = walking_clip().joints
    shifted = real.copy()
    shifted[..., 0] += 0.3
    assert metrics.motion_mse(shifted, real) == pytest.approx(0.09)
    with pytest.raises(ValueError):
        metrics.motion_mse(real[:-1], real)
    with pytest.raises(ValueError, match="22, 3"):
        metrics.motion_mse(real[..., :2], real[..., :2])


def test_temporal_consistency_counts_frames_as_smooth_as_real_motion() -> None:
    real = [walking_clip(frames=60).joints]
    tau = metrics.smoothness_threshold(real, FPS, 0.99)
    assert metrics.temporal_consistency(real, FPS, tau) >= 0.95
    jitter = real[0] + np.random.default_rng(0).normal(0, 0.03, real[0].shape).astype(np.float32)
    assert metrics.temporal_consistency([jitter], FPS, tau) < 0.2


def test_action_accuracy_ignores_unknown_labels() -> None:
    pred, labels = np.array([1, 2, 3, 4]), np.array([1, 2, 0, 5])
    assert metrics.action_accuracy(pred, labels, ignore=0) == pytest.approx(2 / 3)
    assert np.isnan(metrics.action_accuracy(pred, np.zeros(4, dtype=int), ignore=0))


def test_physical_plausibility_reads_quality_detectors() -> None:
    walk = walking_clip(frames=60, speed=0.0).joints  # swinging arms on the spot: no sliding feet
    clean = metrics.physical_plausibility([walk], FPS)
    assert clean["physics_consistency"] > 0.8 and clean["foot_skating_ratio"] == 0.0
    glide = metrics.physical_plausibility([walking_clip(frames=60, speed=1.2).joints], FPS)
    assert glide["foot_skating_ratio"] > 0.9 and glide["physics_consistency"] < 0.1
    assert set(clean) == {
        "foot_skating_ratio",
        "ground_penetration",
        "floating",
        "jerk",
        "bone_length_error",
        "physics_consistency",
    }
    sunk = walk.copy()
    sunk[20:22, :, :, 1] -= 0.3  # the body dips through the floor for two frames
    assert metrics.physical_plausibility([sunk], FPS)["ground_penetration"] > 0.25
    stretched = walk.copy()
    stretched[:, :, 20] *= 1.5  # the left wrist drifts away from its elbow
    assert (
        metrics.physical_plausibility([stretched], FPS)["physics_consistency"] < clean["physics_consistency"]
    )
