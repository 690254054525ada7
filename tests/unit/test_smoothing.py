"""The temporal filters of generated samples (`stickgen.generate.smoothing`): motion and expression."""

from __future__ import annotations

import numpy as np
import pytest

from stickgen.core.face import EXPRESSION_INDEX, FACE_FEATURES, FACE_SLICES, face_from_features
from stickgen.core.quality import Tracks, jitter
from stickgen.generate.smoothing import SMOOTH_WEIGHT, smooth_motion, steady_expression

FPS = 20.0
EXPRESSION = FACE_SLICES["expression"]


def _wave(freq_hz: float, frames: int = 200) -> np.ndarray:
    t = np.arange(frames) / FPS
    return np.sin(2 * np.pi * freq_hz * t)[:, None]


@pytest.mark.parametrize(("freq", "gain"), [(1.0, 0.976), (2.0, 0.905), (5.0, 0.5)])
def test_the_gain_is_the_binomial_kernels(freq: float, gain: float) -> None:
    out = smooth_motion(_wave(freq))
    inner = slice(10, -10)  # away from the repeated ends
    ratio = np.abs(out[inner]).max() / np.abs(_wave(freq)[inner]).max()
    assert ratio == pytest.approx(gain, abs=0.01)


def test_the_nyquist_shiver_is_removed_and_a_straight_line_kept() -> None:
    shiver = np.where(np.arange(40) % 2 == 0, 0.003, -0.003)[:, None]
    assert np.abs(smooth_motion(shiver)[1:-1]).max() < 1e-12
    line = np.linspace(0.0, 2.0, 40)[:, None, None] * np.ones((1, 22, 3))
    np.testing.assert_allclose(smooth_motion(line), line, atol=1e-12)  # the ends too


def test_the_first_and_last_frames_are_kept() -> None:
    x = np.random.default_rng(2).normal(size=(30, 2, 22, 3))
    out = smooth_motion(x)
    np.testing.assert_allclose(out[[0, -1]], x[[0, -1]], atol=1e-12)
    assert not np.allclose(out[1:-1], x[1:-1])


def test_patch_seams_stop_adding_jerk_and_the_dtype_and_shape_stay() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(120) / FPS
    walk = np.zeros((120, 1, 22, 3), dtype=np.float32)
    walk[..., 2] = (1.2 * t)[:, None, None]  # travel
    walk[..., 1] = 0.9 + 0.05 * np.sin(2 * np.pi * 1.8 * t)[:, None, None]
    seams = np.repeat(rng.normal(0, 0.004, (30, 1, 22, 3)), 4, axis=0).astype(np.float32)  # a step per patch
    noisy = walk + seams
    out = smooth_motion(noisy)
    assert out.shape == noisy.shape and out.dtype == np.float32
    before, after = (float(jitter(Tracks.from_clip(m, FPS)).mean()) for m in (noisy, out))
    assert after < 0.5 * before


def test_with_patches_only_the_seam_frames_are_filtered() -> None:
    """`patch_frames`: the two frames at each seam take the filter's value, the frames inside a patch stay
    as decoded, so a step per patch is smoothed as before while a foot down for two frames inside a patch
    keeps its contact (the full filter turns it into a V)."""
    rng = np.random.default_rng(3)
    x = np.repeat(rng.normal(0, 0.01, (10, 2, 3)), 4, axis=0)  # (40, 2, 3): a step at every seam
    full, seams = smooth_motion(x), smooth_motion(x, patch_frames=4)
    t = np.arange(40)
    at_seam = (t % 4 == 3) | ((t % 4 == 0) & (t > 0))
    np.testing.assert_array_equal(seams[~at_seam], x[~at_seam])
    np.testing.assert_allclose(seams[at_seam], full[at_seam])
    toe = np.full(16, 0.2)
    toe[5:7] = 0.0  # down for two frames, inside the second patch (frames 4-7)
    assert smooth_motion(toe, patch_frames=4)[5:7].tolist() == [0.0, 0.0]
    assert smooth_motion(toe)[5:7].min() > 0.04
    with pytest.raises(ValueError, match="patch_frames"):
        smooth_motion(x, patch_frames=0)


def test_weights_outside_the_stable_range_are_refused_and_zero_is_identity() -> None:
    x = np.random.default_rng(1).normal(size=(10, 3))
    assert np.array_equal(smooth_motion(x, 0.0), x)
    assert np.array_equal(smooth_motion(x[:1]), x[:1])
    for bad in (-0.1, 0.3):
        with pytest.raises(ValueError, match="smoothing weight"):
            smooth_motion(x, bad)
    assert SMOOTH_WEIGHT == 0.25


def _codes(expressions: list[int], frames_each: int) -> np.ndarray:
    """(T, 1, FACE_FEATURES) face features whose expression code is +1 on the given (0-based, known)
    expression in turn, `frames_each` frames each, -1 elsewhere; the other features random."""
    rng = np.random.default_rng(0)
    t = len(expressions) * frames_each
    face = rng.uniform(-1, 1, size=(t, 1, FACE_FEATURES)).astype(np.float32)
    code = -np.ones((t, EXPRESSION.stop - EXPRESSION.start), np.float32)
    for i, e in enumerate(expressions):
        code[i * frames_each : (i + 1) * frames_each, e] = 1.0
    face[:, 0, EXPRESSION] = code
    return face


def test_a_flickering_expression_is_steadied_and_a_lasting_change_kept() -> None:
    """Happy and angry in turns of 4 frames, happy twice as often, decode happy in every frame; sad for
    2 s then happy for 2 s keeps its change within a few frames of where it was; every other face
    feature is as generated."""
    happy, angry, sad = (EXPRESSION_INDEX[e] - 1 for e in ("happy", "angry", "sad"))
    flicker = _codes([happy, happy, angry] * 8, 4)
    steady = steady_expression(flicker, FPS)
    decoded = face_from_features(steady, FPS, np.random.default_rng(0)).expression[:, 0]
    assert (decoded == happy + 1).all()
    assert (
        face_from_features(flicker, FPS, np.random.default_rng(0)).expression[:, 0] == angry + 1
    ).sum() == 32
    change = _codes([sad, happy], 40)
    decoded = face_from_features(steady_expression(change, FPS), FPS, np.random.default_rng(0)).expression[
        :, 0
    ]
    assert (decoded[:38] == sad + 1).all() and (decoded[42:] == happy + 1).all()
    others = [i for i in range(FACE_FEATURES) if not EXPRESSION.start <= i < EXPRESSION.stop]
    np.testing.assert_array_equal(steady_expression(change, FPS)[..., others], change[..., others])
    with pytest.raises(ValueError, match="face features must be"):
        steady_expression(change[:, 0], FPS)
