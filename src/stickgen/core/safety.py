"""SafetyCritic: reject generated motion that is broken, physically absurd or degenerate.

    result = evaluate_motion_safety(joints, fps=20.0)      # or SafetyCritic(...).evaluate(motion)
    result.is_safe, result.overall_score, result.checks["teleport"].severity, result.reasons

Accepted inputs (numpy or torch): canonical joints (T, A, 22, 3) or (T, 22, 3) in metres (Y up, floor
at y = 0); 2D joints (T, [A,] 22, 2) in screen metres (`skeleton.project`); the 48-value v3 and the
20-value legacy stick-segment layouts (T, [A,] 48 | 20) of `skeleton.segments`. Segments become the
points they join (a joint named by several segments is their mean), and the segments are the bones.

Each check returns a raw value in physical units and a severity in [0, 1] (a linear ramp between the
`SCALES` entry's ok and bad values) with a reason. Checks:

    non_finite        count  NaN / infinite values (severity 1; the other checks are skipped)
    bone_length       ratio  3D: largest |L_t / median(L) - 1| of a bone; 2D (projection shortens
                             bones as they turn): the longest bone over the figure's 90th-percentile
                             span; segment layouts add how far a joint's copies in different segments
                             drift apart (over the span)
    limb_inversion    ratio  share of frames upside down (head below pelvis) or, in 3D, with a knee,
                             elbow or neck bent the impossible way (`quality.joint_angles`)
    extreme_motion    m/s    the fastest joint; the largest joint acceleration (m/s^2) is mapped on its
                             own ramp and the worse of the two counts
    teleport          m/s    the fastest root (pelvis) displacement between two frames
    ground_penetration m     deepest dip of the lowest point under the clip's robust floor (5th
                             percentile of the per-frame lowest point); in 3D also how deep the body
                             sits under y = 0 in the median frame
    frozen_degenerate ratio  share of frame pairs where nothing moves; a figure collapsed to a point or
                             blown apart (median span outside 0.5..3 m) is degenerate (severity 1)
    repetition        cycles how many times an exactly repeating short loop fills the clip

`overall_score` = prod over checks of (1 - severity). A motion is rejected when a severity reaches
`rejection_severity_threshold` or the score falls under `min_quality_score` (params `safety`).
Calibration: real CMU motion capture, the HumanML3D samples and the synthetic animator pass
(tests/unit/test_safety_critic.py); docs/metrics.md ("Safety critic") explains each scale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from stickgen.core import quality
from stickgen.core.skeleton import BONES, JOINT_INDEX, JOINT_NAMES, LEGACY_SEGMENTS, NUM_JOINTS, V3_SEGMENTS

# params.yaml `safety` defaults (the production readiness checklist's values) and the canonical fps
DEFAULT_REJECTION_SEVERITY = 0.7
DEFAULT_MIN_QUALITY_SCORE = 0.3
DEFAULT_FPS = 20.0

CHECKS: tuple[str, ...] = (
    "non_finite",
    "bone_length",
    "limb_inversion",
    "extreme_motion",
    "teleport",
    "ground_penetration",
    "frozen_degenerate",
    "repetition",
)
# (ok, bad): severity 0 at or below ok, 1 at or above bad. See docs/metrics.md "Safety critic".
SCALES: dict[str, tuple[float, float]] = {
    "bone_length": (0.25, 0.75),
    "bone_to_body_2d": (0.5, 0.9),
    "segment_to_body_legacy": (0.8, 1.2),
    "segment_spread": (0.05, 0.25),
    "limb_inversion": (0.2, 0.6),
    "joint_speed": (15.0, 35.0),
    "joint_acceleration": (400.0, 1200.0),
    "teleport": (10.0, 20.0),
    "ground_penetration": (0.10, 0.30),
    "frozen": (0.6, 1.0),
    "repetition": (5.0, 12.0),
}
MIN_BONE_M = 0.02  # shorter (coincident, derived) bones say nothing about stretching
STILL_SPEED_MS = quality.STILL_SPEED_MS  # no point faster than this between two frames: still
SPAN_RANGE_M = (0.5, 3.0)  # a body's median span (largest point-to-point distance) outside: degenerate
SPAN_LIMITS_M = (0.2, 5.0)  # ... with severity 1 at or beyond these
FLOOR_QUANTILE = quality.FLOOR_QUANTILE
REPEAT_MAX_RESIDUAL = 0.02  # a loop repeats when its frames match within 2% of the pose variation
MIN_POSE_VARIATION_M = 0.01  # poses varying less than this are frozen, not looping

_V3_BONES_2D = tuple((JOINT_INDEX[a], JOINT_INDEX[b]) for a, b in V3_SEGMENTS)


@dataclass(frozen=True)
class Figure:
    """Any accepted layout as points (T, A, P, D), D = 2 or 3, with the point names and bone pairs."""

    points: np.ndarray
    names: tuple[str, ...]
    bones: tuple[tuple[int, int], ...]
    layout: str
    segment_spread: float = 0.0  # segment layouts: largest distance of a joint's copy from their mean

    @property
    def dim(self) -> int:
        return int(self.points.shape[-1])

    def index(self, name: str) -> int | None:
        return self.names.index(name) if name in self.names else None


def _segments_figure(x: np.ndarray, table: tuple[tuple[str, str], ...], layout: str) -> Figure:
    t, a = x.shape[:2]
    ends = x.reshape(t, a, len(table), 2, 2)  # (T, A, S, end, xy)
    names = tuple(dict.fromkeys(n for pair in table for n in pair))
    points = np.zeros((t, a, len(names), 2))
    spread = 0.0
    for p, name in enumerate(names):
        copies = np.stack(
            [ends[:, :, s, e] for s, pair in enumerate(table) for e in (0, 1) if pair[e] == name], 2
        )
        points[:, :, p] = copies.mean(2)
        if copies.shape[2] > 1 and np.isfinite(copies).all():
            spread = max(spread, float(np.linalg.norm(copies - points[:, :, p : p + 1], axis=-1).max()))
    bones = tuple((names.index(u), names.index(v)) for u, v in table)
    return Figure(points, names, bones, layout, spread)


def as_figure(motion: Any) -> Figure:
    """Read any accepted layout (see the module docstring); `ValueError` names the accepted shapes."""
    if hasattr(motion, "detach"):  # torch
        motion = motion.detach().cpu().numpy()
    x = np.asarray(motion, dtype=np.float64)
    shape = x.shape
    if x.ndim in (3, 4) and shape[-2:] == (NUM_JOINTS, 3):
        return Figure(x if x.ndim == 4 else x[:, None], JOINT_NAMES, BONES, "joints3d")
    if x.ndim in (3, 4) and shape[-2:] == (NUM_JOINTS, 2):
        return Figure(x if x.ndim == 4 else x[:, None], JOINT_NAMES, _V3_BONES_2D, "joints2d")
    if x.ndim in (2, 3) and shape[-1] in (4 * len(V3_SEGMENTS), 4 * len(LEGACY_SEGMENTS)):
        x = x if x.ndim == 3 else x[:, None]
        if shape[-1] == 4 * len(V3_SEGMENTS):
            return _segments_figure(x, V3_SEGMENTS, "v3_segments")
        return _segments_figure(x, LEGACY_SEGMENTS, "legacy_segments")
    raise ValueError(
        f"unsupported motion shape {shape}: expected joints (T, [A,] {NUM_JOINTS}, 3) or (T, [A,] "
        f"{NUM_JOINTS}, 2), or stick segments (T, [A,] {4 * len(V3_SEGMENTS)}) (v3) / (T, [A,] "
        f"{4 * len(LEGACY_SEGMENTS)}) (legacy)"
    )


@dataclass(frozen=True)
class CheckResult:
    """One check: its raw value (units in the module docstring), severity in [0, 1] and why."""

    name: str
    value: float
    severity: float
    reason: str


@dataclass(frozen=True)
class SafetyResult:
    """The critic's verdict on one motion."""

    is_safe: bool
    overall_score: float
    checks: dict[str, CheckResult]
    reasons: list[str]
    layout: str

    @property
    def severities(self) -> dict[str, float]:
        return {k: c.severity for k, c in self.checks.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "is_safe": self.is_safe,
            "overall_score": self.overall_score,
            "reasons": list(self.reasons),
            "layout": self.layout,
            "checks": {k: asdict(c) for k, c in self.checks.items()},
        }


