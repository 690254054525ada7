"""tools/seed_variety.py: the distance between a caption's motions of several seeds, and the captions it
samples."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import load_tool

from stickgen.evaluate.prompts import behaviour_prompts

tool = load_tool("seed_variety")


def test_the_distance_is_the_mean_joint_distance_over_every_pair() -> None:
    still = np.zeros((10, 1, 22, 3), dtype=np.float32)
    moved = still.copy()
    moved[..., 0] += 0.3  # every joint 0.3 m to the side
    assert tool.pairwise_distance([still, still.copy()]) == 0.0
    # pairs (still, still) 0, (still, moved) 0.3, (still, moved) 0.3
    assert tool.pairwise_distance([still, still, moved]) == pytest.approx(0.2)
    half = still.copy()
    half[5:, 0, 0, 1] += 2.2  # one joint of 22 in half the frames, 2.2 m up
    assert tool.pairwise_distance([still, half]) == pytest.approx(2.2 / 22 / 2)
    with pytest.raises(ValueError, match="at least two"):
        tool.pairwise_distance([still])


def test_each_action_is_sampled_with_its_first_caption_of_the_suite() -> None:
    firsts = tool.first_captions()
    prompts = behaviour_prompts()
    assert list(firsts) == list(dict.fromkeys(p.action for p in prompts))
    for action, first in firsts.items():
        assert first == next(p for p in prompts if p.action == action)
