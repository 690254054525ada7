"""Behaviour checks of the last actions of the original vocabulary (issue #19): hug, fight, climb, swim,
running_bases, pitching, fielding, in the conventions of `stickgen.evaluate.behaviour` (its module
docstring). Importing this module adds its checks to `behaviour.CHECKS` (`behaviour` imports it at its
end).

Thresholds pass every synthetic clip of the action with a margin and fail a figure standing still, a
walk and the nearest wrong actions (tests/unit/test_synthetic_more.py):

    hug           two actors; the pelvises <= HUG_GAP_M (0.5 m) apart (floor plane) while each actor's
                  two wrists are >= HUG_BEHIND_M (0.03 m) behind the other's spine2 (along the other's
                  facing) and between the other's pelvis and HUG_ABOVE_NECK_M (0.1 m) above its neck, for
                  >= HUG_MIN_S (0.5 s) in a row (a handshake stands 0.8 m apart; hands on the partner's
                  chest are in front of it).
    fight         two actors; the pelvises FIGHT_NEAR_M..FIGHT_FAR_M (0.6..1.6 m) apart and facing each
                  other (each facing within FIGHT_FACING_DEG, 45 deg, of the other's pelvis) in >=
                  FIGHT_SHARE (80%) of the frames, both upright (the pelvis >= FIGHT_UPRIGHT, 0.7, leg
                  lengths up) throughout, and each actor throws a punch: a wrist >= FIGHT_REACH (0.7) arm
                  lengths ahead of its shoulder, at most FIGHT_ABOVE_M (0.1 m) above it, having moved at
                  >= FIGHT_SPEED_MPS (2 m/s) within the FIGHT_WINDOW_S (0.3 s) before (a handshake
                  reaches slowly; a high five is above the shoulder).
    climb         the pelvis ends >= CLIMB_RISE_M (0.4 m) higher than it starts (medians over the first and
                  the last `behaviour.ENDS_S`) and the wrists are >= CLIMB_ABOVE_M (0.05 m) above the head
                  one at a time, taking turns >= SWITCHES (2) times (left, right, left): a stand-up rises
                  with the hands low, a stretch or a cheer raises both at once.
    swim          in >= SWIM_SHARE (70%) of the frames the pelvis-neck line is within SWIM_FLAT_DEG (30 deg)
                  of horizontal with the pelvis >= SWIM_PELVIS_M (0.3 m) above the floor, and the wrists
                  reach >= SWIM_AHEAD_M (0.05 m) past the head (along the pelvis-neck line) one at a time,
                  taking turns >= SWITCHES times, and each wrist swings >= SWIM_OVER_M (0.15 m) above its
                  shoulder at some frame (the recovery over the water): lying down is on the floor,
                  crawling keeps the hands on the floor.
    running_bases the `behaviour.run` gait at >= BASES_SPEED_MPS (2 m/s), and the step-smoothed pelvis path
                  turns >= BASES_TURN_DEG (60 deg) to the left (its heading over the first ENDS_S against
                  the last) steadily: the chords of its four quarters each turn >= BASES_STEADY_DEG (10 deg)
                  left of the one before, <= BASES_MAX_DEG (200 deg) in all (a run that turns once, for a
                  second or two, or that circles, a straight run and a right turn fail).
    pitching      the named wrist (either, unnamed) is >= PITCH_BEHIND_M (0.1 m) behind the head (along the
                  facing) and above its shoulder, then within PITCH_WINDOW_S (0.5 s) >= PITCH_AHEAD_M
                  (0.3 m) ahead of its shoulder, peaking at >= PITCH_SPEED_MPS (5 m/s), while the other
                  ankle strides >= PITCH_STRIDE_M (0.35 m) ahead of the throwing side's ankle, after the
                  other knee has come up to within PITCH_KNEE_M (0.25 m) of the pelvis's height (the
                  wind-up): a plain throw has no knee lift.
    fielding      the pelvis <= FIELD_LOW (0.8) leg lengths up (a crouch) for >= FIELD_LOW_S (0.3 s) in
                  all, both wrists < FIELD_HANDS_M (0.4 m) above the floor in one frame, and the
                  step-smoothed pelvis travels >= FIELD_SIDE_M (0.4 m) along the body's left-right axis:
                  a crouch stays put, crawling goes forwards.
"""

from __future__ import annotations

import numpy as np

from stickgen.evaluate import behaviour as base
from stickgen.evaluate.behaviour import SIDES, Check, Side
from stickgen.evaluate.behaviour_shared import leg_length, longest_run

