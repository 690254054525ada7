"""Actions that go down towards or onto the floor: crouch, kneel, lie_down, crawl and fall.

They are keyframed joint angles (`posing`) from the relaxed stance. The body may rest on more than
the feet here (a knee, the pelvis, the back), so `grounded` sets the root-motion intent itself: the
lowest body point (feet, or a knee, the pelvis, the spine or the head less its thickness `_RADIUS`)
rests on the floor, and the root stays where the anchor wants it: the planted feet while the body
stands or squats over them (`weight` 1), the pelvis once it sits or lies on the floor (`weight` 0).
Each of them ends low: a chain never continues from one (`actions.ENDS_LOW`).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX
from stickgen.synthetic.base import SIDES, ActionContext, stand
from stickgen.synthetic.ik import joints
from stickgen.synthetic.motion import Motion
from stickgen.synthetic.posing import DEG, PoseBuilder, ankle, keyframes, orientation, trunk

# How far (m, for a 1.75 m figure) the body surface lies below a joint that may touch the floor.
_RADIUS = {"pelvis": 0.09, "spine1": 0.08, "spine2": 0.08, "spine3": 0.08, "head": 0.09, "neck": 0.06}
_RADIUS |= {f"{s}_{j}": r for s in SIDES for j, r in (("knee", 0.05), ("elbow", 0.04), ("wrist", 0.03))}


def grounded(pose: PoseBuilder, ctx: ActionContext, weight: np.ndarray, info: dict) -> Motion:
    """The motion of `pose`: the lowest body point on the floor, feet planted in proportion to `weight`.

    Args:
        pose: the finished pose.
        ctx: the action context.
        weight: (T,) 1 while the feet carry the body (they stay put), 0 once the pelvis rests on the
            floor (it stays put; the feet may slide).
        info: the action's facts for the captions.
    """
    rel = joints(pose, ctx.body)  # (T, 22, 3), root at the origin
    scale = ctx.body.stature / 1.75
    names = list(_RADIUS)
    idx = [JOINT_INDEX[n] for n in names]
    radius = np.array([_RADIUS[n] for n in names]) * scale
    lowest_body = (rel[:, idx, 1] - radius).min(axis=1)
    lowest_foot = rel[:, list(FOOT_JOINTS), 1].min(axis=1)
    lift = np.maximum(lowest_foot - lowest_body, 0.0)
    n = ctx.frames
    contact = np.repeat(np.clip(weight, 0.0, 1.0)[:, None], 2, axis=1)
    return Motion(pose.rot, np.full(n, ctx.yaw), contact, np.zeros((n, 2)), lift, info)


def _timing(rng: np.random.Generator, ctx: ActionContext, lo: float, hi: float) -> tuple[float, float]:
    """When the descent starts and how long it takes (s), leaving >= 0.5 s at the bottom when possible."""
    d = ctx.duration
    span = min(rng.uniform(lo, hi), 0.7 * d)
    start = min(0.15, 0.05 * d) + rng.uniform(0.0, 0.5) * max(d - span - 0.6, 0.0)
    return start, span


def _keyed(
    rng: np.random.Generator, ctx: ActionContext, keys: list[float], degrees: dict[str, list[float]]
) -> tuple[PoseBuilder, dict[str, np.ndarray]]:
    """Each channel of `degrees` eased through its values at `keys` (s), in radians, and a relaxed stance
    (arms left at rest for the action to set) whose pelvis tips forwards by the `bend` channel."""
    c = {k: keyframes(ctx.t, keys, v) * DEG for k, v in degrees.items()}
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    pose.set("pelvis", orientation(ctx.yaw, bend=c["bend"]))
    return pose, c


def crouch(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Crouch down low on both feet (knees deep, trunk leaning forwards), and maybe rise again."""
    d = ctx.duration
    start, span = _timing(rng, ctx, 0.6, 1.1)
    bottom = start + span
    rise = bottom + rng.uniform(0.6, 1.2) < d - 0.7 and rng.random() < 0.45
    keys = [0.0, start, bottom]
    knee_deep = rng.uniform(112.0, 135.0)
    shin = rng.uniform(32.0, 42.0)  # forward lean of the shins at the bottom (deg)
    lean = rng.uniform(25.0, 40.0)
    values = {"knee": [4.0, 4.0, knee_deep], "thigh": [2.0, 2.0, knee_deep - shin], "bend": [0.0, 0.0, lean]}
    values["arm"] = [4.0, 4.0, rng.uniform(20.0, 60.0)]
    if rise:
        up = bottom + rng.uniform(0.6, 1.2)
        keys += [up, up + span]
        for k in values:
            values[k] += [values[k][-1], values[k][0]]
    pose, ch = _keyed(rng, ctx, keys, values)
    b = ch["bend"]
    for side in SIDES:
        pose.leg(side, ch["thigh"] + b, ch["knee"], abduct=rng.uniform(2.0, 4.0) * DEG, pelvis_bend=b)
        pose.arm(side, ch["arm"] + 4.0 * DEG, 12.0 * DEG, 15.0 * DEG + 0.5 * ch["arm"])
    pose.spine(bend=0.2 * b)
    pose.set("neck", trunk(-0.6 * b + 4.0 * DEG))
    return grounded(pose, ctx, np.ones(ctx.frames), {"rises": bool(rise)})


