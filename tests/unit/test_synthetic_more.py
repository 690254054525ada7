"""Contracts of the last actions of the original vocabulary (issue #19): the hug and the fight
(stickgen.synthetic.pair_actions) and the single-actor ones of stickgen.synthetic.outdoor (climb, swim)
and .baseball (running_bases, pitching, fielding), with their
behaviour checks (stickgen.evaluate.behaviour_sport): every clip passes its check, the wrong motions
fail, generation is deterministic, bones keep their lengths, nothing goes through the floor, and the
captions name the action.

(tests/unit/test_behaviour.py runs its generic contracts over these checks too: they are in `CHECKS`.)
"""

from __future__ import annotations

import numpy as np
import pytest
from motions import FPS, animated

from stickgen.core.rig import make_body
from stickgen.core.skeleton import BONES, JOINT_INDEX
from stickgen.core.vocab import infer_action
from stickgen.evaluate import behaviour_sport
from stickgen.evaluate.behaviour import CHECKS, check
from stickgen.evaluate.prompts import behaviour_prompts
from stickgen.synthetic.actions import ACTION_GENERATORS, ACTION_SPAN, SOLO, draw_chain, generate_action
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.captions import describe, describe_pair
from stickgen.synthetic.interactions import INTERACTIONS
from stickgen.synthetic.motion import place

NEW = tuple(behaviour_sport.SPORT_CHECKS)
PAIRS = ("hug", "fight")
SIDED = ("pitching",)
SEEDS = range(10)
J = JOINT_INDEX

WRONG = {
    "hug": ("handshake", "high_five", "talk", "fight", "idle", "walk"),
    "fight": ("handshake", "high_five", "talk", "hug", "idle", "walk"),
    "climb": ("idle", "walk", "jump", "stand_up", "stretch", "celebrate", "wave", "fly", "shooting"),
    "swim": ("idle", "walk", "lie_down", "crawl", "fly", "kneel", "dance", "stretch", "jump"),
    "running_bases": ("idle", "walk", "run", "sprint", "jump", "dance", "crawl", "dribbling"),
    "pitching": ("idle", "walk", "throw", "punch", "kick", "batting", "shooting", "catching", "dodge"),
    "fielding": ("idle", "walk", "crouch", "crawl", "kneel", "dodge", "catching", "bow", "lie_down", "run"),
}


def _placed(action: str, seed: int, seconds: float = 4.0) -> tuple[list[np.ndarray], list[np.ndarray], list]:
    """Each actor's joints (T, 22, 3) placed on the floor, its rotations and its body."""
    rng = np.random.default_rng([seed, 7])
    frames, yaw = int(seconds * FPS), float(rng.uniform(0, 6.3))
    if action in INTERACTIONS:
        bodies = [make_body(rng), make_body(rng)]
        inter = INTERACTIONS[action](rng, bodies, frames, FPS, yaw, np.zeros(2))
        motions, starts = inter.motions, inter.starts
    else:
        bodies = [make_body(rng)]
        motions = [generate_action(action, rng, ActionContext(bodies[0], frames, FPS, yaw))]
        starts = [np.zeros(2)]
    placed = [place(m, b, FPS, s)[1] for m, b, s in zip(motions, bodies, starts, strict=True)]
    return placed, [m.rot for m in motions], bodies


def test_every_new_action_is_animated_checked_timed_and_prompted() -> None:
    assert set(NEW) <= set(ACTION_GENERATORS) | set(INTERACTIONS) and set(NEW) <= set(CHECKS)
    assert set(NEW) <= set(ACTION_SPAN) and set(PAIRS) <= set(INTERACTIONS)
    prompts = behaviour_prompts()
    for action in NEW:
        mine = [p for p in prompts if p.action == action]
        assert len(mine) == 3, action
        assert all(p.actors == (2 if action in PAIRS else 1) for p in mine), action
        assert all(infer_action([p.text]) == action for p in mine), action