def _ramp(name: str, value: float) -> float:
    ok, bad = SCALES[name]
    return float(np.clip((value - ok) / (bad - ok), 0.0, 1.0))


def _speeds(points: np.ndarray, fps: float) -> np.ndarray:
    """(T - 1, A, P) point speeds in m/s."""
    return np.linalg.norm(np.diff(points, axis=0), axis=-1) * fps


# ---------------------------------------------------------------------------------------------
# The checks: Figure (+ fps) -> CheckResult.


def _span(points: np.ndarray) -> np.ndarray:
    """(T, A) the figure's span per frame: its largest point-to-point distance."""
    d = points[:, :, :, None, :] - points[:, :, None, :, :]
    return np.sqrt((d**2).sum(-1)).max(axis=(-1, -2))


def check_bone_length(fig: Figure, fps: float) -> CheckResult:
    u, v = (np.array(i) for i in zip(*fig.bones, strict=True))
    lengths = np.linalg.norm(fig.points[:, :, v] - fig.points[:, :, u], axis=-1)  # (T, A, B)
    if fig.dim == 3:
        ref = np.median(lengths, axis=0, keepdims=True)
        dev = np.where(ref >= MIN_BONE_M, np.abs(lengths / np.maximum(ref, MIN_BONE_M) - 1.0), 0.0)
        scale, what = "bone_length", "changes length by {:.0%}"
    else:
        # projection shortens a bone as it turns towards the camera, so a 2D bone has no length of its
        # own to keep; what it cannot do is outgrow the body: bone / the figure's 90th-percentile span
        ref = np.quantile(_span(fig.points), 0.9, axis=0)[None, :, None]  # (1, A, 1)
        dev = lengths / np.maximum(ref, MIN_BONE_M)
        scale = "segment_to_body_legacy" if fig.layout == "legacy_segments" else "bone_to_body_2d"
        what = "is {:.0%} of the body's span"
    worst = float(dev.max()) if dev.size else 0.0
    t, _, b = np.unravel_index(int(dev.argmax()), dev.shape) if dev.size else (0, 0, 0)
    sev = _ramp(scale, worst)
    spread_sev = 0.0
    if fig.segment_spread > 0:
        ref_span = float(np.quantile(_span(fig.points), 0.9))
        spread_sev = _ramp("segment_spread", fig.segment_spread / max(ref_span, MIN_BONE_M))
    if spread_sev > sev:
        return CheckResult(
            "bone_length",
            fig.segment_spread,
            spread_sev,
            f"segments that share a joint drift {fig.segment_spread:.3f} m apart",
        )
    bone = f"{fig.names[fig.bones[b][0]]}-{fig.names[fig.bones[b][1]]}"
    return CheckResult("bone_length", worst, sev, f"bone {bone} {what.format(worst)} (frame {t})")


