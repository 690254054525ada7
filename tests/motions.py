"""Crafted motions for the quality, curation and dataset tests: a clean, rigid, grounded figure waving
its arms (every detector scores 0), and clips built from it."""

from __future__ import annotations

from functools import cache

import numpy as np
from helpers import standing_body

from stickgen.core.canonical import Clip
from stickgen.core.rig import make_body
from stickgen.core.skeleton import JOINT_INDEX, to_canonical_frame
from stickgen.evaluate.prompts import behaviour_prompts
from stickgen.synthetic.actions import generate_action
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.interactions import INTERACTIONS
from stickgen.synthetic.motion import place

J = JOINT_INDEX
FPS = 20.0
DURATION = {p.action: p.duration_s for p in behaviour_prompts()}  # the behaviour suite's own lengths


def _rot_x(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate vectors v (T, 3) about +X by angle (T,) radians."""
    c, s = np.cos(angle), np.sin(angle)
    out = v.copy()
    out[:, 1] = c * v[:, 1] - s * v[:, 2]
    out[:, 2] = s * v[:, 1] + c * v[:, 2]
    return out


def clean_motion(
    frames: int = 60, fps: float = 20.0, seed: int = 0, stature: float = 1.75, actors: int = 1
) -> np.ndarray:
    """(T, A, 22, 3): a standing figure swinging both forearms about the elbows and gently swaying.

    Bones keep their lengths (rotations only), the feet stay on the floor, elbows stay in 10-110 deg;
    `seed` varies frequencies, amplitudes and phases, so different seeds are different motions.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    out = np.zeros((frames, actors, 22, 3))
    for a in range(actors):
        body = np.repeat(standing_body(stature * rng.uniform(0.97, 1.03))[None], frames, axis=0)
        for side in ("left", "right"):
            f, amp, ph = rng.uniform(0.4, 1.0), rng.uniform(0.5, 0.9), rng.uniform(0, 2 * np.pi)
            theta = 1.05 + amp * np.sin(2 * np.pi * f * t + ph)  # elbow flexion about X
            elbow, wrist = J[f"{side}_elbow"], J[f"{side}_wrist"]
            forearm = body[:, wrist] - body[:, elbow]
            body[:, wrist] = body[:, elbow] + _rot_x(forearm, theta)
        sway = 0.01 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6))
        upper = [
            J[n]
            for n in (
                "spine1",
                "spine2",
                "spine3",
                "neck",
                "head",
                "left_collar",
                "right_collar",
                "left_shoulder",
                "right_shoulder",
                "left_elbow",
                "right_elbow",
                "left_wrist",
                "right_wrist",
            )
        ]
        body[:, upper, 0] += sway[:, None]
        body[..., 0] += 1.2 * a
        out[:, a] = body
    return out.astype(np.float32)


def clip_of(
    joints: np.ndarray,
    clip_id: str,
    source: str = "test",
    action: str = "wave",
    texts: list[str] | None = None,
    group: str | None = None,
) -> Clip:
    return Clip(
        id=clip_id,
        joints=joints,
        texts=texts or [f"a person waves ({clip_id})"],
        action=action,
        source=source,
        group=group or clip_id.split("#")[0],
    )


def clean_clips(
    n: int, source: str, action: str = "wave", frames: int = 40, seed: int = 0, texts: list[str] | None = None
) -> list[Clip]:
    """n distinct clean clips of one source and action, one take (group) each."""
    return [
        clip_of(
            clean_motion(frames, seed=seed * 100_003 + k),
            f"{source}/take{k:04d}#0-{frames}",
            source,
            action,
            texts,
        )
        for k in range(n)
    ]


@cache
def animated(action: str, seed: int, seconds: float | None = None) -> tuple[np.ndarray, str | None]:
    """A synthetic clip of one action in the canonical frame (as the synthesize stage writes it) and the
    side the animator used ("both" for two-handed waves and punches, None for sideless actions), as long as
    the behaviour suite's caption of the action unless `seconds` says."""
    rng = np.random.default_rng([seed, 2024])
    frames = int(round((seconds or DURATION[action]) * FPS))
    yaw = float(rng.uniform(0.0, 2.0 * np.pi))
    if action in INTERACTIONS:
        bodies = [make_body(rng), make_body(rng)]
        inter = INTERACTIONS[action](rng, bodies, frames, FPS, yaw, np.zeros(2))
        placed = [place(m, b, FPS, s)[1] for m, b, s in zip(inter.motions, bodies, inter.starts, strict=True)]
        joints, info = np.stack(placed, axis=1), inter.info
    else:
        body = make_body(rng)
        motion = generate_action(action, rng, ActionContext(body, frames, FPS, yaw))
        joints, info = place(motion, body, FPS, np.zeros(2))[1][:, None], motion.info
    return to_canonical_frame(joints.astype(np.float32)), info.get("side")
