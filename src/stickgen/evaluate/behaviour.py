"""The behaviour suite: does a generated motion do what its caption names? (docs/metrics.md)

One pure geometric check per action of the synthetic animator (`CHECKS`, keyed by `stickgen.core.vocab`
action names). A check takes canonical joints (T, A, 22, 3) (metres, Y up, floor near y = 0), the frame
rate and the side the caption names ("left", "right" or None), and returns a `Check`: passed, a reason
to read, and the measures it decided on. Heights are taken above the clip's robust floor (the
`stickgen.core.quality.FLOOR_QUANTILE` quantile of the lowest joint), so a motion hovering a few centimetres
up is judged as if it stood on the floor; fore-aft and across are the body's own directions (its facing
from the hip line, smoothed over `HEADING_SMOOTH_S`), so a figure that turns is judged like one that
goes straight. Single-actor checks read actor 0; the two-actor checks need two actors.

Thresholds: the issue's numbers where it gives them; the others pass every synthetic clip of the action
with a margin and fail the motions the suite exists to catch (tests/unit/test_behaviour.py):

    walk, run   the pelvis travels along its (step-smoothed) path at >= WALK_MIN_SPEED_MPS (0.3 m/s, a
                slow stroll) or RUN_MIN_SPEED_MPS (1.5 m/s, above most adults' walking pace; the slowest
                synthetic jog is 2.3 m/s); each toe swings >= SWING_M (0.4 m) fore-aft relative to the
                pelvis (the 5-95% spread along the facing); each toe is planted (within
                `quality.CONTACT_HEIGHT_M` of the floor and slower than PLANT_SPEED_MPS, 0.3 m/s, in the
                floor plane for >= PLANT_MIN_S, 0.1 s) at least PLANTS_PER_TOE (2) separate times, so
                swings alternate with planted feet. A figure gliding on straight legs fails the swings
                and the plants; a still one fails the travel.
    jump        the pelvis rises >= JUMP_RISE_M (0.15 m) above its median height while the lowest foot
                joint is >= AIRBORNE_M (0.05 m) off the floor (rising on the toes or out of a crouch is
                no jump), and a foot is back on the floor after the highest such frame (it lands).
    wave        the named wrist (either, when none is named) is >= WAVE_ABOVE_M (0.15 m) above its
                shoulder for >= WAVE_MIN_S (0.5 s) in all: clearly raised, above a boxing or kicking
                guard (fists within 0.13 m of shoulder height); the animator's waves hold >= 0.25 m.
    clap        actor 0's wrists meet (<= HANDS_MEET_M, 0.15 m apart: wrist joints of touching hands)
                and part again (>= CLAP_APART_M, 0.2 m) at least once.
    sit_down    the pelvis ends >= SIT_DROP_M (0.25 m) lower than it starts (medians over the first and
                the last ENDS_S, 0.5 s).
    stand_up    the pelvis ends >= SIT_DROP_M higher than it starts: it rises from a low start.
    kick        the named ankle (either, unnamed) rises to >= KICK_HEIGHT_M (0.3 m) above the floor,
                >= KICK_AHEAD_M (0.3 m) ahead of the pelvis along the facing, while the other ankle stays
                below KICK_SUPPORT_M (0.15 m): a kick stands on one leg (a jump lifts both) and goes
                forwards (a running stride's heel flick peaks 0.5 m behind the pelvis). The height is
                taken above the floor, not above the ankle's resting height (~4 cm up): the animator's
                lowest kicks lift the ankle by 0.29 m.
    punch       the named wrist (either, unnamed) reaches forward of its shoulder, along the facing, by
                >= PUNCH_REACH (0.8) of the actor's arm length (shoulder-elbow + elbow-wrist): a nearly
                straight arm. A boxing guard holds the fists at ~0.5 arm lengths, a kick's guard at 0.71.
    dance       sustained whole-body motion: in >= DANCE_ACTIVE (75%) of the 1-s windows (half-overlapping)
                the arms (elbows, wrists) move at a mean >= DANCE_ARMS_MPS (0.1 m/s) AND the trunk and
                legs (pelvis, spine, head, knees) at >= DANCE_BODY_MPS (0.04 m/s), relative to the
                pelvis's floor-plane position (bouncing counts, travelling does not). Speeds are
                displacements over DANCE_LAG_S (0.25 s, about half a beat), so frame-to-frame jitter is
                not read as dancing. Every window of 300 animator dances scores >= 0.054 m/s (body) and
                >= 0.13 m/s (arms); waving and clapping keep the body under 0.01 m/s, and 2 mm of jitter
                per joint and frame adds about 0.02 m/s.
    idle        upright (the pelvis >= IDLE_UPRIGHT (0.9) leg lengths (hip-knee + knee-ankle) above the
                floor in >= IDLE_UPRIGHT_SHARE (90%) of the frames: sitting or crouching fails) and
                staying put (the step-smoothed pelvis within IDLE_MAX_TRAVEL_M, 0.3 m, of its start).
                Moving on the spot is allowed; being frozen is not required.
    handshake   the two actors' named (right, when none is named) wrists are within HANDS_MEET_M for
                >= SHAKE_MIN_S (0.3 s) in all: hands held, not brushed.
    high_five   the two actors' named wrists (any pair, unnamed) are within HANDS_MEET_M in a frame in
                which both are >= HIGH_FIVE_ABOVE_M (0.05 m) above their own shoulders.

`stickgen.evaluate.behaviour_suite.run_behaviour_suite` generates every caption of the suite with several
seeds, checks each motion with its action's check, optionally asks the evaluator's action recogniser, and
returns the pass rates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from stickgen.core.quality import CONTACT_HEIGHT_M, FLOOR_QUANTILE
from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS
from stickgen.core.vocab import ACTIONS
from stickgen.evaluate.in_place import farthest

if TYPE_CHECKING:
    pass

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")

HEADING_SMOOTH_S = 0.5
PATH_SMOOTH_S = 0.5  # the pelvis path is smoothed over about a step before its length is taken
WALK_MIN_SPEED_MPS = 0.3
RUN_MIN_SPEED_MPS = 1.5
SWING_M = 0.4
PLANT_SPEED_MPS = 0.3
PLANT_MIN_S = 0.1
PLANTS_PER_TOE = 2
JUMP_RISE_M = 0.15
AIRBORNE_M = 0.05
WAVE_ABOVE_M = 0.15
WAVE_MIN_S = 0.5
HIGH_FIVE_ABOVE_M = 0.05
HANDS_MEET_M = 0.15
CLAP_APART_M = 0.2
SIT_DROP_M = 0.25
ENDS_S = 0.5
KICK_HEIGHT_M = 0.3
KICK_AHEAD_M = 0.3
KICK_SUPPORT_M = 0.15
PUNCH_REACH = 0.8
DANCE_WINDOW_S = 1.0
DANCE_ACTIVE = 0.75
DANCE_LAG_S = 0.25
DANCE_ARMS_MPS = 0.1
DANCE_BODY_MPS = 0.04
IDLE_UPRIGHT = 0.9
IDLE_UPRIGHT_SHARE = 0.9
IDLE_MAX_TRAVEL_M = 0.3
SHAKE_MIN_S = 0.3

J = JOINT_INDEX
_PELVIS = J["pelvis"]
_FEET = (J["left_ankle"], J["right_ankle"], J["left_foot"], J["right_foot"])
_ARMS = tuple(J[f"{s}_{n}"] for s in SIDES for n in ("elbow", "wrist"))
_BODY = (_PELVIS, J["spine1"], J["spine2"], J["spine3"], J["head"], J["left_knee"], J["right_knee"])


@dataclass(frozen=True)
class Check:
    """The verdict of one behaviour check on one motion.

    Attributes:
        passed: whether the motion does the action.
        reason: what was required, and the measures.
        measures: the quantities the verdict rests on (metres, seconds, m/s, counts, shares).
    """

    passed: bool
    reason: str
    measures: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Geometry of one actor's joints (T, 22, 3).


def _frames(seconds: float, fps: float) -> int:
    return max(1, int(round(seconds * fps)))


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving average over `n` frames along axis 0 (the edge frames repeated)."""
    if n <= 1 or len(x) < 2:
        return x
    half = n // 2
    padded = np.concatenate([np.repeat(x[:1], half, axis=0), x, np.repeat(x[-1:], n - 1 - half, axis=0)])
    c = np.cumsum(np.concatenate([np.zeros_like(x[:1]), padded]), axis=0)
    return (c[n:] - c[:-n]) / n


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _floor(a: np.ndarray) -> float:
    """The robust floor height: a low quantile of the lowest joint per frame (as `stickgen.core.quality`)."""
    return float(np.quantile(a[:, :, 1].min(axis=1), FLOOR_QUANTILE))


