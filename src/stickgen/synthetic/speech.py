"""Speech and emotion actions on the spot, the body half: talk, shout, whisper, sing, laugh and cry.

The face half (mouth, visemes, eyes) is `stickgen.synthetic.face`. Each action records in `Motion.info`
when the voice starts and stops (`on_s`, `off_s`, seconds from the action's start) and its syllable rate
(`rate_hz`: syllables, sung vowels, "ha"s or sobs per second); the face reads them, so the gestures, the
bounce of a laugh or the sobbing shoulders keep time with the mouth. `posture` bends any action's trunk
and shoulders for an emotion (a sad slump, angry raised shoulders).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.rotations import mirror
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, SIDES, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, collar, trunk, window

# emotion -> (spine bend, neck bend, head bend, shoulder shrug) in degrees, added to any action's pose
_POSTURE: dict[str, tuple[float, float, float, float]] = {
    "happy": (-2.0, 0.0, -4.0, 0.0),
    "sad": (8.0, 6.0, 8.0, -3.0),
    "angry": (4.0, 0.0, 2.0, 7.0),
    "surprised": (-3.0, 0.0, -5.0, 5.0),
    "fearful": (-3.0, 3.0, 3.0, 6.0),
    "disgusted": (-2.0, 0.0, -4.0, 2.0),
}


def _voice(
    rng: np.random.Generator, ctx: ActionContext, rate: tuple[float, float]
) -> tuple[np.ndarray, dict[str, float]]:
    """The eased gesture envelope (T,) of the speaking window and the facts the face needs."""
    d = ctx.duration
    on = min(rng.uniform(0.1, 0.5), 0.15 * d)
    off = d - min(rng.uniform(0.0, 0.5), 0.1 * d)
    info = {"on_s": round(on, 3), "off_s": round(off, 3), "rate_hz": round(float(rng.uniform(*rate)), 3)}
    return speaking_envelope(ctx, [[on, off]]), info


def speaking_envelope(ctx: ActionContext, windows: list[list[float]]) -> np.ndarray:
    """(T,) eased 0 -> 1 -> 0 over each [on, off] window (seconds); gestures settle just after the voice."""
    ease = min(0.4, 0.2 * ctx.duration)
    env = np.zeros(ctx.frames)
    for on, off in windows:
        env = np.maximum(env, window(ctx.t, on, off + ease, ease))
    return env


def _goal(rest: np.ndarray, joint: str, yaw: float, local: np.ndarray) -> np.ndarray:
    """(T, 3) points at `local` (heading frame, (T, 3) or (3,)) from a rest joint."""
    return rest[:, JOINT_INDEX[joint]] + to_world(yaw, local)


def _hand_to(
    pose: PoseBuilder, ctx: ActionContext, rest: np.ndarray, side: str, goal: np.ndarray, weight: np.ndarray
) -> None:
    """Move `side` wrist from where the rest pose holds it to `goal` by `weight` (T,)."""
    sign = SIDE_SIGN[side]
    wrist = rest[:, JOINT_INDEX[f"{side}_wrist"]]
    target = wrist + weight[:, None] * (goal - wrist)
    reach(pose, ctx.body, side, target, to_world(ctx.yaw, [sign * 0.8, -1.0, -0.3]))


def talk(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Stand and talk, the hands gesturing in front of the body on the stressed syllables."""
    env, info = _voice(rng, ctx, (4.0, 5.0))
    return gesture_while_speaking(rng, ctx, env, info)


def gesture_while_speaking(
    rng: np.random.Generator, ctx: ActionContext, env: np.ndarray, info: dict
) -> Motion:
    """Stand; while `env` (T,) is up, gesture with one or both hands and nod with the stresses.

    Between the speaking windows (a listener in a conversation) the head nods now and then.

    Args:
        rng: random source.
        ctx: the action context.
        env: the speaking envelope (`speaking_envelope`).
        info: the voice facts (`rate_hz` and the windows); returned in `Motion.info` with `hands`.
    """
    hands = str(rng.choice(["both", "right", "left"], p=[0.5, 0.3, 0.2]))
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    beat = info["rate_hz"] / rng.uniform(2.0, 3.5)  # a gesture stroke every few syllables
    t, scale = ctx.t, ctx.body.stature / 1.75
    stroke = 0.5 - 0.5 * np.cos(2 * np.pi * beat * t + rng.uniform(0.0, 2 * np.pi))  # (T,)
    nods = np.zeros(ctx.frames)
    for at in np.cumsum(rng.uniform(0.8, 2.0, size=int(ctx.duration) + 1)):
        nods = np.maximum(nods, window(t, at, at + 0.5, 0.2))
    pose.set("head", trunk(3.0 * DEG * stroke * env + 6.0 * DEG * nods * (1.0 - env)))
    rest = joints(pose, ctx.body)
    for s in SIDES:
        sign = SIDE_SIGN[s]
        wander = np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t + rng.uniform(0.0, 2 * np.pi))
        lift = stroke if hands != "both" or s == "left" else 1.0 - stroke
        local = np.stack(
            [
                sign * (0.14 + 0.05 * wander) * scale,
                (-0.3 + 0.08 * lift) * scale,
                (0.24 + 0.06 * lift) * scale,
            ],
            -1,
        )  # (T, 3)
        active = 1.0 if hands in ("both", s) else 0.3
        _hand_to(pose, ctx, rest, s, _goal(rest, f"{s}_shoulder", ctx.yaw, local), active * env)
    return planted(pose.rot, ctx.yaw, {**info, "hands": hands})


