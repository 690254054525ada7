"""Behaviour checks of the body actions added for issue #19 (sprint, kneel, lie_down, crouch, celebrate,
fight_stance, look_around, bow, stretch, crawl, dodge, fly; the hand actions are in `behaviour_hands`), in
the conventions of `stickgen.evaluate.behaviour` (its module docstring): canonical joints (T, A, 22, 3),
heights above the clip's robust floor, fore-aft along the body's own facing, actor 0.

Importing this module adds its checks to `behaviour.CHECKS` (`behaviour` imports it at its end), so
every caller of `behaviour.check` sees them whichever module is imported first.

Thresholds pass every synthetic clip of the action with a margin and fail a figure standing still, a
walk and the nearest wrong actions (tests/unit/test_synthetic_activities.py):

    sprint        the gait of `run` (swinging, alternately planted toes) at >= SPRINT_MIN_SPEED_MPS
                  (4.8 m/s: the animator's runs measure <= 4.65 m/s, its sprints >= 5.0 m/s; a sprinting
                  foot peaks near 14 m/s, under the continuity limit of 15 m/s),
                  and each wrist swings >= SPRINT_ARM_SWING_M (0.3 m) fore-aft relative to the pelvis.
    kneel         the pelvis ends >= KNEEL_DROP_M (0.25 m) lower than it starts, the named knee (either,
                  unnamed) ends <= KNEE_DOWN_M (0.15 m) above the floor and the other knee >=
                  KNEE_UP_M (0.3 m) up: one knee down, the other foot planted (sitting and lying fail).
    lie_down      the pelvis starts >= UPRIGHT_LEGS (0.75) leg lengths above the floor and ends <=
                  LIE_PELVIS_M (0.3 m) up, with the trunk (pelvis to head) <= LIE_TILT_DEG (30 deg) from
                  horizontal (medians over the last `behaviour.ENDS_S`).
    crouch        for >= CROUCH_MIN_S (0.5 s) in a row: both knees bent >= CROUCH_KNEE_DEG (100 deg,
                  thigh to shin), both ankles <= CROUCH_FEET_M (0.15 m) and both knees >= KNEE_UP_M above
                  the floor, the head >= CROUCH_HEAD_M (0.35 m) above the pelvis. A seat (<= 95 deg), a
                  jump's crouch (<= 80 deg) and kneeling fail; lying down squats on the way.
    celebrate     both wrists >= CHEER_ABOVE_HEAD_M (0.1 m) above the head for >= CHEER_MIN_S (0.6 s) in a
                  row, with a hop in that time (the lowest foot joint >= `behaviour.AIRBORNE_M` off the
                  floor): arms up while jumping (a two-handed wave or dancing does not leave the floor,
                  a jump's arms are up for a moment).
    fight_stance  in >= GUARD_SHARE (60%) of the frames both wrists are within GUARD_BELOW_M (0.25 m)
                  below / GUARD_ABOVE_M (0.25 m) above their shoulders and >= GUARD_AHEAD_M (0.12 m)
                  ahead of the pelvis, and the ankles are >= STAGGER_M (0.25 m) apart fore-aft (median).
                  A boxer punching from a stance may pass too.
    bow           the trunk (pelvis to neck) tips >= BOW_TILT_DEG (20 deg) forwards from vertical while the
                  pelvis stays >= BOW_UPRIGHT_LEGS (1.0) leg lengths up (straight legs: sitting down, a
                  jump's crouch and crouching fail), for >= BOW_MIN_S (0.5 s) in a row, and comes back to
                  <= BOW_UP_DEG (12 deg) afterwards.
    stretch       both arms straight (shoulder-wrist >= STRETCH_REACH, 0.9, of the arm's length), both
                  wrists >= STRETCH_ABOVE_HEAD_M (0.15 m) above the head and <= STRETCH_HANDS_M (0.3 m)
                  apart, feet on the floor, for >= STRETCH_MIN_S (0.8 s) in a row: celebrating spreads
                  the arms and hops, an overhead clap bends them.
    crawl         medians over the clip: the trunk (pelvis to neck) <= CRAWL_TILT_DEG (35 deg) from
                  horizontal, the pelvis >= CRAWL_PELVIS_MIN_M (0.3 m) up (lying fails) and <=
                  CRAWL_PELVIS_LEGS (0.75) leg lengths (a bow on straight legs fails), both wrists <=
                  CRAWL_HANDS_M (0.25 m) up; and the pelvis travels >= CRAWL_MIN_SPEED_MPS (0.08 m/s).
    dodge         the head (across the body from the ankles' midpoint, relative to the first 0.2 s) gets >=
                  DODGE_M (0.22 m; the animator's >= 0.29 m) to the named side (either, unnamed) within
                  DODGE_FAST_S (0.5 s) of being within DODGE_FROM_M (0.1 m) of the middle: a quick lean,
                  not a slow side stretch; the pelvis stays within DODGE_MAX_TRAVEL_M (0.5 m) of its start
                  (a running stride fails).
    fly           both wrists >= FLY_OUT_ARMS (0.5) arm lengths out to the side of their shoulders in >=
                  FLY_SHARE (60%) of the frames, each flapping >= FLY_FLAPS (2) times up and down by >=
                  FLY_FLAP_M (0.25 m), the two in phase (height correlation >= FLY_IN_PHASE, 0.7: dancing
                  pumps the fists in turn).
    look_around   the chest turns against the hips (the shoulder line's yaw relative to the hip line's)
                  by >= LOOK_TWIST_DEG (20 deg) to both sides (the animator turns it by >= 26 deg).
"""

