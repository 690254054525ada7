"""Analytic two-bone inverse kinematics: a wrist or an ankle on a target, the middle joint towards a pole.

Targets and poles are in the body's root-relative frame (joint positions from forward kinematics with
the root at the origin, i.e. world orientation). An arm solution replaces the shoulder and elbow local
rotations; the elbow stays a hinge about its rest Y axis (`posing.elbow`), and the right arm is solved
as the mirror image of a left arm, which is exact because rest skeletons are left/right symmetric. A
leg solution is the hip's global rotation and the knee's flexion about its rest X axis (`posing.knee`,
the same on both sides), with the knee bending towards the pole.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.rig import Body, forward_kinematics
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.posing import PoseBuilder, elbow

_FLIP_X = np.array([-1.0, 1.0, 1.0])
REACH_LIMIT = 0.999  # fraction of the straight-arm length a target is clamped to


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def solve_left_arm(
    target: np.ndarray, pole: np.ndarray, upper: float, fore: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left shoulder and elbow local rotations for a wrist target, in the collar's frame.

    Args:
        target: (T, 3) wrist target relative to the shoulder joint, in the collar's frame.
        pole: (T, 3) direction the elbow should point to (need not be normalised or perpendicular).
        upper: upper-arm length (m).
        fore: forearm length (m).

    Returns:
        shoulder (T, 3, 3), elbow (T, 3, 3) and elbow flexion angles (T,) in radians.
    """
    dist = np.linalg.norm(target, axis=-1)
    dist_c = np.clip(dist, abs(upper - fore) + 1e-4, (upper + fore) * REACH_LIMIT)
    cos_inner = (upper**2 + fore**2 - dist_c**2) / (2.0 * upper * fore)
    flex = np.pi - np.arccos(np.clip(cos_inner, -1.0, 1.0))  # (T,)
    # In the upper arm's own frame (rest direction +X, hinge about Y) the wrist lies at angle beta in
    # the XZ plane; u1 points at the wrist, u2 from the shoulder-wrist line towards the elbow.
    beta = np.arctan2(fore * np.sin(flex), upper + fore * np.cos(flex))
    zero = np.zeros_like(beta)
    u = np.stack(
        [
            np.stack([np.cos(beta), zero, np.sin(beta)], -1),
            np.stack([np.sin(beta), zero, -np.cos(beta)], -1),
            np.stack([zero, zero + 1.0, zero], -1),
        ],
        axis=-1,
    )  # (T, 3, 3) columns u1, u2, u3
    v1 = _normalise(target)
    v2 = pole - np.sum(pole * v1, axis=-1, keepdims=True) * v1
    # A pole along the target line gives no plane: fall back to "elbow down-back".
    spare = np.array([0.0, -1.0, -0.3]) - np.sum(np.array([0.0, -1.0, -0.3]) * v1, -1, keepdims=True) * v1
    v2 = np.where(np.linalg.norm(v2, axis=-1, keepdims=True) < 1e-6, spare, v2)
    v2 = _normalise(v2)
    v = np.stack([v1, v2, np.cross(v1, v2)], axis=-1)  # (T, 3, 3) columns v1, v2, v3
    return v @ np.swapaxes(u, -1, -2), elbow(flex), flex


def _frame(first: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """(T, 3, 3) orthonormal columns: `first`'s direction, the part of `towards` across it, their cross."""
    v1 = _normalise(first)
    v2 = _normalise(towards - np.sum(towards * v1, axis=-1, keepdims=True) * v1)
    return np.stack([v1, v2, np.cross(v1, v2)], axis=-1)


def solve_leg(
    target: np.ndarray, pole: np.ndarray, thigh: float, shank: float
) -> tuple[np.ndarray, np.ndarray]:
    """Global hip rotation and knee flexion that put the ankle on `target`, the knee towards `pole`.

    Args:
        target: (T, 3) ankle target relative to the hip joint (world orientation).
        pole: (T, 3) direction the knee should point to (for walking: forwards); it must not lie
            along the hip-ankle line.
        thigh: hip-to-knee length (m).
        shank: knee-to-ankle length (m).

    Returns:
        hip (T, 3, 3) global rotation of the thigh (its rest direction is -Y) and knee flexion (T,) in
        radians; targets out of reach are clamped to `REACH_LIMIT` of the straight leg.
    """
    dist = np.clip(np.linalg.norm(target, axis=-1), abs(thigh - shank) + 1e-4, (thigh + shank) * REACH_LIMIT)
    cos_knee = (dist**2 - thigh**2 - shank**2) / (2.0 * thigh * shank)
    flex = np.arccos(np.clip(cos_knee, -1.0, 1.0))  # 0 = straight
    # In the thigh's rest frame the knee is at (0, -thigh, 0) and a flexion about +X puts the ankle
    # at (0, -thigh - shank cos, -shank sin): the knee lies on the +Z side of the hip-ankle line.
    zero = np.zeros_like(flex)
    ankle = np.stack([zero, -thigh - shank * np.cos(flex), -shank * np.sin(flex)], axis=-1)
    knee_dir = np.broadcast_to(np.array([0.0, -1.0, 0.0]), ankle.shape)
    rest, posed = _frame(ankle, knee_dir), _frame(target, np.broadcast_to(pole, target.shape))
    return posed @ np.swapaxes(rest, -1, -2), flex


def reach(pose: PoseBuilder, body: Body, side: str, target: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Set `side`'s shoulder and elbow in `pose` so the wrist reaches `target`; returns flexion (T,).

    Args:
        pose: the pose to edit; its trunk and collars must already be final.
        body: the actor's rest skeleton.
        side: "left" or "right".
        target: (T, 3) wrist targets in the root-relative frame.
        pole: (T, 3) or (3,) elbow direction in the root-relative frame.
    """
    pos, glob = forward_kinematics(np.zeros(3), pose.rot, body.offsets)  # (T, 22, 3), (T, 22, 3, 3)
    sh = JOINT_INDEX[f"{side}_shoulder"]
    collar_rot = glob[:, JOINT_INDEX[f"{side}_collar"]]  # (T, 3, 3)
    to_local = np.swapaxes(collar_rot, -1, -2)
    t_local = (to_local @ (target - pos[:, sh])[..., None])[..., 0]
    p_local = (to_local @ np.broadcast_to(pole, target.shape)[..., None])[..., 0]
    if side == "right":  # solve the mirror-image left arm, then mirror back
        t_local, p_local = t_local * _FLIP_X, p_local * _FLIP_X
    s_rot, e_rot, flex = solve_left_arm(t_local, p_local, body.upper_arm, body.forearm)
    pose.limb(side, "shoulder", s_rot)
    pose.limb(side, "elbow", e_rot)
    return flex


def joints(pose: PoseBuilder, body: Body) -> np.ndarray:
    """Root-relative joint positions (T, 22, 3) of a pose."""
    return forward_kinematics(np.zeros(3), pose.rot, body.offsets)[0]
