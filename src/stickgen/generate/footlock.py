"""Planted feet stay planted: foot contacts of generated motion held in place by two-bone leg IK.

Generated motion is predicted as joint positions, so a foot on the ground drifts a little from frame to
frame while the body moves over it: foot skating (`stickgen.core.quality.foot_skating`). `lock_feet` finds
each foot's contacts (the toe within `LOCK_HEIGHT_M` of the clip's robust floor and slower than
`PLANT_SPEED_MS`, for at least two frames), holds the toe at the contact's mean floor position,
fades that correction in and out over `BLEND_FRAMES` frames around it, and re-solves the leg: the hip
stays, the ankle and toe move by the correction, and the knee is placed analytically so that thigh and
shin keep their lengths and the knee bends in the plane it bent in before (forwards). Heights are never
changed, nothing above the hips moves, and a foot that the leg cannot reach is held as close as the leg
allows. A contact that would need a correction over `MAX_SHIFT_M` is a foot really moving (a slide, a
shuffle) and is left alone.

On 200 test captions of the embedded default's small/sft model: foot skating 0.18 -> 0.12 and physics
consistency 0.74 -> 0.85, knees all plausible; on the real test clips the same pass moves a joint by
1.8 mm on average (real feet are already planted).

`PLANT_SPEED_MS` was 1.0 m/s until model format 7. On 150 test captions of the format-6 small/sft model
(unlocked skating 0.110): locked skating 0.048 at 1.0 m/s, 0.032 at 1.5, 0.025 at 2.0; a longer
`MAX_SHIFT_M` (0.35: 0.040) or shorter blends (0.048) did little. On the real test clips 1.5 m/s moves a
joint by 3.5 mm on average (2.2 mm at 1.0, 3.3 at 2.0; worst 0.22 m). A toe that low and that slow is
rolling or sliding on the floor, not swinging (a swing passes the floor at 3-5 m/s), so 1.5 is used.

Since model format 9 a contact is found up to `LOCK_HEIGHT_M` (0.08 m; was `CONTACT_HEIGHT_M`, 0.05) above
the floor: a generated sprint's toe dips to the floor in a V over three frames (0.06, 0.01, 0.05 m), and
was held for one at most. Resting each contact on its lowest height as well (heights changed) planted more
sprints but raised the FID: on the format-9 small/lora model (the evaluate stage's report) FID 0.217
against 0.206 for holding the floor position alone, behaviour 0.835 against 0.831 (sprint 0.4 against 0.1,
walk 0.8 against 1.0); the old lock gave FID 0.208, behaviour 0.831, no lock 0.210 and 0.798 (foot skating
0.040 against 0.006 locked).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.quality import Tracks
from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS
from stickgen.generate.smoothing import smooth_motion

PLANT_SPEED_MS = 1.5  # a low toe slower than this (floor plane) is planted; faster: swept on purpose
BLEND_FRAMES = 3  # frames over which a contact's correction fades in before it and out after it
MIN_CONTACT_FRAMES = 2
MAX_SHIFT_M = 0.25  # a contact needing a longer correction (half a stride) is a real slide: left alone
# a toe this close to the clip's floor may be planted (if slow enough): a generated fast gait touches down in
# a V (0.06, 0.01, 0.05 m over three frames at 5 m/s), one frame under `CONTACT_HEIGHT_M` (0.05)
LOCK_HEIGHT_M = 0.08
# a contact this long (a walk's, a stand's) has its leg low-passed inside it; a sprint's 2-4 frames do not
STEADY_CONTACT_FRAMES = 5
_LEGS = tuple(
    tuple(JOINT_INDEX[f"{side}_{j}"] for j in ("hip", "knee", "ankle", "foot")) for side in ("left", "right")
)
_UP = np.array([0.0, 1.0, 0.0])
_PLANE = [0, 2]  # the floor plane's axes (Y is up)


def runs(flag: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a bool (T,) array, end exclusive."""
    edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def contacts(toe: np.ndarray, floor: float, fps: float) -> np.ndarray:
    """(T,) bool: the frames in which a toe track (T, 3) is planted."""
    low = toe[:, 1] - floor < LOCK_HEIGHT_M
    if len(toe) < 2:
        return np.zeros(len(toe), dtype=bool)
    speed = np.linalg.norm(np.gradient(toe[:, _PLANE], axis=0), axis=-1) * fps
    out = np.zeros(len(toe), dtype=bool)
    for s, e in runs(low & (speed < PLANT_SPEED_MS)):
        out[s:e] = e - s >= MIN_CONTACT_FRAMES
    return out


