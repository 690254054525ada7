"""Foot-space gaits: footsteps planned on the floor, swing paths between them, legs solved to follow.

Each foot cycles through stance and swing. The stride position of a foot is `c = phase / 2 pi + offset`
(offset 0 for the left foot, 1/2 for the right): stance while `c - floor(c) < duty`, swing after. In
stance k the ball of the foot rests on the floor at a footstep chosen from where the body will be when
the ankle passes under the hip (`_PLANT`); the heel comes down after touch-down (pivot at the ankle)
and rises before lift-off (pivot at the ball). In swing the ball travels to the next footstep on a
minimum-jerk path that starts and ends at rest, lifted by `clearance`, so a foot is never near the
floor while it moves fast. The pelvis follows a planned path at the gait's speed; its height is as
high as the loaded legs reach with the knee flexion of `Gait.knee` (a lower hip at double support, the
vaulting of walking) and a ballistic arc where no foot is loaded (the flight of running). The legs are
then solved analytically (`ik.solve_leg`, knees towards the toes). The root-motion intent handed to
`motion.place` is the planned one: the pelvis velocity, the height of the lowest foot point, and as
contacts the feet that are flat on the floor (a rolling foot moves its ankle or ball, so it does not
steer the root), which makes `place` reproduce the planned pelvis path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.rig import forward_kinematics
from stickgen.core.rotations import rot_y
from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext
from stickgen.synthetic.ik import solve_leg
from stickgen.synthetic.posing import PoseBuilder, ankle, knee, smoothstep

GRAVITY = 9.81
_FOOT_OFFSETS = {"left": 0.0, "right": 0.5}  # stride position offsets
_FULL_LIFT_ENV = 0.1  # gait amplitude from which a swing lifts the foot by the full clearance
_GROUNDED_M = 0.01  # a swinging ball of foot this close to the floor still carries the body
# Share of the stance at which the ankle passes under the hip: a foot lands closer in front of the
# hip than it leaves behind it (the heel rise lengthens the trailing leg), which keeps the pelvis
# high and a landing foot within reach.
_PLANT = 0.4


@dataclass(frozen=True)
class Gait:
    """How one gait steps (lengths in metres, angles in radians, times as shares of a stride).

    Attributes:
        duty: share of a stride a foot is on the floor (walking > 1/2, running < 1/2).
        clearance: peak lift of the ball of the foot in swing.
        toe_off: foot pitch (toes down) at lift-off, reached by rolling over the ball.
        heel_strike: foot pitch (toes up) at touch-down; the foot flattens about the ankle.
        roll_in: share of the stride over which the foot flattens after touch-down.
        roll_off: share of the stride over which the heel rises before lift-off.
        knee: knee flexion of a loaded leg at touch-down / lift-off and at mid-stance (sets hip height).
        width: footsteps' lateral offset beyond the hip joints.
        toe_out: feet turned outwards.
        lift_early: < 1 lifts the foot early in swing (a running heel kick), 1 lifts it symmetrically.
    """

    duty: float
    clearance: float
    toe_off: float
    heel_strike: float
    roll_in: float
    roll_off: float
    knee: tuple[float, float]
    width: float
    toe_out: float
    lift_early: float = 1.0


def _root_path(ctx: ActionContext, yaw: np.ndarray, speed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pelvis x/z (T, 2) from the origin and its velocity (T, 2), moving at `speed` (T,) along `yaw`.

    Integrated with the trapezoid rule, as `motion.place` integrates a free velocity.
    """
    vel = speed[:, None] * np.stack([np.sin(yaw), np.cos(yaw)], axis=-1)
    steps = 0.5 * (vel[1:] + vel[:-1]) / ctx.fps
    return np.concatenate([np.zeros((1, 2)), np.cumsum(steps, axis=0)]), vel


