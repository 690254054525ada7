"""tools/inplace_drift.py: the pelvis's and the feet's travel, which actions stay in place, the table."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import load_tool

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.evaluate.prompts import behaviour_prompts

tool = load_tool("inplace_drift")


def _leaning_there_and_back(frames: int = 41, reach_m: float = 0.3) -> np.ndarray:
    """(T, 2, 22, 3): the first actor's pelvis goes `reach_m` along x and back, its feet stay; the second
    actor walks 5 m (it is not the one measured)."""
    joints = np.zeros((frames, 2, 22, 3))
    out = np.concatenate(
        [np.linspace(0, reach_m, frames // 2 + 1), np.linspace(reach_m, 0, frames // 2 + 1)[1:]]
    )
    joints[:, 0, JOINT_INDEX["pelvis"], 0] = out
    joints[:, 0, JOINT_INDEX["pelvis"], 1] = 0.9 + 0.2 * out  # height is not travel
    joints[:, 0, JOINT_INDEX["left_ankle"], 2] = 0.1
    joints[:, 0, JOINT_INDEX["right_ankle"], 2] = -0.1
    joints[:, 1] = np.linspace(0, 5, frames)[:, None, None]
    return joints


def test_travel_is_the_farthest_the_joint_gets_from_its_start_on_the_floor() -> None:
    joints = _leaning_there_and_back()
    assert tool.travel(joints) == pytest.approx(0.3)  # the farthest, though it ends where it began
    assert tool.travel(joints, ("left_ankle", "right_ankle")) == 0.0
    joints[:, 0, JOINT_INDEX["right_ankle"], 2] += np.linspace(0, 0.4, len(joints))  # one foot steps 0.4 m
    assert tool.travel(joints, ("left_ankle", "right_ankle")) == pytest.approx(0.2)  # their midpoint


def test_an_action_is_in_place_when_its_median_clip_travels_little() -> None:
    found = tool.in_place_actions({"walk": [1.0, 2.0, 1.5], "cry": [0.02, 0.03, 0.5], "sit": []}, limit=0.1)
    assert list(found) == ["cry"]
    assert found["cry"]["clips"] == 3 and found["cry"]["median_m"] == pytest.approx(0.03)
    assert found["cry"]["p90_m"] == pytest.approx(np.percentile([0.02, 0.03, 0.5], 90))


def test_the_table_puts_the_most_wandering_action_first_with_its_ratio_to_the_data() -> None:
    in_place = {
        "cry": {"clips": 5, "median_m": 0.03, "p90_m": 0.06},
        "type": {"clips": 5, "median_m": 0.0, "p90_m": 0.0},  # seated clips that never move
    }
    motions = [("cry", 0.5, 0.45), ("cry", 0.3, 0.0), ("cry", 0.4, 0.01), ("type", 0.05, 0.0)]
    rows = tool.drift_table(in_place, motions)
    assert [r["action"] for r in rows] == ["cry", "type"]
    cry = rows[0]
    assert (cry["motions"], cry["generated_median_m"], cry["generated_max_m"]) == (3, 0.4, 0.5)
    assert cry["generated_feet_median_m"] == pytest.approx(0.01) and cry["ratio"] == pytest.approx(0.4 / 0.03)
    assert rows[1]["ratio"] == pytest.approx(0.05 / tool.RATIO_FLOOR_M)  # not a division by zero


def test_the_captions_are_the_behaviour_suites_own_for_the_in_place_actions() -> None:
    in_place = {"cry": {}, "wave": {}}
    captions = tool.suite_captions(in_place)
    assert captions == [p for p in behaviour_prompts() if p.action in ("cry", "wave")]
    assert {p.action for p in captions} == {"cry", "wave"}
