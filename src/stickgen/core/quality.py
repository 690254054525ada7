"""Motion artifact detectors and the quality score (definitions: docs/metrics.md, "Motion quality").

Every detector is a pure function of joint positions in canonical coordinates (metres, Y up) at a
frame rate. They work on `Tracks`: one or many actor tracks (the frames of one actor of one clip)
concatenated along the rows, so curation scores a whole chunk of a canonical store in one vectorised
call and a single clip is just its actors' tracks (`Tracks.from_clip`). Each returns one raw value
per track in physical units:

    jitter              m/s^3  median over frames of the reversing jerk (noise flips jerk each frame)
    foot_skating        ratio  share of foot-contact frames in which a grounded foot slides
    ground_penetration  m      deepest dip of the body below the track's robust floor
    floating            s      longest stretch with the whole body above the robust floor
    bone_length         ratio  largest relative deviation of a bone from its mean length
    teleport            m/s    largest root (pelvis) speed between two frames
    frozen              ratio  share of the track inside stretches where no joint moves
    joint_angles        ratio  share of frames with an anatomically implausible knee/elbow/neck
    non_finite          count  NaN or infinite coordinates (always a hard reject)

`severity` maps a raw value linearly from its `SCALES` entry (ok -> 0, bad -> 1, clipped to [0, 1]),
and `quality_score` combines severities with weights w (params.yaml `quality`) as
prod_i (1 - s_i) ** w_i: one bad artifact sinks the score, w = 0 switches a detector off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stickgen.core.skeleton import BONES, JOINT_INDEX, NUM_JOINTS, PELVIS

DETECTORS: tuple[str, ...] = (
    "jitter",
    "foot_skating",
    "ground_penetration",
    "floating",
    "bone_length",
    "teleport",
    "frozen",
    "joint_angles",
)

# (ok, bad) per detector: severity is 0 at or below `ok` and 1 at or above `bad` (linear between).
SCALES: dict[str, tuple[float, float]] = {
    "jitter": (100.0, 400.0),
    "foot_skating": (0.15, 0.5),
    "ground_penetration": (0.05, 0.20),
    "floating": (1.0, 2.0),
    "bone_length": (0.10, 0.30),
    "teleport": (8.0, 12.0),
    "frozen": (0.5, 0.9),
    "joint_angles": (0.0, 0.1),
}
assert set(SCALES) == set(DETECTORS), SCALES

# Detector constants (see docs/metrics.md for why these values).
FLOOR_QUANTILE = 0.05  # robust floor: this quantile of the per-frame lowest body point
CONTACT_HEIGHT_M = 0.05  # a toe this close to the robust floor touches the ground
SKID_SPEED_MS = 0.5  # a touching toe moving faster than this (horizontally) slides (2.5 cm/frame at 20 fps)
MIN_BONE_M = 0.02  # shorter (derived, coincident) bones are left out of bone_length
FLOAT_HEIGHT_M = 0.15  # the whole body this far above the floor is airborne
STILL_SPEED_MS = 0.01  # no joint faster than this between two frames: the frame pair is still
FROZEN_MIN_S = 1.0  # a still stretch at least this long is frozen
KNEE_RANGE_DEG = (-15.0, 165.0)  # signed flexion; negative bends the knee forwards (hyperextension)
ELBOW_MAX_DEG = 165.0  # flexion between upper arm and forearm
NECK_MAX_DEG = 90.0  # angle between the upper spine (spine3 -> neck) and neck -> head

_FEET = (JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"])
_KNEES = tuple(
    (JOINT_INDEX[f"{s}_hip"], JOINT_INDEX[f"{s}_knee"], JOINT_INDEX[f"{s}_ankle"]) for s in ("left", "right")
)
_ELBOWS = tuple(
    (JOINT_INDEX[f"{s}_shoulder"], JOINT_INDEX[f"{s}_elbow"], JOINT_INDEX[f"{s}_wrist"])
    for s in ("left", "right")
)
_BONE_PARENT = np.array([p for p, _ in BONES])
assert [c for _, c in BONES] == list(range(1, NUM_JOINTS)), BONES


@dataclass(frozen=True)
class Tracks:
    """Actor tracks concatenated along rows: track k owns rows [starts[k], starts[k + 1]).

    Attributes:
        joints: float (R, 22, 3) positions, canonical coordinates, frames in time order per track.
        starts: int64 (K + 1,) row offsets; every track has >= 1 frame.
        fps: frame rate of every track.
    """

    joints: np.ndarray
    starts: np.ndarray
    fps: float

    def __post_init__(self) -> None:
        j, s = self.joints, self.starts
        assert j.ndim == 3 and j.shape[1:] == (NUM_JOINTS, 3), j.shape
        assert s.ndim == 1 and s.shape[0] >= 1 and s[0] == 0 and s[-1] == j.shape[0], (s[:3], j.shape)
        assert np.all(np.diff(s) >= 1), "every track needs at least one frame"
        assert self.fps > 0, self.fps

    @classmethod
    def from_clip(cls, joints: np.ndarray, fps: float) -> Tracks:
        """One clip's actors as tracks: joints (T, A, 22, 3) -> A tracks of T frames."""
        assert joints.ndim == 4 and joints.shape[2:] == (NUM_JOINTS, 3), joints.shape
        t, a = joints.shape[:2]
        rows = np.ascontiguousarray(np.swapaxes(joints, 0, 1)).reshape(a * t, NUM_JOINTS, 3)
        return cls(rows, np.arange(a + 1, dtype=np.int64) * t, float(fps))

    @property
    def n_tracks(self) -> int:
        return int(self.starts.shape[0] - 1)

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    @cached_property
    def track_of_row(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_tracks), self.lengths)

    def ahead(self, k: int) -> np.ndarray:
        """Bool (R,): row r has a row r + k in the same track."""
        end = np.repeat(self.starts[1:], self.lengths)
        return np.arange(self.joints.shape[0]) + k < end

    @cached_property
    def finite(self) -> np.ndarray:
        """The joints with non-finite values replaced by 0 (detectors other than `non_finite` read these)."""
        j = self.joints
        bad = ~np.isfinite(j)
        if not bad.any():
            return j
        out = j.copy()
        out[bad] = 0.0
        return out

    @cached_property
    def lowest(self) -> np.ndarray:
        """(R,) height of the lowest joint in each frame."""
        return self.finite[:, :, 1].min(axis=1)

    @cached_property
    def floor(self) -> np.ndarray:
        """(K,) robust floor height per track: the `FLOOR_QUANTILE` quantile of `lowest`."""
        return _seg_quantile(self.lowest, np.ones(self.lowest.shape, dtype=bool), self, FLOOR_QUANTILE)


