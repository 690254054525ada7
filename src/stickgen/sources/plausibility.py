"""Is this a plausible human? Standing height from bone lengths, proportions, uprightness.

A clip's pose says little about the body's size (a crouching or sitting take is short), but its bone
lengths do. `head_height` adds up, per frame, the segments a standing person stacks between the floor
and the head point: the ankle's height over the ball of the foot (`ANKLE_OVER_FOOT` of the ankle ->
ball segment), shank + thigh (the mean of both legs), the pelvis above the hips, the back (pelvis ->
neck polyline) and the neck -> head segment; the median over frames is robust to a few bad frames.
The standing height (stature) is that plus `units.CROWN_M`, the head point's distance below the top
of the head, as `skeleton.body_height` counts it. On this project's rig proportions it is exact; on
real capture (CMU, LAFAN1, Mixamo, MocapBank) it is within 5 % of the tallest standing frames
(tests/integration/test_real_bvh.py).

`check_proportions` rejects what no human is: a standing height outside `units.STATURE_RANGE_M`
(1.2-2.3 m), a thigh, shank, upper arm, forearm or back outside `PROPORTION_RANGES` (fractions of
the standing height), or a left limb segment more than `MAX_SIDE_RATIO` times its right partner (or
the reverse). These catch wrong units, a wrong rig mapping (an arm taken for a leg) and broken files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.base import SourceError
from stickgen.sources.units import CROWN_M, STATURE_RANGE_M

ANKLE_OVER_FOOT = 0.30
# segment length / standing height, generous bounds around adult anthropometry (thigh and shank about
# 0.245, upper arm 0.17-0.19, forearm 0.14-0.16, pelvis -> neck base about 0.29)
PROPORTION_RANGES: dict[str, tuple[float, float]] = {
    "thigh": (0.15, 0.36),
    "shank": (0.15, 0.36),
    "upper_arm": (0.09, 0.28),
    "forearm": (0.07, 0.26),
    "back": (0.15, 0.45),
}
MAX_SIDE_RATIO = 1.25
_J = JOINT_INDEX


def _length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1)


def polyline_length(chain: Sequence[np.ndarray]) -> np.ndarray:
    """Per-frame length of a polyline of (T, 3) points."""
    return sum((_length(a, b) for a, b in zip(chain, chain[1:], strict=False)), np.zeros(len(chain[0])))


def head_height(
    hips: tuple[np.ndarray, np.ndarray],
    knees: tuple[np.ndarray, np.ndarray],
    ankles: tuple[np.ndarray, np.ndarray],
    feet: tuple[np.ndarray | None, np.ndarray | None],
    back: Sequence[np.ndarray],
    head: np.ndarray,
) -> float:
    """Median over frames of the head point's height over the floor when standing (module docstring).

    Args:
        hips, knees, ankles: (left, right) points, each (T, 3), any axes and units.
        feet: (left, right) balls of the feet, or None where a rig has none.
        back: pelvis, ..., neck (T, 3) points.
        head: (T, 3) head point.
    """
    legs = [_length(h, k) + _length(k, a) for h, k, a in zip(hips, knees, ankles, strict=True)]
    ankle = [ANKLE_OVER_FOOT * _length(a, f) for a, f in zip(ankles, feet, strict=True) if f is not None]
    hip_mid = 0.5 * (hips[0] + hips[1])
    total = (
        0.5 * (legs[0] + legs[1])
        + (np.mean(ankle, axis=0) if ankle else 0.0)
        + _length(back[0], hip_mid)
        + polyline_length(back)
        + _length(back[-1], head)
    )
    return float(np.median(total))


def smpl_segments(joints: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame segment lengths (T,) of one actor's SMPL joints (T, 22, 3)."""

    def seg(a: str, b: str) -> np.ndarray:
        return _length(joints[:, _J[a]], joints[:, _J[b]])

    out = {}
    for s in ("left", "right"):
        out[f"{s}_thigh"] = seg(f"{s}_hip", f"{s}_knee")
        out[f"{s}_shank"] = seg(f"{s}_knee", f"{s}_ankle")
        out[f"{s}_upper_arm"] = seg(f"{s}_shoulder", f"{s}_elbow")
        out[f"{s}_forearm"] = seg(f"{s}_elbow", f"{s}_wrist")
    out["back"] = polyline_length(
        [joints[:, _J[n]] for n in ("pelvis", "spine1", "spine2", "spine3", "neck")]
    )
    return out


def standing_height(joints: np.ndarray) -> float:
    """Standing height (metres) of one actor's SMPL joints (T, 22, 3), from its bone lengths."""
    p = {n: joints[:, i] for n, i in _J.items()}
    return CROWN_M + head_height(
        (p["left_hip"], p["right_hip"]),
        (p["left_knee"], p["right_knee"]),
        (p["left_ankle"], p["right_ankle"]),
        (p["left_foot"], p["right_foot"]),
        [p[n] for n in ("pelvis", "spine1", "spine2", "spine3", "neck")],
        p["head"],
    )


def body_stats(joints: np.ndarray) -> dict[str, float]:
    """Standing height and the largest spread of a bone's length over frames (std / mean), one actor."""
    segments = smpl_segments(joints)
    spread = max(float(np.std(v) / max(float(np.mean(v)), 1e-9)) for v in segments.values())
    return {"standing_height_m": round(standing_height(joints), 3), "bone_length_spread": round(spread, 4)}


def check_proportions(joints: np.ndarray, where: str) -> dict[str, Any]:
    """`SourceError` naming what is implausible about one actor's joints (T, 22, 3); else `body_stats`."""
    stats = body_stats(joints)
    height = stats["standing_height_m"]
    low, high = STATURE_RANGE_M
    if not low <= height <= high:
        raise SourceError(
            f"{where}: standing height {height:.2f} m from its bone lengths is outside {low}-{high} m: "
            f"wrong units, a wrong rig mapping, or not an adult human"
        )
    medians = {k: float(np.median(v)) for k, v in smpl_segments(joints).items()}
    for part, (lo, hi) in PROPORTION_RANGES.items():
        for key in [k for k in medians if k == part or k.endswith("_" + part)]:
            if not lo <= medians[key] / height <= hi:
                raise SourceError(
                    f"{where}: the {key.replace('_', ' ')} is {medians[key]:.3f} m, "
                    f"{medians[key] / height:.2f} of the standing height {height:.2f} m (want {lo}-{hi}): "
                    f"a wrong rig mapping or a broken skeleton"
                )
    for part in ("thigh", "shank", "upper_arm", "forearm"):
        left, right = medians[f"left_{part}"], medians[f"right_{part}"]
        if max(left, right) > MAX_SIDE_RATIO * max(min(left, right), 1e-9):
            raise SourceError(
                f"{where}: the left {part.replace('_', ' ')} is {left:.3f} m and the right {right:.3f} m "
                f"(more than {MAX_SIDE_RATIO}x apart): a wrong rig mapping or a broken skeleton"
            )
    return stats
