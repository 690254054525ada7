"""Baseball besides batting and catching (`sports`): running the bases, pitching and fielding.

Running the bases: a run (3.0-4.6 m/s) along a curve that turns left the whole time (100-150 deg over
the take, like rounding a base), leaning into the turn. Pitching, right- or left-handed: from the set
(hands together at the chest) the front knee (the glove side) lifts high, the front foot strides
forwards while the throwing hand goes back and up behind the head, then the arm whips over the top
and down across the body. Fielding: a low ready crouch, a few quick shuffles sideways, then a deeper
scoop that brings both hands to the ground in front of the feet and up to the chest.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.gait import Gait
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.locomotion import _envelope, _gait_motion
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, keyframes, orientation, ramp, trunk

J = JOINT_INDEX


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def running_bases(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Run along a curve that keeps turning left, as when rounding a base."""
    total = rng.uniform(100.0, 150.0) * DEG
    yaw = ctx.yaw + total * np.clip(ctx.t / ctx.duration, 0.0, 1.0)
    velocity = rng.uniform(3.0, 4.6)
    freq = rng.uniform(1.35, 1.55)
    gait = Gait(
        duty=rng.uniform(0.33, 0.37),
        clearance=rng.uniform(0.28, 0.38),
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
        "lean": rng.uniform(9.0, 13.0) * DEG,
        "arm_amp": rng.uniform(28.0, 40.0) * DEG,
        "elbow_base": rng.uniform(75.0, 95.0) * DEG,
    }
    path = {
        "yaw": yaw,
        "info": {"path": "bases", "turn": "left", "turn_deg": round(float(np.degrees(total)), 1)},
    }
    motion = _gait_motion(rng, ctx, path, "fast", freq, velocity, _envelope(ctx, 0.8, 1.0), gait, upper)
    # lean into the turn: tilt the whole body to the left
    lean = orientation(0.0, side=-rng.uniform(6.0, 10.0) * DEG)
    motion.rot[:, J["spine1"]] = lean @ motion.rot[:, J["spine1"]]
    return motion


def _pitch_keys(rng: np.random.Generator, d: float) -> np.ndarray:
    """Times of: start, set, knee up, stride / arm cocked, release, follow-through, recovered."""
    spans = [rng.uniform(0.3, 0.5), rng.uniform(0.45, 0.65), rng.uniform(0.3, 0.4), rng.uniform(0.12, 0.16)]
    spans += [rng.uniform(0.3, 0.4), 0.5]
    lead = rng.uniform(0.05, 0.3) * max(d - sum(spans) - 0.2, 0.0) + 0.05
    keys = np.cumsum([0.0, lead, *spans])
    return keys * min(1.0, (d - 0.05) / keys[-1])


