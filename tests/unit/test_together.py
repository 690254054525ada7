"""Several people doing what one person does: which prompts, how the actors are placed, and the generator's
path for them (`stickgen.generate.together`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from helpers import standing_body
from inferkit import fake_generator

from stickgen.core.skeleton import JOINT_INDEX, facing_yaw, rotation_y
from stickgen.core.vocab import ACTIONS
from stickgen.generate import directed
from stickgen.generate.directed import Directing
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.sequence import generate_sequence
from stickgen.generate.together import (
    FACING,
    FACING_M,
    IN_ONE_WINDOW,
    MAX_TOGETHER,
    MEET_M,
    SIDE,
    SIDE_M,
    STRAY_M,
    _drawn_apart,
    closest,
    draw_seed,
    farthest,
    people_note,
    place,
    together_placement,
)


@pytest.mark.parametrize(
    ("prompt", "actors", "placement"),
    [
        ("two people walk side by side", 2, SIDE),
        ("two people jump together", 2, SIDE),
        ("a couple dances", 2, SIDE),
        ("two friends wave at each other", 2, FACING),
        ("two people walk towards each other", 2, FACING),
        ("two people bow to one another", 2, FACING),
        ("a person walks", 2, SIDE),  # two asked for, one's action: side by side
        ("two people shake hands", 2, None),  # interactions, fights and conversations: one window
        ("two people hug", 2, None),
        ("two boxers spar", 2, None),
        ("two people talk to each other", 2, None),
        ("two people stand around", 2, None),  # no action named
        ("two people walk side by side", 1, None),
    ],
)
def test_a_solo_action_of_several_people_is_made_actor_by_actor(prompt, actors, placement) -> None:
    assert together_placement(prompt, actors) == placement


def test_the_actions_made_in_one_window_are_vocabulary_actions() -> None:
    assert IN_ONE_WINDOW <= set(ACTIONS) and {"handshake", "hug", "talk", "fight"} <= IN_ONE_WINDOW


def test_an_action_given_decides_over_the_prompts() -> None:
    assert together_placement("two people walk side by side", 2, action="hug") is None
    assert together_placement("two people stand around", 2, action="wave") == SIDE


def _walker(yaw_deg: float, metres: float, frames: int = 40) -> np.ndarray:
    """A (T, 1, 22, 3) standing figure that glides `metres` straight along yaw `yaw_deg` (0: +Z; positive
    towards +X), facing that way, from the floor's origin, its wrists swinging."""
    body = standing_body() - standing_body()[0] * np.array([1.0, 0.0, 1.0])
    joints = np.repeat(body[None], frames, axis=0)
    joints[..., 2] += np.linspace(0.0, metres, frames)[:, None]
    joints[:, JOINT_INDEX["left_wrist"], 2] += 0.15 * np.sin(np.linspace(0, 6, frames))
    return (joints @ rotation_y(np.radians(yaw_deg)).T)[:, None].astype(np.float32)


def _chord(joints: np.ndarray) -> np.ndarray:
    d = (joints[-1, 0] - joints[0, 0])[[0, 2]]
    return d / np.linalg.norm(d)


def test_fewer_actors_than_the_text_names_are_said_why() -> None:
    """`people_note`: a motion with fewer actors than its words count says why (the model's count in one
    motion, `MAX_TOGETHER` of what one does alone); as many, or more (`--actors`), says nothing."""
    gen = SimpleNamespace(max_actors=2)
    note = people_note(gen, "100 people jump", MAX_TOGETHER)
    assert note.startswith(f"the text names 100 people, the motion has {MAX_TOGETHER}: ")
    assert "at most 2 in one motion" in note
    assert "names 3 people, the motion has 2" in people_note(gen, "three people shake hands", 2)
    assert people_note(gen, "two people shake hands", 2) is None
    assert people_note(gen, "a person waves", 3) is None