HUG_GAP_M = 0.5
HUG_BEHIND_M = 0.03
HUG_ABOVE_NECK_M = 0.1
HUG_MIN_S = 0.5
FIGHT_NEAR_M = 0.6
FIGHT_FAR_M = 1.6
FIGHT_FACING_DEG = 45.0
FIGHT_SHARE = 0.8
FIGHT_UPRIGHT = 0.7
FIGHT_REACH = 0.7
FIGHT_ABOVE_M = 0.1
FIGHT_SPEED_MPS = 2.0
FIGHT_WINDOW_S = 0.3
CLIMB_RISE_M = 0.4
CLIMB_ABOVE_M = 0.05
SWITCHES = 2
SWIM_FLAT_DEG = 30.0
SWIM_SHARE = 0.7
SWIM_PELVIS_M = 0.3
SWIM_AHEAD_M = 0.05
SWIM_OVER_M = 0.15
BASES_SPEED_MPS = 2.0
BASES_TURN_DEG = 60.0
BASES_STEADY_DEG = 10.0
BASES_MAX_DEG = 200.0
PITCH_BEHIND_M = 0.1
PITCH_AHEAD_M = 0.3
PITCH_WINDOW_S = 0.5
PITCH_SPEED_MPS = 5.0
PITCH_STRIDE_M = 0.35
PITCH_KNEE_M = 0.25
FIELD_LOW = 0.8
FIELD_LOW_S = 0.3
FIELD_HANDS_M = 0.4
FIELD_SIDE_M = 0.4

J = base.J
_PELVIS = base._PELVIS


def _pair(joints: np.ndarray, name: str) -> Check | None:
    if joints.shape[1] < 2:
        return Check(False, f"failed: {name} needs two actors, the motion has {joints.shape[1]}")
    return None


def _gap(joints: np.ndarray) -> np.ndarray:
    """(T,) floor-plane distance between the two actors' pelvises."""
    return np.linalg.norm(joints[:, 0, _PELVIS, [0, 2]] - joints[:, 1, _PELVIS, [0, 2]], axis=-1)


