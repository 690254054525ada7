"""tools/group_checks.py: every actor of a prompt of several people judged by the action's check."""

from __future__ import annotations

import pytest
from helpers import load_tool
from inferkit import fake_generator

from stickgen.generate.generator import InferenceGenerator

tool = load_tool("group_checks")


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> InferenceGenerator:
    return fake_generator(tmp_path_factory)


def test_each_actor_of_each_seed_is_judged(gen) -> None:
    row = tool.judge(gen, "three people jump together", "jump", [1, 2], 1.0)
    assert row["action"] == "jump" and row["actors"] == 3 and row["judged"] == 6
    assert 0 <= row["passed"] <= row["judged"]
    standing = tool.judge(gen, "two people walk side by side", "lie_down", [3], 1.0)
    assert standing["judged"] == 2 and standing["passed"] == 0  # the tiny model lies down nowhere


def test_the_default_prompts_name_checked_actions() -> None:
    from stickgen.evaluate.behaviour import CHECKS

    assert all(p.rpartition("=")[2] in CHECKS for p in tool.PROMPTS)
