"""The training objective's feature weights: errors measured in metres of the body, not in each feature's
own spread."""

from __future__ import annotations

import numpy as np
import torch

from stickgen.core.face import FACE_SLICES
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES, FeatureStats
from stickgen.embed.dataset import Batch
from stickgen.train.objective import (
    EXPRESSION_WEIGHT,
    FACE_WEIGHT,
    ROOT_PATH_WEIGHT,
    VOICE_FEATURES,
    VOICE_WEIGHT,
    WEIGHT_FLOOR,
    feature_weights,
    loss_sums,
)


def _stats() -> FeatureStats:
    rng = np.random.default_rng(0)
    std = np.concatenate([[2.0, 0.05, 1.5], rng.uniform(0.003, 0.3, FEATURES_PER_ACTOR - 3)])
    return FeatureStats(np.zeros(FEATURES_PER_ACTOR, np.float32), std.astype(np.float32))


def _batch(features: torch.Tensor, face_mask: torch.Tensor | None = None) -> Batch:
    b = features.shape[0]
    if face_mask is None:
        face_mask = torch.zeros(features.shape[:3], dtype=torch.bool)
    return Batch(
        features=features,
        actor_mask=torch.ones(b, features.shape[2], dtype=torch.bool),
        lengths=torch.full((b,), features.shape[1]),
        text=torch.zeros(b, 4),
        action=torch.zeros(b, dtype=torch.long),
        actors=torch.ones(b, dtype=torch.long),
        side=torch.zeros(b, dtype=torch.long),
        face_mask=face_mask,
    )


def _cost(stats: FeatureStats, weight: torch.Tensor, feature: int, metres: float) -> float:
    """The weighted loss of a prediction off by `metres` on one feature (in every frame), the rest exact."""
    target = torch.zeros(1, 6, 1, FEATURES_PER_ACTOR)
    pred = target.clone()
    pred[..., feature] = metres / float(stats.std[feature])  # the error in normalised units
    return float(loss_sums(pred, _batch(target), weight).mean())


def test_the_same_error_in_metres_costs_the_same_on_every_joint_above_the_floor() -> None:
    """A 2 cm error of a wrist (spread 30 cm) and of a spine coordinate (spread 5 mm) cost the same,
    where the unweighted loss of normalised features made the spine's 3,600 times as costly; a feature
    whose share of the spread is under the floor costs more, never less; the root's path keeps weight 1."""
    stats = _stats()
    w = feature_weights(stats)
    assert w.shape == (2, STATE_FEATURES)
    assert w[0, :3].tolist() == [ROOT_PATH_WEIGHT, 1.0, ROOT_PATH_WEIGHT]  # the path, the height
    # the rows (positions, differences) differ on the root's floor-plane steps alone (the next test)
    assert torch.equal(w[0, [1, *range(3, STATE_FEATURES)]], w[1, [1, *range(3, STATE_FEATURES)]])
    face = w[0, FEATURES_PER_ACTOR:]
    voice = torch.zeros(len(face), dtype=torch.bool)
    for name in VOICE_FEATURES:
        voice[FACE_SLICES[name]] = True
    expression = torch.zeros(len(face), dtype=torch.bool)
    expression[FACE_SLICES["expression"]] = True
    assert int(voice.sum()) == 4 and bool((face[voice] == VOICE_WEIGHT).all())
    assert bool((face[expression] == EXPRESSION_WEIGHT).all())
    assert bool((face[~voice & ~expression] == FACE_WEIGHT).all())  # the viseme and eye codes
    var = stats.std[3:].astype(np.float64) ** 2
    free = [3 + i for i in np.flatnonzero(var / var.mean() > WEIGHT_FLOOR)]
    floored = [3 + i for i in np.flatnonzero(var / var.mean() < WEIGHT_FLOOR)]
    assert len(free) > 10 and len(floored) > 3
    costs = np.array([_cost(stats, w, f, 0.02) for f in free])
    np.testing.assert_allclose(costs, costs[0], rtol=1e-4)
    assert min(_cost(stats, w, f, 0.02) for f in floored) > costs[0]
    for f in floored:
        assert float(w[0, f]) == np.float32(WEIGHT_FLOOR)
    ones = torch.ones(FEATURES_PER_ACTOR)
    plain = [_cost(stats, ones, f, 0.02) for f in range(3, FEATURES_PER_ACTOR)]
    assert max(plain) / min(plain) > 1000  # what the weights undo: spreads of 3 mm to 30 cm


