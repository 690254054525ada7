"""Arm gestures on the spot, posed by wrist targets and inverse kinematics: wave, clap, punch.

Each gesture starts from the relaxed stance, moves the wrist from where the hanging arm puts it
towards a goal defined relative to the shoulder in the heading frame (x = the figure's left, y = up,
z = forwards), and usually lowers the arms again at the end.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, ramp, window


def _sides(choice: str) -> tuple[str, ...]:
    return SIDES if choice == "both" else (choice,)


def _raise_envelope(
    rng: np.random.Generator, ctx: ActionContext, min_active: float
) -> tuple[np.ndarray, float, float, bool]:
    """Envelope (T,) for raising the arm(s), the time the gesture is fully up and when it ends."""
    d = ctx.duration
    rise = min(rng.uniform(0.3, 0.5), 0.25 * d)
    start = rng.uniform(0.03, 0.2) * d
    fall = min(rng.uniform(0.3, 0.5), 0.25 * d)
    lower = rng.random() < 0.7 and d - start - rise - fall >= min_active
    end = d - rng.uniform(0.0, 0.3) if lower else d + 1.0
    env = window(ctx.t, start, end, rise, fall) if lower else ramp(ctx.t, start, rise)
    return env, start + rise, (end - fall if lower else d), lower


def wave(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Wave with the right, left or both hands raised above the shoulder."""
    side = str(rng.choice(["right", "left", "both"], p=[0.55, 0.3, 0.15]))
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    rest = joints(pose, ctx.body)
    env, up, down, lowered = _raise_envelope(rng, ctx, min_active=0.8)
    freq = rng.uniform(1.5, 3.0)
    swing = rng.uniform(12.0, 28.0) * DEG
    elev = rng.uniform(40.0, 65.0) * DEG
    az0 = rng.uniform(25.0, 60.0) * DEG
    dist = rng.uniform(0.75, 0.9) * ctx.body.arm
    az = az0 + swing * env * np.sin(2 * np.pi * freq * (ctx.t - up))  # (T,) side-to-side angle
    for s in _sides(side):
        sign = SIDE_SIGN[s]
        local = dist * np.stack(
            [sign * np.sin(az) * np.cos(elev), np.full_like(az, np.sin(elev)), np.cos(az) * np.cos(elev)], -1
        )
        goal = rest[:, JOINT_INDEX[f"{s}_shoulder"]] + to_world(ctx.yaw, local)
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        reach(
            pose,
            ctx.body,
            s,
            wrist + env[:, None] * (goal - wrist),
            to_world(ctx.yaw, [sign * 0.6, -1.0, -0.2]),
        )
    waves = max(1, int(round(freq * max(down - up, 0.0))))
    return planted(pose.rot, ctx.yaw, {"side": side, "waves": waves, "lowered": lowered})


