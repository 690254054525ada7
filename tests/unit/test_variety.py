"""stickgen.evaluate.variety: how far apart the motions of one caption lie, per action and over the suite."""

from __future__ import annotations

import numpy as np
import pytest

from stickgen.evaluate.variety import ALIKE_M, pairwise_distance, variety_section


def _still(frames: int = 10, actors: int = 1, shift: float = 0.0) -> np.ndarray:
    j = np.zeros((frames, actors, 22, 3), dtype=np.float32)
    j[..., 0] += shift  # every joint `shift` m to the side
    return j


def test_the_distance_is_the_mean_joint_distance_over_every_pair() -> None:
    assert pairwise_distance([_still(), _still()]) == 0.0
    # pairs (still, still) 0, (still, moved) 0.3, (still, moved) 0.3
    assert pairwise_distance([_still(), _still(), _still(shift=0.3)]) == pytest.approx(0.2)
    half = _still()
    half[5:, 0, 0, 1] += 2.2  # one joint of 22 in half the frames, 2.2 m up
    assert pairwise_distance([_still(), half]) == pytest.approx(2.2 / 22 / 2)
    # a capped motion is compared over the frames and actors both have
    assert pairwise_distance([_still(10, 2), _still(6, 1, shift=0.1)]) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="at least two"):
        pairwise_distance([_still()])


def test_the_section_is_the_median_over_actions_of_their_captions_mean_distance() -> None:
    motions, actions, captions = [], [], []

    def add(action: str, caption: str, shifts: list[float]) -> None:
        motions.extend(_still(shift=s) for s in shifts)
        actions.extend([action] * len(shifts))
        captions.extend([caption] * len(shifts))

    add("wave", "a man waves", [0.0, 0.01])  # one take whatever the seed: 0.01 m
    add("walk", "a person walks", [0.0, 0.2])  # 0.2
    add("walk", "someone strolls", [0.0, 0.4])  # 0.4: the walk's mean 0.3
    add("jump", "a person jumps", [0.0, 0.1, 0.2])  # pairs 0.1, 0.2, 0.1: 0.1333
    add("clap", "a person claps", [0.5])  # one motion of its caption: no pair, no figure
    out = variety_section(motions, actions, captions)
    assert out["behaviour_seed_variety_m"] == pytest.approx(0.4 / 3)  # median of 0.01, 0.3, 0.133
    assert out["behaviour_seed_alike_actions"] == 1 and 0.01 < ALIKE_M  # the wave
    none = variety_section([_still(), _still()], ["walk", "walk"], ["a", "b"])  # no caption twice
    assert none == {"behaviour_seed_variety_m": None, "behaviour_seed_alike_actions": None}
