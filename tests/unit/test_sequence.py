"""Sequence prompts ("a person waves, then sits down"): split into their parts, each part a span of a
timeline (`stickgen.generate.sequence`); the motion through them is `generate_sequence`'s
(tests/unit/test_directed.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from stickgen.generate.sequence import (
    ALL,
    EACH,
    FIRST,
    MIN_PART_S,
    ONE_EVENT_S,
    WAITING,
    Part,
    part_mode,
    sequence_parts,
    sequence_spans,
    split_sequence,
    within_bounds,
)
from stickgen.generate.timeline import Span, check_timeline


@pytest.mark.parametrize(
    ("prompt", "parts"),
    [
        ("a person waves, then sits down", ["a person waves", "sits down"]),
        ("a person walks then jumps", ["a person walks", "jumps"]),
        ("two people shake hands, then one waves goodbye", ["two people shake hands", "one waves goodbye"]),
        ("Walk. Then run. Then jump.", ["Walk", "run", "jump"]),
        ("a person walks forward; afterwards, jumps", ["a person walks forward", "jumps"]),
        ("someone kneels and after that stands up", ["someone kneels", "stands up"]),
        ("a person sits down and finally stands up", ["a person sits down", "stands up"]),
        ("someone waits and then, after that, waves", ["someone waits", "waves"]),
        ("a person walks,then jumps", ["a person walks", "jumps"]),
        (
            "A stick figure first covers the face and weeps, then eats a meal at a table.",
            ["A stick figure first covers the face and weeps", "eats a meal at a table"],
        ),
    ],
)
def test_a_prompt_that_names_motions_in_turn_is_split_into_them(prompt, parts) -> None:
    assert split_sequence(prompt) == parts


@pytest.mark.parametrize(
    "prompt",
    [
        "a person walks next to a wall",  # "next" is not a connector
        "the first person waves",
        "a person finally sits",  # "finally" without a comma or "and" before it
        "a person thenceforth walks",
        "Then a person jumps",  # nothing before the connector
        "a person walks, then",  # nothing after it
        "then then then",
        "x, then 3",  # a part without a letter
        "  a person waves  ",
    ],
)
def test_a_prompt_with_one_motion_is_left_whole(prompt) -> None:
    assert split_sequence(prompt) == [prompt.strip()]


@pytest.mark.parametrize(
    ("prompt", "parts"),
    [
        ("someone jumps twice", ["someone jumps"] * 2),
        ("A kid jumps 3 times, then sits down.", ["A kid jumps"] * 3 + ["sits down"]),
        ("a person walks, then bows two times", ["a person walks", "bows", "bows"]),
        ("a man jumps four times in a row", ["a man jumps in a row"] * 4),
        ("a person kicks twice", ["a person kicks"] * 2),
        ("a man kicks once with his left leg", ["a man kicks with his left leg"]),
        # a part of these makes several already, or the count is no count, or another action follows it
        ("someone punches three times", ["someone punches three times"]),
        ("a person jumps twice as high", ["a person jumps twice as high"]),
        ("someone jumps once", ["someone jumps once"]),  # one part of its own length: the prompt
        ("a person kicks at once", ["a person kicks at once"]),
        ("a person kicks once more", ["a person kicks once more"]),
        ("a person kicks once again, then waves", ["a person kicks once again", "waves"]),
        ("someone jumps twice and waves", ["someone jumps twice and waves"]),
        ("a person jumps 9 times", ["a person jumps 9 times"]),  # up to five
    ],
)
def test_a_part_done_a_number_of_times_is_that_many_parts_where_one_makes_one(prompt, parts) -> None:
    assert split_sequence(prompt) == parts


def test_each_part_lasts_its_predicted_length_scaled_to_the_length_asked_for() -> None:
    own = {"a person waves": 2.0, "sits down": 3.0}
    spans = sequence_spans(list(own), None, own.__getitem__)
    assert spans == [Span(0.0, 2.0, "a person waves"), Span(2.0, 5.0, "sits down")]
    spans = sequence_spans(list(own), 10.0, own.__getitem__)
    assert spans == [Span(0.0, 4.0, "a person waves"), Span(4.0, 10.0, "sits down")]
    check_timeline(spans)  # back to back from 0: a valid timeline
    assert sequence_spans(["a", "b", "c"], 1.0, lambda _: 1.0) is None  # 1/3 s a part: under MIN_PART_S
    spans = sequence_spans(["a", "b", "c"], 7.0, lambda _: 1.0)  # thirds of 7 s: the last edge is 7 exactly
    assert spans[-1].end_s == 7.0 and all(s.duration_s >= MIN_PART_S for s in spans)


def test_counted_kicks_last_one_kick_each_and_a_longer_length_asked_for_goes_to_the_rest() -> None:
    """A counted kick lasts `ONE_EVENT_S["kick"]` a part whatever the estimator says (at its 4.9 s a part
    kicked twice); a length asked for beyond the parts of their own length goes to the others, else to
    standing still after them, else (too short to stand) all are scaled."""
    one = ONE_EVENT_S["kick"]
    estimate = {"a man kicks": 4.9, "walks": 3.0}.__getitem__
    parts = sequence_parts("a man kicks three times")
    assert parts == [Part("a man kicks", one)] * 3
    assert sequence_spans(parts, None, estimate) == [
        Span(i * one, (i + 1) * one, "a man kicks") for i in range(3)
    ]
    spans = sequence_spans(parts, 3 * one + 4.0, estimate)
    assert [s.text for s in spans] == ["a man kicks"] * 3 + [WAITING] and spans[
        -1
    ].duration_s == pytest.approx(4.0)
    spans = sequence_spans(parts, 3 * one + 0.2, estimate)  # too little to stand: each kick a little longer
    assert len(spans) == 3 and spans[0].duration_s == pytest.approx(one + 0.2 / 3)
    spans = sequence_spans(sequence_parts("walks, then kicks twice"), 10.0, estimate)
    assert [(s.text, s.duration_s) for s in spans] == [
        ("walks", 10.0 - 2 * one),
        ("kicks", one),
        ("kicks", one),
    ]
    # "kicks once": a motion of one part of its own length, or with standing still after it
    assert sequence_spans(sequence_parts("a man kicks once"), None, estimate) == [
        Span(0.0, one, "a man kicks")
    ]
    assert [s.text for s in sequence_spans(sequence_parts("a man kicks once"), 6.0, estimate)] == [
        "a man kicks",
        WAITING,
    ]
    check_timeline(spans)


def test_a_part_that_states_its_length_lasts_it_without_the_words() -> None:
    """ "for 3 seconds" is the part's length and leaves its words (`stickgen.generate.stated`); a counted part
    shares its stated length among the repeats; a prompt of one such part is a sequence of one part."""
    estimate = {"sits down": 2.5}.__getitem__
    parts = sequence_parts("a person walks for 3 seconds, then sits down")
    assert parts == [Part("a person walks", 3.0, True), Part("sits down")]
    assert sequence_spans(parts, None, estimate) == [
        Span(0.0, 3.0, "a person walks"),
        Span(3.0, 5.5, "sits down"),
    ]
    assert [s.duration_s for s in sequence_spans(parts, 4.0, estimate)] == [3.0, 1.0]  # the rest to the other
    assert sequence_parts("someone jumps twice for 4 seconds") == [Part("someone jumps", 2.0, True)] * 2
    assert sequence_parts("a person walks for 8 seconds") == [Part("a person walks", 8.0, True)]
    assert sequence_parts("a person walks after 8 seconds") == [Part("a person walks after 8 seconds")]
    assert sequence_parts("for 8 seconds") == [Part("for 8 seconds")]  # no words left: nothing stated
    # pieces joined by "and" that each state a length are parts; "and" inside one part's words is not
    assert sequence_parts("a person walks for 3 seconds and waves for 2 seconds") == [
        Part("a person walks", 3.0, True),
        Part("waves", 2.0, True),
    ]
    pair = "a man and a woman dance"
    assert sequence_parts(f"{pair} for 5 seconds") == [Part(pair, 5.0, True)]


def test_stated_lengths_beyond_a_motions_bounds_are_brought_within_them() -> None:
    """Too long together: the longest cut to one length at which all fit, the others keeping theirs (scaled
    alike, "walks for 10 hours, then sits down" left the sit-down 2 ms: made as one motion of 4.9 s);
    a stated part under MIN_PART_S lasts MIN_PART_S; parts within the bounds are returned as they are."""
    predicted = {"sits down": 3.4, "waves": 2.0}.get
    parts = [Part("walks", 36000.0, True), Part("sits down")]
    bounded = within_bounds(parts, predicted)
    assert bounded[0].length_s == pytest.approx(596.6) and bounded[0].stated and bounded[1] == parts[1]
    both = within_bounds([Part("a", 1000.0, True), Part("b", 900.0, True), Part("waves")], predicted)
    assert [p.length_s for p in both] == [299.0, 299.0, None]  # the wave keeps its predicted 2 s
    assert within_bounds([Part("walks", 0.01, True)], predicted) == [Part("walks", MIN_PART_S, True)]
    fine = [Part("walks", 8.0, True), Part("waves")]
    assert within_bounds(fine, predicted) == fine
    spans = sequence_spans(bounded, None, predicted)
    assert [round(s.end_s - s.start_s, 4) for s in spans] == [596.6, 3.4]


def test_a_part_too_short_or_a_bad_length_makes_no_spans() -> None:
    assert sequence_spans(["only one"], 4.0, lambda _: 2.0) is None
    assert sequence_spans(["a", "b"], 2 * MIN_PART_S - 0.01, lambda _: 1.0) is None
    with pytest.raises(ValueError, match="positive"):
        sequence_spans(["a", "b"], None, lambda _: 0.0)


class _Memory:
    """A motion memory's keys and actor counts, as `part_mode` reads them."""

    def __init__(self, keys: list[list[float]], actors: list[int]) -> None:
        self.keys, self.actors = torch.tensor(keys), torch.tensor(actors)

    def __len__(self) -> int:
        return len(self.actors)


