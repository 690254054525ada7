"""Behaviour checks of the hand and arm actions added for issue #19 (point, drink, eat, throw, type,
read, dribbling, shooting, batting, catching), in the conventions of `stickgen.evaluate.behaviour` (its module
docstring), beside the body actions' `behaviour_more`. Importing this module adds its checks to
`behaviour.CHECKS` (`behaviour` imports it at its end).

Thresholds pass every synthetic clip of the action with a margin and fail a figure standing still, a
walk and the nearest wrong actions (tests/unit/test_synthetic_activities.py):

    point         the named arm (either, unnamed), and not the other, is straight (shoulder-wrist >=
                  POINT_STRAIGHT, 0.93, of the arm's length) with the wrist >= POINT_AHEAD (0.5) arm
                  lengths ahead of its shoulder for >= POINT_MIN_S (0.5 s) in a row: held, not punched (a
                  punch stays out <= 0.3 s) nor waved (a waving arm is bent); a jump swings both arms up.
    drink         the named wrist (either, unnamed) is <= MOUTH_NEAR_M (0.22 m) from the head joint while
                  the other wrist is >= OTHER_BELOW_M (0.2 m) below its shoulder, for >= DRINK_MIN_S
                  (0.7 s) in a row (the animator sips for >= 1.2 s; a bite is shorter; a boxing guard
                  holds both fists up).
    eat           the named wrist comes to the mouth (<= MOUTH_NEAR_M) and goes away again (>= EAT_AWAY_M,
                  0.35 m) >= EAT_BITES (2) times: a drink does it once.
    throw         the named wrist is cocked >= THROW_BACK_M (0.15 m) behind (along the facing) and >=
                  THROW_UP_M (0.05 m) above its shoulder, then >= THROW_AHEAD_M (0.3 m) ahead of it within
                  THROW_WINDOW_S (0.6 s), peaking at >= THROW_SPEED_MPS (4 m/s; the animator's >= 5.9): a
                  punch is never cocked behind the shoulder.
    type          in >= HANDS_SHARE (60%) of the frames: seated (the pelvis <= SEATED_LEGS, 0.8, leg lengths
                  up; standing is ~1.1) with both wrists <= HANDS_APART_M (0.45 m) apart, >= TYPE_AHEAD_M
                  (0.25 m) in front of the pelvis and TYPE_LOW_M..TYPE_HIGH_M (0.1..0.45 m) above it; the
                  wrists move (median speed relative to the pelvis >= TYPE_MIN_MPS, 0.01 m/s) but calmly
                  (<= HANDS_MAX_MPS, 0.25 m/s).
    read          in >= HANDS_SHARE of the frames: upright (as `idle`) with both wrists <= HANDS_APART_M
                  apart, >= READ_AHEAD_M (0.2 m) in front of the neck and READ_LOW_M..READ_HIGH_M
                  (-0.34..-0.12 m) above it (a book before the chest; a guard is higher, a plate lower);
                  the hands are calm (<= HANDS_MAX_MPS): clapping is not reading.
    dribbling     the named wrist (either, unnamed) rises DRIBBLE_M / 2 (0.06 m) above its median height and
                  falls as far below it >= DRIBBLE_BOUNCES (3) times, always >= DRIBBLE_BELOW_M (0.1 m)
                  below its shoulder, while the other wrist bounces fewer than DRIBBLE_BOUNCES times by
                  DRIBBLE_OTHER_M (0.06 m): one hand bounces a ball (running swings both). The
                  other hand may shift as a guard does: the model's free hand drifts 0.1-0.15 m over a
                  clip without a bounce, where the check asked for a height spread <= 0.1 m until
                  2026-12-06 (the dribbling the animator makes holds it still).
    shooting      both wrists <= SHOT_HOLD_M (0.35 m) apart at chest height (their mean within SHOT_CHEST_M,
                  0.25 m, of spine3) and >= GUARD_AHEAD_M (0.12 m) ahead of the pelvis, then within
                  SHOT_WINDOW_S (1.2 s) the named wrist >= SHOT_ABOVE_HEAD_M (0.1 m) above the head and not
                  behind its shoulder: a stretch or a cheer raises the hands from the sides.
    batting       both wrists <= BAT_GRIP_M (0.2 m) apart (the grip) with their mean >= BAT_SIDE_M (0.12 m)
                  to the named side of the pelvis (a right-handed batter starts on the right; either,
                  unnamed), then gripped on the other side within BAT_WINDOW_S (0.6 s), the hands peaking
                  at >= BAT_SPEED_MPS (3 m/s; the animator's >= 4.3) in between.
    catching      both wrists <= CATCH_HANDS_M (0.22 m) apart, their midpoint within CATCH_CENTRE_M (0.15 m)
                  of the body's middle line and no lower than CATCH_LOW_M (0.15 m) below spine3, reach >=
                  CATCH_REACH (0.8) arm lengths from their shoulders and >= CATCH_AHEAD (0.5; overhead
                  catches >= 0.57, a shot's release ~0.37) arm lengths ahead, then within CATCH_WINDOW_S
                  (1 s), still together and centred, come back to <= CATCH_IN (0.5) arm lengths (and >=
                  0.1) ahead: a ball met and drawn in (a bat swing sweeps aside, a clap never reaches out,
                  a plate is low).
"""

