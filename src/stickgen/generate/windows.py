"""How a directed motion is cut into windows of the model's frames (`stickgen.generate.directed`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from stickgen.generate.inpaint import FADE_FRAMES
from stickgen.generate.timeline import MAX_SECONDS


@dataclass(frozen=True)
class Directing:
    """How a directed motion is cut into windows.

    Args:
        overlap_s: seconds a window of the same text shares with the motion before it (kept exactly).
        transition_s: seconds of the span before that a timeline span's first window starts with (kept).
        fade_frames: frames over which a kept block's residual fades into the generated frames.
        max_seconds: the longest motion accepted.
    """

    overlap_s: float = 2.0
    transition_s: float = 1.0
    fade_frames: int = FADE_FRAMES
    max_seconds: float = MAX_SECONDS

    def __post_init__(self) -> None:
        for key in ("overlap_s", "transition_s", "max_seconds"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ValueError(f"Directing.{key} must be a finite number > 0, got {v!r}")
        fade = self.fade_frames
        if isinstance(fade, bool) or not isinstance(fade, int) or fade < 0:
            raise ValueError(f"Directing.fade_frames must be an integer >= 0, got {fade!r}")


@dataclass(frozen=True)
class Window:
    """Frames [start, end) generated with span `span`'s text, the first `kept` of them kept from before."""

    start: int
    end: int
    kept: int
    span: int


def plan_windows(
    spans: Sequence[tuple[int, int]], max_frames: int, overlap: int, transition: int
) -> list[Window]:
    """The windows that generate `spans` (frame ranges tiling [spans[0][0], end)) in order.

    Frames before `spans[0][0]` are given (a prefix). A window holds at most `max_frames` frames; it
    starts `overlap` frames (`transition` at a span's start after the first span) before the frames made
    so far end, at most all of them, and always makes at least one new frame.
    """
    if not 1 <= overlap < max_frames or not 1 <= transition < max_frames:
        raise ValueError(
            f"overlap ({overlap}) and transition ({transition}) frames must be in 1..{max_frames - 1}, "
            f"under the model's window of {max_frames} frames"
        )
    out: list[Window] = []
    for k, (a, b) in enumerate(spans):
        done = a
        while done < b:
            context = min(transition if (k > 0 and done == a) else overlap, done)
            start = done - context
            end = min(b, start + max_frames)
            out.append(Window(start, end, context, k))
            done = end
    return out
