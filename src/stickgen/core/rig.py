"""The animated body: a rest skeleton built from segment proportions, and forward kinematics.

The rest pose is a T-pose in canonical axes (metres, Y up, facing +Z, the figure's left is +X): legs
straight down, arms straight out along +-X, every joint's local frame aligned with the world. A pose
is the root (pelvis) position plus one LOCAL rotation matrix per joint (the root's is the global body
orientation), the same parametrisation BVH and SMPL/AMASS use, so rotations can be written out as is.

Segment lengths are this project's own rounded anthropometry, as fractions of stature; each actor
gets a stature and small per-segment-group variations, kept left/right symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS, PARENTS

# Fractions of stature. Heights are measured from the ball-of-foot joint (the lowest joint standing):
# pelvis 0.562, shoulders 0.805, head joint 0.909.
PROPORTIONS: dict[str, float] = {
    "hip_width": 0.104,  # between the hip joint centres
    "hip_drop": 0.048,  # pelvis joint above the hip joints
    "thigh": 0.245,
    "shank": 0.245,
    "ankle_height": 0.024,  # ankle above the ball-of-foot joint
    "foot": 0.075,  # ankle to ball of foot, forwards
    "spine1": 0.060,
    "spine2": 0.075,
    "spine3": 0.032,
    "neck": 0.110,
    "head": 0.070,
    "collar_rise": 0.068,
    "collar_out": 0.035,
    "shoulder_out": 0.070,
    "upper_arm": 0.172,
    "forearm": 0.150,
}
# Segments that vary together between actors (one factor per group).
_GROUPS: dict[str, tuple[str, ...]] = {
    "legs": ("thigh", "shank"),
    "feet": ("ankle_height", "foot"),
    "torso": ("spine1", "spine2", "spine3", "neck", "head", "collar_rise"),
    "width": ("hip_width", "collar_out", "shoulder_out"),
    "arms": ("upper_arm", "forearm"),
}
STATURE_RANGE_M: tuple[float, float] = (1.55, 1.95)


@dataclass(frozen=True)
class Body:
    """One actor's rest skeleton: `offsets` (22, 3) parent -> joint in the rest T-pose, metres.

    offsets[0] is zero: the root translation is the pelvis position itself.
    """

    stature: float
    offsets: np.ndarray

    def bone(self, joint: str) -> float:
        """Length (m) of the bone from `joint`'s parent to `joint`."""
        return float(np.linalg.norm(self.offsets[JOINT_INDEX[joint]]))

    @property
    def upper_arm(self) -> float:
        return self.bone("left_elbow")

    @property
    def forearm(self) -> float:
        return self.bone("left_wrist")

    @property
    def arm(self) -> float:
        """Shoulder-to-wrist reach with a straight arm (m)."""
        return self.upper_arm + self.forearm

    @property
    def leg(self) -> float:
        """Hip-to-ankle length with a straight leg (m)."""
        return self.bone("left_knee") + self.bone("left_ankle")


def rest_offsets(stature: float, proportions: dict[str, float]) -> np.ndarray:
    """Bone offsets (22, 3) of a T-pose for `stature` metres from fractions of stature."""
    p = {k: v * stature for k, v in proportions.items()}
    centre = {
        "pelvis": (0.0, 0.0, 0.0),
        "spine1": (0.0, p["spine1"], -0.003 * stature),
        "spine2": (0.0, p["spine2"], 0.004 * stature),
        "spine3": (0.0, p["spine3"], 0.0),
        "neck": (0.0, p["neck"], -0.004 * stature),
        "head": (0.0, p["head"], 0.008 * stature),
    }
    left = {  # the right side is the mirror image (x -> -x)
        "hip": (p["hip_width"] / 2, -p["hip_drop"], 0.0),
        "knee": (0.0, -p["thigh"], 0.0),
        "ankle": (0.0, -p["shank"], 0.0),
        "foot": (0.0, -p["ankle_height"], p["foot"]),
        "collar": (p["collar_out"], p["collar_rise"], -0.004 * stature),
        "shoulder": (p["shoulder_out"], 0.008 * stature, 0.0),
        "elbow": (p["upper_arm"], 0.0, 0.0),
        "wrist": (p["forearm"], 0.0, 0.0),
    }
    out = np.zeros((NUM_JOINTS, 3))
    for name, vec in centre.items():
        out[JOINT_INDEX[name]] = vec
    for name, (x, y, z) in left.items():
        out[JOINT_INDEX[f"left_{name}"]] = (x, y, z)
        out[JOINT_INDEX[f"right_{name}"]] = (-x, y, z)
    return out


def make_body(rng: np.random.Generator, stature: float | None = None, jitter: float = 0.03) -> Body:
    """A random actor: stature uniform in STATURE_RANGE_M unless given; segment groups vary by ~jitter.

    Args:
        rng: the take's generator (the only source of randomness).
        stature: fixed stature in metres, or None to draw one.
        jitter: standard deviation of the per-group length factor (clipped to +-2.5 sd).
    """
    if stature is None:
        stature = float(rng.uniform(*STATURE_RANGE_M))
    factors = np.clip(rng.normal(1.0, jitter, size=len(_GROUPS)), 1 - 2.5 * jitter, 1 + 2.5 * jitter)
    props = dict(PROPORTIONS)
    for factor, names in zip(factors, _GROUPS.values(), strict=True):
        for name in names:
            props[name] *= float(factor)
    # Proportions vary; the standing height does not: rescale so the head joint sits where it would.
    scale = _head_height(PROPORTIONS) / _head_height(props)
    props = {k: v * scale for k, v in props.items()}
    return Body(stature=float(stature), offsets=rest_offsets(stature, props))


def _head_height(p: dict[str, float]) -> float:
    """Head joint above the ball-of-foot joint in the rest pose, in the units of `p`."""
    chain = ("ankle_height", "shank", "thigh", "hip_drop", "spine1", "spine2", "spine3", "neck", "head")
    return sum(p[k] for k in chain)


def forward_kinematics(
    root: np.ndarray, rotations: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and global rotations from root translation and local joint rotations.

    Args:
        root: (..., 3) pelvis positions.
        rotations: (..., 22, 3, 3) local rotations; [..., 0, :, :] is the global body orientation.
        offsets: (..., 22, 3) rest bone offsets, broadcastable against rotations[..., 0].

    Returns:
        positions (..., 22, 3) and global rotations (..., 22, 3, 3).
    """
    lead = rotations.shape[:-3]
    assert rotations.shape[-3:] == (NUM_JOINTS, 3, 3), rotations.shape
    off = np.broadcast_to(offsets, lead + (NUM_JOINTS, 3))[..., None]  # (..., 22, 3, 1)
    glob = np.empty(lead + (NUM_JOINTS, 3, 3))
    pos = np.empty(lead + (NUM_JOINTS, 3))
    glob[..., 0, :, :] = rotations[..., 0, :, :]
    pos[..., 0, :] = np.broadcast_to(root, lead + (3,)) + off[..., 0, :, 0]
    for j in range(1, NUM_JOINTS):  # parents precede children in SMPL order
        p = PARENTS[j]
        pos[..., j, :] = pos[..., p, :] + (glob[..., p, :, :] @ off[..., j, :, :])[..., 0]
        glob[..., j, :, :] = glob[..., p, :, :] @ rotations[..., j, :, :]
    return pos, glob