# ---------------------------------------------------------------------------------------------
# Segment helpers: per-track reductions of per-row values without a Python loop over tracks.


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot product over the last axis (xyz), much faster than (a * b).sum(-1) for 3 components."""
    return np.einsum("...k,...k->...", a, b)


def _pad(x: np.ndarray, rows: int) -> np.ndarray:
    """Per-row values of the first len(x) rows, zero-padded to `rows` (mask the tail with `ahead`)."""
    out = np.zeros((rows, *x.shape[1:]), dtype=x.dtype)
    out[: x.shape[0]] = x
    return out


def _seg_max(values: np.ndarray, tracks: Tracks) -> np.ndarray:
    """Per-track max of non-negative per-row values (0 for a track without valid rows)."""
    return np.maximum.reduceat(values, tracks.starts[:-1]) if values.size else np.zeros(tracks.n_tracks)


def _seg_sum(values: np.ndarray, tracks: Tracks) -> np.ndarray:
    return np.add.reduceat(values, tracks.starts[:-1], axis=0)


def _seg_quantile(values: np.ndarray, valid: np.ndarray, tracks: Tracks, q: float) -> np.ndarray:
    """Per-track lower q-quantile of the valid rows' values (0 for a track without valid rows)."""
    track = tracks.track_of_row[valid]
    v = values[valid]
    order = np.lexsort((v, track))
    counts = np.bincount(track, minlength=tracks.n_tracks)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.zeros(tracks.n_tracks)
    has = counts > 0
    pick = first[has] + np.floor(q * (counts[has] - 1)).astype(np.int64)
    out[has] = v[order][pick]
    return out