def _gen(memory: _Memory) -> SimpleNamespace:
    """What `part_mode` uses of an `InferenceGenerator`: its memory and actor limit."""
    return SimpleNamespace(model=SimpleNamespace(transformer=SimpleNamespace(memory=memory)), max_actors=2)


def test_a_later_part_is_made_together_alone_or_by_each_as_the_text_and_the_memory_say() -> None:
    """FIRST when the part singles one actor out; else ALL when the memory holds a clip of that many actors
    (nearly) as near to it as the nearest one-actor clip, else EACH; one actor: ALL."""
    memory = _Memory([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [1, 2])  # a solo motion, a two-actor one
    embed = {
        "shake hands": [0.1, 1.0, 0.0],  # near the two-actor clip
        "sit down": [1.0, 0.1, 0.0],  # near the solo one
        "they talk": [0.7, 0.68, 0.2],  # as near to both, within JOINT_MARGIN
        "one waves goodbye": [0.0, 1.0, 0.0],  # singled out, whatever the memory says
    }
    gen = _gen(memory)

    def mode(g: SimpleNamespace, text: str, actors: int) -> str:  # a text the table lacks: near the pair
        return part_mode(g, text, torch.tensor([embed.get(text, [0.0, 1.0, 0.0])]), actors)

    assert mode(gen, "shake hands", 2) == ALL
    assert mode(gen, "sit down", 2) == EACH
    assert mode(gen, "they talk", 2) == ALL
    for text in ("one waves goodbye", "One of them waves", "the other one jumps", "someone sits down",
                 "and she laughs", "a man walks away"):  # fmt: skip
        assert mode(gen, text, 2) == FIRST, text
    assert mode(gen, "sit down", 1) == ALL
    # without a memory, the words decide: an interaction or several people together, else each actor
    empty = _gen(_Memory([], []))
    assert mode(empty, "they hug", 2) == ALL and mode(empty, "sit down", 2) == EACH
