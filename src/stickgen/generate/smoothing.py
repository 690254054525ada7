"""Temporal filters of a generated sample before it is decoded: seam-free motion (one pass of a light
low-pass), and a steady expression.

The denoiser decodes each token's `model.patch_frames` frames from that token alone
(`stickgen.model.transformer`), so neighbouring patches can disagree by a few millimetres where they
meet: a shiver a viewer sees and the jerk metric counts (the embedded default's small/pretrain model:
61 m/s^3, against 18 for the real test clips). `smooth_motion` filters every coordinate over time (of
joints, or of the model's denormalised features, which are linear in the joints: the same result) with
the binomial kernel [w, 1 - 2w, w] (w = `SMOOTH_WEIGHT`, 1/4), the motion continued linearly past its
ends, so the first and last frames stay where they were (a path's ends, a continuation's seam). Its gain
at frequency f is 1 - 4w sin^2(pi f / fps): at the model's 20 fps with w = 1/4, 0.98 at 1 Hz, 0.90 at
2 Hz, 0.5 at 5 Hz and 0 at 10 Hz, where patch seams put their energy; a clap or a step (1-2 Hz) keeps its
shape. Measured on that model (`stickgen evaluate`, docs/training.md row K'): jerk 61 -> 12 m/s^3 (the
real row's band is 9-36), R-precision, FID and the behaviour suite unchanged within their noise,
physics consistency 0.85 -> 0.86.

Since 2026-12-05 (noon) the generator filters only the frames on either side of a seam (`patch_frames`:
the last frame of a patch and the first of the next), and leaves the frames inside a patch as decoded: the
seams go as before, but a sprint's foot, down for one or two frames at 5 m/s, keeps its contact instead of
a V that the plant checks and the foot lock could not hold. On the format-9 small/lora (the evaluate
stage's report over the whole test split): jerk 9.1 -> 16.6 m/s^3 (the real row's 13.7; unfiltered 53),
the behaviour suite's sprint 0.2 -> 0.4, behaviour 0.852 -> 0.856, FID 0.034 either way, foot skating
0.019 (docs/training.md, "The whole test split, and the root unguided").

A contact of two frames that straddles a seam was still lifted into a V (a stride of 12 frames at 5 m/s is
three patches, so one foot lands on a seam every stride): since 2026-12-05 (night) the callers put the
legs of planted feet back as decoded after the filter (`stickgen.generate.footlock.keep_planted_legs`):
the suite's sprints plant on both feet (the shipped small/lora over two other suite seeds: 0.1 -> 0.5),
jerk 17.4 -> 21.9 m/s^3 (docs/training.md, "Planted feet through the seam filter, templates at their own
pace"); since 2026-12-07 a planted leg put back is low-passed inside a contact of five frames or more (its
heights as decoded): the knees had kept the seams' shiver ("Steady knees on planted feet").

The callers filter the features before decoding them to joints, then make the bones rigid
(`stickgen.core.skeleton.rigid_bones`) and lock planted feet (`stickgen.generate.sample.generate_joints`,
seams only; `stickgen.generate.directed`, every frame: its overlapping windows put their seams at their
own offsets, and it puts back every value a constraint keeps).

The face's expression is a state held for seconds (the animator holds one per action and blends between
actions over half a second or more), but the face is decoded frame by frame as the largest entry of its
generated code (`stickgen.core.face.face_from_features`), so where two expressions are nearly tied the face
switches between them patch by patch (format 10's small/lora, "a woman laughs", seeds 1-8: happy against
angry in blocks of 4 frames in 5 seeds, the two codes' means within 0.1 of each other in two).
`steady_expression` averages the expression code over a triangle of half-width EXPRESSION_WINDOW_S first:
a flicker goes to the expression that holds more of the window, and a change that lasts keeps its place.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.face import FACE_FEATURES, FACE_SLICES

SMOOTH_WEIGHT = 0.25  # each neighbouring frame's weight; 0 leaves the motion as decoded
EXPRESSION_WINDOW_S = 0.75  # half-width of the window a generated expression code is averaged over


def smooth_motion(
    joints: np.ndarray, weight: float = SMOOTH_WEIGHT, patch_frames: int | None = None
) -> np.ndarray:
    """(T, ...) positions or features filtered over frames (axis 0) with [weight, 1 - 2 weight, weight].

    `weight` must be in [0, 0.25] (0.25: the binomial [1, 2, 1] / 4; more would amplify the highest
    frequencies with the wrong sign). `patch_frames`: the decoder's patch length, patches starting at frame
    0; given, only the two frames at each seam between patches (t % patch_frames in {patch_frames - 1, 0},
    t > 0) take the filtered value and every other frame stays as it is; None filters every frame. A
    motion of one frame is returned as it is.
    """
    if not 0.0 <= weight <= 0.25:
        raise ValueError(f"smoothing weight must be in [0, 0.25], got {weight}")
    if patch_frames is not None and patch_frames < 1:
        raise ValueError(f"patch_frames must be >= 1, got {patch_frames}")
    joints = np.asarray(joints)
    if weight == 0.0 or joints.shape[0] < 2:
        return joints
    # ends continued linearly (2 x0 - x1): the first and last frames, and any straight-line motion, are kept
    padded = np.concatenate([2 * joints[:1] - joints[1:2], joints, 2 * joints[-1:] - joints[-2:-1]], axis=0)
    out = weight * (padded[:-2] + padded[2:]) + (1.0 - 2.0 * weight) * padded[1:-1]
    if patch_frames is not None:
        phase = np.arange(joints.shape[0]) % patch_frames
        seam = (phase == patch_frames - 1) | ((phase == 0) & (np.arange(joints.shape[0]) > 0))
        out = np.where(seam.reshape(-1, *([1] * (joints.ndim - 1))), out, joints)
    return out.astype(joints.dtype, copy=False)


def steady_expression(face: np.ndarray, fps: float) -> np.ndarray:
    """(T, A, FACE_FEATURES) generated face features with the expression code (`FACE_SLICES["expression"]`)
    averaged over frames with a triangle of half-width EXPRESSION_WINDOW_S (near the ends, over the frames
    there are); every other feature as generated (visemes and eyes change by the syllable)."""
    face = np.asarray(face, dtype=np.float32)
    if face.ndim != 3 or face.shape[-1] != FACE_FEATURES:
        raise ValueError(f"face features must be (T, A, {FACE_FEATURES}), got {face.shape}")
    w = max(1, int(round(EXPRESSION_WINDOW_S * fps)))
    tri = 1.0 - np.abs(np.arange(-w, w + 1)) / (w + 1.0)
    sl = FACE_SLICES["expression"]
    code = np.pad(face[..., sl], ((w, w), (0, 0), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(code, 2 * w + 1, axis=0)  # (T, A, E, 2w + 1)
    there = np.lib.stride_tricks.sliding_window_view(np.pad(np.ones(len(face)), w), 2 * w + 1)  # (T, 2w + 1)
    out = face.copy()
    out[..., sl] = (windows @ tri) / (there @ tri)[:, None, None]
    return out
