"""Each artifact detector flags its crafted artifact and leaves a clean motion alone; the score combines
them with the params weights; batched tracks give the per-clip values."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT
from motions import J, clean_motion

from stickgen.core import quality as q
from stickgen.core.config import load_params
from stickgen.curate.curation import quality_weights

FPS = 20.0
WEIGHTS = {k: 1.0 for k in q.DETECTORS}


def severities(joints: np.ndarray) -> dict[str, float]:
    return q.assess_clip(joints, FPS, WEIGHTS).severity


def test_clean_motion_scores_one() -> None:
    r = q.assess_clip(clean_motion(60), FPS, WEIGHTS)
    assert r.score == 1.0 and all(v == 0.0 for v in r.severity.values()), r.raw


def _with_noise(sigma: float) -> np.ndarray:
    j = clean_motion(60)
    return j + np.random.default_rng(0).normal(0, sigma, j.shape).astype(np.float32)


def test_jitter_flags_frame_noise_not_smooth_fast_motion() -> None:
    assert severities(_with_noise(0.015))["jitter"] == 1.0
    assert severities(_with_noise(0.001))["jitter"] == 0.0
    fast = clean_motion(60)
    t = np.arange(60) / FPS
    fast[:, 0, J["right_wrist"], 2] += 0.3 * np.sin(2 * np.pi * 2.5 * t)  # a fast, smooth 2.5 Hz swing
    assert q.jitter(q.Tracks.from_clip(fast, FPS))[0] < q.SCALES["jitter"][0]


def test_foot_skating_flags_a_body_gliding_on_planted_feet() -> None:
    glide = clean_motion(60)
    glide[..., 2] += (1.0 * np.arange(60) / FPS)[:, None, None]  # 1 m/s, feet never lift
    raw = q.foot_skating(q.Tracks.from_clip(glide, FPS))[0]
    assert raw > 0.9 and severities(glide)["foot_skating"] == 1.0
    swing = clean_motion(60)  # the left foot stays planted while the right one swings in the air
    swing[:, :, [J["right_foot"], J["right_ankle"]], 1] += 0.2
    swing[:, :, [J["right_foot"], J["right_ankle"]], 2] += (1.0 * np.arange(60) / FPS)[:, None, None]
    assert q.foot_skating(q.Tracks.from_clip(swing, FPS))[0] == 0.0


def test_ground_penetration_flags_a_dip_below_the_robust_floor() -> None:
    dip = clean_motion(60)
    dip[30:32, :, :, 1] -= 0.3  # two frames sink 30 cm
    assert q.ground_penetration(q.Tracks.from_clip(dip, FPS))[0] == pytest.approx(0.3, abs=0.01)
    assert severities(dip)["ground_penetration"] == 1.0
    small = clean_motion(60)
    small[30, :, :, 1] -= 0.02  # a 2 cm dip is within tolerance
    assert severities(small)["ground_penetration"] == 0.0


def _lift(joints: np.ndarray, start: int, end: int, height: float) -> np.ndarray:
    out = joints.copy()
    out[start:end, :, :, 1] += height
    return out


def test_floating_flags_long_flights_not_jumps() -> None:
    long_float = _lift(clean_motion(100), 20, 70, 0.5)  # 2.5 s in the air
    assert q.floating(q.Tracks.from_clip(long_float, FPS))[0] == pytest.approx(2.5)
    assert severities(long_float)["floating"] == 1.0
    jump = _lift(clean_motion(100), 40, 48, 0.4)  # 0.4 s of flight
    assert severities(jump)["floating"] == 0.0


def test_bone_length_flags_a_stretching_limb() -> None:
    stretch = clean_motion(60)
    e, w = J["left_elbow"], J["left_wrist"]
    stretch[20:30, :, w] = stretch[20:30, :, e] + 1.5 * (stretch[20:30, :, w] - stretch[20:30, :, e])
    assert q.bone_length(q.Tracks.from_clip(stretch, FPS))[0] > 0.3
    assert severities(stretch)["bone_length"] == 1.0


def test_bone_length_ignores_degenerate_bones() -> None:
    j = clean_motion(60)
    j[:, :, J["spine1"]] = j[:, :, J["pelvis"]]  # a derived joint placed on its parent
    j[10, :, J["spine1"], 1] += 0.005  # jitters by millimetres: meaningless relative to a zero length
    assert severities(j)["bone_length"] == 0.0


def test_teleport_flags_a_root_jump() -> None:
    jump = clean_motion(60)
    jump[30:] += np.array([2.0, 0.0, 0.0], dtype=np.float32)  # 2 m in one frame = 40 m/s
    assert q.teleport(q.Tracks.from_clip(jump, FPS))[0] == pytest.approx(40.0, rel=0.01)
    assert severities(jump)["teleport"] == 1.0
    run = clean_motion(60)
    run[..., 2] += (6.0 * np.arange(60) / FPS)[:, None, None]  # running speed
    assert severities(run)["teleport"] == 0.0


def test_frozen_flags_repeated_frames_not_a_quiet_stand() -> None:
    frozen = clean_motion(60)
    frozen[5:] = frozen[5]  # capture stuck after 0.25 s
    assert q.frozen(q.Tracks.from_clip(frozen, FPS))[0] > 0.9
    assert severities(frozen)["frozen"] == 1.0
    short = clean_motion(60)
    short[10:25] = short[10]  # 0.7 s stuck: shorter than FROZEN_MIN_S
    assert q.frozen(q.Tracks.from_clip(short, FPS))[0] == 0.0


def test_joint_angles_flag_a_knee_bent_forwards_and_a_folded_elbow() -> None:
    knee = clean_motion(60)
    knee[:, :, J["left_ankle"], 2] += 0.3  # shank swings forwards: hyperextension
    knee[:, :, J["left_foot"], 2] += 0.3
    assert q.joint_angles(q.Tracks.from_clip(knee, FPS))[0] == 1.0
    elbow = clean_motion(60)
    e, s = J["right_elbow"], J["right_shoulder"]
    elbow[:, :, J["right_wrist"]] = elbow[:, :, e] + 0.99 * (elbow[:, :, s] - elbow[:, :, e])  # folded flat
    assert severities(elbow)["joint_angles"] == 1.0
    squat = clean_motion(60)  # a knee bent 90 degrees backwards is fine
    k, a = J["left_knee"], J["left_ankle"]
    shin = np.linalg.norm(squat[:, :, a] - squat[:, :, k], axis=-1)
    squat[:, :, a] = squat[:, :, k] + np.stack([np.zeros_like(shin), np.zeros_like(shin), -shin], -1)
    assert q.joint_angles(q.Tracks.from_clip(squat, FPS))[0] == 0.0


def test_non_finite_values_score_zero() -> None:
    j = clean_motion(60)
    j[3, 0, 5, 1] = np.nan
    r = q.assess_clip(j, FPS, WEIGHTS)
    assert r.raw["non_finite"] == 1 and r.score == 0.0
    assert all(np.isfinite(v) for v in r.raw.values())


def test_score_multiplies_weighted_severities_and_zero_weight_switches_off() -> None:
    raw = {k: np.zeros(3) for k in q.DETECTORS}
    lo, hi = q.SCALES["jitter"]
    raw["jitter"] = np.array([lo, (lo + hi) / 2, hi])
    assert q.quality_score(raw, WEIGHTS) == pytest.approx([1.0, 0.5, 0.0])
    assert q.quality_score(raw, {**WEIGHTS, "jitter": 2.0}) == pytest.approx([1.0, 0.25, 0.0])
    assert q.quality_score(raw, {**WEIGHTS, "jitter": 0.0}) == pytest.approx([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="must name exactly"):
        q.quality_score(raw, {"jitter": 1.0})


def test_worst_actor_decides_and_batched_tracks_match_single_clips() -> None:
    a = clean_motion(50, seed=1, actors=2)
    a[20:22, 1, :, 1] -= 0.3  # only the second actor sinks
    assert severities(a)["ground_penetration"] == 1.0
    clips = [clean_motion(40, seed=2), a, _with_noise(0.02)[:45]]
    rows = np.concatenate([np.swapaxes(c, 0, 1).reshape(-1, 22, 3) for c in clips])
    starts = np.cumsum([0] + [c.shape[0] for c in clips for _ in range(c.shape[1])])
    batched = q.per_clip(q.measure(q.Tracks(rows, starts, FPS)), np.array([c.shape[1] for c in clips]))
    for k, c in enumerate(clips):
        single = q.assess_clip(c, FPS, WEIGHTS).raw
        for name in single:
            assert batched[name][k] == pytest.approx(single[name], rel=1e-5, abs=1e-6), (k, name)


def test_params_weights_cover_every_detector() -> None:
    weights = quality_weights(load_params(ROOT / "params.yaml").quality)
    assert tuple(weights) == q.DETECTORS and all(w >= 0 for w in weights.values())