from __future__ import annotations

import numpy as np

from stickgen.evaluate import behaviour as base
from stickgen.evaluate.behaviour import SIDES, Check, Side
from stickgen.evaluate.behaviour_shared import leg_length, longest_run

POINT_STRAIGHT = 0.93
POINT_AHEAD = 0.5
POINT_MIN_S = 0.5
MOUTH_NEAR_M = 0.22
DRINK_MIN_S = 0.7
OTHER_BELOW_M = 0.2
EAT_AWAY_M = 0.35
EAT_BITES = 2
THROW_BACK_M = 0.15
THROW_UP_M = 0.05
THROW_AHEAD_M = 0.3
THROW_WINDOW_S = 0.6
THROW_SPEED_MPS = 4.0
HANDS_APART_M = 0.45
HANDS_SHARE = 0.6
HANDS_MAX_MPS = 0.25
SEATED_LEGS = 0.8
TYPE_LOW_M = 0.1
TYPE_HIGH_M = 0.45
TYPE_AHEAD_M = 0.25
TYPE_MIN_MPS = 0.01
READ_LOW_M = -0.34
READ_HIGH_M = -0.12
READ_AHEAD_M = 0.2
DRIBBLE_M = 0.12
DRIBBLE_BOUNCES = 3
DRIBBLE_BELOW_M = 0.1
DRIBBLE_OTHER_M = 0.06
SHOT_HOLD_M = 0.35
SHOT_CHEST_M = 0.25
GUARD_AHEAD_M = 0.12
SHOT_ABOVE_HEAD_M = 0.1
SHOT_WINDOW_S = 1.2
BAT_GRIP_M = 0.2
BAT_SIDE_M = 0.12
BAT_WINDOW_S = 0.6
BAT_SPEED_MPS = 3.0
CATCH_HANDS_M = 0.22
CATCH_REACH = 0.8
CATCH_AHEAD = 0.5
CATCH_LOW_M = 0.15
CATCH_CENTRE_M = 0.15
CATCH_IN = 0.5
CATCH_WINDOW_S = 1.0

J = base.J
_PELVIS = base._PELVIS