def shout(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Shout: shoulders raised, the torso leaning forwards and pumping with each shouted phrase (every
    other cycle of the mouth), sometimes an arm thrust out in front."""
    env, info = _voice(rng, ctx, (3.0, 4.0))
    pump = 0.5 * (1.0 - np.cos(np.pi * info["rate_hz"] * (ctx.t - info["on_s"])))
    lean = (rng.uniform(8.0, 15.0) + rng.uniform(4.0, 7.0) * pump) * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, bend=0.4 * lean)
    pose.spine(bend=0.6 * lean)
    pose.set("neck", trunk(-0.5 * lean))  # keep the face forwards, chin pushed out
    shrug = rng.uniform(8.0, 14.0) * DEG * env
    for s in SIDES:
        pose.limb(s, "collar", collar(shrug=shrug))
        pose.arm(s, (6.0 + 6.0 * env) * DEG, 8.0 * DEG, (15.0 + 30.0 * env) * DEG)  # tense, fists
    thrust = rng.random() < 0.5
    if thrust:
        side = str(rng.choice(["right", "left"], p=[0.7, 0.3]))
        rest = joints(pose, ctx.body)
        d, t = ctx.duration, ctx.t
        at = info["on_s"] + rng.uniform(0.2, 0.5) * max(info["off_s"] - info["on_s"], 0.1)
        push = window(t, at, min(at + rng.uniform(0.6, 1.2), d + 1.0), min(0.25, 0.2 * d))
        local = np.array([-SIDE_SIGN[side] * 0.05, 0.05, 0.88 * ctx.body.arm])
        _hand_to(pose, ctx, rest, side, _goal(rest, f"{side}_shoulder", ctx.yaw, local), push)
        info["side"] = side
    return planted(pose.rot, ctx.yaw, info)


def whisper(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Whisper: lean to one side with a hand raised beside the mouth."""
    side = str(rng.choice(["right", "left"], p=[0.6, 0.4]))
    sign = SIDE_SIGN[side]
    env, info = _voice(rng, ctx, (4.0, 5.0))
    lean = rng.uniform(6.0, 12.0) * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.spine(bend=0.4 * lean, side=sign * lean)
    pose.set("neck", trunk(0.3 * lean, side=sign * 0.6 * lean))
    rest = joints(pose, ctx.body)
    scale = ctx.body.stature / 1.75
    mouth = _goal(rest, "head", ctx.yaw, np.array([sign * 0.07, -0.05, 0.11]) * scale)
    _hand_to(pose, ctx, rest, side, mouth, env)
    return planted(pose.rot, ctx.yaw, {**info, "side": side})


def sing(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Sing: a gentle sway, the chin up a little and the arms opening out."""
    env, info = _voice(rng, ctx, (1.0, 2.0))
    t = ctx.t
    sway = np.sin(2 * np.pi * rng.uniform(0.3, 0.6) * t + rng.uniform(0.0, 2 * np.pi)) * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose)
    pose.spine(bend=-2.0 * DEG * env, side=rng.uniform(4.0, 8.0) * DEG * sway)
    pose.set("head", trunk(-rng.uniform(4.0, 10.0) * DEG * env, side=3.0 * DEG * sway))
    arms = rng.uniform(0.5, 1.0)  # how far the arms open
    for s in SIDES:
        fwd = 5.0 + env * (rng.uniform(25.0, 45.0) * arms)
        abd = 9.0 + env * (rng.uniform(25.0, 50.0) * arms + 4.0 * SIDE_SIGN[s] * sway)
        pose.arm(s, fwd * DEG, abd * DEG, (15.0 + 25.0 * env) * DEG)
    return planted(pose.rot, ctx.yaw, {**info, "arms": "open" if arms > 0.75 else "low"})


def laugh(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Laugh: the torso bounces with every "ha", hands on the belly or the head tipped back."""
    variant = str(rng.choice(["belly", "head_back"], p=[0.55, 0.45]))
    env, info = _voice(rng, ctx, (4.5, 5.5))
    t = ctx.t
    ha = (0.5 - 0.5 * np.cos(2 * np.pi * info["rate_hz"] * np.maximum(t - info["on_s"], 0.0))) * env
    pose = PoseBuilder(ctx.frames)
    bend = (rng.uniform(4.0, 12.0) if variant == "belly" else -rng.uniform(4.0, 8.0)) * DEG * env
    stand(rng, ctx, pose, bend=0.3 * bend)
    pose.spine(bend=0.7 * bend + 3.0 * DEG * ha)
    head = -rng.uniform(12.0, 22.0) if variant == "head_back" else rng.uniform(-6.0, 4.0)
    pose.set("head", trunk(head * DEG * env + 2.0 * DEG * ha))
    for s in SIDES:
        pose.limb(s, "collar", collar(shrug=3.0 * DEG * ha))
    if variant == "belly":
        rest = joints(pose, ctx.body)
        scale = ctx.body.stature / 1.75
        for s in SIDES:
            belly = _goal(rest, "spine1", ctx.yaw, np.array([SIDE_SIGN[s] * 0.07, 0.02, 0.13]) * scale)
            _hand_to(pose, ctx, rest, s, belly, env)
    return planted(pose.rot, ctx.yaw, {**info, "variant": variant})


def cry(rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Cry: slumped, head down, the hands over the face (or hanging), shoulders shaking with sobs."""
    variant = str(rng.choice(["hands_face", "head_down"], p=[0.6, 0.4]))
    env, info = _voice(rng, ctx, (1.2, 2.2))
    t = ctx.t
    sob = np.maximum(np.sin(2 * np.pi * info["rate_hz"] * t + rng.uniform(0, 6.3)), 0.0) ** 2 * env
    slump = rng.uniform(12.0, 22.0) * DEG * env
    pose = PoseBuilder(ctx.frames)
    stand(rng, ctx, pose, bend=0.2 * slump)
    pose.spine(bend=0.8 * slump + 2.0 * DEG * sob)
    pose.set("neck", trunk(0.6 * slump))
    pose.set("head", trunk(0.8 * slump))
    for s in SIDES:
        pose.limb(s, "collar", collar(shrug=(-2.0 * env + 5.0 * sob) * DEG, forward=4.0 * DEG * env))
    if variant == "hands_face":
        rest = joints(pose, ctx.body)
        scale = ctx.body.stature / 1.75
        for s in SIDES:
            face = _goal(rest, "head", ctx.yaw, np.array([SIDE_SIGN[s] * 0.04, -0.01, 0.12]) * scale)
            _hand_to(pose, ctx, rest, s, face, env)
    return planted(pose.rot, ctx.yaw, {**info, "variant": variant})


def posture(motion: Motion, emotion: str | None, strength: float = 1.0) -> Motion:
    """`motion` with its trunk and shoulders bent for `emotion` (None: unchanged), in place.

    Only the spine, neck, head and collars turn, so planted feet stay planted; a posture is applied
    before the root is solved (`motion.place`).
    """
    if emotion is None:
        return motion
    if emotion not in _POSTURE:
        raise ValueError(f"unsupported emotion [{emotion}]; choose one of {sorted(_POSTURE)}")
    spine, neck, head, shrug = (strength * a * DEG for a in _POSTURE[emotion])
    rot = motion.rot
    for joint, share in (("spine1", 0.4), ("spine2", 0.35), ("spine3", 0.25)):
        rot[:, JOINT_INDEX[joint]] = rot[:, JOINT_INDEX[joint]] @ trunk(share * spine)
    rot[:, JOINT_INDEX["neck"]] = rot[:, JOINT_INDEX["neck"]] @ trunk(neck)
    rot[:, JOINT_INDEX["head"]] = rot[:, JOINT_INDEX["head"]] @ trunk(head)
    rot[:, JOINT_INDEX["left_collar"]] = rot[:, JOINT_INDEX["left_collar"]] @ collar(shrug)
    rot[:, JOINT_INDEX["right_collar"]] = rot[:, JOINT_INDEX["right_collar"]] @ mirror(collar(shrug))
    return motion