def check_limb_inversion(fig: Figure, fps: float) -> CheckResult:
    head, pelvis = fig.index("head"), fig.index("pelvis")
    upside = np.zeros(fig.points.shape[:2], dtype=bool)
    if head is not None and pelvis is not None:
        upside = fig.points[:, :, head, 1] < fig.points[:, :, pelvis, 1]  # (T, A)
    share_up = float(upside.any(axis=1).mean())
    share_joint = 0.0
    if fig.layout == "joints3d":
        tracks = quality.Tracks.from_clip(fig.points, fps)
        share_joint = float(quality.joint_angles(tracks).max())
    worst = max(share_up, share_joint)
    reason = (
        f"upside down (head below pelvis) in {share_up:.0%} of frames"
        if share_up >= share_joint
        else f"a knee, elbow or neck bends the impossible way in {share_joint:.0%} of frames"
    )
    return CheckResult("limb_inversion", worst, _ramp("limb_inversion", worst), reason)


def check_extreme_motion(fig: Figure, fps: float) -> CheckResult:
    p = fig.points
    if p.shape[0] < 3:
        return CheckResult("extreme_motion", 0.0, 0.0, "too short to measure speed")
    speed = float(_speeds(p, fps).max())
    acc = float((np.linalg.norm(p[2:] - 2 * p[1:-1] + p[:-2], axis=-1) * fps**2).max())
    s_speed, s_acc = _ramp("joint_speed", speed), _ramp("joint_acceleration", acc)
    if s_acc > s_speed:
        return CheckResult("extreme_motion", speed, s_acc, f"a joint accelerates at {acc:.0f} m/s^2")
    return CheckResult("extreme_motion", speed, s_speed, f"a joint moves at {speed:.1f} m/s")


