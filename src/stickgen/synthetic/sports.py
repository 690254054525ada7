"""Ball sports on the spot, posed by wrist targets and inverse kinematics: dribbling, shooting, batting,
catching.

Goals are in the heading frame (x = the figure's left, y = up, z = forwards), relative to the posed
shoulders. Dribbling bounces a basketball beside the front foot with one hand on bent knees; shooting
brings the ball from the chest above the head and releases it with one arm extending up and forwards
over a knee dip and a small jump; batting swings a bat held in both hands from behind the rear shoulder
across the front of the body, the chest turning with it and the front foot stepping; catching reaches
both hands out together to meet a ball at the chest or overhead and draws it in.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.gait import GRAVITY
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, keyframes, orientation, ramp, trunk


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def _shoulders(pose: PoseBuilder, ctx: ActionContext) -> dict[str, np.ndarray]:
    rest = joints(pose, ctx.body)
    return {s: rest[:, JOINT_INDEX[f"{s}_shoulder"]] for s in SIDES} | {"rest": rest}


def dribble(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Dribble a basketball on the spot with the right or left hand: the hand pushes the ball down
    beside the front of the body at waist height, knees bent, the other arm out to shield it."""
    side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))
    sign = SIDE_SIGN[side]
    t = ctx.t
    env = ramp(t, 0.0, min(rng.uniform(0.3, 0.5), 0.2 * ctx.duration))
    freq = rng.uniform(1.6, 2.3)
    bounce = 0.5 - 0.5 * np.cos(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))  # 1 = hand down
    knee_flex = (rng.uniform(20.0, 32.0) * env + 4.0 + 4.0 * bounce * env) * DEG
    bend = rng.uniform(12.0, 22.0) * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, bend=bend)
    for s in SIDES:
        pose.leg(s, bend + 0.5 * knee_flex, knee_flex, abduct=rng.uniform(7.0, 10.0) * DEG, pelvis_bend=bend)
    pose.spine(bend=0.3 * bend)
    pose.set("neck", trunk(-0.8 * bend + 8.0 * DEG))
    sh = _shoulders(pose, ctx)
    scale = ctx.body.stature / 1.75
    top = np.array([sign * rng.uniform(0.1, 0.14), -rng.uniform(0.16, 0.2), rng.uniform(0.18, 0.24)])
    depth = rng.uniform(0.24, 0.28)  # how far the hand follows the ball down (m)
    local = (top[None, :] - np.outer(bounce, [0.0, depth, 0.0])) * scale
    goal = sh[side] + to_world(ctx.yaw, local)
    wrist = sh["rest"][:, JOINT_INDEX[f"{side}_wrist"]]
    reach(pose, ctx.body, side, wrist + env[:, None] * (goal - wrist), to_world(ctx.yaw, [sign, -0.3, -0.6]))
    other = _other(side)
    guard = sh[other] + to_world(ctx.yaw, np.array([-sign * 0.15, -0.25, 0.3]) * scale)
    wrist = sh["rest"][:, JOINT_INDEX[f"{other}_wrist"]]
    reach(
        pose, ctx.body, other, wrist + env[:, None] * (guard - wrist), to_world(ctx.yaw, [-sign, -0.5, -0.3])
    )
    return planted(pose.rot, ctx.yaw, {"side": side, "bounces": int(freq * ctx.duration)})