def _body_offset(a: np.ndarray, joint: int, ref: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(forward, towards-the-left) floor-plane offsets (T,) of `joint` from `ref` in the body's frame."""
    left = _unit(a[:, J["left_hip"], [0, 2]] - a[:, J["right_hip"], [0, 2]])  # (T, 2) as (x, z)
    fwd = _unit(_smooth(np.stack([-left[:, 1], left[:, 0]], axis=-1), _frames(HEADING_SMOOTH_S, fps)))
    left = np.stack([fwd[:, 1], -fwd[:, 0]], axis=-1)  # facing +Z puts the left at +X
    d = a[:, joint, [0, 2]] - a[:, ref, [0, 2]]
    return (d * fwd).sum(-1), (d * left).sum(-1)


def _spread(x: np.ndarray) -> float:
    """The 5-95% quantile spread: a range that a few noisy frames cannot make."""
    lo, hi = np.quantile(x, [0.05, 0.95])
    return float(hi - lo)


def _runs(flag: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a bool (T,) array, end exclusive."""
    edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _bone(a: np.ndarray, parent: str, child: str) -> float:
    return float(np.median(np.linalg.norm(a[:, J[child]] - a[:, J[parent]], axis=-1)))


def _path_speed(a: np.ndarray, fps: float) -> tuple[np.ndarray, float]:
    """The step-smoothed pelvis path (T, 2) and its mean speed along the path (m/s)."""
    path = _smooth(a[:, _PELVIS, [0, 2]], _frames(PATH_SMOOTH_S, fps))
    length = np.linalg.norm(np.diff(path, axis=0), axis=-1).sum()
    return path, float(length / max((len(a) - 1) / fps, 1e-9))


def _verdict(passed: bool, required: str, measures: dict[str, float]) -> Check:
    nums = ", ".join(f"{k} {v:.3g}" for k, v in measures.items())
    return Check(bool(passed), f"{'passed' if passed else 'failed'}: {required} ({nums})", measures)


def _sides(side: Side | None) -> tuple[Side, ...]:
    if side not in (None, *SIDES):
        raise ValueError(f"unsupported side [{side}]; use one of {SIDES} or None")
    return SIDES if side is None else (side,)


def _other(side: Side) -> Side:
    return "left" if side == "right" else "right"


def _any_side(
    side: Side | None, required: str, one: Callable[[Side], tuple[bool, dict[str, float]]]
) -> Check:
    """Passes when the named side (either side, when none is named) passes `one`; every tried side's
    measures. `required` may hold `{side}`."""
    results = [one(s) for s in _sides(side)]
    measures = {k: v for _, m in results for k, v in m.items()}
    return _verdict(any(ok for ok, _ in results), required.format(side=side or "left or right"), measures)


# ---------------------------------------------------------------------------------------------
# The checks: (joints (T, A, 22, 3), fps, side) -> Check; thresholds in the module docstring.


def _gait(joints: np.ndarray, fps: float, min_speed: float) -> Check:
    a = joints[:, 0]
    floor = _floor(a)
    m = {"speed_mps": _path_speed(a, fps)[1]}
    for s in SIDES:
        toe = a[:, J[f"{s}_foot"]]
        m[f"{s}_toe_swing_m"] = _spread(_body_offset(a, J[f"{s}_foot"], _PELVIS, fps)[0])
        speed = np.linalg.norm(np.diff(toe[:, [0, 2]], axis=0), axis=-1) * fps  # (T-1,) floor plane
        low = toe[:, 1] - floor < CONTACT_HEIGHT_M
        planted = (speed < PLANT_SPEED_MPS) & low[1:] & low[:-1]
        m[f"{s}_plants"] = float(sum(e - b >= _frames(PLANT_MIN_S, fps) for b, e in _runs(planted)))
    ok = (
        m["speed_mps"] >= min_speed
        and min(m["left_toe_swing_m"], m["right_toe_swing_m"]) >= SWING_M
        and min(m["left_plants"], m["right_plants"]) >= PLANTS_PER_TOE
    )
    required = f"travels >= {min_speed} m/s, toes swing >= {SWING_M} m, >= {PLANTS_PER_TOE} plants per toe"
    return _verdict(ok, required, m)


def walk(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Travels at a walking speed or faster on swinging, alternately planted feet."""
    return _gait(joints, fps, WALK_MIN_SPEED_MPS)


def run(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Travels at a running speed on swinging, alternately planted feet."""
    return _gait(joints, fps, RUN_MIN_SPEED_MPS)


def jump(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The pelvis rises clearly with both feet off the floor, and the figure lands again."""
    a = joints[:, 0]
    feet = a[:, list(_FEET), 1].min(axis=1) - _floor(a)  # (T,) lowest foot joint above the floor
    pelvis = a[:, _PELVIS, 1]
    airborne = feet >= AIRBORNE_M
    rise = np.where(airborne, pelvis - np.median(pelvis), -np.inf)
    apex = int(np.argmax(rise))
    m = {
        "rise_m": float(max(rise[apex], 0.0)),
        "airborne_s": float(airborne.sum() / fps),
        "landed": float(bool(airborne[apex]) and bool((feet[apex + 1 :] < CONTACT_HEIGHT_M).any())),
    }
    return _verdict(
        m["rise_m"] >= JUMP_RISE_M and m["landed"] == 1.0, f"rises >= {JUMP_RISE_M} m off the floor, lands", m
    )


def wave(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named wrist is above its shoulder for a while."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        up = a[:, J[f"{s}_wrist"], 1] - a[:, J[f"{s}_shoulder"], 1] >= WAVE_ABOVE_M
        m = {f"{s}_wrist_up_s": float(up.sum() / fps)}
        return m[f"{s}_wrist_up_s"] >= WAVE_MIN_S, m

    return _any_side(side, f"{{side}} wrist above its shoulder for >= {WAVE_MIN_S} s", one)


def _claps(gap: np.ndarray) -> int:
    """How many times a wrist gap (T,) closes to `HANDS_MEET_M` and then opens to `CLAP_APART_M`."""
    claps, met = 0, False
    for d in gap:
        if d <= HANDS_MEET_M:
            met = True
        elif d >= CLAP_APART_M and met:
            claps, met = claps + 1, False
    return claps


def clap(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The two wrists of actor 0 meet and part again."""
    a = joints[:, 0]
    gap = np.linalg.norm(a[:, J["left_wrist"]] - a[:, J["right_wrist"]], axis=-1)
    m = {"min_wrist_gap_m": float(gap.min()), "claps": float(_claps(gap))}
    return _verdict(m["claps"] >= 1, f"wrists meet (<= {HANDS_MEET_M} m) and part (>= {CLAP_APART_M} m)", m)


def _pelvis_change(joints: np.ndarray, fps: float) -> float:
    """Median pelvis height over the last `ENDS_S` minus over the first (each at most a third of the clip)."""
    y = joints[:, 0, _PELVIS, 1]
    n = min(_frames(ENDS_S, fps), max(1, len(y) // 3))
    return float(np.median(y[-n:]) - np.median(y[:n]))


def sit_down(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The pelvis ends clearly lower than it starts."""
    m = {"pelvis_drop_m": -_pelvis_change(joints, fps)}
    return _verdict(m["pelvis_drop_m"] >= SIT_DROP_M, f"pelvis drops >= {SIT_DROP_M} m", m)


def stand_up(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The pelvis ends clearly higher than it starts."""
    m = {"pelvis_rise_m": _pelvis_change(joints, fps)}
    return _verdict(m["pelvis_rise_m"] >= SIT_DROP_M, f"pelvis rises >= {SIT_DROP_M} m from a low start", m)


def kick(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named ankle rises high in front of the body while the other one stays down."""
    a = joints[:, 0]
    height = {s: a[:, J[f"{s}_ankle"], 1] - _floor(a) for s in SIDES}

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        peak = int(np.argmax(height[s]))
        m = {
            f"{s}_ankle_height_m": float(height[s][peak]),
            f"{s}_ankle_ahead_m": float(_body_offset(a, J[f"{s}_ankle"], _PELVIS, fps)[0][peak]),
            f"{s}_support_height_m": float(height[_other(s)][peak]),
        }
        ok = (
            m[f"{s}_ankle_height_m"] >= KICK_HEIGHT_M
            and m[f"{s}_ankle_ahead_m"] >= KICK_AHEAD_M
            and m[f"{s}_support_height_m"] < KICK_SUPPORT_M
        )
        return ok, m

    required = (
        f"{{side}} ankle >= {KICK_HEIGHT_M} m up, >= {KICK_AHEAD_M} m ahead; the other < {KICK_SUPPORT_M} m"
    )
    return _any_side(side, required, one)


def punch(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The named wrist reaches well forward of its shoulder on a nearly straight arm."""
    a = joints[:, 0]

    def one(s: Side) -> tuple[bool, dict[str, float]]:
        arm = _bone(a, f"{s}_shoulder", f"{s}_elbow") + _bone(a, f"{s}_elbow", f"{s}_wrist")
        ahead = _body_offset(a, J[f"{s}_wrist"], J[f"{s}_shoulder"], fps)[0]
        m = {f"{s}_reach_arms": float(ahead.max() / max(arm, 1e-9))}
        return m[f"{s}_reach_arms"] >= PUNCH_REACH, m

    return _any_side(side, f"{{side}} wrist >= {PUNCH_REACH} arm lengths ahead of its shoulder", one)


def dance(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Sustained motion of the arms and of the trunk and legs."""
    a = joints[:, 0]
    rel = a - a[:, _PELVIS : _PELVIS + 1] * np.array([1.0, 0.0, 1.0])  # floor-plane travel removed
    lag = min(_frames(DANCE_LAG_S, fps), len(a) - 1)
    speed = np.linalg.norm(rel[lag:] - rel[:-lag], axis=-1) * fps / lag  # (T - lag, 22)
    n = min(_frames(DANCE_WINDOW_S, fps), len(speed))
    starts = range(0, len(speed) - n + 1, max(1, n // 2))
    arms = np.array([speed[s : s + n, list(_ARMS)].mean() for s in starts])
    body = np.array([speed[s : s + n, list(_BODY)].mean() for s in starts])
    m = {
        "active_share": float(((arms >= DANCE_ARMS_MPS) & (body >= DANCE_BODY_MPS)).mean()),
        "arms_speed_mps": float(np.median(arms)),
        "body_speed_mps": float(np.median(body)),
    }
    required = f"arms and body move in >= {DANCE_ACTIVE:.0%} of {DANCE_WINDOW_S:g}-s windows"
    return _verdict(m["active_share"] >= DANCE_ACTIVE, required, m)


def idle(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """Upright and staying where it started."""
    a = joints[:, 0]
    leg = _bone(a, "left_hip", "left_knee") + _bone(a, "left_knee", "left_ankle")
    height = (a[:, _PELVIS, 1] - _floor(a)) / max(leg, 1e-9)
    path = _path_speed(a, fps)[0]
    m = {
        "upright_share": float((height >= IDLE_UPRIGHT).mean()),
        "travel_m": farthest(path),
    }
    ok = m["upright_share"] >= IDLE_UPRIGHT_SHARE and m["travel_m"] <= IDLE_MAX_TRAVEL_M
    return _verdict(ok, f"upright, stays within {IDLE_MAX_TRAVEL_M} m", m)


def handshake(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The two actors' named (right, when none is named) wrists stay together for a while."""
    if joints.shape[1] < 2:
        return Check(False, f"failed: a handshake needs two actors, the motion has {joints.shape[1]}")
    s = _sides(side or "right")[0]
    gap = np.linalg.norm(joints[:, 0, J[f"{s}_wrist"]] - joints[:, 1, J[f"{s}_wrist"]], axis=-1)
    m = {"min_wrist_gap_m": float(gap.min()), "held_s": float((gap <= HANDS_MEET_M).sum() / fps)}
    return _verdict(
        m["held_s"] >= SHAKE_MIN_S, f"{s} wrists within {HANDS_MEET_M} m for >= {SHAKE_MIN_S} s", m
    )


def high_five(joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The two actors' named wrists meet above both actors' shoulders."""
    if joints.shape[1] < 2:
        return Check(False, f"failed: a high five needs two actors, the motion has {joints.shape[1]}")
    a, b = joints[:, 0], joints[:, 1]
    pairs = [(s, s) for s in _sides(side)] if side is not None else [(x, y) for x in SIDES for y in SIDES]
    m = {"min_wrist_gap_m": np.inf, "meet_frames": 0.0}
    for sa, sb in pairs:
        wa, wb = a[:, J[f"{sa}_wrist"]], b[:, J[f"{sb}_wrist"]]
        gap = np.linalg.norm(wa - wb, axis=-1)
        above = (wa[:, 1] - a[:, J[f"{sa}_shoulder"], 1] >= HIGH_FIVE_ABOVE_M) & (
            wb[:, 1] - b[:, J[f"{sb}_shoulder"], 1] >= HIGH_FIVE_ABOVE_M
        )
        m["min_wrist_gap_m"] = min(m["min_wrist_gap_m"], float(gap.min()))
        m["meet_frames"] = max(m["meet_frames"], float(((gap <= HANDS_MEET_M) & above).sum()))
    required = f"{side or 'any'} wrists meet (<= {HANDS_MEET_M} m) above both shoulders"
    return _verdict(m["meet_frames"] >= 1, required, m)


CheckFn = Callable[[np.ndarray, float, "Side | None"], Check]
CHECKS: dict[str, CheckFn] = {
    "idle": idle,
    "walk": walk,
    "run": run,
    "jump": jump,
    "wave": wave,
    "clap": clap,
    "sit_down": sit_down,
    "stand_up": stand_up,
    "kick": kick,
    "punch": punch,
    "dance": dance,
    "handshake": handshake,
    "high_five": high_five,
}


def register(checks: dict[str, CheckFn]) -> None:
    """Add the checks of more actions to `CHECKS` (the modules imported at the end of this one): each
    action must be a vocabulary word and must not have a check yet."""
    unknown = sorted(set(checks) - set(ACTIONS))
    assert not unknown, f"behaviour checks outside the vocabulary: {unknown}"
    twice = sorted(set(checks) & set(CHECKS))
    assert not twice, f"behaviour checks registered twice: {twice}"
    CHECKS.update(checks)


_unknown = sorted(set(CHECKS) - set(ACTIONS))
assert not _unknown, f"behaviour checks outside the vocabulary: {_unknown}"


def check(action: str, joints: np.ndarray, fps: float, side: Side | None = None) -> Check:
    """The check of `action` on canonical joints (T, A, 22, 3) at `fps`; non-finite motion fails."""
    if action not in CHECKS:
        raise ValueError(f"unsupported behaviour action [{action}]; choose one of {sorted(CHECKS)}")
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 4 or joints.shape[2:] != (NUM_JOINTS, 3) or joints.shape[0] < 2 or joints.shape[1] < 1:
        raise ValueError(
            f"check [{action}] needs (T >= 2, A >= 1, {NUM_JOINTS}, 3) joints, got {joints.shape}"
        )
    if fps <= 0:
        raise ValueError(f"check [{action}]: fps must be > 0, got {fps}")
    if not np.isfinite(joints).all():
        return Check(False, "failed: the motion holds NaN or infinite values")
    return CHECKS[action](joints, fps, side)


# The checks of the actions added for issue #19 register themselves into CHECKS.
import stickgen.evaluate.behaviour_more  # noqa: E402, F401, I001
import stickgen.evaluate.face_checks  # noqa: E402, F401, I001  (talk, shout, ...: judged on the face)
import stickgen.evaluate.behaviour_hands  # noqa: E402, F401, I001
import stickgen.evaluate.behaviour_sport  # noqa: E402, F401, I001
import stickgen.evaluate.behaviour_everyday  # noqa: E402, F401, I001
