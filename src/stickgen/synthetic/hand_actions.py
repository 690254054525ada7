"""Hand actions on the spot, posed by wrist targets and inverse kinematics: drink, eat, throw, type, read.

As in `gestures`, the wrist moves from where the hanging arm puts it towards goals in the heading frame
(x = the figure's left, y = up, z = forwards): drinking lifts a cup to the mouth once and tips the head
back while it sips; eating brings the hand from table height to the mouth several times; an overhand
throw cocks the hand behind the head with the chest turned away, then whips it forwards over the
shoulder and follows through across the body; typing (seated on an unseen chair) jiggles both hands
on a keyboard; reading holds a book open in front of the chest and turns its pages.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, keyframes, orientation, ramp, trunk, window


def _mouth(rest: np.ndarray, ctx: ActionContext, side: str) -> np.ndarray:
    """(T, 3) where a hand holding a cup or a spoon is at the mouth: in front of the chin, off-centre."""
    scale = ctx.body.stature / 1.75
    local = [SIDE_SIGN[side] * 0.04 * scale, -0.07 * scale, 0.13 * scale]
    return rest[:, JOINT_INDEX["head"]] + to_world(ctx.yaw, local)


def _move(
    pose: PoseBuilder, ctx: ActionContext, side: str, weights: list[tuple[np.ndarray, np.ndarray]]
) -> None:
    """Solve `side`'s arm for a wrist that starts where it hangs and blends towards each (weight (T,),
    goal (T, 3)) in turn; the elbow points out and down."""
    rest = joints(pose, ctx.body)
    target = rest[:, JOINT_INDEX[f"{side}_wrist"]].copy()
    for w, goal in weights:
        target += w[:, None] * (goal - target)
    reach(pose, ctx.body, side, target, to_world(ctx.yaw, [SIDE_SIGN[side] * 0.8, -1.0, -0.1]))


def drink(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Lift a cup to the mouth with the right or left hand, tip the head back to sip, lower it again."""
    side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))
    d, t = ctx.duration, ctx.t
    lift = min(rng.uniform(0.5, 0.8), 0.2 * d)
    start = rng.uniform(0.05, 0.15) * d
    sip = max(min(rng.uniform(1.0, 2.2), d - start - 2 * lift - 0.2), 0.9)
    end = start + 2 * lift + sip
    env = window(t, start, end, lift)
    tilt = window(t, start + lift, end - lift + 0.3, 0.3) * rng.uniform(15.0, 30.0) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.set("neck", trunk(4.0 * DEG - 0.5 * tilt))
    pose.set("head", trunk(-0.5 * tilt))
    rest = joints(pose, ctx.body)
    _move(pose, ctx, side, [(env, _mouth(rest, ctx, side))])
    return planted(pose.rot, ctx.yaw, {"side": side, "lowered": bool(end < d)})