def shoot(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """A basketball jump shot with the right or left hand: the ball comes up from the chest to above the
    forehead over a knee dip, the shooting arm extends up and forwards as the figure hops, and holds the
    follow-through."""
    side = str(rng.choice(["right", "left"], p=[0.75, 0.25]))
    sign = SIDE_SIGN[side]
    d, t = ctx.duration, ctx.t
    gather, dip, rise, hold = rng.uniform(0.4, 0.6), rng.uniform(0.25, 0.35), 0.25, rng.uniform(0.5, 0.9)
    start = rng.uniform(0.1, 0.3) * max(d - (gather + dip + rise + hold + 0.5), 0.0) + 0.05
    keys = np.cumsum([0.0, start, gather, dip, rise, hold, 0.5])
    # per key: the ball height (0 hanging, 1 chest, 2 forehead, 3 release), the knee bend and the hop
    ball = keyframes(t, keys, [0.0, 0.0, 1.0, 1.6, 3.0, 3.0, 0.0])
    knee_flex = keyframes(t, keys, [5.0, 5.0, 10.0, 40.0, 6.0, 6.0, 5.0]) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    for s in SIDES:
        pose.leg(s, 0.5 * knee_flex, knee_flex, abduct=5.0 * DEG)
    pose.set("neck", trunk(4.0 * DEG - 6.0 * DEG * np.clip(ball - 1.0, 0.0, 2.0)))
    sh = _shoulders(pose, ctx)
    scale = ctx.body.stature / 1.75
    arm = ctx.body.arm
    # ball centre per height step, relative to the shooting shoulder
    path = np.array(
        [[0.0, -0.55, 0.1], [-sign * 0.15, -0.2, 0.28], [-sign * 0.05, 0.3, 0.2], [0.0, 0.0, 0.0]]
    )
    release = np.array([0.0, 0.88 * arm * np.cos(25 * DEG), 0.88 * arm * np.sin(25 * DEG)])
    path[3] = release / scale
    k = np.clip(np.floor(ball).astype(int), 0, 2)
    u = (ball - k)[:, None]
    centre = sh[side] + to_world(ctx.yaw, ((1 - u) * path[k] + u * path[k + 1]) * scale)
    on = np.clip(ball, 0.0, 1.0)[:, None]
    for s in SIDES:
        goal = centre
        if s != side:  # the guide hand holds the side of the ball until the release
            apart = SIDE_SIGN[s] * 0.1 * scale * np.clip(2.6 - ball, 0.0, 1.0)
            goal = centre + to_world(ctx.yaw, np.stack([apart, np.zeros_like(t), np.full_like(t, -0.03)], -1))
        wrist = sh["rest"][:, JOINT_INDEX[f"{s}_wrist"]]
        pole = to_world(ctx.yaw, [SIDE_SIGN[s] * 0.6, -1.0, -0.2])
        reach(pose, ctx.body, s, wrist + on * (goal - wrist), pole)
    motion = planted(pose.rot, ctx.yaw, {"side": side})
    height = rng.uniform(0.08, 0.18)
    flight = 2.0 * np.sqrt(2.0 * height / GRAVITY)
    u = (t - keys[3]) / flight
    inside = (u > 0.0) & (u < 1.0)
    motion.lift[inside] = 4.0 * height * u[inside] * (1.0 - u[inside])
    motion.contact[inside] = 0.0
    return motion


def bat(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Swing a baseball bat, right- or left-handed: both hands on the bat behind the rear shoulder, a
    step with the front foot, then the hands sweep across the front of the body and finish over the
    front shoulder, the chest turning through."""
    side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))  # right-handed: hands start at the right
    sign = SIDE_SIGN[side]
    d, t = ctx.duration, ctx.t
    setup, load, swing, finish = rng.uniform(0.4, 0.7), rng.uniform(0.3, 0.5), rng.uniform(0.2, 0.28), 0.4
    start = rng.uniform(0.05, 0.3) * max(d - (setup + load + swing + finish + 0.3), 0.0) + 0.05
    keys = np.cumsum([0.0, start, setup, load, swing, finish])
    # the hands' midpoint from the mid-shoulders (x to the figure's left; m for a 1.75 m figure), chest turn
    x = keyframes(t, keys, [0.0, 0.0, 0.3, 0.36, -0.25, -0.3]) * sign
    y = keyframes(t, keys, [-0.55, -0.55, 0.05, 0.1, -0.25, 0.05])
    z = keyframes(t, keys, [0.1, 0.1, 0.0, -0.08, 0.4, 0.0])
    turn = keyframes(t, keys, [0.0, 0.0, 25.0, 40.0, -35.0, -55.0]) * DEG * sign
    on = keyframes(t, keys[:3], [0.0, 0.0, 1.0])
    step = keyframes(t, keys, [0.0, 0.0, 0.0, 0.5, 1.0, 1.0])
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    front, rear = _other(side), side  # a right-handed batter steps with the left foot
    stride = rng.uniform(10.0, 16.0) * DEG * step
    knee_flex = (8.0 + 8.0 * on) * DEG
    pose.set("pelvis", orientation(ctx.yaw + 0.35 * turn, bend=6.0 * DEG * on))
    pose.leg(front, 0.5 * knee_flex + stride, knee_flex, abduct=(6.0 + 4.0 * step) * DEG)
    pose.leg(rear, 0.5 * knee_flex - 0.5 * stride, knee_flex, abduct=6.0 * DEG)
    pose.spine(bend=8.0 * DEG * on, twist=0.65 * turn)
    pose.set("neck", trunk(4.0 * DEG, twist=-0.9 * turn))
    sh = _shoulders(pose, ctx)
    scale = ctx.body.stature / 1.75
    mid = 0.5 * (sh["left"] + sh["right"])
    centre = mid + to_world(ctx.yaw, np.stack([x, y, z], -1) * scale)
    for k, s in enumerate((rear, front)):  # the rear hand sits above the front one on the handle
        goal = centre + to_world(ctx.yaw, [0.0, 0.04 * (0.5 - k) * scale, 0.0])
        wrist = sh["rest"][:, JOINT_INDEX[f"{s}_wrist"]]
        pole = to_world(ctx.yaw, [SIDE_SIGN[s] * 0.7, -1.0, -0.3])
        reach(pose, ctx.body, s, wrist + on[:, None] * (goal - wrist), pole)
    return planted(pose.rot, ctx.yaw, {"side": side})


def catch(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Catch a ball at chest height or overhead: both hands come up, reach out together to meet it, and
    draw it in to the chest, the knees giving a little."""
    high = rng.random() < 0.35
    d, t = ctx.duration, ctx.t
    ready, out, absorb = rng.uniform(0.3, 0.5), rng.uniform(0.25, 0.4), rng.uniform(0.3, 0.45)
    start = rng.uniform(0.05, 0.4) * max(d - (ready + out + absorb + 0.8), 0.0) + 0.05
    keys = np.cumsum([0.0, start, ready, out, absorb])
    arm, scale = ctx.body.arm, ctx.body.stature / 1.75
    elev = (rng.uniform(35.0, 50.0) if high else rng.uniform(-10.0, 5.0)) * DEG
    far = rng.uniform(0.88, 0.95) * arm
    # the hands' midpoint from the mid-shoulders per key: hanging, ready, reaching, holding the ball
    ys = [-0.5, -0.5, -0.1 * scale, far * np.sin(elev), -0.15 * scale]
    zs = [0.1, 0.1, 0.3 * scale, far * np.cos(elev), 0.22 * scale]
    y, z = keyframes(t, keys, ys), keyframes(t, keys, zs)
    on = keyframes(t, keys[:3], [0.0, 0.0, 1.0])
    give = keyframes(t, keys, [0.0, 0.0, 0.0, 0.0, 1.0]) * (1.0 - ramp(t, keys[-1] + 0.3, 0.5))
    knee_flex = (5.0 + 12.0 * give + 6.0 * on) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    for s in SIDES:
        pose.leg(s, 0.5 * knee_flex, knee_flex, abduct=5.0 * DEG)
    pose.spine(bend=4.0 * DEG * on - 3.0 * DEG * give)
    pose.set("neck", trunk(4.0 * DEG - 0.5 * elev * on))
    sh = _shoulders(pose, ctx)
    mid = 0.5 * (sh["left"] + sh["right"])
    half = rng.uniform(0.06, 0.09) * scale  # the ball between the palms
    for s in SIDES:
        local = np.stack([SIDE_SIGN[s] * np.full_like(t, half), y, z], -1)
        goal = mid + to_world(ctx.yaw, local)
        wrist = sh["rest"][:, JOINT_INDEX[f"{s}_wrist"]]
        pole = to_world(ctx.yaw, [SIDE_SIGN[s] * 0.8, -1.0, -0.2])
        reach(pose, ctx.body, s, wrist + on[:, None] * (goal - wrist), pole)
    return planted(pose.rot, ctx.yaw, {"height": "overhead" if high else "chest"})