def check_teleport(fig: Figure, fps: float) -> CheckResult:
    root = fig.index("pelvis")
    if root is None or fig.points.shape[0] < 2:
        return CheckResult("teleport", 0.0, 0.0, "no root to follow")
    speeds = _speeds(fig.points[:, :, root : root + 1], fps)[..., 0]  # (T - 1, A)
    worst = float(speeds.max())
    t = int(np.unravel_index(int(speeds.argmax()), speeds.shape)[0])
    return CheckResult(
        "teleport", worst, _ramp("teleport", worst), f"the root jumps at {worst:.1f} m/s (frames {t}-{t + 1})"
    )


def check_ground_penetration(fig: Figure, fps: float) -> CheckResult:
    lowest = fig.points[..., 1].min(axis=-1)  # (T, A)
    floor = np.quantile(lowest, FLOOR_QUANTILE, axis=0)  # (A,)
    dip = float((floor[None] - lowest).max())
    sunk = float(np.median(np.maximum(-lowest, 0.0).max(axis=1))) if fig.layout == "joints3d" else 0.0
    if sunk > dip:
        return CheckResult(
            "ground_penetration",
            sunk,
            _ramp("ground_penetration", sunk),
            f"the body sits {sunk:.2f} m under the floor (y = 0) in the median frame",
        )
    return CheckResult(
        "ground_penetration",
        dip,
        _ramp("ground_penetration", dip),
        f"the lowest point dips {dip:.2f} m under the clip's floor",
    )


def check_frozen_degenerate(fig: Figure, fps: float) -> CheckResult:
    p = fig.points
    span = _span(p)
    med = float(np.median(span, axis=0).min()), float(np.median(span, axis=0).max())
    (lo, hi), (lo_lim, hi_lim) = SPAN_RANGE_M, SPAN_LIMITS_M
    if med[0] < lo:
        sev = float(np.clip((lo - med[0]) / (lo - lo_lim), 0.0, 1.0))
        return CheckResult(
            "frozen_degenerate", med[0], sev, f"the figure collapses: median span {med[0]:.2f} m"
        )
    if med[1] > hi:
        sev = float(np.clip((med[1] - hi) / (hi_lim - hi), 0.0, 1.0))
        return CheckResult(
            "frozen_degenerate", med[1], sev, f"the figure blows apart: median span {med[1]:.2f} m"
        )
    if p.shape[0] < 2:
        return CheckResult("frozen_degenerate", 1.0, _ramp("frozen", 1.0), "a single frame does not move")
    still = float((_speeds(p, fps).max(axis=(1, 2)) < STILL_SPEED_MS).mean())
    return CheckResult(
        "frozen_degenerate", still, _ramp("frozen", still), f"nothing moves in {still:.0%} of frame pairs"
    )


