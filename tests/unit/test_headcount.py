"""How many people a prompt describes: more than one only when its words name more than one person."""

from __future__ import annotations

import pytest

from stickgen.generate.headcount import infer_num_actors


@pytest.mark.parametrize(
    "prompt",
    [
        "two people shake hands",
        "a person hugs a friend",  # the action takes two
        "two old men argue",
        "2 kids play tag",
        "both of them jump",
        "the two of them bow",
        "a couple dances a waltz",
        "a man and a woman walk side by side",
        "a boy and his friend run",
        "a woman dances with a partner",
        "a person boxes with his opponent",
        "someone walks with another person",
        "they walk together",
        "One person fights another, throwing punches and dodging.",
        "One person talks and another answers, both looking annoyed.",
        "one of them waves while the other claps",
        "people dance at a party",
        "the kids run around",
        "a group of friends wave",
    ],
)
def test_a_prompt_naming_more_than_one_person_asks_for_two(prompt) -> None:
    assert infer_num_actors(prompt, 2) == 2
    assert infer_num_actors(prompt, 1) == 1  # never more than the model has


@pytest.mark.parametrize(
    "prompt",
    [
        "a person waves",
        "a person waves with both hands",
        "someone jumps with both feet",
        "a man claps his hands together",
        "A figure imitates a bird, flapping both arms.",
        "a person takes 2 steps forward",
        "A joyful figure throws 2 left punches and then sings",
        "a person takes a couple of steps",
        "a person ties a pair of shoes",
        "a person raises one arm and then the other",
        "a person kicks with one foot, then the other",
    ],
)
def test_words_that_count_hands_steps_or_things_keep_one_person(prompt) -> None:
    assert infer_num_actors(prompt, 2) == 1
