"""tools/behaviour_seeds.py: the mean of each action's rate over the seeds' behaviour sections."""

from __future__ import annotations

import pytest
from helpers import load_tool

tool = load_tool("behaviour_seeds")


def test_the_mean_rates_average_every_action_and_skip_the_unrecognised() -> None:
    sections = {
        "1": {"behaviour_pass_rate": 0.9, "behaviour_walk_pass_rate": 1.0, "behaviour_walk_recognised": 0.5,
              "behaviour_hug_pass_rate": None, "behaviour_samples": 20},
        "2": {"behaviour_pass_rate": 0.8, "behaviour_walk_pass_rate": 0.5, "behaviour_walk_recognised": 1.0,
              "behaviour_hug_pass_rate": None, "behaviour_samples": 20},
    }  # fmt: skip
    mean = tool.mean_rates(sections)
    assert mean == {
        "behaviour_pass_rate": pytest.approx(0.85),
        "behaviour_walk_pass_rate": pytest.approx(0.75),
    }
