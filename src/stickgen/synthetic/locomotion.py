"""Locomotion generators: walk, run and jump.

Gaits are driven by one phase angle per frame (phi; the left leg is forwards when sin(phi) > 0 and
swings while cos(phi) > 0). Walking keeps the stance foot planted (`Motion.contact`), so speed and
root bobbing follow from the stride; running plants each foot around mid-stance and carries the body
through the flight phases in between at the speed the stance phases gave it; a jump is a keyframed
crouch, take-off, ballistic flight and landing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stickgen.skeleton import FOOT_JOINTS
from stickgen.synthetic.base import SIDES, ActionContext, stand
from stickgen.synthetic.ik import joints
from stickgen.synthetic.motion import Motion, planted, planted_speed
from stickgen.synthetic.posing import (
    DEG,
    PoseBuilder,
    keyframes,
    orientation,
    ramp,
    smoothstep,
    trunk,
)

GRAVITY = 9.81

# Per speed class: stride frequency (strides/s), hip swing amplitude (deg).
_WALK = {
    "slow": ((0.72, 0.85), (16.0, 21.0)),
    "normal": ((0.85, 1.0), (22.0, 28.0)),
    "fast": ((1.0, 1.1), (25.0, 30.0)),
}
_RUN = {
    "slow": ((1.22, 1.32), (24.0, 29.0)),
    "normal": ((1.32, 1.45), (29.0, 35.0)),
    "fast": ((1.45, 1.58), (34.0, 39.0)),
}


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


def _gait_pose(
    rng: np.random.Generator,
    ctx: ActionContext,
    yaw: np.ndarray,
    phase: np.ndarray,
    env: np.ndarray,
    amp: float,
    knee_peak: float,
    knee_stance: float,
    lean: float,
    arm_amp: float,
    elbow_base: float,
    hip_bias: float = 0.0,
    shape: float = 0.0,
) -> PoseBuilder:
    """Legs, arms and trunk of a gait cycle (angles in radians, `env` scales the swing).

    `shape` in [0, 1) bends the hip swing from a sine (0) towards a triangle wave, which keeps the
    stance foot's speed relative to the body (hence the body's speed) more even.
    """
    pose = PoseBuilder(ctx.frames)
    twist = rng.uniform(3.0, 7.0) * DEG * env
    pose.set("pelvis", orientation(yaw - twist * np.sin(phase), bend=lean))
    for side, offset in zip(SIDES, (0.0, np.pi), strict=True):
        phi = phase + offset
        wave = np.arcsin(shape * np.sin(phi)) / np.arcsin(shape) if shape > 0 else np.sin(phi)
        flex = hip_bias * env + amp * env * wave
        swing = np.maximum(0.0, np.cos(phi + 0.3))
        knee_flex = knee_stance * env + knee_peak * env * swing + 2.0 * DEG
        toe = -12.0 * DEG * env * np.maximum(0.0, -np.sin(phi)) ** 2
        pose.leg(side, flex, knee_flex, abduct=1.5 * DEG, pelvis_bend=lean, toe=toe)
        # The arm swings against the leg of the same side.
        fwd = 3.0 * DEG - arm_amp * env * np.sin(phi)
        pose.arm(side, fwd, 9.0 * DEG, elbow_base + 12.0 * DEG * env * np.maximum(0.0, -np.sin(phi)))
    pose.spine(bend=0.4 * lean, twist=1.3 * twist * np.sin(phase))
    pose.set("neck", trunk(-0.3 * lean + 4.0 * DEG, twist=-0.3 * twist * np.sin(phase)))
    return pose


def walk(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Walking along a straight, turning or circular path (or backwards) at a slow/normal/fast pace."""
    path = _path(rng, ctx, circle_ok=ctx.duration >= 4.0, backwards_ok=True)
    backwards = path["info"]["path"] == "backwards"
    speed = str(
        rng.choice(["slow", "normal", "fast"], p=[0.45, 0.55, 0.0] if backwards else [0.3, 0.45, 0.25])
    )
    (f_lo, f_hi), (a_lo, a_hi) = _WALK[speed]
    freq = rng.uniform(f_lo, f_hi) * (0.9 if backwards else 1.0)
    amp = rng.uniform(a_lo, a_hi) * DEG * (0.75 if backwards else 1.0)
    direction = -1.0 if backwards else 1.0
    phase = direction * 2 * np.pi * freq * ctx.t + rng.uniform(0, 2 * np.pi)
    env = _envelope(ctx)
    lean = (rng.uniform(1.0, 4.0) + (3.0 if speed == "fast" else 0.0)) * DEG * (0.3 if backwards else 1.0)
    pose = _gait_pose(
        rng,
        ctx,
        path["yaw"],
        phase,
        env,
        amp=amp,
        knee_peak=rng.uniform(40.0, 55.0) * DEG,
        knee_stance=rng.uniform(3.0, 8.0) * DEG,
        lean=lean,
        arm_amp=amp * rng.uniform(0.6, 1.0),
        elbow_base=rng.uniform(10.0, 25.0) * DEG,
    )
    # The left foot is planted while its leg is not swinging (cos(phi) < 0): soft hand-over.
    contact = np.stack([smoothstep((0.15 - np.cos(phase + off)) / 0.3) for off in (0.0, np.pi)], -1)
    n = ctx.frames
    info = {"speed": speed, "cadence_hz": round(2 * freq, 3), **path["info"]}
    return Motion(pose.rot, path["yaw"], contact, np.zeros((n, 2)), np.zeros(n), info)