@pytest.mark.parametrize("action", NEW)
def test_each_clip_passes_its_check(action: str) -> None:
    for seed in SEEDS:
        for seconds in (None, 3.2):  # the suite's length and a short take
            joints, side = animated(action, seed, seconds)
            for named in [None] + ([side] if side in ("left", "right") else []):
                c = check(action, joints, FPS, named)
                assert c.passed, f"seed {seed}, {seconds} s, side {named}: {c.reason}"


@pytest.mark.parametrize("action", NEW)
def test_wrong_motions_fail_the_check(action: str) -> None:
    for wrong in WRONG[action]:
        for seed in range(6):
            c = check(action, animated(wrong, seed)[0], FPS)
            assert not c.passed, f"{wrong} seed {seed}: {c.reason}"


@pytest.mark.parametrize("action", SIDED)
def test_sided_checks_fail_on_the_other_side(action: str) -> None:
    for seed in SEEDS:
        joints, side = animated(action, seed)
        other = "left" if side == "right" else "right"
        assert not check(action, joints, FPS, other).passed, seed


def test_running_the_bases_turning_right_fails() -> None:
    for seed in range(6):
        joints = animated("running_bases", seed)[0].copy()
        assert check("running_bases", joints, FPS).passed
        joints[..., 0] *= -1.0  # the mirror image turns right
        assert not check("running_bases", joints, FPS).passed, seed


@pytest.mark.parametrize("action", PAIRS)
def test_pair_checks_need_two_actors(action: str) -> None:
    assert not check(action, animated(action, 0)[0][:, :1], FPS).passed


@pytest.mark.parametrize("action", NEW)
def test_generation_is_deterministic(action: str) -> None:
    a, rot_a, _ = _placed(action, 3)
    b, rot_b, _ = _placed(action, 3)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a + rot_a, b + rot_b, strict=True))
    assert not np.array_equal(a[0], _placed(action, 4)[0][0])


@pytest.mark.parametrize("action", NEW)
def test_bones_keep_their_lengths_and_nothing_goes_through_the_floor(action: str) -> None:
    for seed in range(4):
        placed, rots, bodies = _placed(action, seed)
        for joints, rot, body in zip(placed, rots, bodies, strict=True):
            np.testing.assert_allclose(
                np.swapaxes(rot, -1, -2) @ rot, np.broadcast_to(np.eye(3), rot.shape), atol=1e-9
            )
            lengths = np.stack([np.linalg.norm(joints[:, c] - joints[:, p], axis=-1) for p, c in BONES], -1)
            rest = np.linalg.norm(body.offsets[[c for _, c in BONES]], axis=-1)
            np.testing.assert_allclose(lengths, np.broadcast_to(rest, lengths.shape), atol=1e-6)
            assert joints[..., 1].min() > -1e-6, (seed, joints[..., 1].min())
            speed = np.linalg.norm(np.diff(joints, axis=0), axis=-1).max() * FPS
            assert speed < 15.0, (seed, speed)


@pytest.mark.parametrize("action", NEW)
def test_captions_name_the_action(action: str) -> None:
    for seed in range(6):
        rng = np.random.default_rng(seed)
        if action in INTERACTIONS:
            bodies = [make_body(rng), make_body(rng)]
            info = INTERACTIONS[action](rng, bodies, 80, FPS, 0.0, np.zeros(2)).info
            texts = describe_pair(action, info, rng)
        else:
            body = make_body(rng)
            motion = generate_action(action, rng, ActionContext(body, 80, FPS))
            texts = describe([action], [motion.info], rng)
        assert len(set(texts)) == 3, texts
        assert all(infer_action([t]) == action for t in texts), texts


def test_climbing_and_swimming_are_never_chained() -> None:
    rng = np.random.default_rng(0)
    chained = {a for _ in range(3000) for a in draw_chain(rng)}
    assert not chained & SOLO and {"climb", "swim"} <= SOLO
