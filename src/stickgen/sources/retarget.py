"""Other skeletons -> the 22 SMPL joints: anatomical points mapped by name, the rest derived.

Sources with their own joint sets (KIT, Kinect, BVH and ASF/AMC rigs) first name their anatomical
points (`BodyPoints`: pelvis, hips, knees, ankles, feet, neck, head, shoulders, elbows, wrists and
the back polyline from the pelvis to the neck). `smpl_joints` then builds the 22 SMPL joints. Joints
no such skeleton marks the same way are derived by one documented rule each, and their names are
returned so that converters flag them in each clip's meta (`derived_joints`); a rig that marks them
itself (an SMPL-named rig) gives them instead:

- spine1, spine2, spine3: points on the back polyline (pelvis -> ... -> neck) at the arc-length
  fractions of the SMPL spine (from this project's rig proportions, `SPINE_FRACTIONS`), per frame.
- left_collar, right_collar: neck + (shoulder - neck) / 3 + 0.3 * (spine3 - neck): a third of the
  way out to the shoulder and a little below the neck, where the SMPL collar joints sit.
- left_foot, right_foot, when a skeleton has no toe point: ankle + 0.35 * shank length forwards and
  0.05 * shank length down (forwards: perpendicular to the hip line in the floor plane).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.rig import PROPORTIONS
from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS

_SPINE = np.cumsum([PROPORTIONS[k] for k in ("spine1", "spine2", "spine3", "neck")])
# Where spine1, spine2 and spine3 sit along the pelvis -> neck path, as fractions of its length.
SPINE_FRACTIONS: tuple[float, float, float] = tuple(float(x) for x in _SPINE[:3] / _SPINE[3])
COLLAR_OUT = 1.0 / 3.0
COLLAR_DROP = 0.3
FOOT_FORWARD = 0.35
FOOT_DOWN = 0.05
_UP = np.array([0.0, 1.0, 0.0])


@dataclass
class BodyPoints:
    """One actor's anatomical points over T frames, each (T, 3), Y up, metres.

    `back` is the polyline from the pelvis to the neck (both included): every spine point the
    skeleton has, in order. `left_foot` / `right_foot` (ball of the foot) may be None.
    """

    pelvis: np.ndarray
    left_hip: np.ndarray
    right_hip: np.ndarray
    left_knee: np.ndarray
    right_knee: np.ndarray
    left_ankle: np.ndarray
    right_ankle: np.ndarray
    neck: np.ndarray
    head: np.ndarray
    left_shoulder: np.ndarray
    right_shoulder: np.ndarray
    left_elbow: np.ndarray
    right_elbow: np.ndarray
    left_wrist: np.ndarray
    right_wrist: np.ndarray
    back: list[np.ndarray]
    left_foot: np.ndarray | None = None
    right_foot: np.ndarray | None = None
    # Rigs that mark these SMPL joints themselves (SMPL-named rigs) give them; else they are derived.
    spine1: np.ndarray | None = None
    spine2: np.ndarray | None = None
    spine3: np.ndarray | None = None
    left_collar: np.ndarray | None = None
    right_collar: np.ndarray | None = None


def polyline_points(chain: list[np.ndarray], fractions: tuple[float, ...]) -> list[np.ndarray]:
    """Points at arc-length `fractions` along a per-frame polyline.

    Args:
        chain: K >= 2 points, each (T, 3).
        fractions: values in [0, 1].

    Returns:
        one (T, 3) array per fraction.
    """
    pts = np.stack(chain, axis=1)  # (T, K, 3)
    assert pts.shape[1] >= 2, f"a polyline needs >= 2 points, got {pts.shape[1]}"
    seg = np.linalg.norm(np.diff(pts, axis=1), axis=-1)  # (T, K-1)
    cum = np.concatenate([np.zeros((pts.shape[0], 1)), np.cumsum(seg, axis=1)], axis=1)  # (T, K)
    total = np.maximum(cum[:, -1:], 1e-12)
    out = []
    for f in fractions:
        target = f * total  # (T, 1)
        k = np.clip((cum[:, 1:] < target).sum(axis=1), 0, pts.shape[1] - 2)  # segment per frame
        rows = np.arange(pts.shape[0])
        a, b = pts[rows, k], pts[rows, k + 1]
        length = np.maximum(seg[rows, k], 1e-12)
        w = np.clip((target[:, 0] - cum[rows, k]) / length, 0.0, 1.0)[:, None]
        out.append(a + (b - a) * w)
    return out


def derived_foot(
    ankle: np.ndarray, knee: np.ndarray, left_hip: np.ndarray, right_hip: np.ndarray
) -> np.ndarray:
    """A ball-of-foot point for a skeleton without toes (see the module docstring)."""
    shank = np.linalg.norm(knee - ankle, axis=-1, keepdims=True)
    forward = np.cross(left_hip - right_hip, _UP)
    forward /= np.maximum(np.linalg.norm(forward, axis=-1, keepdims=True), 1e-12)
    return ankle + FOOT_FORWARD * shank * forward - FOOT_DOWN * shank * _UP


def smpl_joints(p: BodyPoints) -> tuple[np.ndarray, list[str]]:
    """The 22 SMPL joints (T, 22, 3) from named points, and the names of the derived joints."""
    derived = []
    on_back = polyline_points([p.pelvis, *p.back[1:-1], p.neck], SPINE_FRACTIONS)
    spine = {}
    for name, point in zip(("spine1", "spine2", "spine3"), on_back, strict=True):
        given = getattr(p, name)
        spine[name] = point if given is None else given
        if given is None:
            derived.append(name)
    spine1, spine2, spine3 = spine["spine1"], spine["spine2"], spine["spine3"]
    feet = {}
    for side in ("left", "right"):
        foot = getattr(p, f"{side}_foot")
        if foot is None:
            foot = derived_foot(
                getattr(p, f"{side}_ankle"), getattr(p, f"{side}_knee"), p.left_hip, p.right_hip
            )
            derived.append(f"{side}_foot")
        feet[side] = foot
    collars = {}
    for side in ("left", "right"):
        given = getattr(p, f"{side}_collar")
        if given is None:
            given = (
                p.neck
                + COLLAR_OUT * (getattr(p, f"{side}_shoulder") - p.neck)
                + COLLAR_DROP * (spine3 - p.neck)
            )
            derived.append(f"{side}_collar")
        collars[side] = given
    named = {
        "pelvis": p.pelvis,
        "left_hip": p.left_hip,
        "right_hip": p.right_hip,
        "spine1": spine1,
        "left_knee": p.left_knee,
        "right_knee": p.right_knee,
        "spine2": spine2,
        "left_ankle": p.left_ankle,
        "right_ankle": p.right_ankle,
        "spine3": spine3,
        "left_foot": feet["left"],
        "right_foot": feet["right"],
        "neck": p.neck,
        "left_collar": collars["left"],
        "right_collar": collars["right"],
        "head": p.head,
        "left_shoulder": p.left_shoulder,
        "right_shoulder": p.right_shoulder,
        "left_elbow": p.left_elbow,
        "right_elbow": p.right_elbow,
        "left_wrist": p.left_wrist,
        "right_wrist": p.right_wrist,
    }
    out = np.empty((p.pelvis.shape[0], NUM_JOINTS, 3))
    for name, value in named.items():
        out[:, JOINT_INDEX[name]] = value
    return out, sorted(derived, key=JOINT_INDEX.__getitem__)
