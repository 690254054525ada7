"""Anatomical joint angles -> local rotations, a pose builder, and easing curves over time.

Limb helpers are written for the LEFT limb in the T-pose rest frame; `PoseBuilder.limb` mirrors them
for the right limb, so one angle means the same movement on either side. Angles are radians, scalars
or (T,) arrays. Conventions (positive values):

- trunk (pelvis, spine, neck, head): `bend` forwards, `side` leans to the figure's left, `twist` turns
  the front to the left (yaw towards +X).
- hip: `flex` swings the leg forwards, `abduct` out to the side; knee: `flex` bends the shin back;
  ankle: `dorsi` lifts the toes.
- collar: `shrug` raises the shoulder, `forward` protracts it; shoulder: `abduct` 0 = arm hanging,
  pi/2 = horizontal (T-pose), pi = straight up; `forward` swings the arm forwards; `twist` rolls it
  about its own axis; elbow: `flex` bends the forearm forwards (from a hanging arm).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.rotations import mirror, rot_x, rot_y, rot_z
from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS

DEG = np.pi / 180.0
Angle = np.ndarray | float


def trunk(bend: Angle = 0.0, side: Angle = 0.0, twist: Angle = 0.0) -> np.ndarray:
    """Rotation of a trunk joint (spine, neck, head)."""
    return rot_y(twist) @ rot_z(-np.asarray(side)) @ rot_x(bend)


def orientation(yaw: Angle, bend: Angle = 0.0, side: Angle = 0.0) -> np.ndarray:
    """Global body (root) orientation: facing `yaw` (0 = +Z, positive turns left), then tilt."""
    return rot_y(yaw) @ rot_z(-np.asarray(side)) @ rot_x(bend)


def hip(flex: Angle, abduct: Angle = 0.0, twist: Angle = 0.0) -> np.ndarray:
    return rot_z(abduct) @ rot_x(-np.asarray(flex)) @ rot_y(twist)


def knee(flex: Angle) -> np.ndarray:
    return rot_x(flex)


def ankle(dorsi: Angle) -> np.ndarray:
    return rot_x(-np.asarray(dorsi))


def collar(shrug: Angle = 0.0, forward: Angle = 0.0) -> np.ndarray:
    return rot_y(-np.asarray(forward)) @ rot_z(shrug)


def shoulder(forward: Angle, abduct: Angle, twist: Angle = 0.0) -> np.ndarray:
    return rot_x(-np.asarray(forward)) @ rot_z(np.asarray(abduct) - np.pi / 2) @ rot_x(twist)


def elbow(flex: Angle) -> np.ndarray:
    return rot_y(-np.asarray(flex))


class PoseBuilder:
    """Local joint rotations (T, 22, 3, 3) under construction; every joint starts at rest (identity)."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.rot = np.tile(np.eye(3), (frames, NUM_JOINTS, 1, 1))

    def set(self, joint: str, rotation: np.ndarray) -> None:
        """Set one joint's rotation from (3, 3) or (T, 3, 3)."""
        self.rot[:, JOINT_INDEX[joint]] = np.broadcast_to(rotation, (self.frames, 3, 3))

    def limb(self, side: str, joint: str, left_rotation: np.ndarray) -> None:
        """Set `{side}_{joint}` from a rotation written for the left limb (mirrored for the right)."""
        if side not in ("left", "right"):
            raise ValueError(f"unsupported side [{side}]; choose left or right")
        self.set(f"{side}_{joint}", left_rotation if side == "left" else mirror(left_rotation))

    def leg(
        self,
        side: str,
        flex: Angle,
        knee_flex: Angle,
        abduct: Angle = 0.0,
        pelvis_bend: Angle = 0.0,
        toe: Angle = 0.0,
        twist: Angle = 0.0,
    ) -> None:
        """Hip, knee and an ankle that keeps the foot level (plus `toe` dorsiflexion); `twist` turns the
        leg about its own axis (the toes towards the figure's left for the left leg, as mirrored)."""
        self.limb(side, "hip", hip(flex, abduct, twist))
        self.limb(side, "knee", knee(knee_flex))
        level = np.asarray(knee_flex) - np.asarray(flex) + np.asarray(pelvis_bend)
        self.limb(side, "ankle", ankle(level + np.asarray(toe)))

    def arm(self, side: str, forward: Angle, abduct: Angle, elbow_flex: Angle, twist: Angle = 0.0) -> None:
        self.limb(side, "shoulder", shoulder(forward, abduct, twist))
        self.limb(side, "elbow", elbow(elbow_flex))

    def spine(self, bend: Angle = 0.0, side: Angle = 0.0, twist: Angle = 0.0) -> None:
        """Spread a trunk movement over spine1..spine3 (40/35/25 %)."""
        for joint, share in (("spine1", 0.4), ("spine2", 0.35), ("spine3", 0.25)):
            self.set(
                joint, trunk(np.multiply(bend, share), np.multiply(side, share), np.multiply(twist, share))
            )


def smoothstep(x: np.ndarray | float) -> np.ndarray:
    """0 below 0, 1 above 1, cubic ease in between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def ramp(t: np.ndarray, start: float, duration: float) -> np.ndarray:
    """Eased step from 0 (before `start`) to 1 (after `start + duration`)."""
    return smoothstep((t - start) / max(duration, 1e-6))


def window(t: np.ndarray, on: float, off: float, rise: float, fall: float | None = None) -> np.ndarray:
    """Eased 0 -> 1 -> 0 envelope: rises over [on, on + rise], falls over [off - fall, off]."""
    fall = rise if fall is None else fall
    return ramp(t, on, rise) * (1.0 - ramp(t, off - fall, fall))


def keyframes(t: np.ndarray, times: list[float] | np.ndarray, values: list[float] | np.ndarray) -> np.ndarray:
    """Value at each time in `t`, eased between consecutive keys and held before the first/after the last.

    Args:
        t: (T,) query times.
        times: (K,) increasing key times.
        values: (K,) key values.
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    assert times.shape == values.shape and np.all(np.diff(times) >= 0), (times, values)
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[k + 1] - times[k], 1e-9)
    u = smoothstep((t - times[k]) / span)
    return values[k] + (values[k + 1] - values[k]) * u
