"""Standing activities: sprint, point, celebrate, fight_stance, look_around, bow, stretch, dodge and fly.

A sprint is the running gait of `locomotion` pushed further (a higher stride rate and speed, a stronger
arm swing, a deeper forward lean). The others are performed on the spot from the relaxed stance
(`base.stand`): pointing holds one straight arm towards a target, celebrating throws both arms up and
hops, a fighting stance holds a guard on bent, staggered legs while the weight shifts, looking around
turns the head and the chest from side to side, a bow hinges at the hips, a stretch reaches both
straight arms overhead, a dodge leans the upper body quickly aside, and flying flaps spread arms.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.gait import GRAVITY, Gait
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.locomotion import _envelope, _gait_motion, _path
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, keyframes, orientation, ramp, trunk, window


def sprint(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Sprinting straight ahead or along a gentle curve: fast strides, pumping arms, a forward lean."""
    path = _path(rng, ctx, circle_ok=False, backwards_ok=False)
    freq, velocity = rng.uniform(1.6, 1.75), rng.uniform(5.2, 5.6)
    gait = Gait(
        duty=rng.uniform(0.24, 0.26),
        clearance=rng.uniform(0.42, 0.5),
        toe_off=rng.uniform(35.0, 45.0) * DEG,
        heel_strike=rng.uniform(0.0, 4.0) * DEG,
        roll_in=0.04,
        roll_off=0.1,
        knee=(rng.uniform(15.0, 20.0) * DEG, rng.uniform(32.0, 40.0) * DEG),
        width=rng.uniform(-0.02, 0.0),
        toe_out=rng.uniform(0.0, 4.0) * DEG,
        lift_early=0.45,
    )
    upper = {
        "lean": rng.uniform(14.0, 20.0) * DEG,
        "arm_amp": rng.uniform(45.0, 60.0) * DEG,
        "elbow_base": rng.uniform(80.0, 95.0) * DEG,
    }
    env = _envelope(ctx, rise=0.8, fall=1.0)
    return _gait_motion(rng, ctx, path, "fast", freq, velocity, env, gait, upper)


def _hold(
    rng: np.random.Generator, ctx: ActionContext, rise: float, min_hold: float
) -> tuple[np.ndarray, bool]:
    """Envelope (T,) that raises a pose over `rise` s, holds it and (when the clip allows) lowers it."""
    d = ctx.duration
    rise = min(rise, 0.3 * d)
    start = rng.uniform(0.05, 0.2) * d
    lower = d - start - 2 * rise >= min_hold + 0.3 and rng.random() < 0.6
    if lower:
        return window(ctx.t, start, d - rng.uniform(0.0, 0.2), rise), True
    return ramp(ctx.t, start, rise), False


