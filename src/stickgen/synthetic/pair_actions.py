"""Two-actor clips with whole-body contact or sparring: a hug and a fight.

A hug: the two start an arm's length or more apart facing each other, step in together until their
pelvises are 0.28-0.42 m apart, lean in and wrap both arms around each other's back (the wrists behind
the partner's torso, one pair high across the shoulder blades, one lower), hold it, and let go.

A fight: two people spar 1.0-1.35 m apart (pelvis to pelvis) in a guard with bent knees, throwing
punches in turns at each other's face; the one punched at leans away from the blow. Nobody falls.

`interactions` registers both in `INTERACTIONS` (it imports this module at its end).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stickgen.core.rig import Body
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.interactions import Interaction
from stickgen.synthetic.motion import Motion, place, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, ramp, trunk, window

HUG_GAP_M: tuple[float, float] = (0.28, 0.42)
FIGHT_GAP_M: tuple[float, float] = (1.0, 1.35)
J = JOINT_INDEX


def _forward(yaw: float) -> np.ndarray:
    return np.array([np.sin(yaw), 0.0, np.cos(yaw)])


def _hug_actor(
    rng: np.random.Generator,
    body: Body,
    ctx: ActionContext,
    approach: np.ndarray,
    close: np.ndarray,
    walk: float,
) -> Motion:
    """One hugger without arms: steps in over `approach` (0 -> 1) by `walk` m and leans in by `close`."""
    pose = PoseBuilder(ctx.frames)
    lean = rng.uniform(6.0, 12.0) * DEG * close
    stand(rng, ctx, pose, bend=0.5 * lean)
    pose.spine(bend=0.5 * lean)
    pose.set("neck", trunk(rng.uniform(-8.0, 4.0) * DEG * close))
    # one step: the lead leg swings forwards and back while the body glides in
    lead = str(rng.choice(SIDES))
    swing = np.sin(np.pi * np.clip(approach, 0.0, 1.0))
    pose.leg(lead, 0.5 * lean + 28.0 * DEG * swing, 10.0 * DEG + 35.0 * DEG * swing, pelvis_bend=0.5 * lean)
    speed = np.gradient(approach, ctx.t) * walk  # m/s along the facing
    moving = np.clip(np.abs(speed) / max(np.abs(speed).max(), 1e-9) * 4.0, 0.0, 1.0)
    motion = planted(pose.rot, ctx.yaw, {})
    motion.contact[:] = (1.0 - moving)[:, None]
    motion.velocity[:] = speed[:, None] * np.array([np.sin(ctx.yaw), np.cos(ctx.yaw)])[None, :]
    return motion


def hug(
    rng: np.random.Generator, bodies: list[Body], frames: int, fps: float, yaw: float, start_xz: np.ndarray
) -> Interaction:
    """Step in, wrap both arms around each other's back, hold, let go."""
    t = np.arange(frames) / fps
    d = frames / fps
    step, wrap, release = rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
    lead = rng.uniform(0.05, 0.3)
    hold = max(d - lead - step - wrap - release - rng.uniform(0.1, 0.4), 0.8)
    if lead + step + wrap + hold + release > d:  # a short clip: squeeze every phase
        squeeze = d / (lead + step + wrap + hold + release + 0.05)
        lead, step, wrap, hold, release = (x * squeeze for x in (lead, step, wrap, hold, release))
    approach = ramp(t, lead, step)
    arms_on = lead + 0.6 * step
    arms = window(t, arms_on, arms_on + wrap + hold + release, wrap, release)
    gap = rng.uniform(*HUG_GAP_M) * np.mean([b.stature for b in bodies]) / 1.75
    walks = [rng.uniform(0.15, 0.35) for _ in bodies]
    yaws = [yaw, yaw + np.pi]
    fwd = _forward(yaw)
    start = np.asarray(start_xz, dtype=np.float64)
    starts = [start, start + (gap + sum(walks)) * fwd[[0, 2]]]
    ctxs = [ActionContext(b, frames, fps, y) for b, y in zip(bodies, yaws, strict=True)]
    motions = [_hug_actor(rng, b, c, approach, arms, w) for b, c, w in zip(bodies, ctxs, walks, strict=True)]
    placed = [place(m, b, fps, s) for m, b, s in zip(motions, bodies, starts, strict=True)]
    high = str(rng.choice(SIDES))  # actor 0's arm that goes over the partner's shoulder
    for k, (motion, body) in enumerate(zip(motions, bodies, strict=True)):
        root, world = placed[k]
        partner = placed[1 - k][1]
        back = -_forward(yaws[1 - k])  # from the partner's chest towards its back
        left = to_world(yaws[k], np.array([1.0, 0.0, 0.0]))
        pose = PoseBuilder(frames)
        pose.rot = motion.rot
        for s in SIDES:
            up = (s == high) == (k == 0)
            centre = partner[:, J["spine3"] if up else J["spine1"]]
            behind = centre + back * rng.uniform(0.1, 0.14) + left * SIDE_SIGN[s] * rng.uniform(0.03, 0.08)
            wrist = world[:, J[f"{s}_wrist"]]
            goal = wrist + arms[:, None] * (behind - wrist) - root
            reach(pose, body, s, goal, to_world(yaws[k], [SIDE_SIGN[s], -0.4, -0.5]))
        motion.rot = pose.rot
    on = np.flatnonzero(arms >= 0.999)
    info: dict[str, Any] = {
        "distance_m": round(float(gap), 3),
        "high_side": high,
        "hold_frames": [int(on[0]), int(on[-1]) + 1] if on.size else [0, 0],
    }
    for m in motions:
        m.info = dict(info)
    return Interaction(motions, starts, info)