def _runs(flag: np.ndarray, tracks: Tracks) -> tuple[np.ndarray, np.ndarray]:
    """Runs of True rows that do not cross a track boundary: (track of each run, its length in rows)."""
    if not flag.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    track = tracks.track_of_row
    starts_run = flag & ~(
        np.concatenate([[False], flag[:-1]]) & np.concatenate([[False], track[1:] == track[:-1]])
    )
    run_id = np.cumsum(starts_run) - 1
    lengths = np.bincount(run_id[flag])
    return track[starts_run], lengths


# ---------------------------------------------------------------------------------------------
# The detectors: raw values, one per track.


def non_finite(tracks: Tracks) -> np.ndarray:
    """Number of NaN or infinite coordinates per track."""
    bad = (~np.isfinite(tracks.joints)).reshape(tracks.joints.shape[0], -1).sum(axis=1)
    return _seg_sum(bad, tracks).astype(np.float64)


def jitter(tracks: Tracks) -> np.ndarray:
    """Median over frames of the mean over joints of the reversing jerk (m/s^3).

    Jerk is the third finite difference of positions times fps^3. Noise makes it flip direction
    from one frame to the next, while real motion, even fast, keeps its direction over several
    frames, so the reversing jerk of frame t is sqrt(max(0, -jerk_t . jerk_t+1)); the median over
    frames ignores the few reversals a foot strike or a punch's stop cause. Tracks under 5 frames get 0.
    """
    j, rows = tracks.finite, tracks.joints.shape[0]
    if rows < 5:
        return np.zeros(tracks.n_tracks)
    jerk = np.diff(j, n=3, axis=0)  # (R - 3, 22, 3): row r is valid where ahead(3)
    reversal = np.maximum(-_dot(jerk[:-1], jerk[1:]), 0.0)  # (R - 4, 22): valid where ahead(4)
    mag = _pad(np.sqrt(reversal).mean(axis=-1) * tracks.fps**3, rows)
    return _seg_quantile(mag, tracks.ahead(4), tracks, 0.5)


def foot_skating(tracks: Tracks) -> np.ndarray:
    """Share of foot-contact frame pairs in which a grounded toe slides.

    A toe (`left_foot` / `right_foot`) is grounded in a frame pair when it is within `CONTACT_HEIGHT_M`
    of the track's robust floor in both frames; it slides when it also moves faster than
    `SKID_SPEED_MS` in the floor plane. Value: sliding (pair, toe) cases / grounded cases (0 when the
    feet never touch the floor).
    """
    j, floor, rows = tracks.finite, tracks.floor, tracks.joints.shape[0]
    toes = j[:, list(_FEET), :]  # (R, 2, 3)
    h = toes[:, :, 1] - np.repeat(floor, tracks.lengths)[:, None]
    low = h < CONTACT_HEIGHT_M
    grounded = _pad(low[:-1] & low[1:], rows) & tracks.ahead(1)[:, None]  # (R, 2): frame pair (r, r + 1)
    step = np.diff(toes[:, :, [0, 2]], axis=0)  # (R - 1, 2, 2) floor-plane displacement
    speed = _pad(np.sqrt(_dot(step, step)) * tracks.fps, rows)
    sliding = grounded & (speed > SKID_SPEED_MS)
    n_ground = _seg_sum(grounded.sum(axis=1), tracks)
    n_slide = _seg_sum(sliding.sum(axis=1), tracks)
    return np.where(n_ground > 0, n_slide / np.maximum(n_ground, 1), 0.0)


def ground_penetration(tracks: Tracks) -> np.ndarray:
    """Deepest dip (m) of the lowest body point below the robust floor.

    The canonical floor is the clip's lowest foot point, so one glitched frame would define it; the
    robust floor is instead the `FLOOR_QUANTILE` quantile of the per-frame lowest joint height.
    """
    lowest, floor = tracks.lowest, tracks.floor
    depth = np.maximum(np.repeat(floor, tracks.lengths) - lowest, 0.0)
    return _seg_max(depth, tracks)


def floating(tracks: Tracks) -> np.ndarray:
    """Longest stretch (s) with every joint more than `FLOAT_HEIGHT_M` above the robust floor.

    People leave the ground for well under a second (a high jump's flight is about 0.8 s).
    """
    lowest, floor = tracks.lowest, tracks.floor
    airborne = lowest - np.repeat(floor, tracks.lengths) > FLOAT_HEIGHT_M
    track, length = _runs(airborne, tracks)
    out = np.zeros(tracks.n_tracks)
    np.maximum.at(out, track, length / tracks.fps)
    return out