from __future__ import annotations

import numpy as np

from stickgen.evaluate import behaviour as base
from stickgen.evaluate.behaviour import SIDES, Check, Side
from stickgen.evaluate.behaviour_shared import leg_length, longest_run
from stickgen.evaluate.in_place import farthest

SPRINT_MIN_SPEED_MPS = 4.8
SPRINT_ARM_SWING_M = 0.3
KNEEL_DROP_M = 0.25
KNEE_DOWN_M = 0.15
KNEE_UP_M = 0.3
UPRIGHT_LEGS = 0.75
LIE_PELVIS_M = 0.3
LIE_TILT_DEG = 30.0
CROUCH_MIN_S = 0.5
CROUCH_KNEE_DEG = 100.0
CROUCH_FEET_M = 0.15
CROUCH_HEAD_M = 0.35
CHEER_ABOVE_HEAD_M = 0.1
CHEER_MIN_S = 0.6
GUARD_SHARE = 0.6
GUARD_BELOW_M = 0.25
GUARD_ABOVE_M = 0.25
GUARD_AHEAD_M = 0.12
STAGGER_M = 0.25
LOOK_TWIST_DEG = 20.0
BOW_TILT_DEG = 20.0
BOW_UPRIGHT_LEGS = 1.0
BOW_MIN_S = 0.5
BOW_UP_DEG = 12.0
STRETCH_REACH = 0.9
STRETCH_ABOVE_HEAD_M = 0.15
STRETCH_HANDS_M = 0.3
STRETCH_MIN_S = 0.8
CRAWL_TILT_DEG = 35.0
CRAWL_PELVIS_MIN_M = 0.3
CRAWL_PELVIS_LEGS = 0.75
CRAWL_HANDS_M = 0.25
CRAWL_MIN_SPEED_MPS = 0.08
DODGE_M = 0.22
DODGE_FROM_M = 0.1
DODGE_FAST_S = 0.5
DODGE_MAX_TRAVEL_M = 0.5
FLY_OUT_ARMS = 0.5
FLY_SHARE = 0.6
FLY_FLAP_M = 0.25
FLY_FLAPS = 2
FLY_IN_PHASE = 0.7
SIDE_OUT = {"left": 1.0, "right": -1.0}  # the figure's left is its `_body_offset` across direction

J = base.J
_PELVIS = base._PELVIS


