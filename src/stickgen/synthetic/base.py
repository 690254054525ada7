"""What every action generator shares: its context (body, length, heading) and a relaxed stance.

An action generator is a function `(rng, ctx) -> Motion`. It draws all of its parameters from `rng`
(speed, amplitude, timing, side...), records the ones captions need in `Motion.info`, and must give
a sensible motion for any length (short chain segments included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.rig import Body
from stickgen.core.rotations import rot_y
from stickgen.synthetic.posing import DEG, PoseBuilder, collar, orientation, trunk

SIDES: tuple[str, str] = ("left", "right")
SIDE_SIGN: dict[str, float] = {"left": 1.0, "right": -1.0}  # the figure's left is +X


@dataclass(frozen=True)
class ActionContext:
    """Inputs of one action generator.

    Attributes:
        body: the actor's rest skeleton.
        frames: number of frames to generate.
        fps: frame rate.
        yaw: heading at frame 0 (radians, 0 = +Z, positive turns left).
        ease_in: locomotion should start from standing (used after another action).
        ease_out: locomotion should come to rest at the end (used before another action).
    """

    body: Body
    frames: int
    fps: float
    yaw: float = 0.0
    ease_in: bool = False
    ease_out: bool = False

    @property
    def t(self) -> np.ndarray:
        """(T,) time of each frame in seconds."""
        return np.arange(self.frames) / self.fps

    @property
    def duration(self) -> float:
        return self.frames / self.fps


def to_world(yaw: float | np.ndarray, local: np.ndarray) -> np.ndarray:
    """Vectors in the heading frame (x = figure's left, y = up, z = forwards) -> root-relative world."""
    return (rot_y(yaw) @ np.asarray(local, dtype=np.float64)[..., None])[..., 0]


def stand(
    rng: np.random.Generator,
    ctx: ActionContext,
    pose: PoseBuilder,
    arms: bool = True,
    bend: np.ndarray | float = 0.0,
) -> None:
    """A relaxed standing pose with breathing and a slow weight shift (feet apart, knees soft).

    Args:
        rng: random source for the small idle variations.
        ctx: the action context (its yaw sets the facing).
        pose: pose to fill in; trunk, legs, collars and (if `arms`) arms are set.
        arms: also let the arms hang relaxed.
        bend: forward tilt of the pelvis (radians, scalar or (T,)); the hips flex to keep the legs upright.
    """
    t = ctx.t
    breath = np.sin(2 * np.pi * rng.uniform(0.2, 0.33) * t + rng.uniform(0, 2 * np.pi))
    shift = rng.uniform(0.5, 2.0) * DEG * np.sin(2 * np.pi * rng.uniform(0.07, 0.2) * t + rng.uniform(0, 6.3))
    knee_flex = rng.uniform(2.0, 6.0) * DEG
    stance = rng.uniform(1.5, 4.0) * DEG  # feet slightly apart
    pose.set("pelvis", orientation(ctx.yaw, bend=bend))
    # Both feet shift the same way relative to the pelvis: the pelvis sways over the planted feet.
    flex = 0.5 * knee_flex + np.asarray(bend)
    pose.leg("left", flex, knee_flex, abduct=stance + shift, pelvis_bend=bend)
    pose.leg("right", flex, knee_flex, abduct=stance - shift, pelvis_bend=bend)
    pose.spine(bend=rng.uniform(-1.0, 3.0) * DEG + 1.2 * DEG * breath)
    pose.set("neck", trunk(rng.uniform(0.0, 6.0) * DEG))
    pose.set("head", trunk(rng.uniform(-4.0, 4.0) * DEG))
    for side in SIDES:
        pose.limb(side, "collar", collar(shrug=1.0 * DEG * breath))
        if arms:
            pose.arm(
                side,
                forward=rng.uniform(0.0, 6.0) * DEG + 1.0 * DEG * breath,
                abduct=rng.uniform(6.0, 12.0) * DEG,
                elbow_flex=rng.uniform(8.0, 20.0) * DEG,
            )
