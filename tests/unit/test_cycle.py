"""A clip played for a generation's length (stickgen.model.cycle): a template that outlasts its clip plays
on by the clip's last cycle where it ends repeating itself, travelling on at its pace, and any other clip is
held at its last frame; a clip longer than its template plays from its start unless that is much stiller
than its most active window."""

from __future__ import annotations

import numpy as np
import torch
from trainkit import caption_vector

from stickgen.core.features import ROOT_XZ, STATE_FEATURES
from stickgen.model.cycle import KEEP_START, MIN_PERIOD, active_start, continued, last_cycle
from stickgen.model.memory import MotionMemory

POSE = 7  # a pose feature (not the root's floor position)


def _gait(frames: int, period: int, actors: int = 1, speed: float = 0.1) -> torch.Tensor:
    """A clip travelling along x at `speed` per frame while a pose feature swings with `period` frames;
    a second actor travels along z twice as fast."""
    t = torch.arange(frames, dtype=torch.float32)
    clip = torch.zeros(frames, actors, STATE_FEATURES)
    clip[:, 0, ROOT_XZ[0]] = speed * t
    clip[:, :, POSE] = torch.sin(2 * torch.pi * t / period)[:, None]
    clip[:, :, POSE + 1] = torch.cos(2 * torch.pi * t / period)[:, None]
    if actors > 1:
        clip[:, 1, ROOT_XZ[1]] = 2 * speed * t
    return clip


def test_a_repeating_clip_plays_on_by_its_cycle_and_keeps_travelling() -> None:
    clip = _gait(37, period=8, actors=2)
    assert last_cycle(clip) == 8
    out = continued(clip, 90)
    assert out.shape == (90, 2, STATE_FEATURES)
    assert torch.equal(out[:37], clip)  # the clip itself is untouched
    longer = _gait(90, period=8, actors=2)  # what the gait would have done had it been recorded longer
    torch.testing.assert_close(out, longer, atol=1e-4, rtol=0)
    steps = out[1:, :, list(ROOT_XZ)] - out[:-1, :, list(ROOT_XZ)]
    torch.testing.assert_close(steps[:, 0, 0], torch.full((89,), 0.1), atol=1e-4, rtol=0)  # no seam
    torch.testing.assert_close(steps[:, 1, 1], torch.full((89,), 0.2), atol=1e-4, rtol=0)


def test_a_clip_whose_end_does_not_repeat_is_held() -> None:
    """A sit-down: the pose changes once, then the clip ends. Nothing earlier matches its end, so the
    template holds the last frame (and the clip is returned as it is)."""
    t = torch.arange(30, dtype=torch.float32)
    clip = torch.zeros(30, 1, STATE_FEATURES)
    clip[:, 0, POSE] = t / 29  # lowers steadily to the seat
    clip[:, 0, ROOT_XZ[0]] = 0.05 * t
    assert last_cycle(clip) is None
    assert continued(clip, 80) is clip
    # a jump: still, one burst of motion, still again: the two still ends match each other, but the cycle
    # between them (the jump) is not repeated before it, so it is not jumped again
    jump = torch.zeros(40, 1, STATE_FEATURES)
    jump[15:25, 0, POSE] = torch.sin(torch.pi * torch.arange(10) / 9)
    out = continued(jump, 100)
    assert not out[40:, 0, POSE].abs().gt(1e-6).any()


def test_short_still_or_long_enough_clips_are_returned_as_they_are() -> None:
    short = _gait(2 * MIN_PERIOD - 1, period=4)
    assert last_cycle(short) is None and continued(short, 50) is short
    still = torch.ones(30, 1, STATE_FEATURES)
    assert last_cycle(still) is None and continued(still, 50) is still
    clip = _gait(40, period=8)
    assert continued(clip, 40) is clip and continued(clip, 10) is clip


def test_a_generation_template_longer_than_its_clip_walks_on() -> None:
    """Through the memory: the template of a 4-s walk asked for 10 s keeps walking at the clip's pace
    instead of standing for the last 6 s."""
    memory = MotionMemory(8)
    clip = _gait(40, period=10).numpy()
    memory.fill(torch.from_numpy(np.stack([caption_vector("walk", 8)])), [clip], ["g"], np.zeros(2), None)
    out, valid = memory.template(0, 100, 1)
    assert valid.all()
    steps = np.diff(out[:, 0, ROOT_XZ[0]].numpy())
    np.testing.assert_allclose(steps, 0.1, atol=2e-3)  # float16 memory
    swing = out[60:, 0, POSE].numpy()
    assert swing.max() > 0.9 and swing.min() < -0.9  # still swinging at the end


def _bursts(frames: int, *bursts: tuple[int, int, float]) -> torch.Tensor:
    """A two-actor clip standing still but for bursts (start, frames, amplitude) of a pose feature."""
    clip = torch.zeros(frames, 2, STATE_FEATURES)
    for start, n, amplitude in bursts:
        clip[start : start + n, :, POSE] = (
            amplitude * torch.sin(torch.pi * torch.arange(n) / (n - 1))[:, None]
        )
    return clip


def test_a_longer_clip_plays_its_most_active_window_where_its_start_is_much_stiller() -> None:
    """A handshake's clip stands for 60 frames, the hands meet over 30, then it stands again: a 40-frame
    template plays the meeting (from its start it showed two people standing); through the memory too,
    and with a continuation's kept frames holding the window's first frame."""
    clip = _bursts(150, (60, 30, 1.0))
    start = active_start(clip, 40)
    assert 51 <= start <= 60  # the whole burst inside the window (the earliest such start)
    memory = MotionMemory(8)
    memory.fill(torch.from_numpy(caption_vector("shake", 8)[None]), [clip.numpy()], ["g"], np.zeros(2), None)
    out, valid = memory.template(0, 40, 2)
    assert valid.all() and out[:, 0, POSE].max() > 0.99
    torch.testing.assert_close(out[:, :, POSE], clip[start : start + 40, :, POSE], atol=1e-3, rtol=0)
    waiting, _ = memory.template(0, 50, 2, lead_in=10)  # 40 generated frames: the same window, held first
    torch.testing.assert_close(waiting[10:, :, POSE], out[:, :, POSE])
    assert not waiting[:10, :, POSE].any()


def test_a_clip_plays_from_its_start_where_that_moves_enough_or_the_clip_is_not_longer() -> None:
    gait = _gait(150, period=10)
    assert active_start(gait, 40) == 0  # a gait moves alike in every window
    lively = (1.05 * KEEP_START, 0.95 * KEEP_START)  # the start's burst against the later one's
    assert active_start(_bursts(150, (0, 30, lively[0]), (60, 30, 1.0)), 40) == 0
    assert active_start(_bursts(150, (0, 30, lively[1]), (60, 30, 1.0)), 40) > 0
    clip = _bursts(60, (30, 20, 1.0))
    assert active_start(clip, 60) == active_start(clip, 90) == active_start(clip, 1) == 0
