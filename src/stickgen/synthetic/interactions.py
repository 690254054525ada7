"""Two-actor clips: a handshake, a high five and a conversation between two people facing each other.

Actor 0 stands at `start_xz` facing `yaw`; actor 1 stands `distance` metres in front of it (0.8-1.2 m,
pelvis to pelvis), facing back. Both lean in a little, and their hands are driven by inverse
kinematics to one shared contact point, so the wrists really meet: the distance is reduced (never
below 0.8 m) when the pair could not otherwise reach it comfortably.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stickgen.core.rig import Body
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.base import SIDE_SIGN, ActionContext, stand, to_world
from stickgen.synthetic.ik import joints, reach
from stickgen.synthetic.motion import Motion, place, planted
from stickgen.synthetic.posing import DEG, PoseBuilder, window
from stickgen.synthetic.speech import gesture_while_speaking, speaking_envelope

DISTANCE_RANGE_M: tuple[float, float] = (0.8, 1.2)
WRIST_GAP_M = 0.06  # wrist-to-wrist distance when the hands touch
_COMFORT = 0.92  # fraction of the straight arm a contact point may need


@dataclass
class Interaction:
    """Motions of both actors, their root x/z at frame 0 and facts for captions and meta."""

    motions: list[Motion]
    starts: list[np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Actor:
    ctx: ActionContext
    pose: PoseBuilder
    rest: np.ndarray  # (T, 22, 3) root-relative joints with the arms hanging
    root: np.ndarray  # (T, 3) root relative to the actor's start position


def _actor(
    rng: np.random.Generator, body: Body, frames: int, fps: float, yaw: float, lean: np.ndarray
) -> _Actor:
    ctx = ActionContext(body, frames, fps, yaw)
    pose = PoseBuilder(frames)
    stand(rng, ctx, pose, bend=0.7 * lean)  # lean in mostly from the hips
    pose.spine(bend=0.3 * lean)
    root, _ = place(planted(pose.rot, yaw, {}), body, fps, np.zeros(2))
    return _Actor(ctx, pose, joints(pose, body), root)


def _contact_point(
    shoulders: list[np.ndarray], reaches: list[float], height: float, above: bool
) -> np.ndarray:
    """A point between two shoulders (3,), nearer the shorter-armed actor, `height` below/above them."""
    s0, s1 = shoulders
    p = s0 + reaches[0] / (reaches[0] + reaches[1]) * (s1 - s0)
    p[1] = (max(s0[1], s1[1]) + height) if above else (min(s0[1], s1[1]) - height)
    return p


def _meet(
    rng: np.random.Generator,
    bodies: list[Body],
    frames: int,
    fps: float,
    yaw: float,
    start_xz: np.ndarray,
    side: str,
    lean_deg: tuple[float, float],
    envelope: np.ndarray,
    contact: np.ndarray,
    height: float,
    min_height: float,
    above: bool,
) -> tuple[list[_Actor], list[np.ndarray], np.ndarray, float]:
    """Place both actors, leaning in with `envelope`, at a distance from which `side` hands meet.

    Returns the actors, their start x/z, the contact point (world, (3,)) and the distance (m).
    `height` is how far below (or, with `above`, over) the shoulders the hands meet; it may be
    reduced down to `min_height` when the pair cannot otherwise reach comfortably.
    """
    yaws = [yaw, yaw + np.pi]
    actors = [
        _actor(rng, b, frames, fps, y, rng.uniform(*lean_deg) * DEG * envelope)
        for b, y in zip(bodies, yaws, strict=True)
    ]
    forward = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
    sh = JOINT_INDEX[f"{side}_shoulder"]
    local = [(a.rest[:, sh] + a.root)[contact].mean(axis=0) for a in actors]  # (3,) each
    reaches = [b.arm for b in bodies]
    wanted = rng.uniform(*DISTANCE_RANGE_M)
    # Prefer the drawn distance, then come closer; raise/lower the contact towards the shoulders last.
    distance, chosen = DISTANCE_RANGE_M[0], min_height
    for h in np.linspace(height, min_height, 6):
        for candidate in np.linspace(wanted, DISTANCE_RANGE_M[0], 25):
            shoulders = [local[0], local[1] + candidate * forward]
            point = _contact_point(shoulders, reaches, h, above)
            dists = [np.linalg.norm(point - s) for s in shoulders]
            if all(x <= _COMFORT * r for x, r in zip(dists, reaches, strict=True)):
                distance, chosen = float(candidate), float(h)
                break
        else:
            continue
        break
    height = chosen
    start = np.asarray(start_xz, dtype=np.float64)
    starts = [start, start + distance * forward[[0, 2]]]
    shoulders = [local[0], local[1] + distance * forward]
    point = _contact_point(shoulders, reaches, height, above) + np.array([start[0], 0.0, start[1]])
    return actors, starts, point, distance


def _drive_hand(
    actor: _Actor, start: np.ndarray, side: str, goal: np.ndarray, weight: np.ndarray, pole: list[float]
) -> None:
    """Move `side` wrist from its hanging position to `goal` (world, (T, 3)) by `weight` (T,)."""
    world_root = actor.root + np.array([start[0], 0.0, start[1]])
    wrist = actor.rest[:, JOINT_INDEX[f"{side}_wrist"]] + world_root
    target = wrist + weight[:, None] * (goal - wrist) - world_root
    reach(actor.pose, actor.ctx.body, side, target, to_world(actor.ctx.yaw, pole))


def _frames_where(mask: np.ndarray, fallback: np.ndarray) -> list[int]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        idx = np.array([int(np.argmax(fallback))])
    return [int(idx[0]), int(idx[-1]) + 1]


def handshake(
    rng: np.random.Generator, bodies: list[Body], frames: int, fps: float, yaw: float, start_xz: np.ndarray
) -> Interaction:
    """Reach out, shake right hands (2-4 pumps), let go."""
    t = np.arange(frames) / fps
    d = frames / fps
    freq, pumps = rng.uniform(2.0, 3.0), int(rng.integers(2, 5))
    reach_s, release = rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.6)
    shake = pumps / freq
    lead = 0.2 + rng.uniform(0.0, 0.5) * max(d - reach_s - shake - release - 0.4, 0.0)
    needed = lead + reach_s + shake + release + 0.1
    if needed > d:  # a short clip: fewer pumps and quicker moves
        squeeze = d / needed
        lead, reach_s, release, shake = lead * squeeze, reach_s * squeeze, release * squeeze, shake * squeeze
        pumps = max(1, int(shake * freq))
    on, off = lead + reach_s, lead + reach_s + shake
    env = window(t, lead, off + release, reach_s, release)  # (T,)
    contact = env >= 0.999
    contact_mask = contact if contact.any() else env >= env.max() - 1e-9
    drop = rng.uniform(0.2, 0.3) * np.mean([b.stature for b in bodies]) / 1.75
    actors, starts, point, distance = _meet(
        rng,
        bodies,
        frames,
        fps,
        yaw,
        start_xz,
        "right",
        (8.0, 20.0),
        env,
        contact_mask,
        drop,
        0.08,
        above=False,
    )
    pump = rng.uniform(0.03, 0.05) * np.sin(2 * np.pi * freq * (t - on)) * window(t, on, off, 0.1)
    across = (starts[1] - starts[0]) / np.linalg.norm(starts[1] - starts[0])
    across3 = np.array([across[0], 0.0, across[1]])
    for k, actor in enumerate(actors):
        goal = point + pump[:, None] * np.array([0.0, 1.0, 0.0]) + (k - 0.5) * WRIST_GAP_M * across3
        _drive_hand(actor, starts[k], "right", goal, env, [-0.5, -1.0, -0.3])
    info = {
        "side": "right",
        "pumps": pumps,
        "distance_m": round(distance, 3),
        "contact_frames": _frames_where(contact, env),
    }
    motions = [planted(a.pose.rot, a.ctx.yaw, dict(info)) for a in actors]
    return Interaction(motions, starts, info)


def high_five(
    rng: np.random.Generator, bodies: list[Body], frames: int, fps: float, yaw: float, start_xz: np.ndarray
) -> Interaction:
    """Raise one hand each (both right or both left) and slap them together above shoulder height."""
    side = str(rng.choice(["right", "left"], p=[0.8, 0.2]))
    sign = SIDE_SIGN[side]
    t = np.arange(frames) / fps
    d = frames / fps
    lift, wait = rng.uniform(0.4, 0.6), rng.uniform(0.1, 0.3)
    swing, hold, rebound, lower = rng.uniform(0.15, 0.22), max(0.1, 2.0 / fps), rng.uniform(0.2, 0.3), 0.5
    lead = 0.2 + rng.uniform(0.0, 0.5) * max(d - lift - wait - swing - hold - rebound - lower - 0.4, 0.0)
    needed = lead + lift + wait + swing + hold + rebound + lower + 0.1
    if needed > d:
        squeeze = d / needed
        lead, lift, wait, rebound, lower = (x * squeeze for x in (lead, lift, wait, rebound, lower))
    hit_on = lead + lift + wait
    ready = window(t, lead, hit_on + swing + hold + rebound + lower, lift, lower)  # hand up, beside the head
    hit = window(t, hit_on, hit_on + swing + hold + rebound, swing, rebound)  # hand at the contact point
    contact = hit >= 0.999
    contact_mask = contact if contact.any() else hit >= hit.max() - 1e-9
    scale = np.mean([b.stature for b in bodies]) / 1.75
    actors, starts, point, distance = _meet(
        rng,
        bodies,
        frames,
        fps,
        yaw,
        start_xz,
        side,
        (3.0, 10.0),
        ready,
        contact_mask,
        rng.uniform(0.12, 0.25) * scale,
        0.08,
        above=True,
    )
    across = (starts[1] - starts[0]) / np.linalg.norm(starts[1] - starts[0])
    across3 = np.array([across[0], 0.0, across[1]])
    for k, actor in enumerate(actors):
        shoulder = actor.rest[:, JOINT_INDEX[f"{side}_shoulder"]] + actor.root
        shoulder = shoulder + np.array([starts[k][0], 0.0, starts[k][1]])
        up = shoulder + to_world(actor.ctx.yaw, np.array([sign * 0.15, 0.3, 0.12]) * scale)
        goal = point + (k - 0.5) * WRIST_GAP_M * across3
        # Blend: hanging -> raised beside the head (ready) -> contact point (hit) -> back.
        target = up + hit[:, None] * (goal - up)
        _drive_hand(actor, starts[k], side, target, ready, [sign * 0.6, -1.0, -0.3])
    info = {"side": side, "distance_m": round(distance, 3), "contact_frames": _frames_where(contact, hit)}
    motions = [planted(a.pose.rot, a.ctx.yaw, dict(info)) for a in actors]
    return Interaction(motions, starts, info)


def conversation(
    rng: np.random.Generator, bodies: list[Body], frames: int, fps: float, yaw: float, start_xz: np.ndarray
) -> Interaction:
    """Two people face each other (1.0-1.5 m apart) and talk in turns: the speaker gestures, the other nods.

    Each actor's `Motion.info` holds its speaking `windows` ([on, off] seconds) and syllable rate, which
    its face follows (`face`); the turns alternate and each actor speaks at least once.
    """
    d = frames / fps
    lead, tail = rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.4)
    span = max(d - lead - tail, 0.4)
    count = max(2, int(span / rng.uniform(1.0, 1.8)))
    shares = 0.5 / count + 0.5 * rng.dirichlet(np.full(count, 4.0))  # every turn >= half its even share
    cuts = lead + span * np.concatenate([[0.0], np.cumsum(shares)])
    gap = min(0.3, 0.2 * span / count)  # a short pause between turns
    first = int(rng.integers(2))
    windows: list[list[list[float]]] = [[], []]
    for i in range(count):
        windows[(first + i) % 2].append([round(cuts[i] + gap / 2, 3), round(cuts[i + 1] - gap / 2, 3)])
    distance = rng.uniform(1.0, 1.5)
    start = np.asarray(start_xz, dtype=np.float64)
    starts = [start, start + distance * np.array([np.sin(yaw), np.cos(yaw)])]
    motions = []
    for k, body in enumerate(bodies):
        ctx = ActionContext(body, frames, fps, yaw + k * np.pi)
        voice = {"windows": windows[k], "rate_hz": round(float(rng.uniform(4.0, 5.0)), 3)}
        motions.append(gesture_while_speaking(rng, ctx, speaking_envelope(ctx, windows[k]), voice))
    info = {"turns": count, "first_speaker": first, "distance_m": round(distance, 3)}
    return Interaction(motions, starts, info)


INTERACTIONS = {"handshake": handshake, "high_five": high_five, "talk": conversation}

# The hug and the fight (`pair_actions`) register themselves here.
from stickgen.synthetic.pair_actions import fight, hug  # noqa: E402, I001

INTERACTIONS.update({"hug": hug, "fight": fight})
