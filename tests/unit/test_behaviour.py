"""Contracts of the behaviour suite (stickgen.evaluate.behaviour): every check passes on the synthetic
animator's own clips of its action (noisy or turned too) and fails on the motions the suite exists to
catch (a still figure, a figure gliding on straight legs, a wrist that never rises, the other side
doing the action); the prompt list covers every check; the runner's pass rates are the right counts."""

from __future__ import annotations

import numpy as np
import pytest
from motions import DURATION, FPS, animated

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.core.vocab import ACTION_INDEX
from stickgen.evaluate import behaviour, in_place
from stickgen.evaluate.behaviour import CHECKS, Check, check
from stickgen.evaluate.behaviour_suite import run_behaviour_suite
from stickgen.evaluate.face_checks import FACE_CHECKS
from stickgen.evaluate.prompts import BehaviourPrompt, behaviour_prompts, parse_behaviour_prompts, table_texts
from stickgen.evaluate.variety import ALIKE_M
from stickgen.synthetic.actions import ACTION_GENERATORS
from stickgen.synthetic.interactions import INTERACTIONS

SEEDS = range(8)
PAIRS = tuple(INTERACTIONS)
SIDED = ("wave", "kick", "punch", "high_five")
J = JOINT_INDEX


def standing(action: str = "idle") -> np.ndarray:
    """A figure standing still (the animator's idle: breathing, a slow weight shift), one actor or two
    facing each other 1 m apart for the two-actor actions."""
    one = animated("idle", 0)[0][: int(round(DURATION[action] * FPS))]
    return facing_pair(one) if action in PAIRS else one


def facing_pair(one: np.ndarray) -> np.ndarray:
    """Actor 0 and the same actor turned by 180 degrees, 1 m ahead of it: (T, 2, 22, 3)."""
    other = one * np.array([-1.0, 1.0, -1.0], dtype=np.float32) + np.array([0.0, 0.0, 1.0], dtype=np.float32)
    return np.concatenate([one, other], axis=1)


def glide(speed: float, seconds: float) -> np.ndarray:
    """The standing figure sliding forwards (+Z, its facing) at `speed` m/s on straight legs."""
    still = animated("idle", 0)[0]
    still = np.concatenate([still] * int(np.ceil(seconds * FPS / len(still))))[: int(round(seconds * FPS))]
    shift = np.arange(len(still))[:, None, None] / FPS * speed * np.array([0.0, 0.0, 1.0])
    return (still + shift[:, :, None, :]).astype(np.float32)