def _interp(xq: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Piecewise-linear y(xq) over increasing x, extended linearly past both ends; y is (T,) or (T, D)."""
    y2 = y.reshape(len(x), -1)
    out = np.stack([np.interp(xq, x, col) for col in y2.T], axis=-1)
    if len(x) > 1:
        lo, hi = xq < x[0], xq > x[-1]
        out[lo] += (xq[lo, None] - x[0]) * (y2[1] - y2[0]) / (x[1] - x[0])
        out[hi] += (xq[hi, None] - x[-1]) * (y2[-1] - y2[-2]) / (x[-1] - x[-2])
    return out.reshape(xq.shape + y.shape[1:])


def _foot_vector(yaw: np.ndarray, pitch: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Ankle -> ball of foot (..., 3) for a foot facing `yaw` with its toes raised by `pitch`."""
    return (rot_y(yaw) @ ankle(pitch) @ offset[:, None])[..., 0]


def _min_jerk(u: np.ndarray) -> np.ndarray:
    """0 -> 1 with zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10.0 - 15.0 * u + 6.0 * u**2)


@dataclass(frozen=True)
class _FootPlan:
    ankle: np.ndarray  # (T, 3) world ankle target
    yaw: np.ndarray  # (T,) foot yaw
    pitch: np.ndarray  # (T,) foot pitch (toes up)
    loaded: np.ndarray  # (T,) bool: carries the body (stance, or a swing too low to leave the floor)
    weight: np.ndarray  # (T,) contact: 1 while flat on the floor, else 0
    knee: np.ndarray  # (T,) planned knee flexion while loaded


def _plan_foot(
    ctx: ActionContext,
    side: str,
    phase: np.ndarray,
    path: np.ndarray,
    yaw: np.ndarray,
    env: np.ndarray,
    gait: Gait,
) -> _FootPlan:
    """Footsteps and the ankle path of one foot (see the module docstring)."""
    t = ctx.t
    offset = ctx.body.offsets[JOINT_INDEX[f"{side}_foot"]]
    sign = SIDE_SIGN[side]
    lateral = sign * (abs(ctx.body.offsets[JOINT_INDEX[f"{side}_hip"], 0]) + gait.width)
    cycle = phase / (2 * np.pi) + _FOOT_OFFSETS[side]
    k = np.floor(cycle)
    s = cycle - k  # (T,) stride position within the cycle

    def step(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat-foot ball position (T, 3) and foot yaw (T,) of footstep `index` (T,)."""
        under = _interp(index + gait.duty * _PLANT, cycle, t)  # when the ankle passes under the hip
        y = np.interp(under, t, yaw)
        foot_yaw = y + sign * gait.toe_out
        hip = _interp(under, t, path)
        side_step = np.stack([np.cos(y), -np.sin(y)], axis=-1) * lateral  # the figure's left, x/z
        ahead = np.stack([np.sin(foot_yaw), np.cos(foot_yaw)], axis=-1) * offset[2]
        xz = hip + side_step + ahead
        return np.stack([xz[:, 0], np.zeros_like(under), xz[:, 1]], axis=-1), foot_yaw

    here, yaw_here = step(k)
    nxt, yaw_next = step(k + 1.0)
    stance = s < gait.duty
    zero = np.zeros_like(s)
    # Stance: heel comes down (ankle fixed), flat, heel rises (ball fixed).
    heel_in = gait.heel_strike * env * (1.0 - smoothstep(s / gait.roll_in))
    rise = smoothstep((s - gait.duty + gait.roll_off) / gait.roll_off)
    heel_off = -gait.toe_off * env * rise
    flat = _foot_vector(yaw_here, zero, offset)
    rolling_off = s > gait.duty - gait.roll_off
    stance_pitch = np.where(rolling_off, heel_off, heel_in)
    stance_ankle = np.where(
        rolling_off[:, None], here - _foot_vector(yaw_here, heel_off, offset), here - flat
    )
    # Swing: the ball from lift-off to its touch-down spot, toes from down to up.
    u = np.clip((s - gait.duty) / (1.0 - gait.duty), 0.0, 1.0)
    start_pitch, end_pitch = -gait.toe_off * env, gait.heel_strike * env
    land_ankle = nxt - _foot_vector(yaw_next, zero, offset)
    land_ball = land_ankle + _foot_vector(yaw_next, end_pitch, offset)
    blend = smoothstep(u)
    ball = here + (land_ball - here) * _min_jerk(u)[:, None]
    # A foot that moves at all is lifted clear of the floor: even the first, short steps.
    lift = gait.clearance * smoothstep(env / _FULL_LIFT_ENV)
    ball[:, 1] = land_ball[:, 1] * blend + lift * np.sin(np.pi * u**gait.lift_early)
    swing_yaw = yaw_here + (yaw_next - yaw_here) * blend
    swing_pitch = start_pitch + (end_pitch - start_pitch) * blend
    swing_ankle = ball - _foot_vector(swing_yaw, swing_pitch, offset)

    lo, hi = gait.knee
    return _FootPlan(
        ankle=np.where(stance[:, None], stance_ankle, swing_ankle),
        yaw=np.where(stance, yaw_here, swing_yaw),
        pitch=np.where(stance, stance_pitch, swing_pitch),
        loaded=stance | (ball[:, 1] < _GROUNDED_M),  # a swing that barely lifts (easing) bears weight
        weight=(stance & (np.abs(stance_pitch) < 1e-6)).astype(np.float64),
        knee=lo + (hi - lo) * np.sin(np.pi * np.clip(s / gait.duty, 0.0, 1.0)),
    )


def _smooth(y: np.ndarray) -> np.ndarray:
    """A 3-frame minimum, then two passes of a [1, 2, 1] / 4 filter (edges held)."""
    pad = np.pad(y, 1, mode="edge")
    y = np.minimum(np.minimum(pad[:-2], pad[1:-1]), pad[2:])
    for _ in range(2):
        pad = np.pad(y, 1, mode="edge")
        y = 0.25 * pad[:-2] + 0.5 * pad[1:-1] + 0.25 * pad[2:]
    return y


def _pelvis_height(
    ctx: ActionContext,
    plans: list[_FootPlan],
    hips: list[np.ndarray],
    path: np.ndarray,
    thigh: float,
    shank: float,
) -> np.ndarray:
    """(T,) pelvis height: as high as the loaded legs reach; ballistic where no foot is loaded."""
    caps = []
    for plan, hip in zip(plans, hips, strict=True):
        reach_sq = thigh**2 + shank**2 + 2.0 * thigh * shank * np.cos(plan.knee)
        across = plan.ankle[:, [0, 2]] - (path + hip[:, [0, 2]])
        below = np.sqrt(np.maximum(reach_sq - np.sum(across**2, axis=-1), 0.25 * reach_sq))
        caps.append(np.where(plan.loaded, plan.ankle[:, 1] - hip[:, 1] + below, np.inf))
    y = np.min(caps, axis=0)
    held = np.isfinite(y)
    if not held.any():
        raise ValueError("a gait needs at least one loaded foot")
    idx = np.flatnonzero(held)
    t = ctx.t
    out = np.interp(t, t[idx], y[idx])
    # Flight: a ballistic arc between the last loaded frame before and the first after.
    before = np.searchsorted(idx, np.arange(ctx.frames), side="right") - 1
    inside = ~held & (before >= 0) & (before < len(idx) - 1)
    a, b = t[idx[before[inside]]], t[idx[before[inside] + 1]]
    out[inside] += 0.5 * GRAVITY * (t[inside] - a) * (b - t[inside])
    return _smooth(out)


def step_legs(
    pose: PoseBuilder,
    ctx: ActionContext,
    yaw: np.ndarray,
    phase: np.ndarray,
    speed: np.ndarray,
    env: np.ndarray,
    gait: Gait,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plan the footsteps, solve both legs into `pose` and return the root-motion intent.

    Args:
        pose: the pose to edit; its pelvis must already be final.
        ctx: the action context.
        yaw: (T,) travel heading.
        phase: (T,) increasing gait phase (radians); the left foot touches down at multiples of 2 pi.
        speed: (T,) pelvis speed along `yaw` (m/s).
        env: (T,) gait amplitude in [0, 1] (0 = standing still, feet together).
        gait: how the gait steps.

    Returns:
        contact (T, 2), velocity (T, 2) and lift (T,) for `motion.Motion`.
    """
    body = ctx.body
    path, velocity = _root_path(ctx, yaw, speed)
    pelvis = pose.rot[:, 0]
    hips = [pelvis @ body.offsets[JOINT_INDEX[f"{side}_hip"]] for side in SIDES]  # (T, 3) each
    plans = [_plan_foot(ctx, side, phase, path, yaw, env, gait) for side in SIDES]
    thigh, shank = body.bone("left_knee"), body.bone("left_ankle")
    height = _pelvis_height(ctx, plans, hips, path, thigh, shank)
    root = np.stack([path[:, 0], height, path[:, 1]], axis=-1)
    for side, plan, hip in zip(SIDES, plans, hips, strict=True):
        forward = np.stack([np.sin(plan.yaw), np.zeros_like(plan.yaw), np.cos(plan.yaw)], axis=-1)
        hip_rot, flex = solve_leg(plan.ankle - (root + hip), forward, thigh, shank)
        pose.set(f"{side}_hip", np.swapaxes(pelvis, -1, -2) @ hip_rot)
        pose.set(f"{side}_knee", knee(flex))
        shin = hip_rot @ knee(flex)
        pose.set(f"{side}_ankle", np.swapaxes(shin, -1, -2) @ rot_y(plan.yaw) @ ankle(plan.pitch))
    rel = forward_kinematics(np.zeros(3), pose.rot, body.offsets)[0]
    lift = np.maximum(height + rel[:, list(FOOT_JOINTS), 1].min(axis=1), 0.0)
    contact = np.stack([plan.weight for plan in plans], axis=-1)
    return contact, velocity, lift