def _ends(x: np.ndarray, fps: float) -> tuple[float, float]:
    """Medians of (T,) over the first and the last `behaviour.ENDS_S` (each at most a third of the clip)."""
    n = min(base._frames(base.ENDS_S, fps), max(1, len(x) // 3))
    return float(np.median(x[:n])), float(np.median(x[-n:]))


def _knee_angle(a: np.ndarray, s: str) -> np.ndarray:
    """(T,) knee flexion in degrees: 0 with the shin continuing the thigh."""
    thigh = base._unit(a[:, J[f"{s}_knee"]] - a[:, J[f"{s}_hip"]])
    shin = base._unit(a[:, J[f"{s}_ankle"]] - a[:, J[f"{s}_knee"]])
    return np.degrees(np.arccos(np.clip((thigh * shin).sum(-1), -1.0, 1.0)))


def sprint(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """A running gait at a sprinting speed, both arms pumping."""
    gait = base._gait(joints, fps, SPRINT_MIN_SPEED_MPS)
    a = joints[:, 0]
    m = dict(gait.measures)
    for s in SIDES:
        m[f"{s}_wrist_swing_m"] = base._spread(base._body_offset(a, J[f"{s}_wrist"], _PELVIS, fps)[0])
    ok = gait.passed and min(m["left_wrist_swing_m"], m["right_wrist_swing_m"]) >= SPRINT_ARM_SWING_M
    required = f"runs at >= {SPRINT_MIN_SPEED_MPS} m/s, wrists swing >= {SPRINT_ARM_SWING_M} m"
    return base._verdict(ok, required, m)


def kneel(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The pelvis lowers and one knee ends on the floor while the other stays up."""
    a = joints[:, 0]
    floor = base._floor(a)
    start, end = _ends(a[:, _PELVIS, 1], fps)
    knee = {s: _ends(a[:, J[f"{s}_knee"], 1] - floor, fps)[1] for s in SIDES}

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        m = {
            "pelvis_drop_m": start - end,
            f"{s}_knee_end_m": knee[s],
            f"{s}_other_knee_m": knee[base._other(s)],
        }
        ok = start - end >= KNEEL_DROP_M and knee[s] <= KNEE_DOWN_M and knee[base._other(s)] >= KNEE_UP_M
        return ok, m

    drop = f"pelvis drops >= {KNEEL_DROP_M} m"
    required = f"{drop}, {{side}} knee ends <= {KNEE_DOWN_M} m up, the other >= {KNEE_UP_M} m"
    return base._any_side(side, required, one)


def lie_down(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """From upright to lying flat: the pelvis ends on the floor and the trunk horizontal."""
    a = joints[:, 0]
    floor = base._floor(a)
    start, end = _ends(a[:, _PELVIS, 1] - floor, fps)
    trunk = a[:, J["head"]] - a[:, _PELVIS]
    tilt = np.degrees(np.arctan2(np.abs(trunk[:, 1]), np.linalg.norm(trunk[:, [0, 2]], axis=-1)))
    m = {
        "start_legs": start / max(leg_length(a), 1e-9),
        "end_pelvis_m": end,
        "end_tilt_deg": _ends(tilt, fps)[1],
    }
    ok = m["start_legs"] >= UPRIGHT_LEGS and end <= LIE_PELVIS_M and m["end_tilt_deg"] <= LIE_TILT_DEG
    required = (
        f"starts upright, pelvis ends <= {LIE_PELVIS_M} m up with the trunk <= {LIE_TILT_DEG} deg from flat"
    )
    return base._verdict(ok, required, m)


def crouch(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Deeply bent knees over planted feet, the trunk above the pelvis, held for a while."""
    a = joints[:, 0]
    floor = base._floor(a)
    bent = np.minimum(_knee_angle(a, "left"), _knee_angle(a, "right"))
    feet = np.maximum(a[:, J["left_ankle"], 1], a[:, J["right_ankle"], 1]) - floor
    knees = np.minimum(a[:, J["left_knee"], 1], a[:, J["right_knee"], 1]) - floor
    head = a[:, J["head"], 1] - a[:, _PELVIS, 1]
    low = (bent >= CROUCH_KNEE_DEG) & (feet <= CROUCH_FEET_M) & (knees >= KNEE_UP_M) & (head >= CROUCH_HEAD_M)
    m = {"max_knee_deg": float(bent.max()), "crouched_s": longest_run(low) / fps}
    return base._verdict(
        m["crouched_s"] >= CROUCH_MIN_S,
        f"crouches (knees >= {CROUCH_KNEE_DEG} deg) on planted feet for >= {CROUCH_MIN_S} s",
        m,
    )


def celebrate(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both wrists stay above the head while the figure hops."""
    a = joints[:, 0]
    head = a[:, J["head"], 1]
    up = (a[:, J["left_wrist"], 1] - head >= CHEER_ABOVE_HEAD_M) & (
        a[:, J["right_wrist"], 1] - head >= CHEER_ABOVE_HEAD_M
    )
    feet = a[:, list(base._FEET), 1].min(axis=1) - base._floor(a)
    runs = [(b, e) for b, e in base._runs(up) if e - b >= base._frames(CHEER_MIN_S, fps)]
    m = {
        "arms_up_s": longest_run(up) / fps,
        "hop_m": max((float(feet[b:e].max()) for b, e in runs), default=0.0),
    }
    ok = m["hop_m"] >= base.AIRBORNE_M
    return base._verdict(ok, f"both wrists above the head for >= {CHEER_MIN_S} s while hopping", m)


def fight_stance(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Fists up in a guard in front of the body, the feet staggered."""
    a = joints[:, 0]
    guard = np.ones(len(a), dtype=bool)
    for s in SIDES:
        rise = a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1]
        ahead = base._body_offset(a, J[f"{s}_wrist"], _PELVIS, fps)[0]
        guard &= (rise >= -GUARD_BELOW_M) & (rise <= GUARD_ABOVE_M) & (ahead >= GUARD_AHEAD_M)
    stagger = base._body_offset(a, J["left_ankle"], J["right_ankle"], fps)[0]
    m = {"guard_share": float(guard.mean()), "stagger_m": float(abs(np.median(stagger)))}
    ok = m["guard_share"] >= GUARD_SHARE and m["stagger_m"] >= STAGGER_M
    return base._verdict(ok, f"guard up in >= {GUARD_SHARE:.0%} of frames, feet >= {STAGGER_M} m apart", m)


def look_around(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The chest turns against the hips to both sides."""
    a = joints[:, 0]
    hips = a[:, J["left_hip"], [0, 2]] - a[:, J["right_hip"], [0, 2]]
    chest = a[:, J["left_shoulder"], [0, 2]] - a[:, J["right_shoulder"], [0, 2]]
    # yaw of the chest relative to the hips, positive = turned to the figure's left
    cross = hips[:, 0] * chest[:, 1] - hips[:, 1] * chest[:, 0]
    twist = -np.degrees(np.arctan2(cross, (hips * chest).sum(-1)))
    twist = base._smooth(twist, base._frames(0.2, fps))
    m = {"left_twist_deg": float(twist.max()), "right_twist_deg": float(-twist.min())}
    ok = min(m["left_twist_deg"], m["right_twist_deg"]) >= LOOK_TWIST_DEG
    return base._verdict(ok, f"chest turns >= {LOOK_TWIST_DEG} deg to both sides", m)


def bow(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The trunk tips well forwards while the pelvis stays high, then comes back up."""
    a = joints[:, 0]
    trunk = a[:, J["neck"]] - a[:, _PELVIS]
    ahead = base._body_offset(a, J["neck"], _PELVIS, fps)[0]
    tilt = np.degrees(np.arctan2(ahead, trunk[:, 1]))  # forwards from vertical
    high = (a[:, _PELVIS, 1] - base._floor(a)) / max(leg_length(a), 1e-9) >= BOW_UPRIGHT_LEGS
    bowed = (tilt >= BOW_TILT_DEG) & high
    runs = [(b, e) for b, e in base._runs(bowed) if e - b >= base._frames(BOW_MIN_S, fps)]
    after = tilt[runs[0][1] :] if runs else np.zeros(0)
    m = {"max_tilt_deg": float(tilt.max()), "bowed_s": longest_run(bowed) / fps}
    m["end_tilt_deg"] = float(after.min()) if after.size else float("inf")
    ok = bool(runs) and m["end_tilt_deg"] <= BOW_UP_DEG
    required = (
        f"trunk >= {BOW_TILT_DEG} deg forwards, pelvis high, for >= {BOW_MIN_S} s, then <= {BOW_UP_DEG} deg"
    )
    return base._verdict(ok, required, m)


def stretch(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both arms reach straight up above the head, the hands together, for a while, feet on the floor."""
    a = joints[:, 0]
    head = a[:, J["head"], 1]
    up = np.ones(len(a), dtype=bool)
    for s in SIDES:
        arm = base._bone(a, f"{s}_shoulder", f"{s}_elbow") + base._bone(a, f"{s}_elbow", f"{s}_wrist")
        reach = np.linalg.norm(a[:, J[f"{s}_wrist"]] - a[:, J[f"{s}_shoulder"]], axis=-1) / max(arm, 1e-9)
        up &= (reach >= STRETCH_REACH) & (a[:, J[f"{s}_wrist"], 1] - head >= STRETCH_ABOVE_HEAD_M)
    gap = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1)
    grounded = a[:, list(base._FEET), 1].min(axis=1) - base._floor(a) < base.AIRBORNE_M
    m = {"stretched_s": longest_run(up & (gap <= STRETCH_HANDS_M) & grounded) / fps}
    required = (
        f"straight arms up, hands <= {STRETCH_HANDS_M} m apart above the head, for >= {STRETCH_MIN_S} s"
    )
    return base._verdict(m["stretched_s"] >= STRETCH_MIN_S, required, m)


def crawl(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """On all fours (trunk near horizontal, pelvis at knee-stand height, hands down) and travelling."""
    a = joints[:, 0]
    floor = base._floor(a)
    trunk = a[:, J["neck"]] - a[:, _PELVIS]
    tilt = np.degrees(np.arctan2(np.abs(trunk[:, 1]), np.linalg.norm(trunk[:, [0, 2]], axis=-1)))
    wrists = np.maximum(a[:, J["left_wrist"], 1], a[:, J["right_wrist"], 1]) - floor
    m = {
        "trunk_tilt_deg": float(np.median(tilt)),
        "pelvis_m": float(np.median(a[:, _PELVIS, 1] - floor)),
        "pelvis_legs": float(np.median(a[:, _PELVIS, 1] - floor) / max(leg_length(a), 1e-9)),
        "wrists_m": float(np.median(wrists)),
        "speed_mps": base._path_speed(a, fps)[1],
    }
    ok = (
        m["trunk_tilt_deg"] <= CRAWL_TILT_DEG
        and m["pelvis_m"] >= CRAWL_PELVIS_MIN_M
        and m["pelvis_legs"] <= CRAWL_PELVIS_LEGS
        and m["wrists_m"] <= CRAWL_HANDS_M
        and m["speed_mps"] >= CRAWL_MIN_SPEED_MPS
    )
    required = (
        f"on all fours (trunk <= {CRAWL_TILT_DEG} deg, hands down), travelling >= {CRAWL_MIN_SPEED_MPS} m/s"
    )
    return base._verdict(ok, required, m)


def dodge(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The head moves quickly well to the named side of the feet."""
    a = joints[:, 0]
    across = 0.5 * sum(base._body_offset(a, J["head"], J[f"{s}_ankle"], fps)[1] for s in SIDES)  # (T,) left +
    across = across - np.median(across[: max(1, min(base._frames(0.2, fps), len(a) // 4))])
    quick = base._frames(DODGE_FAST_S, fps)

    path = base._path_speed(a, fps)[0]
    travel = farthest(path)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        off = across if s == "left" else -across
        hits = np.flatnonzero(off >= DODGE_M)
        # reached from near the middle within DODGE_FAST_S
        fast = any((off[max(0, k - quick) : k + 1] <= DODGE_FROM_M).any() for k in hits)
        m = {f"{s}_head_offset_m": float(off.max()), f"{s}_fast": float(fast), "travel_m": travel}
        return fast and travel <= DODGE_MAX_TRAVEL_M, m

    required = f"head >= {DODGE_M} m to the {{side}} within {DODGE_FAST_S} s of being centred"
    return base._any_side(side, required, one)


def fly(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Both arms spread out to the sides and flap up and down together."""
    a = joints[:, 0]
    spread = np.ones(len(a), dtype=bool)
    heights = []
    for s in SIDES:
        arm = base._bone(a, f"{s}_shoulder", f"{s}_elbow") + base._bone(a, f"{s}_elbow", f"{s}_wrist")
        out = base._body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[1] * SIDE_OUT[s]
        spread &= out >= FLY_OUT_ARMS * arm
        heights.append(a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1])
    flaps = [_crossings(h, FLY_FLAP_M) for h in heights]
    together = float(np.corrcoef(heights[0], heights[1])[0, 1]) if np.std(heights[0]) > 1e-6 else 0.0
    m = {"spread_share": float(spread.mean()), "flaps": float(min(flaps)), "in_phase": together}
    ok = m["spread_share"] >= FLY_SHARE and m["flaps"] >= FLY_FLAPS and together >= FLY_IN_PHASE
    required = (
        f"arms spread in >= {FLY_SHARE:.0%} of frames, >= {FLY_FLAPS} flaps of >= {FLY_FLAP_M} m together"
    )
    return base._verdict(ok, required, m)


def _crossings(x: np.ndarray, amplitude: float) -> int:
    """How many times x (T,) rises `amplitude` / 2 above its median and falls as far below it again."""
    mid = float(np.median(x))
    count, high = 0, False
    for v in x:
        if v >= mid + amplitude / 2:
            high = True
        elif v <= mid - amplitude / 2 and high:
            count, high = count + 1, False
    return count


MORE_CHECKS: dict[str, base.CheckFn] = {
    "sprint": sprint,
    "kneel": kneel,
    "lie_down": lie_down,
    "crouch": crouch,
    "celebrate": celebrate,
    "fight_stance": fight_stance,
    "look_around": look_around,
    "bow": bow,
    "stretch": stretch,
    "crawl": crawl,
    "dodge": dodge,
    "fly": fly,
}
base.register(MORE_CHECKS)
