"""Up axis, units and left/right of a rig's motion, read from the animation itself (not the rest pose).

Rest poses cannot be trusted (LAFAN1's OFFSETs are not an upright T-pose; some rigs rest lying down),
so every rule here is a robust statistic over the animated frames (at most `SAMPLE_FRAMES` of them,
evenly spaced):

- Up axis (`infer_up`): per frame, the signed file axis (+-X, +-Y, +-Z) along which the head point is
  furthest above the middle of the ankles; the axis most frames vote for is up, if at least
  `MIN_UP_VOTES` of the frames agree (else: no consistent up direction, the take is rejected). It is
  turned to +Y by a proper rotation (`up_rotation`), so left stays left.
- Units (`infer_scale`): the standing head height from bone lengths (`plausibility.head_height`,
  independent of pose and axes) picks the unit among the candidates (`units.infer_unit`: the one that
  makes a standing adult). The tallest frames must then agree: the 95th percentile over frames of the
  head above the lowest foot may not exceed that standing height by more than `MAX_OVERSHOOT` (else the
  mapping or the file is wrong, and the take is rejected).
- Left and right (`check_sides`): the hips say which way the body faces (left hip -> right hip crossed
  with up), the feet say it too (ankle -> ball of the foot). When they disagree in most frames, the
  rig's left and right are swapped: a rig mapped from its topology alone (no side in its names) is
  relabelled; a named rig is rejected (its names would mirror every clip).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from stickgen.sources.base import SourceError
from stickgen.sources.plausibility import head_height
from stickgen.sources.retarget import BodyPoints
from stickgen.sources.units import CROWN_M, UnitError, infer_unit

SAMPLE_FRAMES = 600
MIN_UP_VOTES = 0.5
TALLEST_PERCENTILE = 95.0
MAX_OVERSHOOT = 1.10
MIN_SIDE_AGREEMENT = 0.25  # below this fraction of frames, the feet contradict the hips
AXES = ("x", "y", "z")


def up_rotation(axis: int, sign: int) -> np.ndarray:
    """A proper rotation (det +1) taking the file's signed `axis` to +Y."""
    if axis == 1:
        return np.eye(3) if sign > 0 else np.diag([1.0, -1.0, -1.0])  # -Y: half a turn about X
    if axis == 2:  # a quarter turn about X: +Z -> +Y (or -Z -> +Y)
        return np.array([[1.0, 0.0, 0.0], [0.0, 0.0, sign], [0.0, -sign, 0.0]])
    return np.array([[0.0, -sign, 0.0], [sign, 0.0, 0.0], [0.0, 0.0, 1.0]])  # about Z: +-X -> +Y


def _sample(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, SAMPLE_FRAMES)).round().astype(int))


def infer_up(p: BodyPoints, label: str) -> tuple[np.ndarray, str, float]:
    """(rotation to Y up, axis name such as "+z", fraction of frames that voted for it)."""
    idx = _sample(p.pelvis.shape[0])
    body = p.head[idx] - 0.5 * (p.left_ankle[idx] + p.right_ankle[idx])  # (F, 3)
    axis = np.abs(body).argmax(axis=1)
    sign = np.sign(body[np.arange(len(idx)), axis]).astype(int)
    votes: dict[tuple[int, int], int] = {}
    for a, s in zip(axis.tolist(), sign.tolist(), strict=True):
        votes[(a, s)] = votes.get((a, s), 0) + 1
    (a, s), count = max(votes.items(), key=lambda kv: kv[1])
    share = count / len(idx)
    name = f"{'+-'[s < 0]}{AXES[a]}"
    if share < MIN_UP_VOTES or s == 0:
        raise SourceError(
            f"{label}: no consistent up direction: the head is furthest from the feet along {name} in only "
            f"{share:.0%} of the frames (want {MIN_UP_VOTES:.0%}): the body lies or tumbles most of the take"
        )
    return up_rotation(int(a), int(s)), name, round(share, 3)