def bone_length(tracks: Tracks) -> np.ndarray:
    """Largest relative deviation |L_t / mean(L) - 1| of any bone over the track.

    Bones with a mean length under `MIN_BONE_M` are left out: sources that lack a joint may place the
    derived joint on its parent, and a relative change of a zero length means nothing.
    """
    j = tracks.finite
    bone = j[:, 1:] - j[:, _BONE_PARENT]  # bone c - 1 ends at joint c (BONES is ordered by child)
    lengths = np.sqrt(_dot(bone, bone))  # (R, 21)
    starts = tracks.starts[:-1]
    mean = np.add.reduceat(lengths, starts, axis=0) / tracks.lengths[:, None]  # (K, 21)
    hi = np.maximum.reduceat(lengths, starts, axis=0) / np.maximum(mean, MIN_BONE_M) - 1.0
    lo = 1.0 - np.minimum.reduceat(lengths, starts, axis=0) / np.maximum(mean, MIN_BONE_M)
    dev = np.where(mean >= MIN_BONE_M, np.maximum(hi, lo), 0.0)
    return dev.max(axis=1)


def teleport(tracks: Tracks) -> np.ndarray:
    """Largest root (pelvis) speed (m/s) between consecutive frames; sprinters peak near 12 m/s."""
    root = tracks.finite[:, PELVIS]
    step = np.diff(root, axis=0)
    speed = _pad(np.sqrt(_dot(step, step)) * tracks.fps, root.shape[0])
    return _seg_max(np.where(tracks.ahead(1), speed, 0.0), tracks)


def frozen(tracks: Tracks) -> np.ndarray:
    """Share of a track's frame pairs inside still stretches of at least `FROZEN_MIN_S`.

    A frame pair is still when no joint moves faster than `STILL_SPEED_MS` (half a millimetre per frame
    at 20 fps: the resolution of the canonical store, so only repeated frames qualify; a person who
    stands still still sways and breathes above it). Tracks of one frame get 0.
    """
    j = tracks.finite
    step = np.diff(j, axis=0)  # (R - 1, 22, 3)
    speed = _pad(np.sqrt(_dot(step, step).max(axis=1)) * tracks.fps, j.shape[0])
    still = (speed < STILL_SPEED_MS) & tracks.ahead(1)
    track, length = _runs(still, tracks)
    long_enough = length >= FROZEN_MIN_S * tracks.fps
    frozen_pairs = np.bincount(track[long_enough], weights=length[long_enough], minlength=tracks.n_tracks)
    return frozen_pairs / np.maximum(tracks.lengths - 1, 1)


