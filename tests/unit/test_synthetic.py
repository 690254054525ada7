"""Contracts of the procedural animator (stickgen.synthetic): determinism, kinematics, actions, captions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

import numpy as np
import pytest
import yaml
from helpers import ROOT

from stickgen.core import quality
from stickgen.core import skeleton as sk
from stickgen.core.canonical import Clip
from stickgen.core.config import CanonicalConfig, SynthesizeConfig, build
from stickgen.core.rig import forward_kinematics, make_body
from stickgen.core.rotations import blend, matrix_to_quat, quat_to_matrix, rot_x, rot_y, rot_z
from stickgen.core.vocab import ACTION_INDEX
from stickgen.synthetic import SyntheticTake, generate, generate_takes
from stickgen.synthetic.actions import ACTION_GENERATORS, ACTION_SPAN, CHAIN_SPAN
from stickgen.synthetic.ik import solve_left_arm, solve_leg
from stickgen.synthetic.interactions import INTERACTIONS

J = sk.JOINT_INDEX
REQUIRED_ACTIONS = ("idle", "walk", "run", "jump", "wave", "clap", "sit_down", "kick", "punch", "dance")
SMALL = SynthesizeConfig(clips=40, min_s=2.5, max_s=6.0, two_actor_fraction=0.25, chain_fraction=0.3)
FPS = 20.0


@dataclass(frozen=True)
class Defaults:
    """The params.yaml sections the synthesize stage reads (only those, so other sections can evolve)."""

    synthesize: SynthesizeConfig
    canonical: CanonicalConfig
    seed: int


@pytest.fixture(scope="module")
def params() -> Defaults:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    return Defaults(
        build(SynthesizeConfig, raw["synthesize"], "synthesize"),
        build(CanonicalConfig, raw["canonical"], "canonical"),
        int(raw["base"]["seed"]),
    )


@pytest.fixture(scope="module")
def clips(params: Defaults) -> list[Clip]:
    """The whole default synthetic set (params.yaml); how long it takes: bench/synthesize.py."""
    return generate(params.synthesize, params.canonical, params.seed)


@pytest.fixture(scope="module")
def takes() -> list[SyntheticTake]:
    return generate_takes(40, SMALL, FPS, seed=3)


def _single(clips: list[Clip], action: str) -> list[Clip]:
    out = [c for c in clips if c.action == action and c.meta["kind"] == "single"]
    assert out, f"no single {action} clip in the set"
    return out


# --- determinism -------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_takes() -> None:
    a, b = generate_takes(6, SMALL, FPS, seed=11), generate_takes(6, SMALL, FPS, seed=11)
    for x, y in zip(a, b, strict=True):
        assert x.joints.tobytes() == y.joints.tobytes()
        assert x.rotations.tobytes() == y.rotations.tobytes()
        assert x.texts == y.texts and x.meta == y.meta
    other = generate_takes(6, SMALL, FPS, seed=12)
    assert any(
        x.joints.shape != y.joints.shape or not np.array_equal(x.joints, y.joints)
        for x, y in zip(a, other, strict=True)
    )


def test_take_depends_only_on_seed_and_index() -> None:
    many = generate_takes(8, SMALL, FPS, seed=5)
    few = generate_takes(3, SMALL, FPS, seed=5)
    tail = generate_takes(2, SMALL, FPS, seed=5, start_index=5)
    for x, y in zip(few + tail, many[:3] + many[5:7], strict=True):
        assert x.index == y.index and x.joints.tobytes() == y.joints.tobytes() and x.texts == y.texts


# --- the default set -----------------------------------------------------------------------------------


def test_default_set_covers_every_action_and_interaction(clips: list[Clip]) -> None:
    singles = {c.action for c in clips if c.meta["kind"] == "single"}
    pairs = {c.action for c in clips if c.meta["kind"] == "pair"}
    assert set(REQUIRED_ACTIONS) <= singles, sorted(set(REQUIRED_ACTIONS) - singles)
    assert {"handshake", "high_five"} <= pairs
    for c in clips:
        assert c.action in ACTION_INDEX and all(a in ACTION_INDEX for a in c.meta.get("actions", []))


def test_default_set_follows_the_config(clips: list[Clip], params: Defaults) -> None:
    cfg = params.synthesize
    assert len(clips) == cfg.clips
    kinds = [c.meta["kind"] for c in clips]
    assert abs(kinds.count("pair") / len(clips) - cfg.two_actor_fraction) < 0.02
    assert abs(kinds.count("chain") / len(clips) - cfg.chain_fraction) < 0.02
    for c in clips:
        assert c.actors == (2 if c.meta["kind"] == "pair" else 1)
        step = 1 / params.canonical.fps
        assert cfg.min_s - step <= c.frames / params.canonical.fps <= cfg.max_s + step


def test_every_action_has_a_duration_span_and_takes_keep_to_it(clips: list[Clip], params: Defaults) -> None:
    assert set(ACTION_SPAN) == set(ACTION_GENERATORS) | set(INTERACTIONS)
    assert all(0.0 <= a < b <= 1.0 for a, b in [*ACTION_SPAN.values(), CHAIN_SPAN])
    cfg, step = params.synthesize, 1 / params.canonical.fps
    for c in clips:
        a, b = CHAIN_SPAN if c.meta["kind"] == "chain" else ACTION_SPAN[c.action]
        seconds = c.frames / params.canonical.fps
        assert cfg.min_s + a * (cfg.max_s - cfg.min_s) - step <= seconds, (c.action, seconds)
        assert seconds <= cfg.min_s + b * (cfg.max_s - cfg.min_s) + step, (c.action, seconds)


def test_short_actions_make_shorter_takes_than_long_ones(clips: list[Clip]) -> None:
    """What the length estimator learns from: a jump or a punch is over sooner than a walk or a dance."""

    def mean_s(actions: set[str]) -> float:
        return float(np.mean([c.frames for c in clips if c.meta["kind"] == "single" and c.action in actions]))

    assert mean_s({"jump", "kick", "punch"}) < 0.7 * mean_s({"walk", "dance", "idle"})


def test_all_clips_validate_and_sit_in_the_canonical_frame(clips: list[Clip], params: Defaults) -> None:
    for c in clips:
        c.validate(max_actors=params.canonical.max_actors)
        key = f"{c.meta['index']:06d}"
        assert c.id == f"synthetic/{key}#0-{c.frames}" and c.group == f"synthetic/{key}"
        assert c.source == "synthetic" and c.meta["licence"] == "generated" and c.meta["derived_joints"] == []
        json.dumps(c.meta)
        assert c.joints.dtype == np.float32
        assert np.allclose(c.joints[0, 0, sk.PELVIS, [0, 2]], 0.0, atol=1e-4)
        assert abs(sk.facing_yaw(c.joints[0, 0])) < 1e-3
        assert abs(c.joints[:, :, sk.FOOT_JOINTS, 1].min()) < 1e-4


def test_motion_is_continuous(clips: list[Clip]) -> None:
    """No joint moves faster than 15 m/s (a fast kick or a sprinting foot), chain cross-fades included."""
    for c in clips:
        speed = np.linalg.norm(np.diff(c.joints, axis=0), axis=-1).max() * c.meta["fps"]
        assert speed < 15.0, (c.id, speed)


# --- kinematics ---------------------------------------------------------------------------------------


def test_rotations_are_proper_rotation_matrices(takes: list[SyntheticTake]) -> None:
    for t in takes:
        r = t.rotations
        assert r.shape == (t.frames, t.actors, 22, 3, 3)
        np.testing.assert_allclose(np.swapaxes(r, -1, -2) @ r, np.broadcast_to(np.eye(3), r.shape), atol=1e-9)
        np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-9)


def test_forward_kinematics_reproduces_joints_with_constant_bones(takes: list[SyntheticTake]) -> None:
    for t in takes:
        pos, _ = forward_kinematics(t.root, t.rotations, t.offsets)
        np.testing.assert_allclose(pos, t.joints, atol=1e-5)
        for a in range(t.actors):
            lengths = np.stack(
                [np.linalg.norm(t.joints[:, a, c] - t.joints[:, a, p], axis=-1) for p, c in sk.BONES], -1
            )  # (T, 21)
            rest = np.linalg.norm(t.offsets[a, [c for _, c in sk.BONES]], axis=-1)
            np.testing.assert_allclose(lengths, np.broadcast_to(rest, lengths.shape), atol=1e-4)


def test_rest_t_pose_uses_canonical_axes() -> None:
    body = make_body(np.random.default_rng(0), stature=1.75)
    pos, _ = forward_kinematics(np.zeros(3), np.tile(np.eye(3), (22, 1, 1)), body.offsets)
    assert pos[J["left_wrist"], 0] > 0.7 and pos[J["right_wrist"], 0] < -0.7  # arms out along +-X
    assert pos[J["left_hip"], 0] > 0 > pos[J["right_hip"], 0]
    assert pos[J["head"], 1] > 0.55 and pos[J["left_foot"], 1] < -0.9
    assert pos[J["left_foot"], 2] > pos[J["left_ankle"], 2]  # toes point forwards (+Z)
    np.testing.assert_allclose(pos[list(sk.MIRROR)] * [-1, 1, 1], pos, atol=1e-12)  # symmetric


def test_rotation_helpers_round_trip_and_blend() -> None:
    rng = np.random.default_rng(0)
    r = rot_y(rng.uniform(-3, 3, 50)) @ rot_x(rng.uniform(-3, 3, 50)) @ rot_z(rng.uniform(-3, 3, 50))
    np.testing.assert_allclose(quat_to_matrix(matrix_to_quat(r)), r, atol=1e-12)
    a, b = rot_y(0.2), rot_y(1.0)
    np.testing.assert_allclose(blend(a, b, 0.0), a, atol=1e-12)
    np.testing.assert_allclose(blend(a, b, 1.0), b, atol=1e-12)
    np.testing.assert_allclose(blend(a, b, 0.5), rot_y(0.6), atol=1e-12)


def test_arm_ik_reaches_targets_with_the_elbow_towards_the_pole() -> None:
    rng = np.random.default_rng(1)
    upper, fore = 0.3, 0.26
    direction = rng.normal(size=(64, 3))
    target = direction / np.linalg.norm(direction, axis=-1, keepdims=True) * rng.uniform(0.1, 0.5, (64, 1))
    pole = np.array([0.0, -1.0, 0.0])
    shoulder, elbow, _ = solve_left_arm(target, np.broadcast_to(pole, target.shape), upper, fore)
    elbow_pos = shoulder @ np.array([upper, 0.0, 0.0])
    wrist = elbow_pos + (shoulder @ elbow) @ np.array([fore, 0.0, 0.0])
    np.testing.assert_allclose(wrist, target, atol=1e-9)
    unit = target / np.linalg.norm(target, axis=-1, keepdims=True)
    off_line = elbow_pos - np.sum(elbow_pos * unit, -1, keepdims=True) * unit
    side = off_line @ pole - np.sum(pole * unit, -1) * np.sum(off_line * unit, -1)
    assert np.all(side[np.abs(unit[:, 1]) < 0.9] > 0)  # elbow bends to the pole side of the target line


def test_leg_ik_reaches_targets_with_the_knee_towards_the_pole() -> None:
    rng = np.random.default_rng(2)
    thigh, shank = 0.45, 0.42
    direction = rng.normal(size=(64, 3)) + np.array([0.0, -2.0, 0.0])  # mostly below the hip
    target = direction / np.linalg.norm(direction, axis=-1, keepdims=True) * rng.uniform(0.3, 0.85, (64, 1))
    pole = rng.normal(size=(64, 3))
    hip, flex = solve_leg(target, pole, thigh, shank)
    np.testing.assert_allclose(
        hip @ np.swapaxes(hip, -1, -2), np.broadcast_to(np.eye(3), hip.shape), atol=1e-9
    )
    knee_pos = hip @ np.array([0.0, -thigh, 0.0])
    ankle = knee_pos + (hip @ rot_x(flex)) @ np.array([0.0, -shank, 0.0])
    np.testing.assert_allclose(ankle, target, atol=1e-9)
    assert np.all(flex >= 0.0)  # a knee never bends backwards
    unit = target / np.linalg.norm(target, axis=-1, keepdims=True)
    off_line = knee_pos - np.sum(knee_pos * unit, -1, keepdims=True) * unit
    across = pole - np.sum(pole * unit, -1, keepdims=True) * unit
    assert np.all(np.sum(off_line * across, -1) > 0)  # the knee bends to the pole side of the line
    far = np.array([[0.0, -2.0, 0.0]])  # out of reach: the straightest leg towards it
    hip, flex = solve_leg(far, np.array([[0.0, 0.0, 1.0]]), thigh, shank)
    assert flex[0] < 0.1 and (hip @ np.array([0.0, -1.0, 0.0]))[0, 1] < -0.99


# --- actions ------------------------------------------------------------------------------------------


def test_walks_move_forwards_along_the_facing(clips: list[Clip]) -> None:
    walks = _single(clips, "walk")
    straight = [c for c in walks if c.meta["path"] == "straight"]
    assert straight
    for c in straight:
        dx, _, dz = c.joints[-1, 0, sk.PELVIS] - c.joints[0, 0, sk.PELVIS]
        seconds = c.frames / c.meta["fps"]
        assert dz > 0.5 * seconds and abs(dx) < 0.3 * dz, (c.id, dx, dz)
    for c in [c for c in walks if c.meta["path"] == "backwards"]:  # "walks backwards": towards -Z
        assert c.joints[-1, 0, sk.PELVIS, 2] - c.joints[0, 0, sk.PELVIS, 2] < -0.3, c.id


def test_walking_keeps_a_foot_planted(clips: list[Clip]) -> None:
    for c in _single(clips, "walk"):
        feet = (
            c.joints[:, 0, [J["left_ankle"], J["right_ankle"]]]
            + c.joints[:, 0, [J["left_foot"], J["right_foot"]]]
        )
        speed = np.linalg.norm(np.diff(feet[..., [0, 2]] / 2, axis=0), axis=-1) * c.meta["fps"]  # (T-1, 2)
        assert np.median(speed.min(axis=1)) < 0.1, (c.id, np.median(speed.min(axis=1)))


def test_gaits_keep_planted_feet_still_and_lift_moving_ones(clips: list[Clip]) -> None:
    """Feet are planned on the floor: a toe near the floor barely ever slides, and both feet step."""
    for c in _single(clips, "walk") + _single(clips, "run"):
        tracks = quality.Tracks.from_clip(c.joints.astype(np.float64), c.meta["fps"])
        # the default set: median 0, worst 0.031 (a straight walk's first and last steps); real capture 0.008
        assert quality.foot_skating(tracks)[0] < 0.04, (c.id, quality.foot_skating(tracks))
        toes = c.joints[:, 0, [J["left_foot"], J["right_foot"]], 1] - c.joints[:, 0, :, 1].min()
        assert np.all(toes.max(axis=0) > 0.05), (c.id, toes.max(axis=0))


def test_runs_have_flight_phases_and_walks_never_leave_the_floor(clips: list[Clip]) -> None:
    for c in _single(clips, "walk"):
        lowest = c.joints[:, 0, list(sk.FOOT_JOINTS), 1].min(axis=1) - c.joints[:, 0, :, 1].min()
        assert lowest.max() < 0.01, (c.id, lowest.max())
    for c in _single(clips, "run"):
        lowest = c.joints[:, 0, list(sk.FOOT_JOINTS), 1].min(axis=1) - c.joints[:, 0, :, 1].min()
        assert np.mean(lowest > 0.01) > 0.1, (c.id, np.mean(lowest > 0.01))


def test_gait_speed_is_even_through_the_stride(clips: list[Clip]) -> None:
    """The pelvis does not surge and stall with every step (the gait's planned speed)."""
    for c in _single(clips, "walk") + _single(clips, "run"):
        pelvis = c.joints[:, 0, sk.PELVIS, :].astype(np.float64)
        speed = np.linalg.norm(np.diff(pelvis[:, [0, 2]], axis=0), axis=-1) * c.meta["fps"]
        assert speed.std() < 0.05 * speed.mean(), (c.id, speed.std(), speed.mean())


def test_turns_end_on_the_side_the_caption_names(clips: list[Clip]) -> None:
    turns = [c for a in ("walk", "run") for c in _single(clips, a) if c.meta["path"] == "turn"]
    assert turns
    for c in turns:
        x_end = c.joints[-1, 0, sk.PELVIS, 0]
        assert (x_end > 0) == (c.meta["turn"] == "left"), (c.id, c.meta["turn"], x_end)  # left is +X


def test_jumps_rise_clearly_and_land(clips: list[Clip]) -> None:
    for c in _single(clips, "jump"):
        y = c.joints[:, 0, sk.PELVIS, 1]
        assert y.max() - y[0] > 0.15, c.id
        assert abs(y[-1] - y[0]) < 0.03, c.id
        travel = c.joints[-1, 0, sk.PELVIS, [0, 2]] - c.joints[0, 0, sk.PELVIS, [0, 2]]
        if c.meta["forward_m"] > 0:  # "jumps forward"
            assert travel[1] > 0.2 and abs(travel[0]) < 0.5 * travel[1], (c.id, travel)
        else:  # "jumps in place"
            assert np.linalg.norm(travel) < 0.15, (c.id, travel)


def test_waving_wrist_goes_above_its_shoulder(clips: list[Clip]) -> None:
    for c in _single(clips, "wave"):
        sides = ("left", "right") if c.meta["side"] == "both" else (c.meta["side"],)
        for side in ("left", "right"):
            lift = c.joints[:, 0, J[f"{side}_wrist"], 1] - c.joints[:, 0, J[f"{side}_shoulder"], 1]
            if side in sides:
                assert lift.max() > 0.15, (c.id, side)
            else:
                assert lift.max() < 0.0, (c.id, side)


def test_sitting_down_lowers_the_pelvis_and_bends_the_knees(clips: list[Clip]) -> None:
    for c in _single(clips, "sit_down"):
        j = c.joints[:, 0]
        assert j[-1, sk.PELVIS, 1] < j[0, sk.PELVIS, 1] - 0.25, c.id
        thigh = j[-1, J["left_knee"]] - j[-1, J["left_hip"]]
        assert abs(thigh[1]) < 0.5 * np.linalg.norm(thigh), c.id  # thigh roughly horizontal


def test_handshakes_meet_at_the_right_wrists(clips: list[Clip]) -> None:
    for c in [c for c in clips if c.action == "handshake"]:
        start, end = c.meta["contact_frames"]
        assert end > start
        gap = np.linalg.norm(
            c.joints[start:end, 0, J["right_wrist"]] - c.joints[start:end, 1, J["right_wrist"]], axis=-1
        )
        assert gap.max() < 0.1, (c.id, gap.max())
        apart = np.linalg.norm(c.joints[0, 1, sk.PELVIS, [0, 2]] - c.joints[0, 0, sk.PELVIS, [0, 2]])
        assert 0.75 < apart < 1.25, (c.id, apart)
        assert c.joints[0, 1, sk.PELVIS, 2] > 0.7  # actor 1 stands in front of actor 0 ...
        assert abs(abs(sk.facing_yaw(c.joints[0, 1])) - np.pi) < 0.25  # ... facing back at it


def test_high_fives_meet_above_shoulder_height(clips: list[Clip]) -> None:
    for c in [c for c in clips if c.action == "high_five"]:
        side = c.meta["side"]
        start, end = c.meta["contact_frames"]
        wrists = c.joints[start:end, :, J[f"{side}_wrist"]]  # (K, 2, 3)
        assert np.linalg.norm(wrists[:, 0] - wrists[:, 1], axis=-1).max() < 0.1, c.id
        shoulders = c.joints[start:end, :, J[f"{side}_shoulder"], 1]
        assert np.all(wrists[..., 1] > shoulders + 0.03), c.id


def test_idle_rest_pose_has_the_left_side_at_plus_x(clips: list[Clip]) -> None:
    for c in _single(clips, "idle"):
        f = c.joints[0, 0]
        for name in ("wrist", "shoulder", "hip", "ankle"):
            assert f[J[f"left_{name}"], 0] > 0 > f[J[f"right_{name}"], 0], (c.id, name)


def test_standing_height_matches_stature(clips: list[Clip]) -> None:
    for c in _single(clips, "idle"):
        height = sk.body_height(c.joints[:, 0])
        assert 1.4 < height < 2.0 and abs(height - c.meta["stature_m"][0]) < 0.15, (c.id, height)
        assert sk.is_upright(c.joints[:, 0])


# --- captions -----------------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_every_clip_has_distinct_captions_and_chains_say_then(clips: list[Clip]) -> None:
    for c in clips:
        assert len(set(c.texts)) >= 2, c.id
        if c.meta["kind"] == "chain":
            assert all(_words(t) & {"then", "after", "afterwards"} for t in c.texts), c.texts
    chains = [c for c in clips if c.meta["kind"] == "chain"]
    assert any(c.meta["segments"][0]["action"] == "walk" for c in chains)


def test_captions_never_name_the_wrong_side(clips: list[Clip]) -> None:
    checked = 0
    for c in clips:
        for seg in c.meta["segments"] if c.meta["kind"] != "chain" else []:
            side = seg.get("turn") if seg["action"] in ("walk", "run") else seg.get("side")
            if side in ("left", "right"):
                wrong = "right" if side == "left" else "left"
                assert not any(wrong in _words(t) for t in c.texts), (c.id, side, c.texts)
                checked += 1
    assert checked > 50


def test_captions_use_direction_and_speed_words(clips: list[Clip]) -> None:
    path_words = {"backwards": {"backwards", "backward", "back"}, "circle": {"circle", "circles", "loop"}}
    for c in clips:
        seg = c.meta["segments"][0]
        if c.meta["kind"] == "single" and seg["action"] in ("walk", "run"):
            wanted = path_words.get(seg["path"], {seg.get("turn", "")} if seg["path"] == "turn" else set())
            assert all(_words(t) & wanted for t in c.texts) or not wanted, (c.id, seg["path"], c.texts)
    words = set().union(*(_words(t) for c in clips for t in c.texts))
    assert {"forward", "left", "right", "then"} <= words
    for group in ({"slowly", "leisurely", "unhurriedly"}, {"quickly", "briskly", "fast"}):
        assert words & group, group


# --- configuration errors -------------------------------------------------------------------------------


def test_generate_rejects_configs_it_cannot_honour(params: Defaults) -> None:
    with pytest.raises(ValueError, match="window_s"):
        generate(replace(params.synthesize, max_s=20.0), params.canonical, 0)
    with pytest.raises(ValueError, match="max_actors"):
        generate(params.synthesize, replace(params.canonical, max_actors=1), 0)
