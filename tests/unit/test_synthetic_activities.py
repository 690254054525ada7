"""Contracts of the body actions added for issue #19 (stickgen.synthetic.activities, .floor_actions,
.hand_actions, .sports) and the everyday ones (.everyday: turn, pick_up; floor_actions.fall) and of their
behaviour checks (stickgen.evaluate.behaviour_more, .behaviour_hands, .behaviour_everyday):
every clip passes its check with the side it used, the wrong motions fail, generation is deterministic,
bones keep their lengths, nothing goes through the floor, chains never start low, and captions name
the right side.

(tests/unit/test_behaviour.py runs its generic contracts over these checks too: they are in `CHECKS`.)
"""

from __future__ import annotations

import numpy as np
import pytest
from motions import FPS, animated

from stickgen.core.rig import make_body
from stickgen.core.skeleton import BONES, JOINT_INDEX
from stickgen.evaluate import behaviour_everyday, behaviour_hands, behaviour_more
from stickgen.evaluate.behaviour import CHECKS, check
from stickgen.synthetic.actions import (
    ACTION_GENERATORS,
    ACTION_SPAN,
    ENDS_LOW,
    STARTS_LOW,
    draw_chain,
    generate_action,
)
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.captions import describe
from stickgen.synthetic.motion import place

NEW = (*behaviour_more.MORE_CHECKS, *behaviour_hands.HAND_CHECKS, *behaviour_everyday.EVERYDAY_CHECKS)
# the side in Motion.info is the one the check needs
SIDED = ("kneel", "point", "drink", "eat", "throw", "dodge", "dribbling", "batting", "turn")
SEEDS = range(10)
J = JOINT_INDEX


def _placed(action: str, seed: int, seconds: float = 4.0) -> tuple[np.ndarray, np.ndarray, object]:
    """Joints (T, 22, 3) of one take placed on the floor, the rotations, and the body."""
    rng = np.random.default_rng([seed, 7])
    body = make_body(rng)
    motion = generate_action(
        action, rng, ActionContext(body, int(seconds * FPS), FPS, float(rng.uniform(0, 6.3)))
    )
    return place(motion, body, FPS, np.zeros(2))[1], motion.rot, body


def test_every_new_action_is_animated_checked_and_timed() -> None:
    assert set(NEW) <= set(ACTION_GENERATORS) and set(NEW) <= set(CHECKS) and set(NEW) <= set(ACTION_SPAN)
    assert ENDS_LOW <= set(NEW)


@pytest.mark.parametrize("action", NEW)
def test_each_clip_passes_its_check_with_and_without_its_side(action: str) -> None:
    for seed in SEEDS:
        for seconds in (None, 3.2):  # the suite's length and a short take
            joints, side = animated(action, seed, seconds)
            for named in [None] + ([side] if side in ("left", "right") else []):
                c = check(action, joints, FPS, named)
                assert c.passed, f"seed {seed}, {seconds} s, side {named}: {c.reason}"


@pytest.mark.parametrize("action", SIDED)
def test_sided_checks_fail_on_the_other_side(action: str) -> None:
    for seed in SEEDS:
        joints, side = animated(action, seed)
        other = "left" if side == "right" else "right"
        c = check(action, joints, FPS, other)
        assert not c.passed, f"seed {seed}: {c.reason}"


WRONG = {
    "sprint": ("idle", "walk", "run", "jump"),
    "kneel": ("idle", "walk", "sit_down", "crouch", "lie_down", "jump"),
    "lie_down": ("idle", "walk", "sit_down", "kneel", "crouch"),
    "crouch": ("idle", "walk", "sit_down", "kneel", "jump", "stand_up"),
    "point": ("idle", "walk", "wave", "punch", "jump", "clap"),
    "celebrate": ("idle", "walk", "wave", "jump", "dance", "clap"),
    "fight_stance": ("idle", "walk", "wave", "kick", "dance"),
    "look_around": ("idle", "walk", "wave", "dance", "clap"),
    "drink": ("idle", "walk", "wave", "clap", "fight_stance", "eat", "punch"),
    "eat": ("idle", "walk", "wave", "clap", "drink", "punch"),
    "throw": ("idle", "walk", "wave", "punch", "kick", "jump", "point"),
    "bow": ("idle", "walk", "sit_down", "stand_up", "crouch", "kneel", "jump", "eat", "run"),
    "stretch": ("idle", "walk", "wave", "clap", "celebrate", "dance", "jump"),
    "crawl": ("idle", "walk", "lie_down", "kneel", "crouch", "bow", "sit_down"),
    "dodge": ("idle", "walk", "run", "look_around", "stretch", "dance", "wave"),
    "fly": ("idle", "walk", "dance", "celebrate", "wave", "stretch", "clap"),
    "type": ("idle", "walk", "sit_down", "stand_up", "eat", "read", "clap", "crouch"),
    "read": ("idle", "walk", "clap", "eat", "drink", "fight_stance", "punch", "type", "wave"),
    "dribbling": ("idle", "walk", "run", "sprint", "dance", "wave", "clap", "eat", "fly"),
    "shooting": ("idle", "walk", "stretch", "celebrate", "wave", "jump", "clap", "read", "throw"),
    "batting": ("idle", "walk", "clap", "punch", "throw", "dance", "stretch", "read", "fight_stance"),
    "catching": ("idle", "walk", "clap", "eat", "batting", "shooting", "stretch", "point", "punch"),
    "turn": ("idle", "walk", "run", "look_around", "dance", "wave", "dodge", "bow", "sit_down"),
    "pick_up": ("idle", "walk", "sit_down", "stand_up", "kneel", "lie_down", "bow", "jump", "crawl", "fall"),
    "fall": ("idle", "walk", "sit_down", "kneel", "lie_down", "crouch", "crawl", "jump", "bow", "dodge"),
}


