"""The action vocabulary: docs/vocabulary.md against the code, and `infer_action` on the newer actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from stickgen.core.vocab import _ACTION_RULES, ACTION_INDEX, ACTIONS, ORIGINAL_ACTIONS, infer_action
from stickgen.sources.aistpp import GENRES
from stickgen.sources.ntu_classes import CLASSES
from stickgen.sources.style100 import CONTENTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "vocabulary.md"


def _rows(heading: str) -> list[list[str]]:
    """The cells of the first table under `heading` (a `##` or `###` line), header and rule left out."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip() == heading)
    table: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            table.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif table:
            break
    assert len(table) > 2, f"no table under {heading}"
    return table[2:]


def _word(cell: str) -> str:
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell.strip("`")


def test_the_doc_lists_every_action_in_index_order_with_a_meaning() -> None:
    rows = _rows("The vocabulary")
    assert [_word(r[0]) for r in rows] == list(ACTIONS)
    assert all(len(r[1]) > 3 for r in rows)


def test_the_original_46_names_map_into_the_vocabulary_and_the_doc_lists_them() -> None:
    assert len(ORIGINAL_ACTIONS) == 46
    assert set(ORIGINAL_ACTIONS.values()) <= set(ACTIONS)
    assert all(
        ORIGINAL_ACTIONS[a] == a for a in ORIGINAL_ACTIONS if a in ACTION_INDEX
    )  # same name, same word
    assert [(r[0], _word(r[1])) for r in _rows("The original system's 46 names")] == list(
        ORIGINAL_ACTIONS.items()
    )


def test_every_keyword_example_of_the_doc_infers_its_action() -> None:
    rows = _rows("Captions: `infer_action`")
    assert [_word(r[0]) for r in rows] == [a for a, _ in _ACTION_RULES]
    for action, _, examples in ((_word(r[0]), r[1], r[2]) for r in rows):
        for example in examples.split("; "):
            assert infer_action([f"a person {example}"]) == action, example


def test_the_doc_s_conflict_table_holds() -> None:
    rows = _rows("Where keywords meet, with the action each caption infers:")
    assert len(rows) >= 20
    for caption, action in rows:
        assert infer_action([caption]) == _word(action), caption


def test_the_doc_s_label_tables_are_the_code_s() -> None:
    ntu = [(r[0], r[1], _word(r[2])) for r in _rows("NTU RGB+D 60/120 and LSMB19")]
    assert ntu == [(c.code, c.name, c.action) for c in CLASSES.values()]
    style = [(r[0], _word(r[1])) for r in _rows("100STYLE")]
    assert style == [(f"{code} ({phrase})", action) for code, (phrase, action) in CONTENTS.items()]
    aist = [(r[0], _word(r[1])) for r in _rows("AIST++")]
    assert aist == [(f"{code} ({genre})", "dance") for code, genre in GENRES.items()]
    assert all(action in ACTION_INDEX for _, action in style)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("a person sprints forward", "sprint"),
        ("a man sprinted down the street", "sprint"),
        ("a person runs at top speed", "sprint"),
        ("a person runs quickly", "run"),
        ("the player runs the bases after the hit", "running_bases"),
        ("he rounds second base and heads home", "running_bases"),
        ("a person runs to the base", "running_bases"),
        ("a person runs around the track", "run"),
        ("a person runs to the base of the hill", "run"),
        ("two people talk to each other", "talk"),
        ("a woman is speaking with her hands", "talk"),
        ("a person converses with a friend", "talk"),
        ("a person talks while walking", "talk"),
        ("a man yells angrily", "shout"),
        ("a person screams", "shout"),
        ("a person whispering quietly", "whisper"),
        ("a person sings a song", "sing"),
        ("a person singles out a friend", "unknown"),
        ("a person laughing hard", "laugh"),
        ("a person giggles", "laugh"),
        ("a child weeps", "cry"),
        ("a person sobbing", "cry"),
        ("a batter swings a bat", "batting"),
        ("a player at bat swings", "batting"),
        ("a pitcher throws the ball", "pitching"),
        ("the player pitched the ball", "pitching"),
        ("a person sings in a high-pitched voice", "sing"),
        ("a person catches the ball with both hands", "catching"),
        ("a person catches up with a friend", "unknown"),
        ("a person fields a grounder", "fielding"),
        ("a person walks onto the field", "walk"),
        ("a person stands in the fields", "unknown"),
        ("a basketball player dribbling", "dribbling"),
        ("a person shoots at goal", "shooting"),
        ("the player takes a shot at the basket", "shooting"),
        ("two men fighting", "fight"),
        ("two people brawl", "fight"),
        ("a boxer sparring", "fight"),
        ("a person in a fighting stance", "fight_stance"),
        ("a person keeps their guard up", "fight_stance"),
        ("a guard walks by", "walk"),
        ("a person ducks to avoid a punch", "dodge"),
        ("a person dodges left", "dodge"),
        ("a person feeds the ducks", "unknown"),
        ("a person kneeling on the ground", "kneel"),
        ("a person lies down on the bed", "lie_down"),
        ("a person lie down slowly", "lie_down"),
        ("a person lying on the floor", "lie_down"),
        ("a person eats an apple", "eat"),
        ("a person reads a newspaper", "read"),
        ("a person gets ready to run", "run"),
        ("a person types a message", "type"),
        ("a different type of walk", "walk"),
        ("a person looks around the room", "look_around"),
        ("a person looks at the floor", "unknown"),
        ("a person climbs a wall", "climb"),
        ("a baby crawls", "crawl"),
        ("a person swimming", "swim"),
        ("a person flapping their arms", "fly"),
        ("a person flies like a bird", "fly"),
        ("a person cheering", "celebrate"),
        ("a person celebrates a goal", "celebrate"),
        ("a person celebrates and dances", "celebrate"),
        ("an old man limps slowly", "walk"),
        ("a soldier marches forward", "walk"),
        ("a tired man trudges along", "walk"),
        ("a person tiptoes quietly", "walk"),
        ("someone strode ahead", "walk"),
        ("a horse trots", "run"),
        ("a child skips happily", "jump"),
    ],
)
def test_infer_action_on_the_newer_actions(text: str, action: str) -> None:
    assert infer_action([text]) == action


def test_sprint_is_its_own_action_and_votes_still_count() -> None:
    assert infer_action(["a person sprints", "a person runs fast", "someone sprints away"]) == "sprint"
    assert infer_action(["a person jogs", "a person runs", "a person sprints"]) == "run"
