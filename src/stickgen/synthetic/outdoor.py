"""Climbing a ladder and swimming, posed by joint angles and wrist targets on the spot.

Climbing: facing the ladder, the hands reach alternately above the head to the next rung while the
opposite knee lifts to step up, and the whole body rises steadily (0.2-0.35 m/s; the feet leave the
floor, so the root is carried by `Motion.lift`).

Swimming (front crawl): the trunk lies near horizontal at hip height, as if in water (the pelvis
0.75-0.9 m up), the arms circle alternately over and ahead of the head and pull back under the body,
and the legs flutter; the swimmer holds its place in the frame.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion
from stickgen.synthetic.posing import DEG, PoseBuilder, collar, orientation, trunk

J = JOINT_INDEX


def _free(pose: PoseBuilder, ctx: ActionContext, height: np.ndarray, info: dict) -> Motion:
    """A motion with no planted foot whose lowest foot point is `height` (T,) above the floor."""
    n = ctx.frames
    return Motion(pose.rot, np.full(n, ctx.yaw), np.zeros((n, 2)), np.zeros((n, 2)), height, info)


def climb(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Climb a ladder: alternate hand reaches above the head, the opposite knee lifting, rising steadily."""
    t = ctx.t
    freq = rng.uniform(0.6, 0.85)  # full cycles (a left and a right reach) per second
    rate = max(rng.uniform(0.2, 0.35), 0.8 / ctx.duration)  # m/s up the ladder
    phase = 2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, arms=False)
    pose.spine(bend=rng.uniform(2.0, 6.0) * DEG)
    pose.set("neck", trunk(-rng.uniform(10.0, 20.0) * DEG))  # looking up the ladder
    scale = ctx.body.stature / 1.75
    for s, offset in zip(SIDES, (0.0, np.pi), strict=True):
        knee_up = 0.5 + 0.5 * np.sin(phase + offset + np.pi)  # lifts as the other side's hand reaches
        pose.leg(s, (8.0 + 62.0 * knee_up) * DEG, (12.0 + 83.0 * knee_up) * DEG, abduct=6.0 * DEG)
    rest = joints(pose, ctx.body)
    for s, offset in zip(SIDES, (0.0, np.pi), strict=True):
        up = 0.5 + 0.5 * np.sin(phase + offset)
        shoulder = rest[:, J[f"{s}_shoulder"]]
        local = np.stack(
            [
                np.full_like(t, -SIDE_SIGN[s] * 0.02),
                (0.05 + 0.5 * up) * scale,
                np.full_like(t, 0.3 * scale) - 0.08 * up * scale,
            ],
            -1,
        )
        reach(
            pose,
            ctx.body,
            s,
            shoulder + to_world(ctx.yaw, local),
            to_world(ctx.yaw, [SIDE_SIGN[s], -1.0, -0.2]),
        )
    height = rate * t  # the lowest foot climbs the rungs at the ladder's pace
    return _free(
        pose, ctx, height, {"rungs_per_s": round(float(2 * freq), 3), "rise_mps": round(float(rate), 3)}
    )


def swim(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Front crawl: horizontal trunk at hip height, alternating overarm strokes, fluttering legs."""
    t = ctx.t
    freq = max(rng.uniform(0.45, 0.7), 1.6 / ctx.duration)  # arm cycles per second (>= 1.6 a take)
    phase = 2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)
    pitch = rng.uniform(80.0, 92.0) * DEG
    roll = rng.uniform(15.0, 30.0) * DEG * np.sin(phase)  # the body rolls with the strokes
    pose = PoseBuilder(ctx.frames)
    pose.set("pelvis", orientation(ctx.yaw, bend=pitch, side=0.4 * roll))
    pose.spine(bend=0.0, twist=0.6 * roll)
    pose.set("neck", trunk(-rng.uniform(15.0, 30.0) * DEG))  # face forward-down
    pose.set("head", trunk(-10.0 * DEG))
    kick = 2 * np.pi * 3.0 * freq * t
    flutter = rng.uniform(8.0, 12.0) * DEG
    drop = rng.uniform(30.0, 36.0) * DEG
    for s, offset in zip(SIDES, (0.0, np.pi), strict=True):
        swing = flutter * np.sin(kick + offset)
        # the legs trail down into the water below the trunk
        pose.leg(
            s, drop + swing, rng.uniform(8.0, 14.0) * DEG * (1.0 + np.sin(kick + offset)), abduct=4.0 * DEG
        )
        pose.limb(s, "collar", collar(shrug=6.0 * DEG))
        # the arm sweeps a full circle forwards: 180 deg points ahead of the head
        angle = np.mod(phase + offset, 2 * np.pi)
        elbow = (10.0 + 70.0 * np.clip(np.sin(angle), 0.0, 1.0)) * DEG  # a high-elbow pull under the body
        pose.arm(s, angle, rng.uniform(8.0, 14.0) * DEG, elbow)
    rest = joints(pose, ctx.body)
    lowest = rest[:, list(FOOT_JOINTS), 1].min(axis=1)
    hip = rng.uniform(0.75, 0.9) * ctx.body.stature / 1.75
    height = hip + lowest  # the pelvis (the root, at 0 in `rest`) stays `hip` above the floor
    return _free(pose, ctx, height, {"strokes_per_s": round(float(2 * freq), 3)})