def planted_legs(joints: np.ndarray, fps: float) -> np.ndarray:
    """(T, A, 22) bool of (T, A, 22, 3) joints: the knee, ankle and toe of every leg in the frames its toe is
    planted (`contacts`, over the actor's robust floor) in a contact the lock holds (`held_contacts`: a
    foot sliding along the floor is not planted)."""
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"planted_legs needs (T, A, {NUM_JOINTS}, 3) joints, got {j.shape}")
    out = np.zeros(j.shape[:3], dtype=bool)
    floors = Tracks.from_clip(j, fps).floor
    for a in range(j.shape[1]):
        for _, knee, ankle, toe in _LEGS:
            held = held_contacts(j[:, a, toe], contacts(j[:, a, toe], floors[a], fps))
            out[:, a, [knee, ankle, toe]] = held[:, None]
    return out


def keep_planted_legs(filtered: np.ndarray, raw: np.ndarray, fps: float) -> np.ndarray:
    """`filtered` (T, A, 22, 3), a temporal filter's output of the joints `raw`, with the planted legs
    (`planted_legs` of `raw`) put back as they were: a low-pass over a patch seam averages a fast foot's
    one or two frames on the floor with the frames in the air around them (a touchdown in a V, 6 cm up),
    and a foot that was down should stay down. Inside a contact of `STEADY_CONTACT_FRAMES` or more, the
    knee and the ankle's and toe's floor-plane paths are then low-passed over the contact's own frames
    (`smooth_motion`: its first and last frame kept, no frame of the swing mixed in; heights as decoded):
    put back unfiltered, the seams' shiver made the knees the jerkiest joints (docs/training.md, "Steady
    knees on planted feet")."""
    planted = planted_legs(raw, fps)
    out = np.where(planted[..., None], raw, filtered).astype(np.asarray(filtered).dtype)
    for a in range(out.shape[1]):
        for _, knee, ankle, toe in _LEGS:
            for s, e in runs(planted[:, a, toe]):
                if e - s < STEADY_CONTACT_FRAMES:
                    continue  # a fast gait's contact, kept as decoded
                out[s:e, a, knee] = smooth_motion(raw[s:e, a, knee])
                for foot in (ankle, toe):
                    out[s:e, a, foot, _PLANE] = smooth_motion(raw[s:e, a, foot, _PLANE])
    return out


def _to_mean(toe: np.ndarray) -> np.ndarray:
    """(K, 2) floor-plane corrections that bring a contact's toe positions (K, 3) to their mean."""
    return toe[:, _PLANE].mean(axis=0) - toe[:, _PLANE]


