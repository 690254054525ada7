"""stickgen.evaluate.in_place: how far a joint travels, which actions stay in place, and the behaviour
section's in-place metrics."""

from __future__ import annotations

import numpy as np
import pytest

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.evaluate import in_place


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
    assert in_place.travel(joints) == pytest.approx(0.3)  # the farthest, though it ends where it began
    assert in_place.travel(joints, ("left_ankle", "right_ankle")) == 0.0
    joints[:, 0, JOINT_INDEX["right_ankle"], 2] += np.linspace(0, 0.4, len(joints))  # one foot steps 0.4 m
    assert in_place.travel(joints, ("left_ankle", "right_ankle")) == pytest.approx(0.2)  # their midpoint
    assert in_place.farthest(np.array([[1.0, 1.0], [4.0, 5.0], [1.0, 2.0]])) == pytest.approx(5.0)


def test_an_action_is_in_place_when_its_median_clip_travels_little() -> None:
    travels = {"walk": [1.0, 2.0, 1.5], "cry": [0.02, 0.03, 0.5], "sit": []}
    found = in_place.in_place_actions(travels, limit=0.1)
    assert list(found) == ["cry"]
    assert found["cry"]["clips"] == 3 and found["cry"]["median_m"] == pytest.approx(0.03)
    assert found["cry"]["p90_m"] == pytest.approx(np.percentile([0.02, 0.03, 0.5], 90))
    clips = [_leaning_there_and_back(reach_m=r) for r in (0.02, 0.04, 0.6)]
    assert in_place.clip_travel(clips, ["cry", "cry", "walk"]) == {
        "cry": [pytest.approx(0.02), pytest.approx(0.04)],
        "walk": [pytest.approx(0.6)],
    }


def test_the_section_compares_the_in_place_actions_motions_with_their_clips() -> None:
    known = {"cry": {"median_m": 0.03}, "wave": {"median_m": 0.05}, "read": {"median_m": 0.01}}
    motions = [("cry", 0.5), ("cry", 0.1), ("cry", 0.2), ("wave", 0.04), ("wave", 0.06), ("walk", 3.0)]
    section = in_place.in_place_section(known, motions)
    assert section == {
        "behaviour_in_place_actions": 2,  # read made no motion, a walk is not in place
        "behaviour_in_place_travel_m": pytest.approx(np.median([0.2, 0.05])),  # per action, then across
        "behaviour_in_place_real_travel_m": pytest.approx(np.median([0.03, 0.05])),  # the same actions' clips
        "behaviour_in_place_wander_rate": pytest.approx(1 / 5),  # the cry that went 0.5 m
    }
    none = in_place.in_place_section(known, [("walk", 3.0)])
    assert none["behaviour_in_place_actions"] == 0
    assert none["behaviour_in_place_travel_m"] is None and none["behaviour_in_place_wander_rate"] is None