def pitching(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """A baseball pitch: set, knee lift, stride with the arm cocked behind the head, overhand whip."""
    side = str(rng.choice(["right", "left"], p=[0.75, 0.25]))
    sign, front = SIDE_SIGN[side], _other(side)
    keys = _pitch_keys(rng, ctx.duration)
    t = ctx.t
    lift = keyframes(t, keys, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    stride = keyframes(t, keys, [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    fold = keyframes(t, keys, [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.3])  # trunk bends over the release
    turn = keyframes(t, keys, [0.0, 0.0, 0.0, -20.0, -35.0, 25.0, 40.0, 20.0]) * DEG * sign
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    bend = (8.0 + 22.0 * fold) * DEG
    pose.set("pelvis", orientation(ctx.yaw + 0.4 * turn, bend=bend))
    reach_out = rng.uniform(28.0, 36.0) * DEG
    pose.leg(
        front,
        bend + rng.uniform(85.0, 100.0) * DEG * lift + reach_out * stride,
        (20.0 + 70.0 * lift + 10.0 * stride) * DEG,
        abduct=6.0 * DEG,
        pelvis_bend=bend,
    )
    pose.leg(
        side,
        bend - 22.0 * DEG * stride + 5.0 * DEG,
        (8.0 + 12.0 * stride) * DEG,
        abduct=6.0 * DEG,
        pelvis_bend=bend,
    )
    pose.spine(bend=0.3 * bend, twist=0.6 * turn)
    pose.set("neck", trunk(6.0 * DEG - 0.5 * bend, twist=-0.8 * turn))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    mid = 0.5 * (rest[:, J["left_shoulder"]] + rest[:, J["right_shoulder"]])
    # the throwing hand relative to its shoulder per key (x to the figure's left, y up, z forwards)
    # (the hand breaks from the glove and swings out and back, so the elbow never folds shut)
    xs = [0.0, 0.0, sign * 0.05, sign * 0.15, sign * 0.28, -sign * 0.08, sign * 0.3, 0.0]
    ys = [-0.55, -0.55, -0.28, -0.3, 0.18, 0.05, -0.45, -0.55]
    zs = [0.1, 0.1, 0.3, 0.2, -0.32, 0.5, 0.3, 0.1]
    local = np.stack([keyframes(t, keys, v) for v in (xs, ys, zs)], -1) * scale
    goal = rest[:, J[f"{side}_shoulder"]] + to_world(ctx.yaw, local)
    glove = mid + to_world(
        ctx.yaw,
        np.stack(
            [
                keyframes(t, keys, [0.0, 0.0, 0.05 * sign, 0.05 * sign, -sign * 0.1, 0.0, 0.0, 0.0]),
                keyframes(t, keys, [-0.5, -0.5, -0.25, -0.22, -0.1, -0.2, -0.35, -0.5]),
                keyframes(t, keys, [0.1, 0.1, 0.3, 0.3, 0.4, 0.25, 0.15, 0.1]),
            ],
            -1,
        )
        * scale,
    )
    reach(pose, ctx.body, side, goal, to_world(ctx.yaw, [sign, -0.6, -0.4]))
    reach(pose, ctx.body, front, glove, to_world(ctx.yaw, [-sign, -1.0, -0.2]))
    motion = planted(pose.rot, ctx.yaw, {"side": side})
    motion.contact[:, 0 if front == "left" else 1] = 1.0 - np.clip(lift * 3.0, 0.0, 1.0) * (stride < 0.999)
    return motion


def fielding(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """A fielder's crouch, quick shuffles to one side, then both hands scoop a ball off the ground."""
    d, t = ctx.duration, ctx.t
    way = str(rng.choice(SIDES))
    ready, shuffle, scoop, up = rng.uniform(0.3, 0.5), rng.uniform(0.7, 1.0), rng.uniform(0.4, 0.55), 0.5
    lead = rng.uniform(0.0, 0.3) * max(d - ready - shuffle - scoop - up - 0.3, 0.0) + 0.05
    keys = np.cumsum([0.0, lead, ready, shuffle, scoop, 0.25, up])
    keys = keys * min(1.0, (d - 0.05) / keys[-1])
    crouch = keyframes(t, keys, [0.0, 0.0, 1.0, 1.0, 1.4, 1.4, 0.6])
    low = keyframes(t, keys, [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0])  # the hands at the ground
    moving = np.clip((t >= keys[2]) & (t <= keys[3]), 0.0, 1.0).astype(float)
    steps = max(2, int(round((keys[3] - keys[2]) * rng.uniform(2.5, 3.5))))
    hop = np.sin(np.pi * steps * np.clip((t - keys[2]) / (keys[3] - keys[2]), 0.0, 1.0)) ** 2 * moving
    pose = PoseBuilder(ctx.frames)
    bend = (15.0 * crouch + 25.0 * low) * DEG
    stand(rng, ctx, pose, arms=False, bend=bend)
    knee = (75.0 * crouch + 10.0 * low) * DEG
    for s in SIDES:
        spread = (14.0 + 4.0 * hop * (1.0 if s == way else -1.0)) * DEG
        pose.leg(s, bend + 0.5 * knee, knee, abduct=spread, pelvis_bend=bend)
    pose.spine(bend=(10.0 + 25.0 * low) * DEG)
    pose.set("neck", trunk(-(15.0 + 20.0 * low) * DEG))
    rest = joints(pose, ctx.body)
    floor = rest[:, list(FOOT_JOINTS), 1].min(axis=1)  # root-relative floor height
    scale = ctx.body.stature / 1.75
    mid = 0.5 * (rest[:, J["left_shoulder"]] + rest[:, J["right_shoulder"]])
    for s in SIDES:
        ready_hand = mid + to_world(ctx.yaw, np.array([SIDE_SIGN[s] * 0.15, -0.35, 0.3]) * scale)
        ground = rest[:, J["pelvis"]] + to_world(ctx.yaw, np.array([SIDE_SIGN[s] * 0.07, 0.0, 0.45]) * scale)
        ground[:, 1] = floor + rng.uniform(0.1, 0.16)
        goal = ready_hand + low[:, None] * (ground - ready_hand)
        reach(pose, ctx.body, s, goal, to_world(ctx.yaw, [SIDE_SIGN[s], -0.3, -0.6]))
    motion = planted(pose.rot, ctx.yaw, {"direction": way})
    speed = rng.uniform(1.2, 1.7) * ramp(t, keys[2], 0.15) * (1.0 - ramp(t, keys[3] - 0.15, 0.15))
    motion.contact[:] = (1.0 - np.clip(speed / 0.3, 0.0, 1.0))[:, None]
    motion.velocity[:] = (
        speed[:, None] * to_world(ctx.yaw, np.array([SIDE_SIGN[way], 0.0, 0.0]))[None, [0, 2]]
    )
    return motion
