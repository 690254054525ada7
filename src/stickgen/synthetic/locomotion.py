"""Locomotion generators: walk, run and jump.

Walking and running are foot-space gaits (`gait`): one phase angle per frame drives the footsteps
(the left foot touches down at multiples of 2 pi), the pelvis travels at the gait's speed, and the
legs are solved to put each foot where the plan wants it, so planted feet stay put and moving feet
are off the floor. They differ in their numbers: walking keeps a foot down (duty > 1/2) with a heel
strike and a roll over the toes; running has flight phases (duty < 1/2), a bent stance knee and a high
heel kick. Walking backwards is a forwards walk played backwards. A jump is a keyframed crouch,
take-off, ballistic flight and landing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from stickgen.core.skeleton import FOOT_JOINTS
from stickgen.synthetic.base import SIDES, ActionContext, stand
from stickgen.synthetic.gait import GRAVITY, Gait, step_legs
from stickgen.synthetic.ik import joints
from stickgen.synthetic.motion import Motion, planted, reverse
from stickgen.synthetic.posing import (
    DEG,
    PoseBuilder,
    keyframes,
    orientation,
    ramp,
    trunk,
)

# Per speed class: stride frequency (strides/s) and stride length (share of stature) of walking ...
_WALK = {
    "slow": ((0.72, 0.85), (0.62, 0.72)),
    "normal": ((0.85, 1.0), (0.75, 0.85)),
    "fast": ((1.0, 1.1), (0.85, 0.95)),
}
# ... and stride frequency and speed (m/s) of running.
_RUN = {
    "slow": ((1.22, 1.32), (2.3, 2.9)),
    "normal": ((1.32, 1.45), (3.0, 3.8)),
    "fast": ((1.45, 1.58), (4.0, 4.8)),
}
_RUN_DUTY = {"slow": 0.40, "normal": 0.36, "fast": 0.33}


def _path(
    rng: np.random.Generator, ctx: ActionContext, circle_ok: bool, backwards_ok: bool
) -> dict[str, Any]:
    """Draw a travel path: straight, a turn to one side, a full circle, or (walk only) backwards."""
    kinds = ["straight", "turn"] + (["circle"] if circle_ok else []) + (["backwards"] if backwards_ok else [])
    probs = {"straight": 0.5, "turn": 0.28, "circle": 0.14, "backwards": 0.08}
    p = np.array([probs[k] for k in kinds])
    kind = str(rng.choice(kinds, p=p / p.sum()))
    side = str(rng.choice(SIDES))
    sign = 1.0 if side == "left" else -1.0
    d = ctx.duration
    if kind == "turn":
        total = sign * rng.uniform(50.0, 110.0) * DEG
        start = rng.uniform(0.1, 0.4) * d
        span = min(rng.uniform(0.8, 1.8), max(d - start - 0.2, 0.3))
        yaw = ctx.yaw + total * ramp(ctx.t, start, span)
    elif kind == "circle":
        total = sign * rng.uniform(330.0, 400.0) * DEG
        yaw = ctx.yaw + total * ctx.t / d
    else:
        total = 0.0
        yaw = np.full(ctx.frames, ctx.yaw)
    info: dict[str, Any] = {"path": kind, "turn_deg": round(float(np.degrees(total)), 1)}
    if kind in ("turn", "circle"):
        info["turn"] = side
    return {"yaw": yaw, "info": info}


def _envelope(ctx: ActionContext, rise: float = 0.6, fall: float = 0.8) -> np.ndarray:
    """Gait amplitude over time: ramps up from standing / down to standing when asked to."""
    env = np.ones(ctx.frames)
    if ctx.ease_in:
        env *= ramp(ctx.t, 0.0, min(rise, 0.4 * ctx.duration))
    if ctx.ease_out:
        span = min(fall, 0.4 * ctx.duration)
        env *= 1.0 - ramp(ctx.t, ctx.duration - span - 1.0 / ctx.fps, span)
    return env


def _upper_body(
    rng: np.random.Generator,
    ctx: ActionContext,
    yaw: np.ndarray,
    left_ahead: np.ndarray,
    env: np.ndarray,
    lean: float,
    arm_amp: float,
    elbow_base: float,
) -> PoseBuilder:
    """Pelvis, trunk and arms of a gait; `left_ahead` (T,) is +1 when the left foot is furthest forwards.

    The pelvis turns with the leading leg, the chest against it, and each arm swings against the leg of
    its side.
    """
    pose = PoseBuilder(ctx.frames)
    twist = rng.uniform(3.0, 7.0) * DEG * env
    pose.set("pelvis", orientation(yaw - twist * left_ahead, bend=lean))
    for side, sign in zip(SIDES, (1.0, -1.0), strict=True):
        ahead = sign * left_ahead
        fwd = 3.0 * DEG - arm_amp * env * ahead
        pose.arm(side, fwd, 9.0 * DEG, elbow_base + 12.0 * DEG * env * np.maximum(0.0, -ahead))
    pose.spine(bend=0.4 * lean, twist=1.3 * twist * left_ahead)
    pose.set("neck", trunk(-0.3 * lean + 4.0 * DEG, twist=-0.3 * twist * left_ahead))
    return pose


def _gait_motion(
    rng: np.random.Generator,
    ctx: ActionContext,
    path: dict[str, Any],
    pace: str,
    freq: float,
    speed: float,
    env: np.ndarray,
    gait: Gait,
    upper: dict[str, float],
) -> Motion:
    """A gait at `freq` strides/s and `speed` m/s along `path` (`_path`): upper body, then planned legs;
    `pace` is the speed class the captions name."""
    yaw = path["yaw"]
    phase = 2 * np.pi * freq * ctx.t + rng.uniform(0, 2 * np.pi)
    pose = _upper_body(rng, ctx, yaw, np.cos(phase), env, **upper)
    contact, velocity, lift = step_legs(pose, ctx, yaw, phase, speed * env, env, gait)
    info = {"speed": pace, "cadence_hz": round(2 * freq, 3), **path["info"]}
    return Motion(pose.rot, yaw, contact, velocity, lift, info)


def walk(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Walking along a straight, turning or circular path (or backwards) at a slow/normal/fast pace.

    Walking backwards is a forwards walk played backwards in time (toes land first, heels leave last).
    """
    path = _path(rng, ctx, circle_ok=ctx.duration >= 4.0, backwards_ok=True)
    backwards = path["info"]["path"] == "backwards"
    speed = str(
        rng.choice(["slow", "normal", "fast"], p=[0.45, 0.55, 0.0] if backwards else [0.3, 0.45, 0.25])
    )
    (f_lo, f_hi), (s_lo, s_hi) = _WALK[speed]
    freq = rng.uniform(f_lo, f_hi) * (0.9 if backwards else 1.0)
    stride = rng.uniform(s_lo, s_hi) * ctx.body.stature * (0.7 if backwards else 1.0)
    lean = (rng.uniform(1.0, 4.0) + (3.0 if speed == "fast" else 0.0)) * DEG * (0.3 if backwards else 1.0)
    gait = Gait(
        duty=rng.uniform(0.58, 0.63),
        clearance=rng.uniform(0.06, 0.1),
        toe_off=rng.uniform(25.0, 35.0) * DEG,
        heel_strike=rng.uniform(10.0, 18.0) * DEG,
        roll_in=0.08,
        roll_off=0.15,
        knee=(rng.uniform(3.0, 6.0) * DEG, rng.uniform(8.0, 15.0) * DEG),
        width=rng.uniform(0.0, 0.03),
        toe_out=rng.uniform(3.0, 8.0) * DEG,
        lift_early=0.7,
    )
    upper = {
        "lean": lean,
        "arm_amp": rng.uniform(12.0, 22.0) * DEG,
        "elbow_base": rng.uniform(10.0, 25.0) * DEG,
    }
    if backwards:  # plan the forwards walk this one reverses: its start is our end
        ctx = replace(ctx, ease_in=ctx.ease_out, ease_out=ctx.ease_in)
    env = _envelope(ctx)
    motion = _gait_motion(rng, ctx, path, speed, freq, stride * freq, env, gait, upper)
    return reverse(motion) if backwards else motion


