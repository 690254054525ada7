"""tools/inplace_drift.py: the table of in-place actions and the captions it samples (the measures it takes
are stickgen.evaluate.in_place's: tests/unit/test_in_place.py)."""

from __future__ import annotations

import pytest
from helpers import load_tool

from stickgen.evaluate.prompts import behaviour_prompts

tool = load_tool("inplace_drift")


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
