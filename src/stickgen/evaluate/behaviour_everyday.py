"""Behaviour checks of the everyday actions turn, pick_up and fall (`stickgen.synthetic.everyday`,
`floor_actions.fall`), in the conventions of `stickgen.evaluate.behaviour` (its module docstring):
canonical joints (T, A, 22, 3), heights above the clip's robust floor, actor 0.

Importing this module adds its checks to `behaviour.CHECKS` (`behaviour` imports it at its end).
Thresholds pass every synthetic clip of the action with a margin and fail a figure standing still, a
walk and the nearest wrong actions (tests/unit/test_synthetic_activities.py):

    turn      the facing (from the hip line, unwrapped) over the last `behaviour.ENDS_S` differs from the
              facing over the first by >= TURN_DEG (60 deg; the animator turns 80-190 deg) towards the
              named side (either, unnamed), while the pelvis stays within TURN_MAX_TRAVEL_M (0.6 m) of
              where it started: on the spot (a walk that curves travels, looking around turns the
              chest only).
    pick_up   the named wrist (either, unnamed) gets <= PICK_LOW_M (0.3 m) above the floor while both
              ankles stay <= PICK_FEET_M (0.15 m) up (a squat or a stoop, not a jump, not a fall onto the
              hands, which kneels), and afterwards the body is upright again: the pelvis >=
              `behaviour_more.UPRIGHT_LEGS` (0.75) leg lengths up over the last `behaviour.ENDS_S` (lying
              down, crawling and kneeling end low; a crouch keeps its hands up).
    fall      the head starts >= FALL_START_LEGS (1.4) leg lengths above the floor (standing), drops from
              >= FALL_FROM_LEGS (1.2) to <= FALL_DOWN_LEGS (0.6) leg lengths within FALL_FAST_S (0.6 s;
              the animator's falls take 0.2-0.45 s over that drop, its lying down >= 0.75 s), and stays
              down (median over the last `behaviour.ENDS_S` <= FALL_DOWN_LEGS).
"""

from __future__ import annotations

import numpy as np

from stickgen.evaluate import behaviour as base
from stickgen.evaluate.behaviour import Check, Side
from stickgen.evaluate.behaviour_more import UPRIGHT_LEGS
from stickgen.evaluate.behaviour_shared import leg_length
from stickgen.evaluate.in_place import farthest

TURN_DEG = 60.0
TURN_MAX_TRAVEL_M = 0.6
PICK_LOW_M = 0.3
PICK_FEET_M = 0.15
FALL_START_LEGS = 1.4
FALL_FROM_LEGS = 1.2
FALL_DOWN_LEGS = 0.6
FALL_FAST_S = 0.6

J = base.J
_PELVIS = base.J["pelvis"]


def _end_frames(a: np.ndarray, fps: float) -> int:
    """The frames each end of a clip is judged over: `behaviour.ENDS_S`, at most a quarter of it."""
    return min(base._frames(base.ENDS_S, fps), max(len(a) // 4, 1))


def facing_deg(a: np.ndarray) -> np.ndarray:
    """(T,) the body's facing from its hip line, degrees, unwrapped (positive turns to the figure's left)."""
    left = a[:, J["left_hip"], [0, 2]] - a[:, J["right_hip"], [0, 2]]  # (x, z); facing +Z puts left at +X
    return np.degrees(np.unwrap(np.arctan2(-left[:, 1], left[:, 0])))  # the facing is (-left z, left x)


def turn(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The body faces a new way at the end, turned on the spot."""
    a = joints[:, 0]
    face = facing_deg(a)
    n = _end_frames(a, fps)
    change = float(np.median(face[-n:]) - np.median(face[:n]))
    path = a[:, _PELVIS, [0, 2]]
    travel = farthest(path)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        turned = change if s == "left" else -change
        return turned >= TURN_DEG and travel <= TURN_MAX_TRAVEL_M, {
            f"{s}_turn_deg": turned,
            "travel_m": travel,
        }

    return base._any_side(side, f"turns >= {TURN_DEG} deg to the {{side}} within {TURN_MAX_TRAVEL_M} m", one)


def pick_up(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """A hand down to the floor on planted feet, then standing up again."""
    a = joints[:, 0]
    floor = base._floor(a)
    feet_down = np.max(a[:, [J["left_ankle"], J["right_ankle"]], 1], axis=1) - floor <= PICK_FEET_M
    n = _end_frames(a, fps)
    upright = float(np.median(a[-n:, _PELVIS, 1]) - floor) / max(leg_length(a), 1e-9)

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        wrist = a[:, J[f"{s}_wrist"], 1] - floor
        low = feet_down & (wrist <= PICK_LOW_M)
        m = {f"{s}_wrist_low_m": float(wrist[feet_down].min()) if feet_down.any() else float("inf")}
        m["end_pelvis_legs"] = upright
        reached = np.flatnonzero(low)
        return bool(reached.size) and reached[0] < len(a) - n and upright >= UPRIGHT_LEGS, m

    required = f"the {{side}} hand <= {PICK_LOW_M} m from the floor on planted feet, then upright"
    return base._any_side(side, required, one)


def fall(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Standing, then the head drops to the floor fast, and stays there."""
    a = joints[:, 0]
    legs = max(leg_length(a), 1e-9)
    head = (a[:, J["head"], 1] - base._floor(a)) / legs
    n = _end_frames(a, fps)
    fast = base._frames(FALL_FAST_S, fps)
    drops = [
        k
        for k in np.flatnonzero(head <= FALL_DOWN_LEGS)
        if (head[max(0, k - fast) : k + 1] >= FALL_FROM_LEGS).any()
    ]
    m = {"start_head_legs": float(head[:n].max()), "end_head_legs": float(np.median(head[-n:]))}
    m["fast_drop"] = float(bool(drops))
    ok = m["start_head_legs"] >= FALL_START_LEGS and bool(drops) and m["end_head_legs"] <= FALL_DOWN_LEGS
    required = (
        f"the head from >= {FALL_FROM_LEGS} to <= {FALL_DOWN_LEGS} leg lengths up within {FALL_FAST_S} s, "
        "and stays down"
    )
    return base._verdict(ok, required, m)


EVERYDAY_CHECKS: dict[str, base.CheckFn] = {"turn": turn, "pick_up": pick_up, "fall": fall}
base.register(EVERYDAY_CHECKS)