def run(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Running (jog / run / sprint) along a straight, turning or circular path, with flight phases."""
    path = _path(rng, ctx, circle_ok=ctx.duration >= 4.5, backwards_ok=False)
    speed = str(rng.choice(["slow", "normal", "fast"], p=[0.3, 0.45, 0.25]))
    (f_lo, f_hi), (v_lo, v_hi) = _RUN[speed]
    freq, velocity = rng.uniform(f_lo, f_hi), rng.uniform(v_lo, v_hi)
    lean = {"slow": 6.0, "normal": 9.0, "fast": 12.0}[speed] * DEG + rng.uniform(-2.0, 2.0) * DEG
    gait = Gait(
        duty=_RUN_DUTY[speed] + rng.uniform(-0.02, 0.02),
        clearance={"slow": 0.25, "normal": 0.33, "fast": 0.42}[speed] * rng.uniform(0.85, 1.15),
        toe_off=rng.uniform(30.0, 40.0) * DEG,
        heel_strike=rng.uniform(3.0, 8.0) * DEG,
        roll_in=0.05,
        roll_off=0.12,
        knee=(rng.uniform(12.0, 18.0) * DEG, rng.uniform(28.0, 38.0) * DEG),
        width=rng.uniform(-0.02, 0.01),
        toe_out=rng.uniform(2.0, 6.0) * DEG,
        lift_early=0.5,
    )
    upper = {
        "lean": lean,
        "arm_amp": rng.uniform(25.0, 40.0) * DEG,
        "elbow_base": rng.uniform(75.0, 95.0) * DEG,
    }
    env = _envelope(ctx, rise=0.8, fall=1.0)
    return _gait_motion(rng, ctx, path, speed, freq, velocity, env, gait, upper)


def jump(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """One to three jumps on the spot or forwards: crouch, take off, fly, land, recover."""
    height = rng.uniform(0.25, 0.45)  # lowest foot point above the floor at the apex (m)
    forward = rng.uniform(0.3, 0.8) if rng.random() < 0.3 else 0.0
    ground = np.array(
        [rng.uniform(0.3, 0.45), rng.uniform(0.18, 0.25), rng.uniform(0.15, 0.25), rng.uniform(0.35, 0.6)]
    )  # crouch, push, land, recover (s)
    lead = 0.15
    flight = 2.0 * np.sqrt(2.0 * height / GRAVITY)
    room = ctx.duration - lead - 0.1
    fits = int(room // (ground.sum() + flight))
    if fits >= 1:
        count = int(rng.integers(1, min(3, fits) + 1))
        lead += rng.uniform(0.0, 0.6) * (room - count * (ground.sum() + flight))
    else:  # a short segment: squeeze the ground phases, then the flight
        count, lead = 1, 0.05 * ctx.duration
        room = 0.9 * ctx.duration
        if ground.sum() + flight > room:
            height = min(height, max(0.08, GRAVITY / 8.0 * (0.45 * room) ** 2))
            flight = 2.0 * np.sqrt(2.0 * height / GRAVITY)
            ground *= max(0.3, (room - flight) / ground.sum())
    crouch, push, land, recover = ground
    depth = rng.uniform(50.0, 80.0)  # knee flexion at the bottom of the crouch (deg)
    keys: dict[str, list[float]] = {k: [] for k in ("time", "knee", "thigh", "bend", "toe", "arm", "elbow")}

    def key(time: float, knee: float, thigh: float, bend: float, toe: float, arm: float, elb: float) -> None:
        for name, value in zip(keys, (time, knee, thigh, bend, toe, arm, elb), strict=True):
            keys[name].append(value)

    key(0.0, 4, 2, 0, 0, 5, 15)
    takeoffs = []
    t0 = lead
    for _ in range(count):
        key(t0, 4, 2, 0, 0, 5, 15)
        key(t0 + crouch, depth, 0.6 * depth, 0.45 * depth, 0, -35, 25)
        t_off = t0 + crouch + push
        key(t_off, 3, -3, 4, -35, 85, 30)
        key(t_off + flight / 2, 18, 20, 4, -20, 125, 35)
        key(t_off + flight, 8, 8, 6, -10, 70, 30)
        key(t_off + flight + land, 0.7 * depth, 0.45 * depth, 0.3 * depth, 0, 20, 25)
        t0 = t_off + flight + land + recover
        key(t0, 4, 2, 0, 0, 5, 15)
        takeoffs.append(t_off)
    key(max(t0, ctx.duration) + 1.0, 4, 2, 0, 0, 5, 15)
    t = ctx.t
    ch = {k: keyframes(t, keys["time"], v) * DEG for k, v in keys.items() if k != "time"}
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    pose.set("pelvis", orientation(ctx.yaw, bend=ch["bend"]))
    for side in SIDES:
        pose.leg(
            side,
            ch["thigh"] + ch["bend"],
            ch["knee"],
            abduct=3.0 * DEG,
            pelvis_bend=ch["bend"],
            toe=ch["toe"],
        )
        pose.arm(side, ch["arm"], 12.0 * DEG, ch["elbow"])
    pose.spine(bend=0.3 * ch["bend"])
    pose.set("neck", trunk(-0.4 * ch["bend"]))
    motion = planted(pose.rot, ctx.yaw, {})
    feet = joints(pose, ctx.body)[:, list(FOOT_JOINTS)][..., [0, 2]].mean(axis=1)  # (T, 2) root-relative
    ahead = forward * np.array([np.sin(ctx.yaw), np.cos(ctx.yaw)])
    for t_off in takeoffs:
        u = (t - t_off) / flight
        inside = np.flatnonzero((u > 0.0) & (u < 1.0))
        if inside.size == 0:
            continue
        motion.lift[inside] = 4.0 * height * u[inside] * (1.0 - u[inside])
        motion.contact[inside] = 0.0
        # Land `forward` metres ahead of the take-off spot, whatever the legs did in the air.
        first, last = max(inside[0] - 1, 0), min(inside[-1] + 1, ctx.frames - 1)
        shift = ahead - (feet[last] - feet[first])
        motion.velocity[inside] = shift / max((last - first) / ctx.fps, 1e-6)
    motion.info = {"count": count, "height_m": round(float(height), 3), "forward_m": round(float(forward), 3)}
    return motion