def check_repetition(fig: Figure, fps: float) -> CheckResult:
    """A short loop played over and over: the root-relative pose at t + L equals the pose at t within
    `REPEAT_MAX_RESIDUAL` of the pose variation (RMS distance from the mean pose), after the pose has
    moved at least half that variation at a shorter lag, for the shortest such period L >= 2 frames.
    The value is how many times the loop fills the clip (T / L); natural cycles (a walk) vary more
    than 2% from one cycle to the next and never count."""
    p = fig.points
    root = fig.index("pelvis") or 0
    x = (p - p[:, :, root : root + 1]).reshape(p.shape[0], -1)  # (T, A * P * D)
    t = x.shape[0]
    variation = float(np.sqrt(((x - x.mean(0)) ** 2).sum(-1).mean() / max(p.shape[1] * p.shape[2], 1)))
    if t < 6 or variation < MIN_POSE_VARIATION_M:
        return CheckResult("repetition", 0.0, 0.0, "no varying pose to repeat")
    n_pts = p.shape[1] * p.shape[2]
    peak = 0.0  # the largest pose change within a lag: a loop must go somewhere before it returns
    for lag in range(1, t // 2 + 1):
        resid = np.sqrt(((x[lag:] - x[:-lag]) ** 2).sum(-1).mean() / n_pts)
        peak = max(peak, resid)
        if lag >= 2 and resid <= REPEAT_MAX_RESIDUAL * variation and peak >= 0.5 * variation:
            cycles = t / lag
            return CheckResult(
                "repetition",
                cycles,
                _ramp("repetition", cycles),
                f"a {lag}-frame loop repeats {cycles:.1f} times",
            )
    return CheckResult("repetition", 0.0, 0.0, "no exact loop")


_CHECKS = {
    "bone_length": check_bone_length,
    "limb_inversion": check_limb_inversion,
    "extreme_motion": check_extreme_motion,
    "teleport": check_teleport,
    "ground_penetration": check_ground_penetration,
    "frozen_degenerate": check_frozen_degenerate,
    "repetition": check_repetition,
}
assert ("non_finite", *_CHECKS) == CHECKS


class SafetyCritic:
    """Runs every check on a motion and decides.

    Args:
        rejection_severity_threshold: reject when any check's severity reaches this (params `safety`).
        min_quality_score: reject when `overall_score` falls under this (params `safety`).
        fps: frame rate of the motions judged (params `canonical.fps`).
    """

    def __init__(
        self,
        rejection_severity_threshold: float = DEFAULT_REJECTION_SEVERITY,
        min_quality_score: float = DEFAULT_MIN_QUALITY_SCORE,
        fps: float = DEFAULT_FPS,
    ) -> None:
        if not 0.0 < rejection_severity_threshold <= 1.0:
            raise ValueError(
                f"rejection_severity_threshold must be in (0, 1], got {rejection_severity_threshold}"
            )
        if not 0.0 <= min_quality_score <= 1.0:
            raise ValueError(f"min_quality_score must be in [0, 1], got {min_quality_score}")
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.rejection_severity_threshold = rejection_severity_threshold
        self.min_quality_score = min_quality_score
        self.fps = float(fps)

    @classmethod
    def from_config(cls, cfg: Any, fps: float) -> SafetyCritic:
        """From the params `safety` section (`stickgen.core.config.SafetyConfig`) and `canonical.fps`."""
        return cls(cfg.rejection_severity_threshold, cfg.min_quality_score, fps)

    def evaluate(self, motion: Any, fps: float | None = None) -> SafetyResult:
        """Judge one motion in any accepted layout (see the module docstring)."""
        fps = self.fps if fps is None else float(fps)
        fig = as_figure(motion)
        if fig.points.shape[0] < 1 or fig.points.shape[1] < 1:
            raise ValueError(f"a motion needs >= 1 frame and >= 1 actor, got shape {fig.points.shape}")
        bad = int(np.size(fig.points) - np.count_nonzero(np.isfinite(fig.points)))
        checks = {
            "non_finite": CheckResult(
                "non_finite",
                float(bad),
                1.0 if bad else 0.0,
                f"{bad} of {fig.points.size} values are NaN or infinite",
            )
        }
        for name, fn in _CHECKS.items():
            checks[name] = (
                fn(fig, fps) if not bad else CheckResult(name, 0.0, 0.0, "skipped: non-finite values")
            )
        score = float(np.prod([1.0 - c.severity for c in checks.values()]))
        reasons = [
            f"{c.name}: {c.reason} (severity {c.severity:.2f})"
            for c in checks.values()
            if c.severity >= self.rejection_severity_threshold
        ]
        if score < self.min_quality_score:
            reasons.append(f"overall score {score:.2f} < min_quality_score {self.min_quality_score}")
        return SafetyResult(not reasons, score, checks, reasons, fig.layout)

    __call__ = evaluate


def evaluate_motion_safety(
    motion: Any, fps: float | None = None, critic: SafetyCritic | None = None
) -> SafetyResult:
    """Judge one motion with `critic` (default: the checklist's thresholds at `DEFAULT_FPS`)."""
    return (critic or SafetyCritic()).evaluate(motion, fps)
