"""tools/seed_variety.py: the captions it samples (the distance it takes is stickgen.evaluate.variety's:
tests/unit/test_variety.py)."""

from __future__ import annotations

from helpers import load_tool

from stickgen.evaluate.prompts import behaviour_prompts

tool = load_tool("seed_variety")


def test_each_action_is_sampled_with_its_first_caption_of_the_suite() -> None:
    firsts = tool.first_captions()
    prompts = behaviour_prompts()
    assert list(firsts) == list(dict.fromkeys(p.action for p in prompts))
    for action, first in firsts.items():
        assert first == next(p for p in prompts if p.action == action)
