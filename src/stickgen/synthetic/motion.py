"""One actor's motion as rotations plus root-motion intent, placed on the floor; chaining and reversal.

Action generators return a `Motion`: local joint rotations and, instead of a root trajectory, how the
root should move: which feet are planted (contact), a free velocity for when none is, and the lift of
the lowest foot above the floor. `place` turns that into root positions: planted feet stay put
(the root moves by minus their motion relative to the body), and the lowest foot point rests on the
floor plus `lift`. This keeps feet planted and makes root bobbing follow from the legs; it also lets
two motions be blended before the root is solved once for the whole clip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stickgen.core.rig import Body, forward_kinematics
from stickgen.core.rotations import blend
from stickgen.core.skeleton import FOOT_JOINTS
from stickgen.synthetic.posing import smoothstep


@dataclass
class Motion:
    """One actor over T frames.

    Attributes:
        rot: (T, 22, 3, 3) local joint rotations; rot[:, 0] is the global body orientation.
        heading: (T,) travel/facing yaw in radians (0 = +Z, positive turns left).
        contact: (T, 2) how firmly the left / right foot is planted, in [0, 1].
        velocity: (T, 2) root x/z velocity (m/s) used while no foot is planted.
        lift: (T,) height (m) of the lowest foot point above the floor; > 0 only in flight.
        info: JSON-able facts about the action for captions and meta.
    """

    rot: np.ndarray
    heading: np.ndarray
    contact: np.ndarray
    velocity: np.ndarray
    lift: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.rot.shape[0]
        assert self.rot.shape[1:] == (22, 3, 3), self.rot.shape
        assert self.heading.shape == (n,) and self.lift.shape == (n,), (self.heading.shape, self.lift.shape)
        assert self.contact.shape == (n, 2) and self.velocity.shape == (n, 2), self.contact.shape

    @property
    def frames(self) -> int:
        return int(self.rot.shape[0])


def planted(rot: np.ndarray, yaw: float, info: dict[str, Any]) -> Motion:
    """A motion whose feet both stay planted (actions performed on the spot)."""
    n = rot.shape[0]
    return Motion(rot, np.full(n, yaw), np.ones((n, 2)), np.zeros((n, 2)), np.zeros(n), info)


def _feet(motion: Motion, body: Body) -> np.ndarray:
    """Root-relative joints (T, 22, 3) of a motion (root at the origin, world orientation)."""
    return forward_kinematics(np.zeros(3), motion.rot, body.offsets)[0]


def _locked_steps(rel: np.ndarray, contact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-step root x/z displacement (T-1, 2) that keeps planted feet still, and the grip (T-1, 1)."""
    feet = rel[:, list(FOOT_JOINTS)]  # (T, 4, 3): left/right ankle, left/right ball of foot
    per_foot = 0.5 * (feet[:, :2] + feet[:, 2:])  # (T, 2, 3) left, right
    step = np.diff(per_foot[..., [0, 2]], axis=0)  # (T-1, 2 feet, 2)
    w = 0.5 * (contact[1:] + contact[:-1])  # (T-1, 2)
    total = w.sum(axis=1, keepdims=True)
    locked = -(w[..., None] * step).sum(axis=1) / np.maximum(total, 1e-6)  # (T-1, 2)
    return locked, np.clip(total, 0.0, 1.0)


def place(motion: Motion, body: Body, fps: float, start_xz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve the root trajectory and return root (T, 3) and joint positions (T, 22, 3).

    Args:
        motion: the rotations and root-motion intent.
        body: the actor's rest skeleton.
        fps: frame rate of the motion.
        start_xz: (2,) root x/z at frame 0.
    """
    rel = _feet(motion, body)  # (T, 22, 3), root at the origin
    locked, grip = _locked_steps(rel, motion.contact)
    free = 0.5 * (motion.velocity[1:] + motion.velocity[:-1]) / fps
    delta = grip * locked + (1.0 - grip) * free
    xz = np.asarray(start_xz, dtype=np.float64) + np.concatenate([np.zeros((1, 2)), np.cumsum(delta, axis=0)])
    y = motion.lift - rel[:, list(FOOT_JOINTS), 1].min(axis=1)
    root = np.stack([xz[:, 0], y, xz[:, 1]], axis=-1)
    return root, rel + root[:, None, :]


def chain(first: Motion, second: Motion, overlap: int) -> Motion:
    """Play `first`, then `second`, cross-fading over `overlap` shared frames (slerped rotations).

    `second` should start where `first` is at frame `first.frames - overlap` (its heading there).
    The result has first.frames + second.frames - overlap frames; `info` is left empty.
    """
    if not 0 < overlap <= min(first.frames, second.frames):
        raise ValueError(f"overlap must be in [1, {min(first.frames, second.frames)}], got {overlap}")
    cut = first.frames - overlap
    w = smoothstep((np.arange(overlap) + 1.0) / (overlap + 1.0))  # (overlap,)

    def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        wb = w.reshape(-1, *([1] * (a.ndim - 1)))
        return np.concatenate([a[:cut], a[cut:] * (1.0 - wb) + b[:overlap] * wb, b[overlap:]])

    rot = np.concatenate(
        [first.rot[:cut], blend(first.rot[cut:], second.rot[:overlap], w[:, None]), second.rot[overlap:]]
    )
    # Headings can differ by a full turn (walking in a circle): blend the nearer representative.
    shift = 2 * np.pi * np.round((first.heading[cut] - second.heading[0]) / (2 * np.pi))
    heading = mix(first.heading, second.heading + shift)
    return Motion(
        rot,
        heading,
        mix(first.contact, second.contact),
        mix(first.velocity, second.velocity),
        mix(first.lift, second.lift),
    )


def reverse(motion: Motion) -> Motion:
    """The motion played backwards in time (velocities change sign)."""
    return Motion(
        motion.rot[::-1].copy(),
        motion.heading[::-1].copy(),
        motion.contact[::-1].copy(),
        -motion.velocity[::-1],
        motion.lift[::-1].copy(),
        dict(motion.info),
    )
