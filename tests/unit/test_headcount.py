"""How many people a prompt describes: more than one only when its words name more than one person."""

from __future__ import annotations

import pytest

from stickgen.generate.headcount import GROUP, infer_num_actors, people_count, solo_caption


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


@pytest.mark.parametrize(
    ("prompt", "count"),
    [
        ("three people dance", 3),
        ("Three Friends Jump", 3),
        ("5 kids jump rope", 5),
        ("four old men walk side by side", 4),
        ("eight dancers bow", 8),
        ("100 people dance", 100),  # the generator makes at most MAX_TOGETHER of them
        ("a group of friends wave", GROUP),
        ("several dancers spin", GROUP),
        ("a few kids run", GROUP),
        ("two people shake hands", 2),
        ("people dance", 2),  # more than one, no number: two
        ("a person takes three steps", 1),
        ("a man waves three times", 1),
        ("1,000 people dance", 1000),
        # a count of no one: a motion has one actor (`together.people_note` says why)
        ("0 people wave", 1),
        ("zero people wave", 1),
        ("-3 people walk", 1),
    ],
)
def test_a_number_before_people_counts_them(prompt, count) -> None:
    """The count a prompt names (`people_count`); `infer_num_actors` keeps it within the model's actors, and
    the generator makes more than those only actor by actor (tests/unit/test_generator.py)."""
    assert people_count(prompt) == count
    assert infer_num_actors(prompt, 2) == min(count, 2)


@pytest.mark.parametrize(
    ("prompt", "solo"),
    [
        ("two people walk side by side", "a person walks side by side"),
        ("five kids jump", "a person jumps"),
        ("four dancers clap", "a person claps"),
        ("two old men slowly walk", "an old person slowly walks"),  # adjectives kept, adverbs skipped
        ("three people dance together", "a person dances together"),
        ("two friends wave at each other", "a person waves at each other"),
        ("a group of friends run", "a person runs"),
        ("the kids jump up and down", "a person jumps up and down"),
        ("people dance at a party", "a person dances at a party"),
        ("they walk together", "a person walks together"),
        ("the two of them walk away", "a person walks away"),
        ("both of them jump", "a person jumps"),
        ("a man and a woman dance", "a person dances"),
        ("two women are dancing", "a person is dancing"),
        ("three people go home", "a person goes home"),
        ("two boys try to fly", "a person tries to fly"),
        ("twelve people crouch", "a person crouches"),
        ("0 people wave", "a person waves"),  # a count of no one is no adjective ("a 0 person waves")
        ("-3 people walk", "a person walks"),
        ("a person waves", "a person waves"),  # counts no one: as it is
        ("a man watches two people dance", "a man watches a person dance"),  # not the subject: no agreement
    ],
)
def test_a_prompt_of_several_people_said_of_one_of_them(prompt: str, solo: str) -> None:
    assert solo_caption(prompt) == solo


@pytest.mark.parametrize(
    ("part", "solo"),
    [
        ("one waves goodbye", "a person waves goodbye"),
        ("the other one jumps", "a person jumps"),
        ("one of them sits down", "a person sits down"),
        ("she waves", "a person waves"),
        ("one hand waves", "one hand waves"),  # a hand, not a person
        ("one more jump", "one more jump"),  # no verb after it: no one singled out
        ("he can jump", "he can jump"),
        ("one person fights another", "one person fights another"),
    ],
)
def test_one_singled_out_of_several_is_said_as_a_person(part: str, solo: str) -> None:
    assert solo_caption(part) == solo