def held_contacts(toe: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """`planted` (T,) without the contacts the lock leaves alone: those whose correction would exceed
    `MAX_SHIFT_M` (a slide, a shuffle)."""
    out = planted.copy()
    for s, e in runs(planted):
        if np.linalg.norm(_to_mean(toe[s:e]), axis=-1).max() > MAX_SHIFT_M:
            out[s:e] = False
    return out


def contact_offsets(toe: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """(T, 2) floor-plane corrections of a toe track: inside a contact, to the contact's mean position;
    within `BLEND_FRAMES` of one, the nearest contact frame's correction fading linearly to 0. A contact
    whose correction would exceed `MAX_SHIFT_M` gets none (`held_contacts`)."""
    planted = held_contacts(toe, planted)
    held = np.zeros((len(toe), 2))
    for s, e in runs(planted):
        held[s:e] = _to_mean(toe[s:e])
    return faded(held, planted, BLEND_FRAMES)


def faded(held: np.ndarray, contact: np.ndarray, blend_frames: int) -> np.ndarray:
    """Corrections (T, K) held inside the `contact` (T,) bool frames, each other frame taking its nearest
    contact frame's correction times a weight falling linearly to 0 over `blend_frames` frames (0 beyond)."""
    t = len(held)
    if not contact.any():
        return np.zeros_like(held)
    frames = np.arange(t)
    prev = np.maximum.accumulate(np.where(contact, frames, -1))  # last contact frame at or before t
    nxt = np.minimum.accumulate(np.where(contact, frames, t)[::-1])[::-1]  # first one at or after t
    d_prev = np.where(prev >= 0, frames - prev, t + 1)
    d_next = np.where(nxt < t, nxt - frames, t + 1)
    nearest = np.where(d_prev <= d_next, prev, nxt).clip(0, t - 1)
    weight = np.clip(1.0 - np.minimum(d_prev, d_next) / (blend_frames + 1), 0.0, 1.0)
    return held[nearest] * weight[:, None]


def two_bone_ik(
    hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, target: np.ndarray, pole: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle (N, 3) that put the ankle at `target` (or as near as the leg reaches) from a fixed
    hip, with the thigh and shin lengths of (hip, knee, ankle). The knee bends the way it bent, unless
    that is away from `pole` (N, 3; the way the body faces) or the leg was straight: then towards `pole`."""
    l1 = np.linalg.norm(knee - hip, axis=-1)
    l2 = np.linalg.norm(ankle - knee, axis=-1)
    to = target - hip
    d_raw = np.linalg.norm(to, axis=-1)
    u = to / np.maximum(d_raw, 1e-9)[:, None]
    d = np.clip(d_raw, np.abs(l1 - l2) + 1e-6, l1 + l2 - 1e-6)

    def across(x: np.ndarray) -> np.ndarray:  # the part of x perpendicular to the hip -> target line
        x = x - (x * u).sum(-1, keepdims=True) * u
        return x / np.maximum(np.linalg.norm(x, axis=-1), 1e-9)[:, None]

    v, fallback = across(knee - hip), across(pole)
    straight_or_backwards = (np.linalg.norm(v, axis=-1) < 1e-6) | ((v * fallback).sum(-1) < 0)
    v = np.where(straight_or_backwards[:, None], fallback, v)
    cos_a = np.clip((l1**2 + d**2 - l2**2) / (2 * l1 * d), -1.0, 1.0)
    new_knee = hip + l1[:, None] * (cos_a[:, None] * u + np.sqrt(1 - cos_a**2)[:, None] * v)
    return new_knee, hip + d[:, None] * u


def lock_feet(joints: np.ndarray, fps: float) -> np.ndarray:
    """Hold the planted feet of a clip in place: (T, A, 22, 3) or (T, 22, 3) joints -> the same shape
    and dtype. Frames away from any contact are returned unchanged."""
    j = np.asarray(joints, dtype=np.float64)
    single = j.ndim == 3
    if single:
        j = j[:, None]
    if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"lock_feet needs (T, [A,] {NUM_JOINTS}, 3) joints, got {np.shape(joints)}")
    out = j.copy()
    floors = Tracks.from_clip(j, fps).floor
    for a in range(j.shape[1]):
        clip = j[:, a]
        hips_across = clip[:, JOINT_INDEX["left_hip"]] - clip[:, JOINT_INDEX["right_hip"]]
        forward = np.cross(hips_across, _UP)  # the knees bend towards where the body faces
        for hip, knee, ankle, toe in _LEGS:
            off = contact_offsets(clip[:, toe], contacts(clip[:, toe], floors[a], fps))
            moved = np.flatnonzero(np.abs(off).sum(-1) > 0)
            if not len(moved):
                continue
            shift = np.zeros((len(moved), 3))
            shift[:, _PLANE] = off[moved]
            target = clip[moved, ankle] + shift
            new_knee, new_ankle = two_bone_ik(
                clip[moved, hip], clip[moved, knee], clip[moved, ankle], target, forward[moved]
            )
            out[moved, a, knee] = new_knee
            out[moved, a, ankle] = new_ankle
            out[moved, a, toe] = new_ankle + clip[moved, toe] - clip[moved, ankle]
    if single:
        out = out[:, 0]
    return out.astype(np.asarray(joints).dtype)
