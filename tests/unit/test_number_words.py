"""Whole numbers in words mean what their digits would, wherever a prompt is read for a count or a length."""

from __future__ import annotations

import re

import pytest

from stickgen.generate.headcount import infer_num_actors, people_count
from stickgen.generate.number_words import CARDINAL, cardinal_value
from stickgen.generate.stated import stated_length


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("two", 2),
        ("twelve", 12),
        ("nineteen", 19),
        ("twenty", 20),
        ("twenty-five", 25),
        ("forty five", 45),
        ("Ninety-Nine", 99),
        ("a dozen", 12),
        ("a hundred", 100),
        ("one hundred", 100),
        ("two hundred", 200),
        ("three hundred and twenty", 320),
        ("nine hundred ninety-nine", 999),
    ],
)
def test_numbers_in_words_read_as_their_value(words: str, value: int) -> None:
    assert re.fullmatch(CARDINAL, words, re.IGNORECASE)
    assert cardinal_value(words) == value


def test_the_longest_number_at_a_place_is_read_and_words_inside_words_are_not() -> None:
    assert re.search(CARDINAL, "twenty-five people", re.I).group(0) == "twenty-five"
    assert re.search(CARDINAL, "two hundred people", re.I).group(0) == "two hundred"
    assert re.search(rf"\b{CARDINAL}", "twentyfive someones", re.I) is None  # "five" inside a word
    assert re.search(rf"\b{CARDINAL}", "a often bone", re.I) is None  # "ten", "one" inside words
    with pytest.raises(ValueError, match="not a number in words: 'people'"):
        cardinal_value("people")


@pytest.mark.parametrize(
    ("prompt", "count"),
    [
        ("twelve people dance", 12),
        ("Twenty-five kids run in a field", 25),
        ("a dozen dancers jump", 12),
        ("two hundred people dance", 200),
        ("eleven players run", 11),
        ("12 people dance", 12),
        ("three people dance", 3),
        ("one person waves", 1),
        ("one person fights another", 2),  # "one person" counts no more than one: the rest still reads
        ("a group of friends dances", 3),
    ],
)
def test_people_counted_in_words_as_in_digits(prompt: str, count: int) -> None:
    assert people_count(prompt) == count


def test_a_count_in_words_past_the_models_actors_is_capped_as_digits_are() -> None:
    assert infer_num_actors("twelve people dance", 8) == infer_num_actors("12 people dance", 8) == 8


@pytest.mark.parametrize(
    ("text", "words", "seconds"),
    [
        ("a person walks for twenty-five seconds", "a person walks", 25.0),
        ("runs for forty five seconds", "runs", 45.0),
        ("a person waves for twenty one seconds", "a person waves", 21.0),
        ("a dozen seconds of waving", "waving", 12.0),
        ("a person walks for twenty seconds", "a person walks", 20.0),
    ],
)
def test_lengths_in_words_past_twenty(text: str, words: str, seconds: float) -> None:
    assert stated_length(text) == (words, seconds)