def kneel(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Kneel on one knee: that leg steps back and its knee goes down to the floor, the instep flat
    behind it, while the other foot stays planted in front with its shin upright."""
    side = str(rng.choice(["right", "left"], p=[0.6, 0.4]))  # the knee that goes down
    front = "left" if side == "right" else "right"
    body, t = ctx.body, ctx.t
    start, span = _timing(rng, ctx, 1.0, 1.6)
    thigh, shank = body.bone("left_knee"), body.bone("left_ankle")
    ankle_h = -body.offsets[JOINT_INDEX["left_foot"], 1]  # ankle above the ball of a level foot
    knee_r = _RADIUS["left_knee"] * body.stature / 1.75
    back = rng.uniform(0.0, 8.0)  # the kneeling thigh leans back from vertical (deg)
    # The front thigh rises so both legs hold the pelvis at one height (shin upright, foot flat).
    hip_h = knee_r + thigh * np.cos(back * DEG)
    front_thigh = np.degrees(np.arccos(np.clip((hip_h - ankle_h - shank) / thigh, -1.0, 1.0)))
    keys = [0.0, start, start + 0.35 * span, start + span]
    bend_end = rng.uniform(0.0, 6.0)
    ch = {
        "k_thigh": [0.0, 0.0, -18.0, -back],
        "k_knee": [4.0, 4.0, 40.0, 92.0],
        "f_thigh": [0.0, 0.0, 25.0, front_thigh],
        "f_knee": [4.0, 4.0, 35.0, front_thigh],
        "bend": [0.0, 0.0, 12.0, bend_end],
        "point": [0.0, 0.0, 30.0, rng.uniform(80.0, 95.0)],
        "arm": [4.0, 4.0, 18.0, rng.uniform(5.0, 25.0)],
    }
    pose, c = _keyed(rng, ctx, keys, ch)
    b = c["bend"]
    pose.leg(side, c["k_thigh"] + b, c["k_knee"], abduct=4.0 * DEG, pelvis_bend=b)
    # The kneeling foot stretches back along the floor (the instep down), continuing the shin.
    pose.limb(side, "ankle", ankle(-c["point"]))
    pose.leg(front, c["f_thigh"] + b, c["f_knee"], abduct=6.0 * DEG, pelvis_bend=b)
    pose.spine(bend=0.3 * b)
    pose.set("neck", trunk(-0.5 * b + 5.0 * DEG))
    for s in SIDES:
        pose.arm(s, c["arm"], 10.0 * DEG, 20.0 * DEG + c["arm"])
    weight = np.ones(ctx.frames)
    motion = grounded(pose, ctx, weight, {"side": side})
    motion.contact[:, SIDES.index(side)] = 1.0 - keyframes(t, keys[:3], [0.0, 0.0, 1.0])
    return motion


def lie_down(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Lie down on the back: squat, sit down on the floor behind the feet, then lie back with the legs
    stretched out and the arms by the sides."""
    t = ctx.t
    start, span = _timing(rng, ctx, 2.0, 3.0)
    squat, sit = start + 0.3 * span, start + 0.6 * span
    keys = [0.0, start, squat, sit, start + span]
    # thigh: forward angle of the thighs from pointing down (world); bend: forward tilt of the pelvis.
    ch = {
        "thigh": [0.0, 0.0, 85.0, 128.0, 90.0],
        "knee": [4.0, 4.0, 125.0, 100.0, rng.uniform(3.0, 12.0)],
        "bend": [0.0, 0.0, 35.0, -15.0, -rng.uniform(84.0, 90.0)],
        "arm": [4.0, 4.0, 40.0, -25.0, rng.uniform(-5.0, 5.0)],
        "elbow": [15.0, 15.0, 30.0, 10.0, rng.uniform(5.0, 20.0)],
        "neck": [4.0, 4.0, -10.0, 15.0, rng.uniform(8.0, 20.0)],
    }
    pose, c = _keyed(rng, ctx, keys, ch)
    b = c["bend"]
    flat = keyframes(t, [0.0, sit, start + span], [0.0, 0.0, 1.0])  # the feet point up once lying
    for side in SIDES:
        pose.leg(
            side,
            c["thigh"] + b,
            c["knee"],
            abduct=5.0 * DEG,
            pelvis_bend=b,
            toe=flat * (c["thigh"] - c["knee"]),
        )
        pose.arm(side, c["arm"], rng.uniform(10.0, 20.0) * DEG, c["elbow"])
    pose.spine(bend=0.0)
    pose.set("neck", trunk(c["neck"]))
    weight = 1.0 - keyframes(t, [0.0, squat, sit], [0.0, 0.0, 1.0])
    return grounded(pose, ctx, weight, {"speed": "slow" if span > 2.6 else "normal"})


def fall(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Lose balance and fall, in about a second, and stay down: forwards (the knees buckle onto the floor,
    the hands catch the body, then it lies face down) or backwards (the knees buckle, the seat hits the
    floor, the back follows, the legs fly up and come down, the arms flung out). Faster than lying down
    (`lie_down` takes 2-3 s). What carries the body stays put: the feet until the knees (forwards) or the
    seat (backwards) take the weight, then the knees while the body tips over them onto the floor
    (forwards) or the seat (backwards)."""
    t = ctx.t
    start, span = _timing(rng, ctx, 1.0, 1.3)
    forward = bool(rng.random() < 0.5)
    if forward:  # knees down at 0.45 of the span, hands down at 0.7, face down at the end
        at = [0.0, 0.0, 0.22, 0.45, 0.7, 1.0]
        ch = {
            "thigh": [0.0, 0.0, 35.0, 5.0, -20.0, -90.0],
            "knee": [4.0, 4.0, 70.0, 95.0, 60.0, rng.uniform(3.0, 12.0)],
            "bend": [0.0, 0.0, 20.0, 15.0, 50.0, rng.uniform(86.0, 90.0)],
            "arm": [4.0, 4.0, 50.0, 75.0, 80.0, rng.uniform(85.0, 100.0)],
            "abduct": [10.0, 10.0, 20.0, 20.0, 25.0, rng.uniform(25.0, 40.0)],
            "elbow": [15.0, 15.0, 20.0, 15.0, 30.0, rng.uniform(90.0, 110.0)],
            "neck": [4.0, 4.0, -10.0, -15.0, -30.0, -rng.uniform(30.0, 45.0)],
        }
        down = 0.45  # the knees take the weight off the feet
    else:  # the seat on the floor at 0.55 of the span, the legs up at 0.8, lying on the back at the end
        at = [0.0, 0.0, 0.25, 0.55, 0.8, 1.0]
        ch = {
            "thigh": [0.0, 0.0, 40.0, 95.0, 125.0, 88.0],
            "knee": [4.0, 4.0, 70.0, 60.0, 35.0, rng.uniform(5.0, 25.0)],
            "bend": [0.0, 0.0, 25.0, -20.0, -70.0, -rng.uniform(84.0, 90.0)],
            "arm": [4.0, 4.0, 30.0, -35.0, -10.0, rng.uniform(-5.0, 20.0)],
            "abduct": [10.0, 10.0, 40.0, 30.0, 50.0, rng.uniform(35.0, 60.0)],
            "elbow": [15.0, 15.0, 20.0, 10.0, 15.0, rng.uniform(10.0, 25.0)],
            "neck": [4.0, 4.0, -5.0, 20.0, 25.0, rng.uniform(8.0, 15.0)],
        }
        down = 0.55
    keys = [start + a * span for a in at]
    keys[0] = 0.0
    pose, c = _keyed(rng, ctx, keys, ch)
    b = c["bend"]
    for side in SIDES:
        toe = (
            -c["bend"]
            if forward
            else keyframes(t, [0.0, keys[-2], keys[-1]], [0.0, 0.0, 1.0]) * (c["thigh"] - c["knee"])
        )
        pose.leg(side, c["thigh"] + b, c["knee"], abduct=6.0 * DEG, pelvis_bend=b, toe=toe)
        pose.arm(side, c["arm"], c["abduct"], c["elbow"])
    pose.spine(bend=0.0)
    pose.set("neck", trunk(c["neck"]))
    landed = start + down * span
    weight = 1.0 - keyframes(t, [0.0, keys[2], landed], [0.0, 0.0, 1.0])
    motion = grounded(pose, ctx, weight, {"direction": "forwards" if forward else "backwards"})
    # where no foot carries the body the root moves so that the anchor stays put
    rel = joints(pose, ctx.body)
    anchor = ("left_knee", "right_knee") if forward else ("left_foot", "right_foot")
    point = rel[:, [JOINT_INDEX[j] for j in anchor]][..., [0, 2]].mean(axis=1)  # (T, 2) root-relative
    keep = -np.gradient(point, axis=0) * ctx.fps
    motion.velocity[:] = keep if forward else keep * (t < landed)[:, None]
    return motion


def _triangle(phase: np.ndarray, duty: float) -> np.ndarray:
    """+1 -> -1 linearly over the first `duty` of a cycle (stance), eased back to +1 over the rest (swing)."""
    u = np.mod(phase / (2 * np.pi), 1.0)
    back = 1.0 - 2.0 * u / duty
    swing = (u - duty) / (1.0 - duty)
    return np.where(u < duty, back, -1.0 + 2.0 * swing * swing * (3.0 - 2.0 * swing))


def crawl(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Crawl forwards on hands and knees in a diagonal gait (a hand moves with the opposite knee).

    The take starts and ends on all fours (`actions.STARTS_LOW`, `ENDS_LOW`). Each support swings back
    linearly while it is down and forwards while it is up.
    """
    t, body = ctx.t, ctx.body
    freq = rng.uniform(0.55, 0.8)  # cycles per second
    amp = rng.uniform(12.0, 18.0) * DEG  # fore-aft swing of the thighs about their mean
    duty = 0.6
    phase = 2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)
    pitch = rng.uniform(80.0, 88.0) * DEG  # the trunk tips forwards to nearly horizontal
    # the planted supports move back by `step` per stance (the thighs swing about the hips, the straight
    # arms about the shoulders): the body travels at that speed, so hands and knees hardly slide
    step = 2.0 * np.sin(amp) * body.bone("left_knee")
    arm_amp = np.arcsin(step / (2.0 * 0.97 * body.arm))
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    pose.set("pelvis", orientation(ctx.yaw, bend=pitch))
    pose.spine(bend=rng.uniform(-4.0, 4.0) * DEG)
    pose.set("neck", trunk(-rng.uniform(35.0, 50.0) * DEG))  # look ahead
    pose.set("head", trunk(-10.0 * DEG))
    for k, side in enumerate(SIDES):
        leg_phase = phase + np.pi * k
        arm_phase = leg_phase + np.pi  # the opposite hand moves with this knee
        swing_leg = _triangle(leg_phase, duty)
        lifted = np.maximum(0.0, np.sin(np.pi * (np.mod(leg_phase / (2 * np.pi), 1.0) - duty) / (1 - duty)))
        lifted *= np.mod(leg_phase / (2 * np.pi), 1.0) > duty
        flex = pitch + amp * swing_leg + 6.0 * DEG * lifted  # thighs near vertical under the hips
        knee_flex = 90.0 * DEG + (pitch - 90.0 * DEG) + amp * swing_leg + 10.0 * DEG * lifted
        pose.leg(side, flex, knee_flex, abduct=rng.uniform(5.0, 8.0) * DEG, pelvis_bend=pitch)
        pose.limb(side, "ankle", ankle(-80.0 * DEG))  # the instep along the floor
        u_arm = np.mod(arm_phase / (2 * np.pi), 1.0)
        arm_up = np.maximum(0.0, np.sin(np.pi * (u_arm - duty) / (1 - duty))) * (u_arm > duty)
        forward = 90.0 * DEG + (90.0 * DEG - pitch) + arm_amp * _triangle(arm_phase, duty)
        pose.arm(side, forward, rng.uniform(8.0, 12.0) * DEG, 8.0 * DEG + 25.0 * DEG * arm_up)
    speed = step * freq / duty  # a support is down for `duty` of a cycle
    motion = grounded(pose, ctx, np.zeros(ctx.frames), {"speed": "slow" if speed < 0.25 else "normal"})
    motion.velocity[:] = speed * np.array([np.sin(ctx.yaw), np.cos(ctx.yaw)])
    return motion
