"""Frame-rate conversion of a motion, and bones held at given lengths.

    motion_60 = resample(motion, 60.0)   # the same motion at 60 fps: same duration, same timing

`resample` interpolates every joint linearly between the two nearest source frames at each new frame's
time (k / fps), so the first and last frames and the timing are the source's; a frame falling between two
source frames would shorten a turning limb (a chord is shorter than its arc), so each bone is set back to
the length it has there (interpolated between the source frames' lengths: a rigid figure stays rigid).
"""

from __future__ import annotations

import math

import numpy as np

from stickgen.core.skeleton import NUM_JOINTS, PARENTS
from stickgen.generate.motion import Motion, check_fps


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """(..., 22, 3) joints -> (..., 21) lengths of the bones to joints 1..21 from their parents."""
    parents = np.asarray(PARENTS[1:])
    return np.linalg.norm(joints[..., 1:, :] - joints[..., parents, :], axis=-1)


def with_bone_lengths(joints: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(T, ..., 22, 3) joints with every bone's direction kept and its length set to `lengths` (broadcast to
    (T, ..., 21)); the figure is rebuilt from the root down, as `stickgen.core.skeleton.rigid_bones` does."""
    j = np.asarray(joints, dtype=np.float64)
    lengths = np.broadcast_to(lengths, j.shape[:-2] + (NUM_JOINTS - 1,))
    out = np.empty_like(j)
    out[..., 0, :] = j[..., 0, :]
    for child in range(1, NUM_JOINTS):  # parents come before their children in the SMPL order
        parent = PARENTS[child]
        bone = j[..., child, :] - j[..., parent, :]
        direction = bone / np.maximum(np.linalg.norm(bone, axis=-1, keepdims=True), 1e-9)
        out[..., child, :] = out[..., parent, :] + direction * lengths[..., child - 1, None]
    return out


def resample(motion: Motion, fps: float) -> Motion:
    """`motion` at `fps` frames per second, its timing unchanged (`meta.resampled_from_fps` records the
    source rate); its face, if any, is taken from the nearest source frame. A motion already at `fps` is
    returned as it is."""
    try:
        fps = check_fps(fps, "fps")
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    if fps == motion.fps:
        return motion
    src = np.asarray(motion.joints, dtype=np.float64)
    last_s = (motion.frames - 1) / motion.fps
    n = int(math.floor(last_s * fps + 1e-6)) + 1
    pos = np.arange(n) / fps * motion.fps  # each new frame's place among the source frames
    lo = np.minimum(np.floor(pos).astype(int), motion.frames - 1)
    hi = np.minimum(lo + 1, motion.frames - 1)
    w = (pos - lo)[:, None, None, None]
    joints = (1 - w) * src[lo] + w * src[hi]
    lengths = bone_lengths(src)
    joints = with_bone_lengths(joints, (1 - w[..., 0]) * lengths[lo] + w[..., 0] * lengths[hi])
    meta = {**motion.meta, "fps": float(fps), "resampled_from_fps": motion.fps}
    if "frames" in meta:
        meta["frames"] = n
    face = None
    if motion.face is not None:  # each new frame shows the face of the nearest source frame
        face = motion.face.frames(np.minimum(np.rint(pos).astype(int), motion.frames - 1))
    return Motion(joints.astype(np.float32), float(fps), motion.prompt, meta, face)
