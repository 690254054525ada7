"""Everyday body actions: turn (around, or a quarter turn) and pick_up.

`turn` steps round on the spot: the body's heading sweeps through the turn while the feet take turns to
lift and set down facing the new way (each hip twists so that a planted foot keeps its direction), so
the planted foot is the pivot. `pick_up` bends down (a squat or a stoop), reaches one hand or both to the
floor in front of the feet (`ik.reach`), and comes back up holding the object in front of the waist.
Both end standing, so either may start or continue a chain (`actions`).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.floor_actions import grounded
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion
from stickgen.synthetic.posing import DEG, PoseBuilder, orientation, ramp, trunk, window

STEP_S = (0.38, 0.5)  # one step of a turn on the spot (s)


def turn(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Turn round on the spot, about 180 degrees (turn around) or 90 (a quarter turn), to one side,
    in two to four steps, the head leading; standing before and after."""
    t, d = ctx.t, ctx.duration
    around = bool(rng.random() < 0.65)
    angle = (180.0 + rng.uniform(-15.0, 10.0) if around else 90.0 + rng.uniform(-10.0, 15.0)) * DEG
    side = str(rng.choice(SIDES))
    sign = SIDE_SIGN[side]  # the heading's change: positive turns left
    steps = int(rng.integers(3, 5)) if around else 2
    step = min(rng.uniform(*STEP_S), 0.7 * d / steps)
    span = steps * step
    # early in the take: standing still facing the new way is what only this action shows
    start = min(0.1, 0.05 * d) + rng.uniform(0.0, 0.3) * max(d - span - 0.5, 0.0)
    heading = ctx.yaw + sign * angle * ramp(t, start, span)
    first = SIDES.index(side)  # the leg on the side of the turn steps first
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.set("pelvis", orientation(heading))
    contact = np.ones((ctx.frames, 2))
    for k in range(2):
        leg = SIDES[(first + k) % 2]
        ends = [start + (j + 1) * step for j in range(k, steps, 2)]
        # the foot turns to where the body will face a step later, while it is in the air
        foot = np.full(ctx.frames, ctx.yaw)
        lift = np.zeros(ctx.frames)
        for end in ends:
            target = ctx.yaw + sign * angle * float(ramp(np.array(end + step), start, span))
            foot = foot + (target - foot[-1]) * ramp(t, end - step, step)
            lift = np.maximum(lift, window(t, end - step, end, 0.5 * step))
        contact[:, SIDES.index(leg)] = 1.0 - np.clip(2.0 * lift, 0.0, 1.0)
        flex = 2.0 * DEG + rng.uniform(22.0, 30.0) * DEG * lift
        knee_flex = 4.0 * DEG + rng.uniform(40.0, 50.0) * DEG * lift
        twist = (foot - heading) * SIDE_SIGN[leg]  # written for the left leg, mirrored for the right
        pose.leg(leg, flex, knee_flex, abduct=rng.uniform(2.0, 4.0) * DEG, twist=twist)
    lead = window(t, start - 0.1, start + span, 0.3 * span)
    pose.set("neck", trunk(3.0 * DEG, twist=sign * rng.uniform(8.0, 15.0) * DEG * lead))
    n = ctx.frames
    info = {
        "side": side,
        "turn": "around" if around else "quarter",
        "angle_deg": round(float(angle / DEG), 1),
    }
    return Motion(pose.rot, heading, contact, np.zeros((n, 2)), np.zeros(n), info)


def pick_up(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Bend down, reach to the floor in front of the feet with both hands (a box) or one (a small thing),
    and stand back up holding it in front of the waist. A squat (knees deep, back fairly upright) or a
    stoop (knees softer, the back bent over); the feet stay planted throughout."""
    t, d, body = ctx.t, ctx.duration, ctx.body
    both = bool(rng.random() < 0.55)
    hand = "right" if rng.random() < 0.65 else "left"
    squat = bool(rng.random() < 0.5)
    down, up = min(rng.uniform(0.7, 1.1), 0.3 * d), min(rng.uniform(0.7, 1.1), 0.3 * d)
    hold = min(rng.uniform(0.2, 0.5), 0.1 * d)
    start = min(0.1, 0.05 * d) + rng.uniform(0.0, 0.6) * max(d - down - hold - up - 0.5, 0.0)
    rise = start + down + hold  # when the body starts back up
    env = window(t, start, rise + up, down, up)  # 0 standing, 1 at the floor
    if squat:
        knee_deep, shin, lean = rng.uniform(125.0, 140.0), rng.uniform(35.0, 42.0), rng.uniform(50.0, 60.0)
    else:
        knee_deep, shin, lean = rng.uniform(65.0, 80.0), rng.uniform(15.0, 22.0), rng.uniform(80.0, 88.0)
    b = lean * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    pose.set("pelvis", orientation(ctx.yaw, bend=b))
    for s in SIDES:
        knee_flex = (4.0 + (knee_deep - 4.0) * env) * DEG
        thigh = knee_flex - shin * DEG * env  # the thigh's world angle forward of pointing down
        pose.leg(s, thigh + b, knee_flex, abduct=rng.uniform(4.0, 8.0) * DEG, pelvis_bend=b)
    pose.spine(bend=0.15 * b)
    pose.set("neck", trunk(-0.3 * b + 8.0 * DEG * env))
    for s in SIDES:  # hanging from the bent trunk: where a hand not holding anything stays
        pose.arm(s, 0.6 * b, rng.uniform(10.0, 16.0) * DEG, rng.uniform(15.0, 30.0) * DEG)
    rel = joints(pose, body)  # (T, 22, 3), root at the origin
    floor = rel[:, list(FOOT_JOINTS), 1].min(axis=1)
    feet = rel[:, list(FOOT_JOINTS)].mean(axis=1)
    pelvis = rel[:, JOINT_INDEX["pelvis"]]
    scale = body.stature / 1.75
    ahead = rng.uniform(0.25, 0.35) * scale
    reaching = window(t, start + 0.2 * down, rise + 0.5 * up, 0.8 * down, 0.5 * up)
    holding = ramp(t, rise + 0.3 * up, 0.7 * up)
    for s in SIDES if both else [hand]:
        sign = SIDE_SIGN[s]
        hang = rel[:, JOINT_INDEX[f"{s}_wrist"]]
        on_floor = feet + to_world(ctx.yaw, np.array([sign * (0.12 if both else 0.1) * scale, 0.0, ahead]))
        on_floor[:, 1] = floor + 0.06 * scale
        held = pelvis + to_world(ctx.yaw, np.array([sign * 0.13 * scale, 0.02, 0.3]))
        target = (1.0 - holding)[:, None] * (hang + reaching[:, None] * (on_floor - hang))
        target += holding[:, None] * held
        reach(pose, body, s, target, to_world(ctx.yaw, np.array([sign * 1.0, 0.0, -0.6])))
    info = {
        "hands": "both" if both else "one",
        "side": "both" if both else hand,
        "style": "squat" if squat else "stoop",
    }
    return grounded(pose, ctx, np.ones(ctx.frames), info)