def _drift_cost(stats: FeatureStats, weight: torch.Tensor, feature: int, metres_per_frame: float) -> float:
    """The weighted loss of a prediction that moves one feature by `metres_per_frame` a frame where the
    target stands still (its first frame exact), the rest exact."""
    target = torch.zeros(1, 6, 1, FEATURES_PER_ACTOR)
    pred = target.clone()
    pred[..., feature] = torch.arange(6.0)[None, :, None] * metres_per_frame / float(stats.std[feature])
    sums = loss_sums(pred, _batch(target), weight)
    return float(sums.vel / sums.vel_n)


def test_the_roots_floor_steps_count_in_metres_like_a_joints() -> None:
    """A figure that should stand still but drifts 0.1 m/s (5 mm a frame) costs, in the frame-to-frame term,
    what a wrist drifting as fast costs: the root's x/z steps are weighted by their spread like a joint's
    (at weight 1, on the root's spread of 1.5-2 m, they cost under a 50th of that); the root's floor
    positions (the path) weigh ROOT_PATH_WEIGHT, and its height keeps weight 1 in both."""
    stats = _stats()
    w = feature_weights(stats)
    var = stats.std.astype(np.float64) ** 2
    for root in (0, 2):
        assert float(w[0, root]) == ROOT_PATH_WEIGHT
        assert float(w[1, root]) == np.float32(var[root] / var[3:].mean())
    assert float(w[0, 1]) == float(w[1, 1]) == 1.0
    wrist = 3 + int(np.argmax(var[3:]))  # a joint whose weight is not floored
    joint = _drift_cost(stats, w, wrist, 0.005)
    unweighted = w[0].clone()
    unweighted[[0, 2]] = 1.0  # the root's weights of model format 12: 1, positions and steps alike
    for root in (0, 2):
        np.testing.assert_allclose(_drift_cost(stats, w, root, 0.005), joint, rtol=1e-4)
        assert _drift_cost(stats, unweighted, root, 0.005) < joint / 50


def test_without_weights_the_loss_is_the_plain_masked_mse() -> None:
    g = torch.Generator().manual_seed(3)
    target = torch.randn(2, 5, 1, FEATURES_PER_ACTOR, generator=g)
    pred = torch.randn(2, 5, 1, FEATURES_PER_ACTOR, generator=g)
    plain = loss_sums(pred, _batch(target))
    assert float(plain.pos) == float(loss_sums(pred, _batch(target), torch.ones(FEATURES_PER_ACTOR)).pos)
    torch.testing.assert_close(plain.pos / plain.pos_n, (pred - target).pow(2).mean(), rtol=1e-6, atol=0)


def test_face_features_count_only_where_the_face_is_known_and_the_refiner_sees_the_motion_only() -> None:
    """A face error costs nothing in frames without a face (motion capture) and FACE_WEIGHT per squared
    unit where the face is known; a prediction of the motion's 66 features only (the refiner's) is
    compared with the motion part of the state, divided by the same counts."""
    stats = _stats()
    w = feature_weights(stats)
    target = torch.zeros(1, 6, 1, STATE_FEATURES)
    pred = target.clone()
    pred[..., FEATURES_PER_ACTOR + FACE_SLICES["viseme"].start] = 1.0  # one face feature off by 1 everywhere
    known = torch.zeros(1, 6, 1, dtype=torch.bool)
    assert float(loss_sums(pred, _batch(target, known), w).pos) == 0.0
    known[:, :2] = True
    sums = loss_sums(pred, _batch(target, known), w)
    assert float(sums.pos) == np.float32(2 * FACE_WEIGHT) and sums.pos_n == 6 * STATE_FEATURES
    body = loss_sums(pred[..., :FEATURES_PER_ACTOR], _batch(target, known), w)
    assert float(body.pos) == 0.0 and body.pos_n == sums.pos_n