def _guard(rng: np.random.Generator, ctx: ActionContext, dodge: np.ndarray, away: np.ndarray) -> PoseBuilder:
    """A boxer's stance without arms: knees bent, chin down; `dodge` (T,) leans the trunk back and to the
    side `away` (T,) (+1 the figure's left)."""
    pose = PoseBuilder(ctx.frames)
    bend = rng.uniform(8.0, 14.0) * DEG
    stand(rng, ctx, pose, bend=bend)
    knee = rng.uniform(18.0, 28.0) * DEG
    for s in SIDES:
        pose.leg(s, 0.5 * knee + bend, knee, abduct=rng.uniform(7.0, 11.0) * DEG, pelvis_bend=bend)
    pose.spine(bend=-rng.uniform(14.0, 22.0) * DEG * dodge, side=rng.uniform(12.0, 20.0) * DEG * dodge * away)
    pose.set("neck", trunk(12.0 * DEG))
    return pose


def _schedule(rng: np.random.Generator, d: float) -> list[tuple[int, float, str]]:
    """Punches as (attacker, time of full extension, side): taking turns, each actor at least once."""
    first = int(rng.integers(2))
    times, now = [], rng.uniform(0.45, 0.7)
    while now < d - 0.35 or len(times) < 2:
        times.append(min(now, d - 0.3))
        now += rng.uniform(0.5, 0.85)
        if len(times) >= 2 and times[-1] >= d - 0.35:
            break
    if times[1] - times[0] < 0.35:  # a very short clip: two quick punches
        times = [max(0.25, d / 2 - 0.25), min(d - 0.15, d / 2 + 0.2)]
    return [((first + i) % 2, t, str(rng.choice(SIDES))) for i, t in enumerate(times)]


def fight(
    rng: np.random.Generator, bodies: list[Body], frames: int, fps: float, yaw: float, start_xz: np.ndarray
) -> Interaction:
    """Spar: guards up, punches at the partner's face in turns, the partner leaning away from each."""
    t = np.arange(frames) / fps
    d = frames / fps
    punches = _schedule(rng, d)
    gap = rng.uniform(*FIGHT_GAP_M) * np.mean([b.stature for b in bodies]) / 1.75
    yaws = [yaw, yaw + np.pi]
    start = np.asarray(start_xz, dtype=np.float64)
    starts = [start, start + gap * _forward(yaw)[[0, 2]]]
    out = rng.uniform(0.08, 0.12)  # seconds from the guard to full extension
    back = rng.uniform(0.18, 0.25)
    extend = {k: {s: np.zeros(frames) for s in SIDES} for k in range(2)}
    dodge, away = np.zeros((2, frames)), np.ones((2, frames))
    for k, at, side in punches:
        e = window(t, at - out, at + 0.06 + back, out, back)
        extend[k][side] = np.maximum(extend[k][side], e)
        lean = window(t, at - out - 0.05, at + 0.1 + back, out + 0.05, back)
        dodge[1 - k] = np.maximum(dodge[1 - k], lean)
        away[1 - k] = np.where(lean > 0, -SIDE_SIGN[side], away[1 - k])  # away from the fist
    ctxs = [ActionContext(b, frames, fps, y) for b, y in zip(bodies, yaws, strict=True)]
    poses = [_guard(rng, c, dodge[k], away[k]) for k, c in enumerate(ctxs)]
    rests = [joints(p, b) for p, b in zip(poses, bodies, strict=True)]
    roots = [
        place(planted(p.rot, y, {}), b, fps, s)[0]
        for p, y, b, s in zip(poses, yaws, bodies, starts, strict=True)
    ]
    for k, (pose, body) in enumerate(zip(poses, bodies, strict=True)):
        face = rests[1 - k][:, J["neck"]] + roots[1 - k] - roots[k]  # the partner's chin, this root's frame
        for s in SIDES:
            sign = SIDE_SIGN[s]
            shoulder = rests[k][:, J[f"{s}_shoulder"]]
            guard = shoulder + to_world(yaws[k], np.array([-sign * 0.1, 0.02, 0.24]) * body.stature / 1.75)
            aim = face - shoulder
            aim[:, 1] = np.minimum(aim[:, 1], 0.04)  # a taller partner is punched at the jaw, not above it
            aim /= np.linalg.norm(aim, axis=-1, keepdims=True)
            strike = shoulder + aim * rng.uniform(0.95, 0.99) * body.arm
            goal = guard + extend[k][s][:, None] * (strike - guard)
            reach(pose, body, s, goal, to_world(yaws[k], [sign, -1.0, -0.6]))
    info: dict[str, Any] = {
        "distance_m": round(float(gap), 3),
        "punches": [[k, round(float(at), 3), s] for k, at, s in punches],
    }
    motions = [planted(p.rot, y, dict(info)) for p, y in zip(poses, yaws, strict=True)]
    return Interaction(motions, starts, info)
