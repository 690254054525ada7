"""Whole-body actions on the spot: idle, sit_down, stand_up, kick and dance."""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, planted, reverse
from stickgen.synthetic.posing import DEG, PoseBuilder, keyframes, orientation, ramp, trunk


def idle(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Stand: still, looking around, or with the hands on the hips."""
    variant = str(rng.choice(["still", "look", "hips"], p=[0.45, 0.35, 0.2]))
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    if variant == "look":
        times, angles, now, sign = [0.0], [0.0], rng.uniform(0.2, 0.8), float(rng.choice([-1.0, 1.0]))
        while now < ctx.duration:
            move = rng.uniform(0.4, 0.7)
            times += [now, now + move]
            angles += [angles[-1], sign * rng.uniform(25.0, 60.0)]
            now += move + rng.uniform(0.4, 1.2)
            sign = -sign
        look = keyframes(ctx.t, times, angles) * DEG
        pose.set("neck", trunk(3.0 * DEG, twist=0.4 * look))
        pose.set("head", trunk(0.0, twist=0.6 * look))
    elif variant == "hips":
        rest = joints(pose, ctx.body)
        s = ctx.body.stature
        for side in SIDES:
            sign = SIDE_SIGN[side]
            goal = rest[:, JOINT_INDEX["pelvis"]] + to_world(ctx.yaw, [sign * 0.15 * s, 0.03 * s, 0.0])
            reach(pose, ctx.body, side, goal, to_world(ctx.yaw, [sign, -0.2, -0.6]))
    return planted(pose.rot, ctx.yaw, {"variant": variant})


def _sit(rng: np.random.Generator, ctx: ActionContext) -> tuple[Motion, float]:
    """Standing -> seated on an (unseen) chair; returns the motion and the descent time (s)."""
    d = ctx.duration
    descent = min(rng.uniform(0.9, 1.6), 0.6 * d)
    spare = max(d - descent - 0.6, 0.0)  # keep >= 0.6 s on the seat when the clip allows
    start = min(0.15, 0.1 * d) + rng.uniform(0.0, 0.6) * spare
    lean = rng.uniform(25.0, 38.0)
    keys = [0.0, start, start + 0.45 * descent, start + descent]
    settle = keys + [start + descent + 0.5]  # trunk and arms settle a little after the seat is reached
    thigh = keyframes(ctx.t, keys, [2.0, 2.0, 40.0, rng.uniform(80.0, 92.0)])
    knee = keyframes(ctx.t, keys, [4.0, 4.0, 45.0, rng.uniform(82.0, 95.0)])
    bend = keyframes(ctx.t, settle, [0.0, 0.0, lean, rng.uniform(8.0, 15.0), rng.uniform(2.0, 8.0)])
    arm = keyframes(ctx.t, settle, [4.0, 4.0, rng.uniform(30.0, 50.0), 25.0, 22.0])
    elbow_flex = keyframes(ctx.t, settle, [15.0, 15.0, 30.0, 60.0, 65.0])
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    b = bend * DEG
    pose.set("pelvis", orientation(ctx.yaw, bend=b))
    for side in SIDES:
        pose.leg(side, thigh * DEG + b, knee * DEG, abduct=4.0 * DEG, pelvis_bend=b)
        pose.arm(side, arm * DEG, 10.0 * DEG, elbow_flex * DEG)
    pose.set("neck", trunk(-0.5 * b + 4.0 * DEG))
    return planted(pose.rot, ctx.yaw, {}), descent


def sit_down(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Sit down: knees and hips bend, the trunk leans forwards, the pelvis lowers onto a seat."""
    motion, descent = _sit(rng, ctx)
    motion.info = {"speed": "slow" if descent > 1.35 else "normal"}
    return motion


def stand_up(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Stand up from a seat: sitting down played backwards."""
    motion, descent = _sit(rng, ctx)
    out = reverse(motion)
    out.info = {"speed": "slow" if descent > 1.35 else "normal"}
    return out


def kick(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """One to three front kicks with the right or left leg, arms up in a guard."""
    side = str(rng.choice(["right", "left"], p=[0.65, 0.35]))
    other = "left" if side == "right" else "right"
    high = rng.random() < 0.35
    peak = rng.uniform(80.0, 100.0) if high else rng.uniform(55.0, 75.0)
    phases = np.array(
        [
            rng.uniform(0.18, 0.28),
            rng.uniform(0.15, 0.22),
            rng.uniform(0.03, 0.1),
            rng.uniform(0.15, 0.25),
            rng.uniform(0.25, 0.4),
        ]
    )  # chamber .. put down (s)
    d = ctx.duration
    prep = min(0.2, 0.15 * d)
    fits = int((d - prep - 0.3) // (phases.sum() + 0.2))
    if fits < 1:
        phases *= max(0.3, (d - prep - 0.2) / phases.sum())
    count = int(rng.integers(1, min(3, max(fits, 1)) + 1))
    prep += rng.uniform(0.0, 0.6) * max(d - prep - 0.3 - count * (phases.sum() + 0.2), 0.0)
    times, thigh, knee_flex, active = [0.0], [0.0], [4.0], [0.0]
    now = prep
    for _ in range(count):
        for dt, th, kn, act in zip(
            np.concatenate([[0.0], phases]),
            [0.0, 0.7 * peak, peak, peak, 0.7 * peak, 0.0],
            [4.0, 95.0, 5.0, 5.0, 95.0, 4.0],
            [0.0, 1.0, 1.0, 1.0, 1.0, 0.0],
            strict=True,
        ):
            now += dt
            times.append(now)
            thigh.append(th)
            knee_flex.append(kn)
            active.append(act)
        now += rng.uniform(0.1, 0.3)
    times.append(max(now, d) + 1.0)
    thigh.append(0.0)
    knee_flex.append(4.0)
    active.append(0.0)
    t = ctx.t
    th = keyframes(t, times, thigh) * DEG
    kn = keyframes(t, times, knee_flex) * DEG
    act = keyframes(t, times, active)
    guard = ramp(t, max(prep - 0.5, 0.0), min(prep, 0.5)) * (1.0 - ramp(t, now, 0.4))
    lean = -rng.uniform(5.0, 15.0) * DEG * act
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.set("pelvis", orientation(ctx.yaw, bend=lean))
    level = kn - th  # ankle angle that would keep the kicking foot level
    pose.leg(side, th + lean, kn, abduct=2.0 * DEG, pelvis_bend=lean, toe=-act * level)
    support = rng.uniform(8.0, 15.0) * DEG * act + 4.0 * DEG
    pose.leg(other, lean + 0.5 * support, support, abduct=3.0 * DEG, pelvis_bend=lean)
    pose.spine(bend=0.5 * lean)
    for s in SIDES:
        pose.arm(s, (5.0 + 35.0 * guard) * DEG, (10.0 + 10.0 * guard) * DEG, (15.0 + 80.0 * guard) * DEG)
    motion = planted(
        pose.rot, ctx.yaw, {"side": side, "count": count, "height": "high" if high else "normal"}
    )
    motion.contact[:, SIDES.index(side)] = 1.0 - np.clip(act * 4.0, 0.0, 1.0)
    return motion


def dance(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Dance on the spot to a beat: knee bounce, hip sway, and one of three arm styles."""
    style = str(rng.choice(["arms_up", "pump", "swing"]))
    bpm = rng.uniform(95.0, 132.0)
    t = ctx.t
    beat = 2 * np.pi * bpm / 60.0 * t + rng.uniform(0, 2 * np.pi)
    env = ramp(t, 0.0, rng.uniform(0.2, 0.6))
    bounce = (0.5 - 0.5 * np.cos(beat)) * env  # once per beat
    sway = np.sin(beat / 2.0) * env  # one side per beat
    knee_flex = (rng.uniform(5.0, 9.0) + rng.uniform(8.0, 18.0) * bounce) * DEG
    shift = rng.uniform(4.0, 8.0) * DEG * sway
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.leg("left", 0.5 * knee_flex, knee_flex, abduct=4.0 * DEG + shift)
    pose.leg("right", 0.5 * knee_flex, knee_flex, abduct=4.0 * DEG - shift)
    pose.spine(
        bend=3.0 * DEG * bounce,
        side=rng.uniform(4.0, 10.0) * DEG * sway,
        twist=rng.uniform(5.0, 15.0) * DEG * np.cos(beat / 2.0) * env,
    )
    pose.set("neck", trunk(4.0 * DEG * bounce))
    for s in SIDES:
        sign = SIDE_SIGN[s]
        if style == "arms_up":
            fwd, abd, elb = 10.0, rng.uniform(140.0, 165.0) + 12.0 * sign * sway, rng.uniform(10.0, 35.0)
        elif style == "pump":
            lift = np.maximum(0.0, sign * np.sin(beat / 2.0))
            fwd, abd, elb = 30.0, 90.0 + 70.0 * lift, 100.0 - 80.0 * lift
        else:
            fwd, abd, elb = 25.0 + 30.0 * sign * sway, 20.0, 80.0
        rest_fwd, rest_abd, rest_elb = 4.0, 9.0, 15.0
        pose.arm(
            s,
            (rest_fwd + env * (np.asarray(fwd) - rest_fwd)) * DEG,
            (rest_abd + env * (np.asarray(abd) - rest_abd)) * DEG,
            (rest_elb + env * (np.asarray(elb) - rest_elb)) * DEG,
        )
    return planted(pose.rot, ctx.yaw, {"style": style, "bpm": round(float(bpm), 1)})