def _angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    cos = _dot(u, v) / np.maximum(np.sqrt(_dot(u, u) * _dot(v, v)), 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def joint_angles(tracks: Tracks) -> np.ndarray:
    """Share of frames with an implausible knee, elbow or neck angle.

    - knee: signed flexion between thigh (hip -> knee) and shank (knee -> ankle), positive when the
      shank folds backwards (the sign comes from the hip axis, right hip -> left hip); plausible in
      `KNEE_RANGE_DEG`;
    - elbow: flexion between upper arm and forearm at most `ELBOW_MAX_DEG`;
    - neck: angle between spine3 -> neck and neck -> head at most `NECK_MAX_DEG`.
    """
    j = tracks.finite
    hip_axis = j[:, JOINT_INDEX["left_hip"]] - j[:, JOINT_INDEX["right_hip"]]
    bad = np.zeros(j.shape[0], dtype=bool)
    for hip, knee, ankle in _KNEES:
        thigh, shank = j[:, knee] - j[:, hip], j[:, ankle] - j[:, knee]
        flex = _angle_deg(thigh, shank) * np.where(_dot(np.cross(thigh, shank), hip_axis) < 0, -1.0, 1.0)
        bad |= (flex < KNEE_RANGE_DEG[0]) | (flex > KNEE_RANGE_DEG[1])
    for shoulder, elbow, wrist in _ELBOWS:
        bad |= _angle_deg(j[:, elbow] - j[:, shoulder], j[:, wrist] - j[:, elbow]) > ELBOW_MAX_DEG
    neck, head, spine3 = JOINT_INDEX["neck"], JOINT_INDEX["head"], JOINT_INDEX["spine3"]
    bad |= _angle_deg(j[:, neck] - j[:, spine3], j[:, head] - j[:, neck]) > NECK_MAX_DEG
    return _seg_sum(bad.astype(np.float64), tracks) / tracks.lengths


_FUNCTIONS = {
    "jitter": jitter,
    "foot_skating": foot_skating,
    "ground_penetration": ground_penetration,
    "floating": floating,
    "bone_length": bone_length,
    "teleport": teleport,
    "frozen": frozen,
    "joint_angles": joint_angles,
}
assert tuple(_FUNCTIONS) == DETECTORS


# ---------------------------------------------------------------------------------------------
# Severities and the score.


def measure(tracks: Tracks) -> dict[str, np.ndarray]:
    """Every detector's raw value per track, plus `non_finite`."""
    out = {name: fn(tracks) for name, fn in _FUNCTIONS.items()}
    out["non_finite"] = non_finite(tracks)
    return out


def per_clip(raw: dict[str, np.ndarray], tracks_per_clip: np.ndarray) -> dict[str, np.ndarray]:
    """Aggregate per-track raw values to clips (tracks of one clip are consecutive): the worst actor."""
    starts = np.concatenate([[0], np.cumsum(tracks_per_clip)[:-1]]).astype(np.int64)
    return {k: (np.add if k == "non_finite" else np.maximum).reduceat(v, starts) for k, v in raw.items()}


def severity(name: str, raw: np.ndarray) -> np.ndarray:
    """Map raw values of detector `name` to [0, 1] with its `SCALES` (ok, bad) ramp."""
    ok, bad = SCALES[name]
    return np.clip((np.asarray(raw, dtype=np.float64) - ok) / (bad - ok), 0.0, 1.0)


def quality_score(raw: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """prod_i (1 - severity_i) ** weight_i over `DETECTORS`, in [0, 1]; 0 for any non-finite value.

    Args:
        raw: raw detector values (as `measure` or `per_clip` return them), each (N,).
        weights: one non-negative weight per name in `DETECTORS` (params.yaml `quality`).
    """
    if set(weights) != set(DETECTORS):
        raise ValueError(f"quality weights must name exactly {list(DETECTORS)}, got {sorted(weights)}")
    score = np.ones_like(np.asarray(raw[DETECTORS[0]], dtype=np.float64))
    for name in DETECTORS:
        w = float(weights[name])
        if w < 0:
            raise ValueError(f"quality weight [{name}] must be >= 0, got {w}")
        if w > 0:
            score = score * (1.0 - severity(name, raw[name])) ** w
    if "non_finite" in raw:
        score = np.where(np.asarray(raw["non_finite"]) > 0, 0.0, score)
    return score


def worst_detector(raw: Mapping[str, np.ndarray], weights: Mapping[str, float], i: int) -> tuple[str, float]:
    """The detector that lowers item i's score most, and its severity (for reject reasons)."""
    best, best_loss = DETECTORS[0], -1.0
    for name in DETECTORS:
        s = float(severity(name, raw[name][i]))
        loss = -float(weights[name]) * np.log(max(1.0 - s, 1e-12))
        if loss > best_loss:
            best, best_loss = name, loss
    return best, float(severity(best, raw[best][i]))


@dataclass(frozen=True)
class ClipQuality:
    """One clip's raw detector values (worst actor), severities and score."""

    raw: dict[str, float]
    severity: dict[str, float]
    score: float


def assess_clip(joints: np.ndarray, fps: float, weights: Mapping[str, float]) -> ClipQuality:
    """Score one clip's joints (T, A, 22, 3) at `fps`."""
    tracks = Tracks.from_clip(np.asarray(joints, dtype=np.float64), fps)
    raw = per_clip(measure(tracks), np.array([joints.shape[1]]))
    return ClipQuality(
        raw={k: float(v[0]) for k, v in raw.items()},
        severity={k: float(severity(k, raw[k])[0]) for k in DETECTORS},
        score=float(quality_score(raw, weights)[0]),
    )