def _in_frame_of(
    a: np.ndarray, b: np.ndarray, joint: int, ref: int, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """(forward, left) offsets (T,) of `a`'s `joint` from `b`'s `ref`, in `b`'s body frame."""
    c = b.copy()
    c[:, joint] = a[:, joint]
    return base._body_offset(c, joint, ref, fps)


def hug(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Close together, each actor's wrists behind the other's back, for a while."""
    missing = _pair(joints, "a hug")
    if missing is not None:
        return missing
    held = _gap(joints) <= HUG_GAP_M
    for k in range(2):
        a, b = joints[:, k], joints[:, 1 - k]
        for s in SIDES:
            w = J[f"{s}_wrist"]
            behind = _in_frame_of(a, b, w, J["spine2"], fps)[0] <= -HUG_BEHIND_M
            high = (a[:, w, 1] >= b[:, _PELVIS, 1]) & (a[:, w, 1] <= b[:, J["neck"], 1] + HUG_ABOVE_NECK_M)
            held &= behind & high
    m = {"min_pelvis_gap_m": float(_gap(joints).min()), "hug_s": longest_run(held) / fps}
    required = f"pelvises <= {HUG_GAP_M} m apart, all four wrists behind the partner, for >= {HUG_MIN_S} s"
    return base._verdict(m["hug_s"] >= HUG_MIN_S, required, m)


def _punches(a: np.ndarray, fps: float) -> float:
    """The farthest reach (arm lengths) of a fast punch at or below shoulder height by either hand."""
    best = 0.0
    window = base._frames(FIGHT_WINDOW_S, fps)
    for s in SIDES:
        arm = base._bone(a, f"{s}_shoulder", f"{s}_elbow") + base._bone(a, f"{s}_elbow", f"{s}_wrist")
        ahead = base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0] / max(arm, 1e-9)
        level = a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1] <= FIGHT_ABOVE_M
        speed = np.concatenate([[0.0], np.linalg.norm(np.diff(a[:, J[f"{s}_wrist"]], axis=0), axis=-1) * fps])
        for k in np.flatnonzero((ahead >= FIGHT_REACH) & level):
            if speed[max(0, k - window) : k + 1].max() >= FIGHT_SPEED_MPS:
                best = max(best, float(ahead[k]))
    return best


def fight(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Facing each other at sparring distance, upright, and each throws at least one fast punch."""
    missing = _pair(joints, "a fight")
    if missing is not None:
        return missing
    gap = _gap(joints)
    near = (gap >= FIGHT_NEAR_M) & (gap <= FIGHT_FAR_M)
    m: dict[str, float] = {"median_gap_m": float(np.median(gap))}
    for k in range(2):
        a, b = joints[:, k], joints[:, 1 - k]
        ahead, left = _in_frame_of(b, a, _PELVIS, _PELVIS, fps)
        near &= np.degrees(np.abs(np.arctan2(left, ahead))) <= FIGHT_FACING_DEG
        height = (a[:, _PELVIS, 1] - base._floor(a)) / max(leg_length(a), 1e-9)
        m[f"actor{k}_lowest_legs"] = float(height.min())
        m[f"actor{k}_punch_arms"] = _punches(a, fps)
    m["facing_share"] = float(near.mean())
    ok = (
        m["facing_share"] >= FIGHT_SHARE
        and min(m["actor0_lowest_legs"], m["actor1_lowest_legs"]) >= FIGHT_UPRIGHT
        and min(m["actor0_punch_arms"], m["actor1_punch_arms"]) >= FIGHT_REACH
    )
    required = (
        f"facing {FIGHT_NEAR_M}-{FIGHT_FAR_M} m apart, upright, each punches >= {FIGHT_REACH} arms out fast"
    )
    return base._verdict(ok, required, m)


def _switches(left: np.ndarray, right: np.ndarray) -> int:
    """How many times the side that alone holds its flag (T,) changes: left, right, left... counts 2."""
    order = [0 if lt else 1 for lt, rt in zip(left, right, strict=True) if lt != rt]
    return int(sum(a != b for a, b in zip(order, order[1:], strict=False)))


def climb(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The pelvis rises a long way while the hands take turns above the head."""
    a = joints[:, 0]
    above = [a[:, J[f"{s}_wrist"], 1] - a[:, J["head"], 1] >= CLIMB_ABOVE_M for s in SIDES]
    n = min(base._frames(base.ENDS_S, fps), max(1, len(a) // 3))
    m = {
        "pelvis_rise_m": float(np.median(a[-n:, _PELVIS, 1]) - np.median(a[:n, _PELVIS, 1])),
        "hand_switches": float(_switches(*above)),
    }
    ok = m["pelvis_rise_m"] >= CLIMB_RISE_M and m["hand_switches"] >= SWITCHES
    required = f"pelvis rises >= {CLIMB_RISE_M} m, the hands above the head in turns (>= {SWITCHES} switches)"
    return base._verdict(ok, required, m)


def swim(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The trunk lies near horizontal, off the floor, and the wrists take turns reaching past the head."""
    a = joints[:, 0]
    axis = a[:, J["neck"]] - a[:, _PELVIS]
    tilt = np.degrees(np.arctan2(np.abs(axis[:, 1]), np.linalg.norm(axis[:, [0, 2]], axis=-1)))
    unit = axis / np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-9)
    ahead = [((a[:, J[f"{s}_wrist"]] - a[:, J["head"]]) * unit).sum(-1) >= SWIM_AHEAD_M for s in SIDES]
    up = a[:, _PELVIS, 1] - base._floor(a) >= SWIM_PELVIS_M
    m = {
        "flat_share": float(((tilt <= SWIM_FLAT_DEG) & up).mean()),
        "stroke_switches": float(_switches(*ahead)),
        "recovery_m": float(
            min((a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1]).max() for s in SIDES)
        ),
    }
    ok = m["flat_share"] >= SWIM_SHARE and m["stroke_switches"] >= SWITCHES and m["recovery_m"] >= SWIM_OVER_M
    required = (
        f"trunk within {SWIM_FLAT_DEG} deg of horizontal, pelvis >= {SWIM_PELVIS_M} m up, in >= "
        f"{SWIM_SHARE:.0%} of frames; the wrists past the head in turns (>= {SWITCHES} switches), each "
        f">= {SWIM_OVER_M} m over its shoulder at times"
    )
    return base._verdict(ok, required, m)


def running_bases(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """A run (swinging, planted feet) at >= 2 m/s whose path keeps turning to the left."""
    a = joints[:, 0]
    gait = base._gait(joints, fps, BASES_SPEED_MPS)
    path = base._path_speed(a, fps)[0]
    # the chord of each quarter of the path; heading 0 = +Z, positive turns left (towards +X facing +Z)
    cuts = np.linspace(0, len(path) - 1, 5).astype(int)
    chords = path[cuts[1:]] - path[cuts[:-1]]
    turns = np.degrees(np.diff(np.unwrap(np.arctan2(chords[:, 0], chords[:, 1]))))
    n = min(base._frames(base.ENDS_S, fps), max(1, len(a) // 3))
    first, last = path[n] - path[0], path[-1] - path[-1 - n]
    total = np.degrees(np.unwrap([np.arctan2(first[0], first[1]), np.arctan2(last[0], last[1])]))
    m = {
        **gait.measures,
        "turn_left_deg": float(total[1] - total[0]),
        "steadiest_turn_deg": float(turns.min()),
        "chord_turns_deg": float(turns.sum()),
    }
    ok = (
        gait.passed
        and m["turn_left_deg"] >= BASES_TURN_DEG
        and m["steadiest_turn_deg"] >= BASES_STEADY_DEG
        and m["chord_turns_deg"] <= BASES_MAX_DEG
    )
    return base._verdict(ok, f"runs at >= {BASES_SPEED_MPS} m/s, turning >= {BASES_TURN_DEG} deg left", m)


def pitching(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The throwing wrist whips from behind the head to ahead of the shoulder, fast, over a knee lift
    and a forward stride of the other foot."""
    a = joints[:, 0]
    within = base._frames(PITCH_WINDOW_S, fps)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        o = base._other(s)
        w = J[f"{s}_wrist"]
        behind = (base._body_offset(a, w, J["head"], fps)[0] <= -PITCH_BEHIND_M) & (
            a[:, w, 1] >= a[:, J[f"{s}_shoulder"], 1]
        )
        out = base._body_offset(a, w, J[f"{s}_shoulder"], fps)[0] >= PITCH_AHEAD_M
        speed = np.concatenate([[0.0], np.linalg.norm(np.diff(a[:, w], axis=0), axis=-1) * fps])
        stride = base._body_offset(a, J[f"{o}_ankle"], J[f"{s}_ankle"], fps)[0]
        knee = a[:, J[f"{o}_knee"], 1] - a[:, _PELVIS, 1] >= -PITCH_KNEE_M
        whips = [
            k
            for k in np.flatnonzero(behind)
            if out[k : k + within + 1].any()
            and speed[k : k + within + 1].max() >= PITCH_SPEED_MPS
            and stride[k : k + within + 1].max() >= PITCH_STRIDE_M
            and knee[: k + 1].any()
        ]
        m = {f"{s}_pitches": float(bool(whips)), f"{s}_peak_wrist_mps": float(speed.max())}
        return bool(whips), m

    required = (
        f"{{side}} wrist from >= {PITCH_BEHIND_M} m behind the head to >= {PITCH_AHEAD_M} m ahead of its "
        f"shoulder within {PITCH_WINDOW_S} s at >= {PITCH_SPEED_MPS} m/s, after a knee lift, the other foot "
        f"striding >= {PITCH_STRIDE_M} m ahead"
    )
    return base._any_side(side, required, one)


def fielding(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Crouched a good part of the clip, travelling sideways, and both hands low to the ground at once."""
    a = joints[:, 0]
    floor = base._floor(a)
    low = (a[:, _PELVIS, 1] - floor) / max(leg_length(a), 1e-9) <= FIELD_LOW
    hands = np.maximum(a[:, J["left_wrist"], 1], a[:, J["right_wrist"], 1]) - floor
    path = base._smooth(a[:, _PELVIS, [0, 2]], base._frames(base.PATH_SMOOTH_S, fps))
    left = np.median(a[:, J["left_hip"], [0, 2]] - a[:, J["right_hip"], [0, 2]], axis=0)  # the body's left
    sideways = ((path - path[0]) * left).sum(-1) / max(float(np.linalg.norm(left)), 1e-9)
    m = {
        "crouched_s": float(low.sum() / fps),
        "lowest_hands_m": float(hands.min()),
        "sideways_m": float(sideways.max() - sideways.min()),
    }
    ok = (
        m["crouched_s"] >= FIELD_LOW_S
        and m["lowest_hands_m"] <= FIELD_HANDS_M
        and m["sideways_m"] >= FIELD_SIDE_M
    )
    required = (
        f"pelvis <= {FIELD_LOW} legs up for >= {FIELD_LOW_S} s, both wrists < "
        f"{FIELD_HANDS_M} m up at once, >= {FIELD_SIDE_M} m sideways"
    )
    return base._verdict(ok, required, m)


SPORT_CHECKS: dict[str, base.CheckFn] = {
    "hug": hug,
    "fight": fight,
    "climb": climb,
    "swim": swim,
    "running_bases": running_bases,
    "pitching": pitching,
    "fielding": fielding,
}
base.register(SPORT_CHECKS)