def eat(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Eat at a table: the right or left hand brings food from the table to the mouth several times,
    the other hand resting on the table; the head leans towards each bite."""
    side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))
    d, t = ctx.duration, ctx.t
    reach_in = min(rng.uniform(0.3, 0.5), 0.15 * d)
    trip = rng.uniform(0.9, 1.3)  # table -> mouth -> table (s)
    first = reach_in + rng.uniform(0.0, 0.3)
    count = int(max(2, min(int(rng.integers(2, 5)), (d - first - 0.2) // trip)))
    trip = min(trip, (d - first - 0.1) / count)
    times, up = [0.0, first], [0.0, 0.0]
    for k in range(count):
        t0 = first + k * trip
        times += [t0 + 0.4 * trip, t0 + 0.55 * trip, t0 + trip]
        up += [1.0, 1.0, 0.0]
    bite = keyframes(t, times, up)  # 0 at the table, 1 at the mouth
    table = window(t, 0.0, d + 1.0, reach_in)
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, bend=rng.uniform(4.0, 10.0) * DEG)
    pose.set("neck", trunk(8.0 * DEG + 6.0 * DEG * bite))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    pelvis = rest[:, JOINT_INDEX["pelvis"]]
    for s in SIDES:
        plate = pelvis + to_world(ctx.yaw, [SIDE_SIGN[s] * 0.12 * scale, 0.03 * scale, 0.33 * scale])
        weights = [(table, plate)] + ([(bite, _mouth(rest, ctx, s))] if s == side else [])
        _move(pose, ctx, s, weights)
    return planted(pose.rot, ctx.yaw, {"side": side, "bites": count})


def throw(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """An overhand throw with the right or left arm: wind up behind the head, step onto the other foot,
    whip the arm over the shoulder and follow through across the body."""
    side = str(rng.choice(["right", "left"], p=[0.75, 0.25]))
    other = "left" if side == "right" else "right"
    sign = SIDE_SIGN[side]
    d, t = ctx.duration, ctx.t
    cock, whip, follow = rng.uniform(0.5, 0.8), rng.uniform(0.14, 0.2), rng.uniform(0.3, 0.45)
    scale_t = min(1.0, (0.8 * d) / (cock + whip + follow + 0.5))
    cock, whip, follow = cock * scale_t, max(whip * scale_t, 0.1), follow * scale_t
    start = rng.uniform(0.05, 0.3) * max(d - (cock + whip + follow + 0.5), 0.0) + 0.05
    keys = [0.0, start, start + cock, start + cock + whip, start + cock + whip + follow]
    keys.append(keys[-1] + max(min(0.5, d - keys[-1]), 0.2))
    # per key: the wrist's goal from the shoulder (x out, y up, z forwards; m for a 1.75 m figure), the chest
    # turn (deg), the step onto the other foot and the arm's share of the goal
    phase = {
        "x": [0.0, 0.0, 0.22, 0.05, -0.3, 0.0],
        "y": [0.0, 0.0, 0.18, 0.28, -0.45, 0.0],
        "z": [0.0, 0.0, -0.3, 0.42, 0.3, 0.0],
        "turn": [0.0, 0.0, 30.0, -20.0, -30.0, 0.0],
        "step": [0.0, 0.0, 0.6, 1.0, 1.0, 1.0],
        "on": [0.0, 0.0, 1.0, 1.0, 1.0, 0.0],
    }
    ch = {k: keyframes(t, keys, v) for k, v in phase.items()}
    turn = sign * ch["turn"] * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    stride = rng.uniform(12.0, 20.0) * DEG * ch["step"]
    knee_flex = 6.0 * DEG + 8.0 * DEG * ch["step"]
    pose.leg(other, 0.5 * knee_flex + stride, knee_flex, abduct=4.0 * DEG)
    pose.leg(side, 0.5 * knee_flex - stride, knee_flex, abduct=4.0 * DEG)
    pose.spine(bend=6.0 * DEG * ch["step"], twist=turn)
    pose.set("neck", trunk(4.0 * DEG, twist=-0.7 * turn))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    local = np.stack([sign * ch["x"], ch["y"], ch["z"]], -1) * scale
    goal = rest[:, JOINT_INDEX[f"{side}_shoulder"]] + to_world(ctx.yaw, local)
    pole = to_world(ctx.yaw, [sign * 0.8, -0.6, -0.4])
    wrist = rest[:, JOINT_INDEX[f"{side}_wrist"]]
    reach(pose, ctx.body, side, wrist + ch["on"][:, None] * (goal - wrist), pole)
    guard = rest[:, JOINT_INDEX[f"{other}_shoulder"]] + to_world(
        ctx.yaw, np.array([-sign * 0.05, -0.15, 0.35]) * scale
    )
    _move(pose, ctx, other, [(ch["on"], guard)])
    return planted(pose.rot, ctx.yaw, {"side": side})


def typing(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Type at a desk, seated on an (unseen) chair: both hands on a keyboard in front, the fingers'
    small quick movements shaking the wrists, a hand now and then reaching across, the head bent down.

    The take starts and ends seated (`actions.STARTS_LOW`, `ENDS_LOW`).
    """
    t = ctx.t
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    lean = rng.uniform(5.0, 14.0) * DEG
    thigh, knee_flex = rng.uniform(82.0, 92.0) * DEG, rng.uniform(80.0, 95.0) * DEG
    pose.set("pelvis", orientation(ctx.yaw, bend=lean))
    for s in SIDES:
        pose.leg(s, thigh + lean, knee_flex, abduct=rng.uniform(4.0, 9.0) * DEG, pelvis_bend=lean)
    pose.spine(bend=rng.uniform(0.0, 8.0) * DEG)
    pose.set("neck", trunk(rng.uniform(12.0, 25.0) * DEG))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    pelvis = rest[:, JOINT_INDEX["pelvis"]]
    keys = pelvis + to_world(
        ctx.yaw, np.array([0.0, rng.uniform(0.22, 0.3), rng.uniform(0.36, 0.44)]) * scale
    )
    width = rng.uniform(0.1, 0.16) * scale
    for k, s in enumerate(SIDES):
        jitter = np.zeros((ctx.frames, 3))
        for f in rng.uniform(4.0, 8.0, size=3):  # finger strokes jiggle the wrist by a few millimetres
            jitter[:, 1] += 0.002 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
            jitter[:, 0] += 0.0015 * np.sin(2 * np.pi * 0.7 * f * t + rng.uniform(0, 2 * np.pi))
        across = np.zeros(ctx.frames)
        for t0 in rng.uniform(0.3, max(ctx.duration - 0.6, 0.4), size=int(rng.integers(0, 3))):
            across += window(t, t0, t0 + 0.5, 0.2) * rng.uniform(0.03, 0.07)  # reach for a far key
        local = np.stack([SIDE_SIGN[s] * (width - across), np.zeros_like(t), 0.02 * k + np.zeros_like(t)], -1)
        goal = keys + to_world(ctx.yaw, local + jitter)
        reach(pose, ctx.body, s, goal, to_world(ctx.yaw, [SIDE_SIGN[s] * 0.7, -1.0, -0.2]))
    return planted(pose.rot, ctx.yaw, {})  # seated on an unseen chair: the planted feet carry the root


def read(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Read a book held open in both hands in front of the chest, the head bent over it; the right or
    left hand turns a page now and then."""
    side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))  # the hand that turns the pages
    d, t = ctx.duration, ctx.t
    lift = min(rng.uniform(0.5, 0.8), 0.25 * d)
    env = ramp(t, rng.uniform(0.02, 0.1) * d, lift)
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.set("neck", trunk(4.0 * DEG + rng.uniform(20.0, 32.0) * DEG * env))
    pose.set("head", trunk(rng.uniform(5.0, 12.0) * DEG * env))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    l_sh, r_sh = rest[:, JOINT_INDEX["left_shoulder"]], rest[:, JOINT_INDEX["right_shoulder"]]
    book = 0.5 * (l_sh + r_sh) + to_world(
        ctx.yaw, np.array([0.0, -rng.uniform(0.15, 0.22), rng.uniform(0.3, 0.36)]) * scale
    )
    half = rng.uniform(0.09, 0.13) * scale
    turn = np.zeros(ctx.frames)
    now, pages = lift + rng.uniform(0.8, 1.5), 0
    while now + 0.8 < d:
        turn = np.maximum(turn, window(t, now, now + 0.8, 0.35))
        now, pages = now + rng.uniform(1.6, 2.8), pages + 1
    for s in SIDES:
        sign = SIDE_SIGN[s]
        sweep = turn if s == side else np.zeros_like(t)  # the turning hand sweeps across the book
        local = np.stack([sign * half * (1.0 - 2.0 * sweep), 0.04 * sweep, np.zeros_like(t)], -1)
        goal = book + to_world(ctx.yaw, local)
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        reach(pose, ctx.body, s, wrist + env[:, None] * (goal - wrist), to_world(ctx.yaw, [sign, -1.0, -0.1]))
    return planted(pose.rot, ctx.yaw, {"side": side, "pages": pages})
