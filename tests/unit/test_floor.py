"""Nothing under the floor: a sinking figure is lifted back onto it, gently, and nothing else moves."""

from __future__ import annotations

import numpy as np
import pytest

from stickgen.generate.floor import WINDOW_S, floor_lift, onto_floor
from stickgen.synthetic.generated import STANDING

FPS = 20.0


def sinking(frames: int = 80, start: int = 40, depth: float = 0.15) -> np.ndarray:
    """The standing adult (lowest joint on y = 0) for `start` frames, then sinking steadily by `depth`
    metres by the last frame, and a second actor standing 1 m aside the whole time: (T, 2, 22, 3)."""
    pair = np.stack([STANDING, STANDING + [1.0, 0.0, 0.0]]).astype(np.float32)
    clip = np.repeat(pair[None], frames, axis=0)
    clip[start:, 0, :, 1] -= np.linspace(0.0, depth, frames - start)[:, None]
    return clip


def test_a_sinking_figure_ends_on_the_floor_and_the_frames_far_from_it_stay() -> None:
    clip = sinking()
    out = onto_floor(clip, FPS)
    assert out.shape == clip.shape and out.dtype == clip.dtype
    assert out[..., 1].min() >= -1e-6  # no joint under the floor
    lift = out[..., 1] - clip[..., 1]  # (T, A, 22): the whole body moves together
    np.testing.assert_allclose(lift, lift[..., :1].repeat(22, axis=-1), atol=1e-6)
    np.testing.assert_array_equal(out[..., [0, 2]], clip[..., [0, 2]])  # heights only
    np.testing.assert_array_equal(out[:, 1], clip[:, 1])  # the actor that stands stays
    w = round(WINDOW_S * FPS)
    np.testing.assert_array_equal(out[: 40 - 2 * w, 0], clip[: 40 - 2 * w, 0])  # far from the sink


def test_the_lift_changes_gently() -> None:
    """Mean over +-w frames of a maximum: a frame's lift differs from the next by at most the deepest sink
    over 2w + 1, where lifting each frame by its own sink would follow every wobble of the feet."""
    clip = sinking()
    wobble = 0.03 * np.sin(np.arange(80) * 2.1)  # a foot dipping in and out of the floor
    clip[:, 0, :, 1] += np.where(np.arange(80) < 40, 0.0, wobble)[:, None]
    lift = floor_lift(clip, FPS)[:, 0]
    sink = np.maximum(-clip[:, 0, :, 1].min(axis=1), 0.0)
    assert (lift >= sink - 1e-9).all()
    w = round(WINDOW_S * FPS)
    assert np.abs(np.diff(lift)).max() <= sink.max() / (2 * w + 1) + 1e-9


def test_a_jump_keeps_its_flight_and_a_clip_on_the_floor_is_unchanged() -> None:
    clip = sinking(depth=0.0)
    clip[30:40, 0, :, 1] += np.sin(np.linspace(0, np.pi, 10))[:, None] * 0.3  # off the floor and back
    np.testing.assert_array_equal(onto_floor(clip, FPS), clip)


def test_shapes() -> None:
    assert onto_floor(np.zeros((0, 1, 22, 3), np.float32), FPS).shape == (0, 1, 22, 3)
    with pytest.raises(ValueError, match="onto_floor needs"):
        onto_floor(np.zeros((5, 22, 3)), FPS)