def transform(p: BodyPoints, rot: np.ndarray, scale: float) -> BodyPoints:
    """Every point of `p` rotated by `rot` and scaled by `scale`."""

    def f(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, list):
            return [f(x) for x in v]
        return (v @ rot.T) * scale

    return dataclasses.replace(p, **{fld.name: f(getattr(p, fld.name)) for fld in dataclasses.fields(p)})


def points_head_height(p: BodyPoints) -> float:
    """The standing head height of `p` from its bone lengths (`plausibility.head_height`)."""
    return head_height(
        (p.left_hip, p.right_hip),
        (p.left_knee, p.right_knee),
        (p.left_ankle, p.right_ankle),
        (p.left_foot, p.right_foot),
        [p.pelvis, *p.back[1:-1], p.neck],
        p.head,
    )


def infer_scale(p: BodyPoints, units: tuple[str, ...], label: str) -> tuple[str, float, dict[str, float]]:
    """(unit, metres per unit, facts) for Y-up points in native units (see the module docstring)."""
    bones = points_head_height(p)
    try:
        unit, scale = infer_unit(bones, units)
    except UnitError as exc:
        raise SourceError(f"{label}: standing head height from the bone lengths: {exc}") from None
    idx = _sample(p.pelvis.shape[0])
    lows = [p.left_ankle, p.right_ankle, *(f for f in (p.left_foot, p.right_foot) if f is not None)]
    floor = np.min([x[idx, 1] for x in lows], axis=0)
    tallest = float(np.percentile(p.head[idx, 1] - floor, TALLEST_PERCENTILE))
    if tallest > MAX_OVERSHOOT * bones:
        raise SourceError(
            f"{label}: the head rises {tallest * scale:.2f} m above the feet, more than the "
            f"{bones * scale:.2f} m its bone lengths allow: a wrong rig mapping or a broken file"
        )
    facts = {
        "standing_height_bones_m": round(bones * scale + CROWN_M, 3),
        "tallest_frames_height_m": round(tallest * scale + CROWN_M, 3),
    }
    return unit, scale, facts


def _facing_agreement(p: BodyPoints) -> float | None:
    """Fraction of frames where the hips' facing and the feet's direction agree (Y-up points)."""
    if p.left_foot is None or p.right_foot is None:
        return None
    up = np.array([0.0, 1.0, 0.0])
    facing = np.cross(p.left_hip - p.right_hip, up)
    toes = (p.left_foot - p.left_ankle) + (p.right_foot - p.right_ankle)
    toes[:, 1] = 0.0
    return float(np.mean(np.einsum("fi,fi->f", facing, toes) > 0))


def check_sides(p: BodyPoints, sides_known: bool, label: str) -> tuple[bool, str]:
    """(swap the legs' and arms' sides?, how the sides were found) for Y-up points."""
    agree = _facing_agreement(p)
    if agree is None:
        return False, "names" if sides_known else "assumed (no feet to tell left from right)"
    if sides_known:
        if agree < MIN_SIDE_AGREEMENT:
            raise SourceError(
                f"{label}: left and right look swapped: the toes point backwards from the facing the hips "
                f"give in {1 - agree:.0%} of the frames (a mirrored rig or export)"
            )
        return False, "names"
    return agree < 0.5, "motion (feet point forwards)"


def swap_sides(p: BodyPoints) -> BodyPoints:
    """`p` with left and right exchanged (arms and legs)."""
    changes = {}
    for fld in dataclasses.fields(p):
        if fld.name.startswith("left_"):
            other = "right_" + fld.name[len("left_") :]
            changes[fld.name], changes[other] = getattr(p, other), getattr(p, fld.name)
    return dataclasses.replace(p, **changes)


def match_arms_to_legs(p: BodyPoints) -> BodyPoints:
    """For rigs without sides in their names: put each arm on the side of its leg (most frames)."""
    same = np.mean(np.einsum("fi,fi->f", p.left_shoulder - p.right_shoulder, p.left_hip - p.right_hip) > 0)
    if same >= 0.5:
        return p
    changes = {}
    for part in ("shoulder", "elbow", "wrist", "collar"):
        changes[f"left_{part}"], changes[f"right_{part}"] = (
            getattr(p, f"right_{part}"),
            getattr(p, f"left_{part}"),
        )
    return dataclasses.replace(p, **changes)