def point(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Point ahead (or up ahead) with the right or left arm held straight, the head turned to the target."""
    side = str(rng.choice(["right", "left"], p=[0.65, 0.35]))
    up = rng.random() < 0.3
    elev = (rng.uniform(30.0, 45.0) if up else rng.uniform(-5.0, 15.0)) * DEG
    az = rng.uniform(0.0, 35.0) * DEG  # outwards, towards the pointing arm's own side
    env, lowered = _hold(rng, ctx, rng.uniform(0.35, 0.55), min_hold=1.0)
    sign = SIDE_SIGN[side]
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    look = sign * 0.6 * az * env
    pose.set("neck", trunk(4.0 * DEG - 0.4 * elev * env, twist=0.5 * look))
    pose.set("head", trunk(-0.4 * elev * env, twist=0.5 * look))
    pose.spine(twist=0.2 * look)
    rest = joints(pose, ctx.body)
    direction = np.array([sign * np.sin(az) * np.cos(elev), np.sin(elev), np.cos(az) * np.cos(elev)])
    shoulder = rest[:, JOINT_INDEX[f"{side}_shoulder"]]
    goal = shoulder + to_world(ctx.yaw, rng.uniform(0.97, 0.99) * ctx.body.arm * direction)
    wrist = rest[:, JOINT_INDEX[f"{side}_wrist"]]
    reach(pose, ctx.body, side, wrist + env[:, None] * (goal - wrist), to_world(ctx.yaw, [sign, -1.0, 0.0]))
    info = {"side": side, "direction": "up" if up else "ahead", "lowered": lowered}
    return planted(pose.rot, ctx.yaw, info)


def celebrate(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Throw both arms up in a V and hop on the spot a few times, fists shaking overhead."""
    d, t = ctx.duration, ctx.t
    rise = min(rng.uniform(0.25, 0.4), 0.2 * d)
    start = rng.uniform(0.0, 0.1) * d
    arms = ramp(t, start, rise)
    height = rng.uniform(0.07, 0.16)  # lowest foot point above the floor at the top of a hop (m)
    flight = 2.0 * np.sqrt(2.0 * height / GRAVITY)
    period = flight + rng.uniform(0.3, 0.45)  # one hop: dip, push, fly, land
    first = start + rise
    count = int(max(1, min(int(rng.integers(2, 5)), (d - first - 0.35) // period)))
    takeoffs = first + 0.2 + period * np.arange(count)
    times, knee_flex = [0.0, first], [5.0, 5.0]
    for t_off in takeoffs:
        times += [t_off - 0.15, t_off, t_off + flight, t_off + flight + 0.15]
        knee_flex += [35.0, 5.0, 12.0, 35.0]
    times.append(max(times[-1], d) + 0.4)
    knee_flex.append(6.0)
    kn = keyframes(t, times, knee_flex) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    bend = 0.3 * kn
    pose.set("pelvis", orientation(ctx.yaw, bend=bend))
    for s in SIDES:
        pose.leg(s, 0.5 * kn + bend, kn, abduct=4.0 * DEG, pelvis_bend=bend)
    pose.spine(bend=-rng.uniform(3.0, 8.0) * DEG * arms)
    pose.set("neck", trunk(-rng.uniform(5.0, 15.0) * DEG * arms))
    shake = rng.uniform(4.0, 8.0) * DEG * np.sin(2 * np.pi * rng.uniform(2.0, 3.0) * t) * arms
    abduct = rng.uniform(145.0, 160.0) * DEG
    for s in SIDES:
        elbow_flex = rng.uniform(5.0, 20.0) * DEG
        pose.arm(s, 15.0 * DEG * arms, 9.0 * DEG + (abduct - 9.0 * DEG + shake) * arms, elbow_flex)
    motion = planted(pose.rot, ctx.yaw, {"hops": count})
    for t_off in takeoffs:
        u = (t - t_off) / flight
        inside = (u > 0.0) & (u < 1.0)
        motion.lift[inside] = 4.0 * height * u[inside] * (1.0 - u[inside])
        motion.contact[inside] = 0.0
    return motion


def fight_stance(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Take a fighting stance: one foot forward, knees bent, fists up by the chin, weight rocking."""
    lead = str(rng.choice(["left", "right"], p=[0.7, 0.3]))  # the foot (and fist) in front
    rear = "left" if lead == "right" else "right"
    t = ctx.t
    env = ramp(t, rng.uniform(0.0, 0.15) * ctx.duration, min(rng.uniform(0.3, 0.5), 0.25 * ctx.duration))
    rock = np.sin(2 * np.pi * rng.uniform(0.8, 1.6) * t + rng.uniform(0, 2 * np.pi)) * env
    bounce = 0.5 - 0.5 * np.cos(2 * np.pi * rng.uniform(1.5, 2.5) * t)
    knee_flex = (rng.uniform(18.0, 28.0) + rng.uniform(3.0, 8.0) * bounce) * DEG * env + 4.0 * DEG
    stagger = rng.uniform(14.0, 22.0) * DEG * env
    turn = -SIDE_SIGN[lead] * rng.uniform(15.0, 30.0) * DEG * env  # the lead shoulder turns forwards
    bend = rng.uniform(5.0, 12.0) * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.set("pelvis", orientation(ctx.yaw, bend=bend))
    shift = rng.uniform(2.0, 4.0) * DEG * rock  # the weight rocks from one foot to the other
    pose.leg(lead, bend + 0.5 * knee_flex + stagger, knee_flex, abduct=5.0 * DEG + shift, pelvis_bend=bend)
    pose.leg(rear, bend + 0.5 * knee_flex - stagger, knee_flex, abduct=5.0 * DEG - shift, pelvis_bend=bend)
    pose.spine(bend=0.5 * bend, twist=turn)
    pose.set("neck", trunk(-0.8 * bend + 6.0 * DEG, twist=-turn))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    for s in SIDES:
        sign = SIDE_SIGN[s]
        forward = (0.3 if s == lead else 0.2) * scale
        guard = rest[:, JOINT_INDEX[f"{s}_shoulder"]] + to_world(
            ctx.yaw, [-sign * 0.1 * scale, rng.uniform(0.0, 0.06) * scale, forward]
        )
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        reach(
            pose,
            ctx.body,
            s,
            wrist + env[:, None] * (guard - wrist),
            to_world(ctx.yaw, [sign * 0.5, -1.0, -0.3]),
        )
    return planted(pose.rot, ctx.yaw, {"side": lead})


def look_around(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Look around: the head and the chest turn to one side, then the other, a few times."""
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    times, angles, now, sign = [0.0], [0.0], rng.uniform(0.1, 0.4), float(rng.choice([-1.0, 1.0]))
    while now < ctx.duration:
        move = rng.uniform(0.45, 0.8)
        times += [now, now + move]
        angles += [angles[-1], sign * rng.uniform(55.0, 85.0)]
        now += move + rng.uniform(0.3, 0.8)
        sign = -sign
    look = keyframes(ctx.t, times, angles) * DEG
    pose.spine(bend=2.0 * DEG, twist=0.45 * look)
    pose.set("neck", trunk(3.0 * DEG, twist=0.25 * look))
    pose.set("head", trunk(0.0, twist=0.3 * look))
    return planted(pose.rot, ctx.yaw, {"turns": len(times) // 2})


def bow(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Bow from the hips, arms along the body (a polite bow or a deep one), hold it, come back up."""
    deep = rng.random() < 0.5
    angle = (rng.uniform(55.0, 75.0) if deep else rng.uniform(30.0, 42.0)) * DEG
    d, t = ctx.duration, ctx.t
    down, up = min(rng.uniform(0.6, 1.0), 0.25 * d), min(rng.uniform(0.7, 1.1), 0.25 * d)
    hold = min(rng.uniform(0.4, 1.2), max(0.8 * d - down - up, 0.2))
    start = rng.uniform(0.05, 0.6) * max(d - down - hold - up - 0.2, 0.0) + 0.05
    env = window(t, start, start + down + hold + up, down, up)
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False, bend=0.75 * angle * env)
    pose.spine(bend=0.25 * angle * env)
    pose.set("neck", trunk(rng.uniform(0.0, 10.0) * DEG * env + 2.0 * DEG))
    for s in SIDES:
        pose.arm(s, rng.uniform(0.0, 6.0) * DEG, 6.0 * DEG, rng.uniform(5.0, 15.0) * DEG)
    return planted(pose.rot, ctx.yaw, {"depth": "deep" if deep else "polite"})


def stretch(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Stretch: both arms straight up overhead with the hands together, then maybe lean to each side."""
    lean = rng.random() < 0.5
    d, t = ctx.duration, ctx.t
    rise = min(rng.uniform(0.6, 0.9), 0.25 * d)
    start = rng.uniform(0.03, 0.12) * d
    # the arms always come down again: a chain's cross-fade cannot swing straight-up arms down
    env = window(t, start, d - 0.05, rise)
    side_bend = np.zeros(ctx.frames)
    if lean:  # lean to one side, then the other, over the time the arms are up
        first = float(rng.choice([-1.0, 1.0]))
        a, b = start + rise, d - 0.05 - rise
        keys = np.linspace(a, max(b, a + 0.1), 5)
        side_bend = keyframes(t, keys, [0.0, first, 0.0, -first, 0.0]) * rng.uniform(12.0, 22.0) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.spine(bend=-3.0 * DEG * env, side=side_bend)
    pose.set("neck", trunk(-rng.uniform(5.0, 12.0) * DEG * env))
    rest = joints(pose, ctx.body)
    l_sh, r_sh = rest[:, JOINT_INDEX["left_shoulder"]], rest[:, JOINT_INDEX["right_shoulder"]]
    mid = 0.5 * (l_sh + r_sh)
    up = rest[:, JOINT_INDEX["head"]] - rest[:, JOINT_INDEX["spine3"]]
    up /= np.linalg.norm(up, axis=-1, keepdims=True)
    across = l_sh - r_sh
    half = 0.5 * np.linalg.norm(across, axis=-1, keepdims=True)  # (T, 1)
    across /= 2.0 * half
    gap = 0.04 * ctx.body.stature / 1.75
    height = np.sqrt(np.maximum((0.97 * ctx.body.arm) ** 2 - (half - gap) ** 2, 0.01))
    for s in SIDES:
        goal = mid + height * up + SIDE_SIGN[s] * gap * across
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        pole = to_world(ctx.yaw, [SIDE_SIGN[s], 0.0, -0.3])
        reach(pose, ctx.body, s, wrist + env[:, None] * (goal - wrist), pole)
    return planted(pose.rot, ctx.yaw, {"lean": bool(lean)})


def dodge(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Dodge to the left or right: a quick sideways lean and dip over bent knees, a short hold, back up;
    once or twice to the same side."""
    side = str(rng.choice(SIDES))  # where the head goes
    sign = SIDE_SIGN[side]
    d, t = ctx.duration, ctx.t
    fast, hold, back = rng.uniform(0.18, 0.28), rng.uniform(0.25, 0.5), rng.uniform(0.4, 0.6)
    one = fast + hold + back
    count = 2 if d >= 2 * one + 1.2 and rng.random() < 0.4 else 1
    gap = rng.uniform(0.3, 0.6)
    start = rng.uniform(0.15, 0.6) * max(d - count * one - (count - 1) * gap - 0.2, 0.0) + 0.1
    env = np.zeros(ctx.frames)
    for k in range(count):
        s0 = start + k * (one + gap)
        env = np.maximum(env, window(t, s0, s0 + one, fast, back))
    lean = sign * rng.uniform(34.0, 44.0) * DEG * env
    knee_flex = (4.0 + rng.uniform(20.0, 35.0) * env) * DEG
    shift = -sign * rng.uniform(6.0, 9.0) * DEG * env  # the pelvis moves over towards the dodge
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    for s in SIDES:
        abduct = 5.0 * DEG + (shift if s == "left" else -shift)
        pose.leg(s, 0.5 * knee_flex, knee_flex, abduct=abduct)
        pose.arm(s, (5.0 + 30.0 * env) * DEG, (10.0 + 15.0 * env) * DEG, (15.0 + 60.0 * env) * DEG)
    pose.spine(bend=8.0 * DEG * env, side=lean)
    pose.set("neck", trunk(4.0 * DEG, side=-0.3 * lean))
    return planted(pose.rot, ctx.yaw, {"side": side, "count": count})


def fly(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Pretend to fly: both arms spread out to the sides and flap like wings, the trunk tipped forwards,
    the knees bobbing with each beat."""
    d, t = ctx.duration, ctx.t
    env = ramp(t, rng.uniform(0.0, 0.1) * d, min(rng.uniform(0.3, 0.5), 0.2 * d))
    freq = rng.uniform(1.0, 1.5)
    beat = np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))
    flap = rng.uniform(30.0, 45.0) * DEG * beat * env
    bend = rng.uniform(10.0, 22.0) * DEG * env
    knee_flex = (5.0 + rng.uniform(4.0, 10.0) * (0.5 - 0.5 * beat) * env) * DEG
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False, bend=bend)
    for s in SIDES:
        pose.leg(s, bend + 0.5 * knee_flex, knee_flex, abduct=4.0 * DEG, pelvis_bend=bend)
        abduct = 9.0 * DEG + env * (rng.uniform(85.0, 95.0) * DEG - 9.0 * DEG) + flap
        pose.arm(s, rng.uniform(-5.0, 10.0) * DEG * env, abduct, (10.0 + 10.0 * beat * env) * DEG)
    pose.set("neck", trunk(-0.8 * bend + 4.0 * DEG))
    return planted(pose.rot, ctx.yaw, {"beats": int(round(freq * d))})