def test_side_by_side_actors_go_the_first_ones_way_across_from_each_other() -> None:
    a, b = _walker(0.0, 3.0), _walker(90.0, 2.0)
    joints, start = place([a, b], SIDE)
    assert joints.shape == (a.shape[0], 2, 22, 3) and start == pytest.approx(SIDE_M, abs=1e-4)
    np.testing.assert_allclose(_chord(joints[:, 1]), _chord(joints[:, 0]), atol=1e-4)  # the same way
    across = (joints[0, 1, 0] - joints[0, 0, 0])[[0, 2]]
    assert abs(float(across @ _chord(joints[:, 0]))) < 1e-4  # side by side, not one behind the other
    np.testing.assert_allclose(joints[:, 1, :, 1], b[:, 0, :, 1], atol=1e-5)  # heights as made


def test_facing_actors_come_towards_each_other_and_stop_short() -> None:
    a, b = _walker(0.0, 3.0), _walker(-40.0, 2.0)
    joints, start = place([a, b], FACING)
    travel = [float(np.linalg.norm((m[-1, 0, 0] - m[0, 0, 0])[[0, 2]])) for m in (a, b)]
    assert start == pytest.approx(max(FACING_M, sum(travel) + MEET_M), abs=1e-3)
    np.testing.assert_allclose(_chord(joints[:, 1]), -_chord(joints[:, 0]), atol=1e-4)  # towards it
    assert closest(joints) == pytest.approx(MEET_M, abs=0.05)


def _bulging(sideways_m: float, frames: int = 40) -> np.ndarray:
    """A walker going 3 m along +Z that swerves `sideways_m` along X half way and comes back (its chord
    straight ahead)."""
    m = _walker(0.0, 3.0, frames)
    m[..., 0] += sideways_m * np.sin(np.linspace(0.0, np.pi, frames))[:, None, None]
    return m


def test_a_draw_that_walks_apart_or_into_the_other_is_made_again() -> None:
    straight = _walker(0.0, 3.0)
    made = {0: [straight, _bulging(2.0)], 1: [straight, _bulging(-1.2)], 2: [straight, _walker(0.0, 3.0)]}
    asked: list[int] = []

    def draw(k: int) -> tuple[list[np.ndarray], str]:
        asked.append(k)
        return made[k], f"draw {k}"

    joints, record, extra = _drawn_apart(draw, SIDE, 6)
    assert asked == [0, 1, 2] and extra == "draw 2" and record["draw"] == 2  # the first that keeps its place
    assert record["farthest_m"] == pytest.approx(farthest(joints), abs=1e-3)
    assert farthest(joints) <= SIDE_M + STRAY_M
    # none keeps its place: walking into the other is worse than drawing apart
    _, record, extra = _drawn_apart(draw, SIDE, 2)
    assert extra == "draw 0" and record["farthest_m"] > SIDE_M + STRAY_M and record["closest_m"] >= 1.0
    # facing, drawing apart is no fault: the first draw that keeps clear stays
    asked.clear()
    assert _drawn_apart(draw, FACING, 6)[2] == "draw 0" and asked == [0]


def test_draws_made_again_never_repeat_another_seeds_draw() -> None:
    seeds = [draw_seed(s, k) for s in range(100) for k in range(6)]
    assert len(set(seeds)) == len(seeds) and all(0 <= x < 2**63 for x in seeds)
    assert [draw_seed(s, 0) for s in range(5)] == list(range(5))  # the first draw is the seed's own


def test_facing_actors_in_place_stand_apart_facing_each_other() -> None:
    a = _walker(0.0, 0.0, frames=30)  # in place
    joints, start = place([a, a.copy()], FACING)
    assert start == pytest.approx(FACING_M, abs=1e-4)
    yaw = [facing_yaw(joints[0, k]) for k in range(2)]
    assert abs(np.angle(np.exp(1j * (yaw[1] - yaw[0] - np.pi)))) < 1e-3
    towards = (joints[0, 0, 0] - joints[0, 1, 0])[[0, 2]]
    assert np.degrees(abs(np.angle(np.exp(1j * (np.arctan2(*towards) - yaw[1]))))) < 1.0


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> InferenceGenerator:
    return fake_generator(tmp_path_factory)