@pytest.mark.parametrize("action", NEW)
def test_wrong_motions_fail_the_check(action: str) -> None:
    for wrong in WRONG[action]:
        for seed in range(6):
            c = check(action, animated(wrong, seed)[0], FPS)
            assert not c.passed, f"{wrong} seed {seed}: {c.reason}"


@pytest.mark.parametrize("action", NEW)
def test_generation_is_deterministic(action: str) -> None:
    a, rot_a, _ = _placed(action, 3)
    b, rot_b, _ = _placed(action, 3)
    assert a.tobytes() == b.tobytes() and rot_a.tobytes() == rot_b.tobytes()
    assert not np.array_equal(a, _placed(action, 4)[0])


@pytest.mark.parametrize("action", NEW)
def test_bones_keep_their_lengths_and_nothing_goes_through_the_floor(action: str) -> None:
    for seed in range(4):
        joints, rot, body = _placed(action, seed)
        np.testing.assert_allclose(
            np.swapaxes(rot, -1, -2) @ rot, np.broadcast_to(np.eye(3), rot.shape), atol=1e-9
        )
        lengths = np.stack([np.linalg.norm(joints[:, c] - joints[:, p], axis=-1) for p, c in BONES], -1)
        rest = np.linalg.norm(body.offsets[[c for _, c in BONES]], axis=-1)
        np.testing.assert_allclose(lengths, np.broadcast_to(rest, lengths.shape), atol=1e-6)
        feet = joints[:, [J["left_ankle"], J["right_ankle"], J["left_foot"], J["right_foot"]], 1]
        assert feet.min() > -1e-6, (seed, feet.min())
        assert joints[..., 1].min() > -1e-6, (seed, joints[..., 1].min())  # no knee, hip or head below
        speed = np.linalg.norm(np.diff(joints, axis=0), axis=-1).max() * FPS
        assert speed < 15.0, (seed, speed)


def test_floor_actions_end_low_and_the_others_end_standing() -> None:
    for action in NEW:
        for seed in range(3):
            joints, _, body = _placed(action, seed)
            end = joints[-1, J["pelvis"], 1] / body.leg
            assert (end < 0.8) == (action in ENDS_LOW) or action == "crouch", (action, seed, end)
            start = joints[0, J["pelvis"], 1] / body.leg
            assert (start < 0.8) == (action in STARTS_LOW), (action, seed, start)


def test_chains_never_start_on_the_floor_nor_continue_onto_all_fours() -> None:
    rng = np.random.default_rng(0)
    chains = [draw_chain(rng) for _ in range(4000)]
    firsts, seconds = {a for a, _ in chains}, {b for _, b in chains}
    assert not firsts & ENDS_LOW and not seconds & STARTS_LOW
    assert {"sprint", "point", "celebrate"} <= firsts and {"kneel", "lie_down"} <= seconds
    assert STARTS_LOW <= ENDS_LOW  # a take that starts low ends low: it is never first either


@pytest.mark.parametrize("action", NEW)
def test_captions_name_the_action_and_the_right_side(action: str) -> None:
    for seed in range(6):
        rng = np.random.default_rng(seed)
        body = make_body(rng)
        motion = generate_action(action, rng, ActionContext(body, 80, FPS))
        texts = describe([action], [motion.info], rng)
        assert len(set(texts)) == 3, texts
        side = motion.info.get("side")
        if side in ("left", "right"):
            wrong = "right" if side == "left" else "left"
            assert not any(wrong in t.lower().split() for t in texts), texts