def clap(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Clap the hands in front of the chest or above the head."""
    overhead = rng.random() < 0.2
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    rest = joints(pose, ctx.body)
    env, up, down, _ = _raise_envelope(rng, ctx, min_active=0.6)
    body, scale = ctx.body, ctx.body.stature / 1.75
    l_sh, r_sh = rest[:, JOINT_INDEX["left_shoulder"]], rest[:, JOINT_INDEX["right_shoulder"]]
    mid = 0.5 * (l_sh + r_sh)  # (T, 3)
    half_width = 0.5 * float(np.linalg.norm(l_sh[0] - r_sh[0]))
    if overhead:
        fwd = rng.uniform(0.05, 0.15)
        rise = np.sqrt(max((0.85 * body.arm) ** 2 - half_width**2 - fwd**2, 0.01))
        centre_local = np.array([0.0, rise, fwd])
    else:
        centre_local = np.array([0.0, -rng.uniform(0.12, 0.25) * scale, rng.uniform(0.26, 0.36) * scale])
    centre = mid + to_world(ctx.yaw, centre_local)
    freq = rng.uniform(1.8, 3.2)
    open_width = rng.uniform(0.18, 0.32) * scale
    # Hands start apart and meet at t = up + (k + 1/2) / freq.
    gap = 0.05 + open_width * (0.5 + 0.5 * np.cos(2 * np.pi * freq * np.maximum(ctx.t - up, 0.0)))
    for s in SIDES:
        sign = SIDE_SIGN[s]
        offset = np.stack([sign * gap / 2, np.zeros_like(gap), np.zeros_like(gap)], -1)
        goal = centre + to_world(ctx.yaw, offset)
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        reach(pose, body, s, wrist + env[:, None] * (goal - wrist), to_world(ctx.yaw, [sign, -0.7, -0.5]))
    claps = int(np.floor(freq * max(down - up, 0.0) + 0.5))
    return planted(pose.rot, ctx.yaw, {"place": "overhead" if overhead else "chest", "claps": max(claps, 1)})


def punch(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Raise a guard and throw punches with the right, left or alternating fists."""
    side = str(rng.choice(["right", "left", "both"], p=[0.4, 0.25, 0.35]))
    body, d, t = ctx.body, ctx.duration, ctx.t
    g_start, g_rise = rng.uniform(0.03, 0.15) * d, min(rng.uniform(0.25, 0.4), 0.15 * d)
    first = g_start + g_rise + rng.uniform(0.05, 0.3)
    interval = rng.uniform(0.4, 0.75)
    extend, hold, retract = rng.uniform(0.1, 0.15), rng.uniform(0.03, 0.07), rng.uniform(0.16, 0.24)
    room = d - first - (extend + hold + retract) - 0.1
    wanted = int(rng.integers(2, 6)) if side == "both" else int(rng.integers(1, 4))
    count = max(1, min(wanted, int(room // interval) + 1))
    hands = [("right", "left")[k % 2] if side == "both" else side for k in range(count)]
    if side == "both" and rng.random() < 0.5:
        hands = [("left", "right")[k % 2] for k in range(count)]
    done = first + (count - 1) * interval + extend + hold + retract
    lowered = d - done > 0.6 and rng.random() < 0.6
    guard = window(t, g_start, d - 0.1, g_rise, 0.4) if lowered else ramp(t, g_start, g_rise)

    ext = {s: np.zeros(ctx.frames) for s in SIDES}
    twist = np.zeros(ctx.frames)
    for k, hand in enumerate(hands):
        tp = first + k * interval
        w = window(t, tp, tp + extend + hold + retract, extend, retract)
        ext[hand] = np.maximum(ext[hand], w)
        # Turning the chest to the left brings the right shoulder forwards, and vice versa.
        twist += -SIDE_SIGN[hand] * rng.uniform(10.0, 20.0) * DEG * w

    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    knee_flex = rng.uniform(10.0, 18.0) * DEG * guard
    pose.leg("left", rng.uniform(8.0, 14.0) * DEG * guard + 0.5 * knee_flex, knee_flex, abduct=3.0 * DEG)
    pose.leg("right", -rng.uniform(4.0, 8.0) * DEG * guard + 0.5 * knee_flex, knee_flex, abduct=3.0 * DEG)
    pose.spine(bend=4.0 * DEG * guard, twist=twist)
    rest = joints(pose, body)
    scale = body.stature / 1.75
    for s in SIDES:
        sign = SIDE_SIGN[s]
        shoulder = rest[:, JOINT_INDEX[f"{s}_shoulder"]]
        wrist = rest[:, JOINT_INDEX[f"{s}_wrist"]]
        up = rng.uniform(0.02, 0.08) * scale
        guard_pos = shoulder + to_world(ctx.yaw, [-sign * rng.uniform(0.08, 0.12) * scale, up, 0.26 * scale])
        hit_pos = shoulder + to_world(
            ctx.yaw, [-sign * 0.05 * scale, rng.uniform(-0.03, 0.04), 0.96 * body.arm]
        )
        target = wrist + guard[:, None] * (guard_pos - wrist) + ext[s][:, None] * (hit_pos - guard_pos)
        reach(pose, body, s, target, to_world(ctx.yaw, [sign * 0.5, -1.0, -0.4]))
    return planted(pose.rot, ctx.yaw, {"side": side, "count": count, "hands": hands})