def test_the_generator_makes_each_actor_alone_and_records_it(gen) -> None:
    m = gen.generate("two people walk side by side", duration_s=1.5, seed=4)
    assert m.joints.shape == (30, 2, 22, 3) and m.face is not None and m.face.shape == (30, 2)
    together = m.meta["together"]
    assert together["placement"] == SIDE and together["apart_m"] == pytest.approx(SIDE_M, abs=1e-3)
    assert together["closest_m"] == pytest.approx(closest(m.joints), abs=1e-3)
    local = m.joints - m.joints[:, :, :1]  # each actor's pose about its pelvis: drawn apart, not copied
    assert not np.allclose(local[:, 0], local[:, 1], atol=1e-3)
    again = gen.generate("two people walk side by side", duration_s=1.5, seed=4)
    np.testing.assert_array_equal(again.joints, m.joints)  # the seed is honoured
    # each is made from what is said of one of them, and the motion keeps the prompt
    assert m.meta["caption"] == "a person walks side by side" and m.prompt == "two people walk side by side"
    one = gen.sample_with_faces(
        gen.encode("a person walks side by side"),
        [30],
        [1],
        None,
        4,
        captions=["a person walks side by side"],
    )[0][0]
    first = m.joints[:, 0] - m.joints[:1, 0, :1] * np.array([1, 0, 1])
    alone = one[:, 0] - one[:1, 0, :1] * np.array([1, 0, 1])
    assert (
        together["draw"] == 0
    )  # the first draw's first actor is that caption's motion with the seed, placed
    np.testing.assert_allclose(np.linalg.norm(np.diff(first, axis=0), axis=-1),
                               np.linalg.norm(np.diff(alone, axis=0), axis=-1), atol=1e-4)  # fmt: skip
    assert "together" not in gen.generate("two people shake hands", duration_s=1.5, seed=4).meta


def test_a_sequence_whose_first_part_is_a_solo_action_of_two_starts_actor_by_actor(gen) -> None:
    m = generate_sequence(gen, "two people jump together, then sit down", duration_s=3.0, seed=2)
    assert m is not None and m.joints.shape[1] == 2
    first = m.meta["timeline"][0]
    assert first["actors"] == "each" and first["together"]["placement"] == SIDE
    assert m.meta["sequence"]["modes"][0] == "each"
    # a first part longer than the model's window (the tiny model's 3.2 s) is made in windows, actor by actor
    long = generate_sequence(gen, "two people jump together, then sit down", duration_s=12.0, seed=2)
    assert long is not None and long.joints.shape == (240, 2, 22, 3)
    assert long.meta["timeline"][0]["frames"][1] > 64 and long.meta["timeline"][0]["together"]


def test_a_long_motion_of_two_doing_what_one_does_is_made_actor_by_actor(gen) -> None:
    """Beyond the model's window (the tiny model's 3.2 s): each actor's own windows, then placed."""
    short = Directing(overlap_s=0.6, transition_s=0.4)
    m = directed.generate_long(gen, "two people walk side by side", 6.0, seed=3, directing=short)
    assert m.joints.shape == (120, 2, 22, 3) and m.meta["kind"] == "long" and m.meta["actors"] == 2
    assert m.meta["together"]["placement"] == SIDE and m.meta["windows"]
    assert m.meta["caption"] == "a person walks side by side" and m.prompt.startswith("two people")
    seed = 3 + m.meta["together"]["draw"]
    alone = directed.generate_long(gen, "a person walks side by side", 6.0, 1, seed, directing=short)
    first = m.joints[:, 0] - m.joints[:1, 0, :1] * np.array([1, 0, 1])
    turned = alone.joints[:, 0] - alone.joints[:1, 0, :1] * np.array([1, 0, 1])
    np.testing.assert_allclose(first, turned, atol=1e-4)  # the first actor is its own long motion, moved


