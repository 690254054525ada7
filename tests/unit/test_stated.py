"""Lengths a prompt states ("a person walks for 8 seconds"): taken out of the words, in seconds
(`stickgen.generate.stated`); a time that is a moment stays in the words."""

from __future__ import annotations

import pytest

from stickgen.generate.stated import MAX_STATED_S, stated_length


@pytest.mark.parametrize(
    ("text", "words", "seconds"),
    [
        ("a person walks for 8 seconds", "a person walks", 8.0),
        ("a person waves for two seconds", "a person waves", 2.0),
        ("A person jumps for 10 s", "A person jumps", 10.0),
        ("walks 10s", "walks", 10.0),
        ("a man walks for 3.5 s.", "a man walks.", 3.5),
        ("someone jogs for half a minute", "someone jogs", 30.0),
        ("dances for a minute and a half", "dances", 90.0),
        ("runs for one and a half seconds", "runs", 1.5),
        ("waves for a few seconds", "waves", 3.0),
        ("claps for a couple of seconds", "claps", 2.0),
        ("waves for a second", "waves", 1.0),
        ("a person walks for about 4 seconds in a circle", "a person walks in a circle", 4.0),
        ("for the next 6 seconds a person jogs", "a person jogs", 6.0),
        ("walks for 3 seconds, turning left", "walks, turning left", 3.0),
        ("a 5-second walk", "a walk", 5.0),
        ("a person waits 5 seconds", "a person waits", 5.0),
        ("ten seconds of jogging", "jogging", 10.0),
        ("walks for 2 hours", "walks", 7200.0),
        ("stretches for 2 min", "stretches", 120.0),
        # moments, not lengths, and words that are no length
        ("after 3 seconds, jumps", "after 3 seconds, jumps", None),
        ("jumps in about 5 seconds", "jumps in about 5 seconds", None),
        ("within a minute he sits", "within a minute he sits", None),
        ("claps every 2 seconds", "claps every 2 seconds", None),
        ("3 seconds later he sits", "3 seconds later he sits", None),
        ("they clap two seconds apart", "they clap two seconds apart", None),
        ("dances like the 80s", "dances like the 80s", None),
        ("dances 1990s style", "dances 1990s style", None),
        ("a person takes a second to look around", "a person takes a second to look around", None),
        ("stands for a moment", "stands for a moment", None),
        ("walks for 0 seconds", "walks for 0 seconds", None),
        ("a person does 5 sit-ups", "a person does 5 sit-ups", None),
        ("walks 5 steps", "walks 5 steps", None),
        # digits of a longer number are no length: the words kept whole (they left "for -" and "for 5.")
        ("a person walks for -5 seconds", "a person walks for -5 seconds", None),
        ("walks for 5.5.5 seconds", "walks for 5.5.5 seconds", None),
        ("walks for 1,00 seconds", "walks for 1,00 seconds", None),
        ("walks for 1,000 seconds", "walks", 1000.0),
        ("walks for 12,345.5 seconds", "walks", 12345.5),
        ("walks for " + "9" * 320 + " hours", "walks", MAX_STATED_S),  # an infinite float: the bound
    ],
)
def test_a_stated_length_is_taken_out_of_the_words(text, words, seconds) -> None:
    assert stated_length(text) == (words, seconds)


def test_the_first_length_counts_and_a_second_stays_in_the_words() -> None:
    assert stated_length("walks for 3 seconds and waves for 2 seconds") == (
        "walks and waves for 2 seconds",
        3.0,
    )