def point(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named arm alone is held straight out ahead for a while."""
    a = joints[:, 0]

    def out(s: str) -> np.ndarray:
        arm = base._bone(a, f"{s}_shoulder", f"{s}_elbow") + base._bone(a, f"{s}_elbow", f"{s}_wrist")
        reach = np.linalg.norm(a[:, J[f"{s}_wrist"]] - a[:, J[f"{s}_shoulder"]], axis=-1) / max(arm, 1e-9)
        ahead = base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0] / max(arm, 1e-9)
        return (reach >= POINT_STRAIGHT) & (ahead >= POINT_AHEAD)

    arms = {s: out(s) for s in SIDES}

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        m = {f"{s}_pointing_s": longest_run(arms[s] & ~arms[base._other(s)]) / fps}
        return m[f"{s}_pointing_s"] >= POINT_MIN_S, m

    required = f"{{side}} arm alone straight, wrist >= {POINT_AHEAD} arms ahead, for >= {POINT_MIN_S} s"
    return base._any_side(side, required, one)


def _mouth_gap(a: np.ndarray, s: str) -> np.ndarray:
    """(T,) distance of `s`'s wrist from the head joint."""
    return np.linalg.norm(a[:, J[f"{s}_wrist"]] - a[:, J["head"]], axis=-1)


def drink(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named hand stays at the mouth for a while (a sip, not a bite), the other hand down."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        o = base._other(s)
        low = a[:, J[f"{o}_shoulder"], 1] - a[:, J[f"{o}_wrist"], 1] >= OTHER_BELOW_M  # not a guard
        m = {f"{s}_at_mouth_s": longest_run((_mouth_gap(a, s) <= MOUTH_NEAR_M) & low) / fps}
        return m[f"{s}_at_mouth_s"] >= DRINK_MIN_S, m

    required = f"{{side}} wrist <= {MOUTH_NEAR_M} m from the head, the other low, for >= {DRINK_MIN_S} s"
    return base._any_side(side, required, one)


def eat(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named hand goes to the mouth and away again at least twice."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        trips, near = 0, False
        for gap in _mouth_gap(a, s):
            if gap <= MOUTH_NEAR_M:
                near = True
            elif gap >= EAT_AWAY_M and near:
                trips, near = trips + 1, False
        m = {f"{s}_bites": float(trips)}
        return trips >= EAT_BITES, m

    required = (
        f"{{side}} wrist to the mouth (<= {MOUTH_NEAR_M} m) and away (>= {EAT_AWAY_M} m) >= {EAT_BITES} times"
    )
    return base._any_side(side, required, one)


def throw(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named wrist is cocked behind and above its shoulder, then whips well ahead of it, fast."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        ahead = base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0]
        rise = a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1]
        cocked = np.flatnonzero((ahead <= -THROW_BACK_M) & (rise >= THROW_UP_M))
        out = ahead >= THROW_AHEAD_M
        window = base._frames(THROW_WINDOW_S, fps)
        whips = [k for k in cocked if out[k : k + window + 1].any()]
        speed = np.linalg.norm(np.diff(a[:, J[f"{s}_wrist"]], axis=0), axis=-1) * fps
        m = {f"{s}_whips": float(len(whips) > 0), f"{s}_peak_wrist_mps": float(speed.max())}
        return bool(whips) and m[f"{s}_peak_wrist_mps"] >= THROW_SPEED_MPS, m

    required = (
        f"{{side}} wrist >= {THROW_BACK_M} m behind and above its shoulder, then >= {THROW_AHEAD_M} m ahead "
        f"within {THROW_WINDOW_S} s, at >= {THROW_SPEED_MPS} m/s"
    )
    return base._any_side(side, required, one)


def _hands_held(a: np.ndarray, fps: float, ref: int, low: float, high: float, ahead: float) -> np.ndarray:
    """(T,) both wrists `ahead` m or more in front of joint `ref` along the facing, between `low` and
    `high` m above it, and <= HANDS_APART_M apart."""
    held = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1) <= HANDS_APART_M
    for s in SIDES:
        rise = a[:, J[f"{s}_wrist"], 1] - a[:, ref, 1]
        held &= (base._body_offset(a, J[f"{s}_wrist"], ref, fps)[0] >= ahead) & (rise >= low) & (rise <= high)
    return held


def _hand_speed(a: np.ndarray, fps: float) -> float:
    """Median speed (m/s) of the wrists relative to the pelvis."""
    rel = a[:, [J["left_wrist"], J["right_wrist"]]] - a[:, _PELVIS : _PELVIS + 1]
    return float(np.median(np.linalg.norm(np.diff(rel, axis=0), axis=-1)) * fps)


def type_(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Seated, both hands on a keyboard in front at desk height, moving a little."""
    a = joints[:, 0]
    seated = (a[:, _PELVIS, 1] - base._floor(a)) / max(leg_length(a), 1e-9) <= SEATED_LEGS
    held = _hands_held(a, fps, _PELVIS, TYPE_LOW_M, TYPE_HIGH_M, TYPE_AHEAD_M)
    m = {"typing_share": float((seated & held).mean()), "hand_speed_mps": _hand_speed(a, fps)}
    ok = m["typing_share"] >= HANDS_SHARE and TYPE_MIN_MPS <= m["hand_speed_mps"] <= HANDS_MAX_MPS
    return base._verdict(ok, f"seated, hands at a keyboard in >= {HANDS_SHARE:.0%} of frames, moving", m)


def read(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Standing, both hands holding something steady in front of the chest."""
    a = joints[:, 0]
    neck = J["neck"]
    upright = (a[:, _PELVIS, 1] - base._floor(a)) / max(leg_length(a), 1e-9) >= base.IDLE_UPRIGHT
    held = _hands_held(a, fps, neck, READ_LOW_M, READ_HIGH_M, READ_AHEAD_M)
    m = {"reading_share": float((upright & held).mean()), "hand_speed_mps": _hand_speed(a, fps)}
    ok = m["reading_share"] >= HANDS_SHARE and m["hand_speed_mps"] <= HANDS_MAX_MPS
    return base._verdict(ok, f"standing, a book held before the chest in >= {HANDS_SHARE:.0%} of frames", m)


def _bounces(x: np.ndarray, amplitude: float) -> int:
    """How many times x (T,) rises `amplitude` / 2 above its median and falls as far below it again."""
    mid, count, high = float(np.median(x)), 0, False
    for v in x:
        if v >= mid + amplitude / 2:
            high = True
        elif v <= mid - amplitude / 2 and high:
            count, high = count + 1, False
    return count


def dribbling(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named hand pumps up and down again and again below the chest; the other one does not."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        rise = a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1]
        other = a[:, J[f"{base._other(s)}_wrist"], 1] - a[:, J[f"{base._other(s)}_shoulder"], 1]
        m = {
            f"{s}_bounces": float(_bounces(rise, DRIBBLE_M)),
            f"{s}_highest_m": float(rise.max()),
            f"{s}_other_bounces": float(_bounces(other, DRIBBLE_OTHER_M)),
        }
        ok = m[f"{s}_bounces"] >= DRIBBLE_BOUNCES and m[f"{s}_highest_m"] <= -DRIBBLE_BELOW_M
        return ok and m[f"{s}_other_bounces"] < DRIBBLE_BOUNCES, m

    required = (
        f"{{side}} wrist bounces >= {DRIBBLE_BOUNCES} times by {DRIBBLE_M} m, >= {DRIBBLE_BELOW_M} m below"
    )
    return base._any_side(side, required + f" its shoulder, the other fewer by {DRIBBLE_OTHER_M} m", one)


def shooting(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both hands hold the ball before the chest, then the named wrist rises above the head, in front."""
    a = joints[:, 0]
    gap = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1)
    mid_y = 0.5 * (a[:, J["left_wrist"], 1] + a[:, J["right_wrist"], 1])
    chest = (gap <= SHOT_HOLD_M) & (np.abs(mid_y - a[:, J["spine3"], 1]) <= SHOT_CHEST_M)
    for s in SIDES:
        chest &= base._body_offset(a, J[f"{s}_wrist"], _PELVIS, fps)[0] >= GUARD_AHEAD_M
    within = base._frames(SHOT_WINDOW_S, fps)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        up = (a[:, J[f"{s}_wrist"], 1] - a[:, J["head"], 1] >= SHOT_ABOVE_HEAD_M) & (
            base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0] >= 0.0
        )
        shots = [k for k in np.flatnonzero(chest) if up[k : k + within + 1].any()]
        m = {"held_at_chest_s": float(chest.sum() / fps), f"{s}_shots": float(len(shots) > 0)}
        return bool(shots), m

    required = (
        f"hands together before the chest, then the {{side}} wrist above the head within {SHOT_WINDOW_S} s"
    )
    return base._any_side(side, required, one)


def batting(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both hands together sweep fast from one side of the body across to the other."""
    a = joints[:, 0]
    gap = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1)
    grip = gap <= BAT_GRIP_M
    across = 0.5 * sum(base._body_offset(a, J[f"{s}_wrist"], _PELVIS, fps)[1] for s in SIDES)  # left +
    mid = 0.5 * (a[:, J["left_wrist"]] + a[:, J["right_wrist"]])
    speed = np.concatenate([[0.0], np.linalg.norm(np.diff(mid, axis=0), axis=-1) * fps])
    within = base._frames(BAT_WINDOW_S, fps)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        sign = 1.0 if s == "left" else -1.0  # a right-handed batter's hands start on the right
        start = np.flatnonzero(grip & (sign * across >= BAT_SIDE_M))
        swings = [k for k in start if (grip & (-sign * across >= BAT_SIDE_M))[k : k + within + 1].any()]
        fast = max((float(speed[k : k + within + 1].max()) for k in swings), default=0.0)
        m = {f"{s}_swing_peak_mps": fast, "grip_share": float(grip.mean())}
        return fast >= BAT_SPEED_MPS, m

    required = f"hands together sweep across the body within {BAT_WINDOW_S} s at >= {BAT_SPEED_MPS} m/s"
    return base._any_side(side, required + " from the {side}", one)


def catching(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both hands reach far out together, then draw the ball in close to the chest."""
    a = joints[:, 0]
    together = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1) <= CATCH_HANDS_M
    across = 0.5 * sum(base._body_offset(a, J[f"{s}_wrist"], _PELVIS, fps)[1] for s in SIDES)
    together &= np.abs(across) <= CATCH_CENTRE_M  # in front of the body's middle, not swept aside
    ahead, reach = [], []
    for s in SIDES:
        arm = base._bone(a, f"{s}_shoulder", f"{s}_elbow") + base._bone(a, f"{s}_elbow", f"{s}_wrist")
        ahead.append(base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0] / max(arm, 1e-9))
        reach.append(
            np.linalg.norm(a[:, J[f"{s}_wrist"]] - a[:, J[f"{s}_shoulder"]], axis=-1) / max(arm, 1e-9)
        )
    near = np.minimum(*ahead)
    high = 0.5 * (a[:, J["left_wrist"], 1] + a[:, J["right_wrist"], 1]) >= a[:, J["spine3"], 1] - CATCH_LOW_M
    out = together & high & (np.minimum(*reach) >= CATCH_REACH) & (near >= CATCH_AHEAD)
    drawn = together & (np.maximum(*ahead) <= CATCH_IN) & (near >= 0.1)
    within = base._frames(CATCH_WINDOW_S, fps)
    catches = [k for k in np.flatnonzero(out) if drawn[k : k + within + 1].any()]
    m = {
        "max_reach_arms": float(np.where(together, np.minimum(*reach), 0.0).max()),
        "caught": float(bool(catches)),
    }
    required = f"hands together >= {CATCH_REACH} arms out, then <= {CATCH_IN} within {CATCH_WINDOW_S} s"
    return base._verdict(bool(catches), required, m)


HAND_CHECKS: dict[str, base.CheckFn] = {
    "point": point,
    "drink": drink,
    "eat": eat,
    "throw": throw,
    "type": type_,
    "read": read,
    "dribbling": dribbling,
    "shooting": shooting,
    "batting": batting,
    "catching": catching,
}
base.register(HAND_CHECKS)