def run(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Running (jog / run / sprint) along a straight, turning or circular path."""
    path = _path(rng, ctx, circle_ok=ctx.duration >= 4.5, backwards_ok=False)
    speed = str(rng.choice(["slow", "normal", "fast"], p=[0.3, 0.45, 0.25]))
    (f_lo, f_hi), (a_lo, a_hi) = _RUN[speed]
    freq, amp = rng.uniform(f_lo, f_hi), rng.uniform(a_lo, a_hi) * DEG
    phase = 2 * np.pi * freq * ctx.t + rng.uniform(0, 2 * np.pi)
    env = _envelope(ctx, rise=0.8, fall=1.0)
    lean = {"slow": 6.0, "normal": 9.0, "fast": 12.0}[speed] * DEG + rng.uniform(-2.0, 2.0) * DEG
    knee_peak = {"slow": 70.0, "normal": 88.0, "fast": 98.0}[speed] * DEG
    pose = _gait_pose(
        rng,
        ctx,
        path["yaw"],
        phase,
        env,
        amp=amp,
        knee_peak=knee_peak,
        knee_stance=rng.uniform(15.0, 25.0) * DEG,
        lean=lean,
        arm_amp=amp * rng.uniform(1.0, 1.4),
        elbow_base=rng.uniform(75.0, 95.0) * DEG,
        hip_bias=8.0 * DEG,
        shape=0.9,
    )
    # Feet are planted around mid-stance; in between both are off the ground (flight), when the body
    # keeps the mean speed its planted feet gave it.
    stance = np.stack([smoothstep((-np.cos(phase + off) - 0.35) / 0.3) for off in (0.0, np.pi)], -1)
    n = ctx.frames
    lift = rng.uniform(0.03, 0.07) * env * smoothstep((0.35 - np.abs(np.cos(phase))) / 0.35)
    v = planted_speed(Motion(pose.rot, path["yaw"], stance, np.zeros((n, 2)), lift), ctx.body, ctx.fps)
    velocity = (v * env)[:, None] * np.stack([np.sin(path["yaw"]), np.cos(path["yaw"])], -1)
    contact = stance * env[:, None] + (1.0 - env[:, None])  # easing in/out from standing: feet planted
    info = {"speed": speed, "cadence_hz": round(2 * freq, 3), **path["info"]}
    return Motion(pose.rot, path["yaw"], contact, velocity, lift, info)


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