def turned(joints: np.ndarray, yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    return (joints.astype(np.float64) @ rot.T).astype(np.float32)


def sides_to_try(side: str | None) -> list[str | None]:
    """The sides a caption of this clip may name: none, and the animator's (each, when it used both)."""
    return [None] + (["left", "right"] if side == "both" else [side] if side else [])


def test_every_animator_action_has_a_check_and_three_captions() -> None:
    assert set(CHECKS) == set(ACTION_GENERATORS) | set(INTERACTIONS)
    prompts = behaviour_prompts()
    for action in CHECKS:
        mine = [p for p in prompts if p.action == action]
        alone, pairs = [p for p in mine if p.actors == 1], [p for p in mine if p.actors == 2]
        assert len(mine) == len(alone) + len(pairs) and len({p.text for p in mine}) == len(mine), action
        if action in ACTION_GENERATORS:  # talk is both: one person talking, and two in conversation
            assert len(alone) == 3, action
        assert len(pairs) == (0 if action not in PAIRS else 3 if action not in ACTION_GENERATORS else 2), (
            action
        )
        assert all(p.side is not None for p in mine) or action not in ("wave", "kick", "punch"), action
    assert {p.text for p in prompts} <= set(table_texts())  # embedded by the evaluator stage's table


@pytest.mark.parametrize("action", sorted(CHECKS))
def test_each_check_passes_on_the_animators_clips_of_its_action(action: str) -> None:
    """Over 8 seeds (their walks and runs include turns and full circles), with the side the animator
    used named and with no side named."""
    for seed in SEEDS:
        joints, side = animated(action, seed)
        for named in sides_to_try(side):
            c = check(action, joints, FPS, named)
            assert c.passed, f"seed {seed}, side {named}: {c.reason}"


@pytest.mark.parametrize("action", sorted(CHECKS))
def test_checks_hold_on_jittery_and_turned_clips(action: str) -> None:
    """2 mm of jitter per joint and frame (visibly shaky at 20 fps) and a clip turned to face another
    way change no verdict."""
    rng = np.random.default_rng(7)
    for seed in SEEDS[:4]:
        joints, side = animated(action, seed)
        named = sides_to_try(side)[-1]
        noisy = joints + rng.normal(0.0, 0.002, joints.shape).astype(np.float32)
        for motion in (noisy, turned(joints, 2.0)):
            c = check(action, motion, FPS, named)
            assert c.passed, f"seed {seed}: {c.reason}"


@pytest.mark.parametrize("action", sorted(set(CHECKS) - {"idle"} - set(FACE_CHECKS)))
def test_each_check_fails_on_a_figure_standing_still(action: str) -> None:
    """(Talking, shouting, ... stand still: their faces decide, tests/unit/test_face_checks.py.)"""
    rng = np.random.default_rng(3)
    still = standing(action)
    for motion in (still, still + rng.normal(0.0, 0.002, still.shape).astype(np.float32)):
        c = check(action, motion, FPS)
        assert not c.passed, c.reason


@pytest.mark.parametrize(("action", "speed"), [("walk", 1.3), ("run", 3.0)])
def test_a_figure_gliding_on_straight_legs_neither_walks_nor_runs(action: str, speed: float) -> None:
    c = check(action, glide(speed, DURATION[action]), FPS)
    assert not c.passed, c.reason
    assert c.measures["speed_mps"] == pytest.approx(speed, rel=0.05)  # it travels: the legs fail it
    assert max(c.measures["left_toe_swing_m"], c.measures["right_toe_swing_m"]) < 0.1
    assert c.measures["left_plants"] == c.measures["right_plants"] == 0
    assert check("idle", glide(speed, DURATION[action]), FPS).passed is False  # and it is no idle


def test_run_asks_for_a_running_speed_and_walk_for_a_walking_one() -> None:
    """Only the animator's fast walks (up to 1.85 m/s) reach the running speed; every run is fast enough
    to be a walk too (the recogniser tells them apart)."""
    walks = [check("run", animated("walk", s)[0], FPS) for s in SEEDS]
    assert sum(c.passed for c in walks) <= 1, [c.reason for c in walks]
    assert all(check("walk", animated("run", s)[0], FPS).passed for s in SEEDS)


def test_wave_fails_when_the_wrist_stays_below_the_shoulder() -> None:
    chest_claps = [j for j, _ in (animated("clap", s) for s in SEEDS) if _wrists_below_shoulders(j)]
    assert chest_claps, "no clap in front of the chest among the seeds"
    for motion in (standing(), *chest_claps):
        assert _wrists_below_shoulders(motion)
        for side in (None, "left", "right"):
            c = check("wave", motion, FPS, side)
            assert not c.passed, c.reason


def _wrists_below_shoulders(joints: np.ndarray) -> bool:
    a = joints[:, 0]
    return all((a[:, J[f"{s}_wrist"], 1] < a[:, J[f"{s}_shoulder"], 1]).all() for s in ("left", "right"))


@pytest.mark.parametrize("action", SIDED)
def test_sided_checks_fail_when_the_other_side_does_the_action(action: str) -> None:
    one_sided = [
        (j, side) for j, side in (animated(action, s) for s in range(16)) if side in ("left", "right")
    ]
    assert len(one_sided) >= 3, action
    for joints, side in one_sided:
        other = "left" if side == "right" else "right"
        assert check(action, joints, FPS, side).passed
        c = check(action, joints, FPS, other)
        assert not c.passed, c.reason


def test_pair_checks_need_two_actors_and_a_jump_is_no_kick() -> None:
    shake = animated("handshake", 0)[0]
    c = check("handshake", shake[:, :1], FPS)
    assert not c.passed and "two actors" in c.reason
    assert not check("high_five", shake, FPS).passed  # hands meet below the shoulders
    assert not any(check("kick", animated("jump", s)[0], FPS).passed for s in SEEDS)  # both feet rise
    assert not any(check("kick", animated("run", s)[0], FPS).passed for s in SEEDS)  # heels flick back


def test_check_rejects_bad_input_and_fails_non_finite_motion() -> None:
    joints = animated("walk", 0)[0].copy()
    with pytest.raises(ValueError, match="unsupported behaviour action"):
        check("cartwheel", joints, FPS)
    with pytest.raises(ValueError, match=r"\(T >= 2"):
        check("walk", joints[:, 0], FPS)
    with pytest.raises(ValueError, match="unsupported side"):
        check("wave", joints, FPS, "middle")  # type: ignore[arg-type]
    joints[3, 0, 5, 1] = np.nan
    assert check("walk", joints, FPS) == Check(False, "failed: the motion holds NaN or infinite values")


def test_behaviour_prompts_are_validated_with_the_entry_named() -> None:
    good = {
        "action": "wave",
        "duration_s": 3.0,
        "prompts": ["a person waves", {"prompt": "x", "side": "left"}],
    }
    assert parse_behaviour_prompts([good])[1] == BehaviourPrompt("x", "wave", 3.0, 1, "left")
    bad = [
        ({**good, "action": "cartwheel"}, r"behaviour/cartwheel\]: unknown action"),
        ({**good, "duration_s": 0}, r"behaviour/wave\]: duration_s"),
        ({**good, "actors": 1.5}, r"behaviour/wave\]: actors"),
        ({**good, "prompts": []}, r"behaviour/wave\]: prompts"),
        ({**good, "prompts": [{"prompt": "a wave", "side": "up"}]}, r"behaviour/wave\]: bad prompt"),
        ({**good, "prompts": [""]}, r"behaviour/wave\]: bad prompt"),
        ({**good, "speed": 2}, r"behaviour entry 0\]"),
    ]
    for group, message in bad:
        with pytest.raises(ValueError, match=message):
            parse_behaviour_prompts([group])
    with pytest.raises(ValueError, match="non-empty list"):
        parse_behaviour_prompts(None)


def test_the_runner_reports_pass_rates_per_action_and_overall() -> None:
    """A fake sampler: of an action's 4 rows (its captions in turn), walks get 2 real walks and waves 1
    real wave (the rest stand still); the recogniser calls everything a walk."""
    prompts = [
        BehaviourPrompt("a person walks", "walk", 4.0),
        BehaviourPrompt("someone strolls", "walk", 4.0),
        BehaviourPrompt("a man waves his right hand", "wave", 3.0, side="right"),
    ]
    right_wave = next(j for j, side in (animated("wave", s) for s in range(16)) if side == "right")
    calls = []

    def sample(texts: list[str], lengths: list[int], actors: list[int], seed: int) -> list[np.ndarray]:
        calls.append((texts, lengths, actors, seed))
        if "walk" in texts[0]:
            return [animated("walk", s)[0] if s < 2 else standing("walk") for s in range(len(texts))]
        return [right_wave] + [standing("wave")] * (len(texts) - 1)

    names = []

    def recognise(motions: list[np.ndarray], fps: float) -> np.ndarray:
        names.append(len(motions))
        return np.full(len(motions), ACTION_INDEX["walk"])

    report = run_behaviour_suite(sample, prompts, seeds=4, seed=5, fps=FPS, recognise=recognise)
    # a caption's motions: a walk and a stand (far apart); one wave and three equal stands (half the pairs
    # equal, the others one arm apart): the wave's action alone looks alike
    assert (
        report.pop("behaviour_seed_alike_actions") == 1 and report.pop("behaviour_seed_variety_m") > ALIKE_M
    )
    assert report == {
        "behaviour_pass_rate": pytest.approx(3 / 8),
        "behaviour_min_action_pass_rate": pytest.approx(1 / 4),
        "behaviour_recognised_rate": pytest.approx(4 / 8),
        "behaviour_samples": 8,
        "behaviour_walk_pass_rate": pytest.approx(2 / 4),
        "behaviour_walk_recognised": 1.0,
        "behaviour_wave_pass_rate": pytest.approx(1 / 4),
        "behaviour_wave_recognised": 0.0,
    }
    assert names == [8]  # one recogniser call for every motion
    walk_texts = [prompts[0].text, prompts[1].text] * 2
    assert [c[0] for c in calls] == [walk_texts, [prompts[2].text] * 4]
    assert [c[1] for c in calls] == [[80] * 4, [60] * 4] and all(c[2] == [1] * 4 for c in calls)
    seeds = [c[3] for c in calls]
    assert len(set(seeds)) == 2  # each action its own seed, the same on every run
    run_behaviour_suite(sample, prompts, seeds=4, seed=5, fps=FPS)
    assert [c[3] for c in calls[2:]] == seeds
    without = run_behaviour_suite(sample, prompts[:1], seeds=4, seed=5, fps=FPS)
    assert without["behaviour_recognised_rate"] is None and without["behaviour_walk_recognised"] is None
    names_recognised = run_behaviour_suite(
        sample, prompts[2:], seeds=4, seed=5, fps=FPS, recognise=lambda m, f: np.array(["wave"] * len(m))
    )
    assert names_recognised["behaviour_wave_recognised"] == 1.0
    assert not any(k.startswith("behaviour_in_place") for k in report)  # only asked with in-place actions


def test_the_runner_measures_how_far_the_in_place_actions_motions_travel() -> None:
    """Waves that step 0, 0.1, 0.4 and 0.6 m aside (the whole body shifted as it goes), walks that walk."""
    prompts = [BehaviourPrompt("a person walks", "walk", 4.0), BehaviourPrompt("a man waves", "wave", 3.0)]

    def stepping(k: int) -> np.ndarray:
        j = standing("wave").copy()
        j[..., 0] += np.linspace(0.0, (0.0, 0.1, 0.4, 0.6)[k], len(j))[:, None, None]
        return j

    def sample(texts: list[str], lengths: list[int], actors: list[int], seed: int) -> list[np.ndarray]:
        if "walk" in texts[0]:
            return [animated("walk", s)[0] for s in range(len(texts))]
        return [stepping(k) for k in range(len(texts))]

    known = {"wave": {"median_m": 0.02}, "cry": {"median_m": 0.01}}
    report = run_behaviour_suite(sample, prompts, seeds=4, seed=5, fps=FPS, in_place=known)
    assert report["behaviour_in_place_actions"] == 1  # the walks are not in place, no cry was asked for
    travelled = [in_place.travel(stepping(k)) for k in range(4)]  # the standing figure sways a little too
    assert report["behaviour_in_place_travel_m"] == pytest.approx(np.median(travelled))
    assert 0.1 < np.median(travelled) < 0.4  # between the second and the third wave's
    assert report["behaviour_in_place_real_travel_m"] == 0.02
    assert report["behaviour_in_place_wander_rate"] == pytest.approx(2 / 4)  # 0.4 and 0.6 m: over 0.3 m


def test_the_runner_rejects_what_it_cannot_score() -> None:
    walk = BehaviourPrompt("a person walks", "walk", 4.0)

    def sample(texts, lengths, actors, seed):
        return [standing("walk")] * (len(texts) - 1)  # one motion short

    with pytest.raises(ValueError, match="seeds must be >= 1"):
        run_behaviour_suite(sample, [walk], seeds=0, seed=0, fps=FPS)
    with pytest.raises(ValueError, match="no check for the action"):
        run_behaviour_suite(
            sample, [BehaviourPrompt("a person pushes a cart", "push", 2.0)], seeds=2, seed=0, fps=FPS
        )
    with pytest.raises(ValueError, match="returned 1 motions for 2 rows"):
        run_behaviour_suite(sample, [walk], seeds=2, seed=0, fps=FPS)


def test_thresholds_are_the_issues_where_it_gives_them() -> None:
    assert behaviour.SWING_M == 0.4 and behaviour.JUMP_RISE_M == 0.15
    assert behaviour.SIT_DROP_M == 0.25 and behaviour.KICK_HEIGHT_M == 0.3


def test_the_reports_behaviour_section_samples_the_generator_and_asks_the_recogniser() -> None:
    """`report.behaviour_suite` on a stand-in generator whose every motion stands still: the captions'
    embeddings reach `sample` with the generator's own sampling settings, lengths are capped at the
    model's frames, and the evaluator's predicted ids are the recognition."""
    from types import SimpleNamespace

    import torch

    from stickgen.evaluate.report import behaviour_suite

    calls = []

    class Encoder:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.stack([np.full(4, len(t), dtype=np.float32) for t in texts])

    def sample(emb, lengths, actors, sampling, seed, captions) -> list[tuple]:
        calls.append((emb, lengths, actors, sampling, captions))
        one = animated("idle", 0)[0]
        one = np.concatenate([one] * 3)[: lengths[0]]
        return [(facing_pair(one) if actors[0] == 2 else one, None)] * len(lengths)  # no face

    gen = SimpleNamespace(
        encoder=Encoder(),
        device=torch.device("cpu"),
        sampling="the generator's sampling",
        max_actors=2,
        model=SimpleNamespace(cfg=SimpleNamespace(max_frames=70)),
        sample_with_faces=sample,
    )
    ev = SimpleNamespace(
        encode_motions=lambda motions, fps: (None, np.full(len(motions), ACTION_INDEX["idle"]))
    )
    lines: list[str] = []
    section = behaviour_suite(gen, ev, seeds=2, seed=0, fps=FPS, log=lines.append)
    firsts = list({p.action: p for p in reversed(behaviour_prompts())}.values())[::-1]  # each action's first
    assert len(calls) == len(CHECKS) and section["behaviour_samples"] == 2 * len(CHECKS)
    for (emb, lengths, actors, sampling, captions), p in zip(calls, firsts, strict=True):
        assert isinstance(emb, torch.Tensor) and emb.shape == (2, 4) and float(emb[0, 0]) == len(p.text)
        assert captions[0] == p.text  # the texts go with their embeddings, for the sides they name
        assert lengths[0] == min(int(round(p.duration_s * FPS)), 70) and actors[0] == p.actors
        assert sampling == "the generator's sampling"
    for action in CHECKS:
        assert section[f"behaviour_{action}_pass_rate"] == (1.0 if action == "idle" else 0.0), action
        assert section[f"behaviour_{action}_recognised"] == (1.0 if action == "idle" else 0.0), action
    assert section["behaviour_min_action_pass_rate"] == 0.0 and len(lines) == len(CHECKS)