def test_a_timeline_of_two_doing_what_one_does_is_made_actor_by_actor(gen) -> None:
    """Every span a solo action: each actor's own timeline, placed. A joint span first, then a solo action
    in place: the joint span in one window, the next by each actor from its own frames (as a sequence's
    parts are: `sequence.span_modes`)."""
    short = Directing(overlap_s=0.6, transition_s=0.4)
    spans = "0-2: two people walk side by side; 2-4: two people jump"
    m = directed.generate_timeline(gen, spans, seed=5, directing=short)
    assert m.joints.shape == (80, 2, 22, 3) and m.meta["kind"] == "timeline"
    assert m.meta["together"]["placement"] == SIDE and len(m.meta["timeline"]) == 2
    assert "a person walks side by side" in m.meta["caption"] and m.prompt.count("two people") == 2
    mixed = directed.generate_timeline(
        gen, "0-2: two people talk; 2-4: two people jump", seed=5, directing=short
    )
    assert mixed.joints.shape == (80, 2, 22, 3) and mixed.meta["kind"] == "timeline"
    assert [s["actors"] for s in mixed.meta["timeline"]] == ["all", "each"]
    assert [s["frames"] for s in mixed.meta["timeline"]] == [[0, 40], [40, 80]]
    assert mixed.meta["timeline"][1]["texts"] == ["a person jumps", "a person jumps"]  # each: one of them
    talk = directed.generate_timeline(gen, "0-2: two people talk", seed=5, directing=short)
    np.testing.assert_allclose(mixed.joints[:40], talk.joints, atol=1e-3)  # the joint span, as made alone


def test_one_singled_out_of_a_pair_is_made_from_what_is_said_of_one_person(gen) -> None:
    m = generate_sequence(gen, "two people shake hands, then one waves goodbye", duration_s=3.0, seed=1)
    assert m is not None and m.joints.shape[1] == 2
    second = m.meta["timeline"][1]
    assert second["text"] == "one waves goodbye" and second["actors"] == "first"
    assert second["texts"] == ["a person waves goodbye", "a person stands in place, waiting"]


def test_a_directed_motion_of_one_actor_is_made_from_what_is_said_of_one_person(gen) -> None:
    """As `generate` of one actor: a long motion, a timeline, a continuation of one actor encode the text
    said of one person (`together.made_from`) and record it, and the motion keeps the prompt."""
    short = Directing(overlap_s=0.6, transition_s=0.4)
    m = directed.generate_long(gen, "he waves", 4.0, seed=3, directing=short)
    assert m.meta["captions"] == ["a person waves"] and m.prompt == "he waves" and m.meta["actors"] == 1
    said = directed.generate_long(gen, "a person waves", 4.0, seed=3, directing=short)
    np.testing.assert_array_equal(m.joints, said.joints)  # the same text encoded, the same motion
    assert "captions" not in said.meta
    t = directed.generate_timeline(gen, "0-2: they walk; 2-4: she sits down", seed=1, num_actors=1)
    assert t.meta["captions"] == ["a person walks", "a person sits down"]
    more = directed.continue_motion(gen, said, "she keeps waving", 1.0, seed=2)
    assert more.meta["captions"] == ["a person keeps waving"]


@pytest.mark.parametrize("bad", [-1, 2**64, 7.9, "7", True])
def test_a_seed_is_an_integer_every_entry_point_checks(gen, bad) -> None:
    """`motion.motion_seed`, at every entry point: -1 failed deep in numpy, 2**64 in torch, 7.9 was made as
    7 and "7" as 7; a numpy integer makes the motion of the same Python integer."""
    short = Directing(overlap_s=0.6, transition_s=0.4)
    np.testing.assert_array_equal(
        gen.generate("a person waves", 1.0, seed=np.int64(7)).joints,
        gen.generate("a person waves", 1.0, seed=7).joints,
    )
    with pytest.raises(ValueError, match=r"seed must be an integer in 0\.\.2\*\*64-1"):
        gen.generate("a person waves", 1.0, seed=bad)
    with pytest.raises(ValueError, match=r"seed must be an integer in 0\.\.2\*\*64-1"):
        directed.generate_long(gen, "a person waves", 4.0, seed=bad, directing=short)
