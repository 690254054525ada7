"""Contracts of the per-span judgement of timelines (stickgen.evaluate.spans): a span is checked by the
behaviour check of the action its text names, on its own frames; the transitions are compared with the
motion inside the spans by the project's physical measures."""

from __future__ import annotations

import numpy as np
import pytest
from motions import FPS, animated

from stickgen.core.vocab import ACTION_INDEX
from stickgen.evaluate.spans import span_checks, transition_report, transition_windows


def _timeline(parts: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, list[dict]]:
    """The clips one after another (each as it was made: where a clip starts elsewhere, the figure jumps)
    and their spans."""
    spans, start = [], 0
    for text, j in parts:
        spans.append({"text": text, "frames": [start, start + len(j)]})
        start += len(j)
    return np.concatenate([j for _, j in parts]), spans


def test_each_span_is_checked_as_the_action_its_text_names_on_its_own_frames() -> None:
    walk, jump, idle = animated("walk", 0)[0], animated("jump", 1)[0], animated("idle", 2)[0]
    wave, side = animated("wave", 3)
    side = "right" if side == "both" else side
    joints, spans = _timeline(
        [
            ("a person walks forward", walk),
            ("then jumps", jump),
            (f"waves with the {side} hand", wave),
            ("a person jumps up high", idle),  # a still figure where the text asks for a jump
            ("a person ponders", idle),
        ]
    )
    calls = []

    def recognise(motions: list[np.ndarray], fps: float) -> np.ndarray:
        calls.append(([len(m) for m in motions], fps))
        return np.array([ACTION_INDEX[a] for a in ("walk", "jump", "wave", "idle", "idle")])

    rows = span_checks(joints, FPS, spans, recognise)
    assert [r["action"] for r in rows] == ["walk", "jump", "wave", "jump", "unknown"]
    assert [r["passed"] for r in rows] == [True, True, True, False, None], [r["reason"] for r in rows]
    assert rows[4]["reason"] == "no behaviour check for this action"
    assert [r["recognised"] for r in rows] == ["walk", "jump", "wave", "idle", "idle"]
    assert calls == [([len(walk), len(jump), len(wave), len(idle), len(idle)], FPS)]
    assert span_checks(joints, FPS, spans)[0]["recognised"] is None


def test_the_named_side_is_the_one_checked() -> None:
    wave, side = animated("wave", 3)
    if side not in ("left", "right"):
        pytest.skip("this seed's wave uses both hands")
    other = "left" if side == "right" else "right"
    rows = span_checks(wave, FPS, [{"text": f"waves the {other} hand", "frames": [0, len(wave)]}])
    assert rows[0]["passed"] is False


def test_windows_sit_around_each_boundary_and_inside_away_from_them() -> None:
    around, inside = transition_windows([(0, 60), (60, 100), (100, 180)], 20.0)
    assert around == [(50, 70), (90, 110)]
    assert inside == [(0, 20), (20, 40), (70, 90), (110, 130), (130, 150), (150, 170)]
    for a, b in inside:
        assert all(b <= x - 10 or a >= x + 10 for x in (60, 100))


def test_a_continuous_motion_has_smooth_transitions_and_glued_clips_do_not() -> None:
    """One walk cut into three spans: its transitions are like its inside (ratios near 1). Three clips
    glued together, each starting where it was made: the boundaries jump, their jerk is many times the
    inside's."""
    walk = animated("walk", 4, seconds=9.0)[0]
    n = len(walk) // 3
    cut = transition_report(
        walk, FPS, [{"text": "", "frames": [a, b]} for a, b in ((0, n), (n, 2 * n), (2 * n, len(walk)))]
    )
    assert cut["windows"]["transition"] == 2 and cut["windows"]["inside"] >= 3
    assert 0.5 <= cut["ratio"]["jerk"] <= 2.0 and 0.5 <= cut["ratio"]["peak_jerk"] <= 2.0, cut
    joints, spans = _timeline([("", animated(a, 5)[0]) for a in ("walk", "dance", "run")])
    glued = transition_report(joints, FPS, spans)
    assert glued["ratio"]["peak_jerk"] > 3.0, glued


def test_spans_that_do_not_tile_the_motion_are_refused() -> None:
    walk = animated("walk", 0)[0]
    with pytest.raises(ValueError, match=r"span 2 frames \[5, 9\) do not tile a motion"):
        span_checks(walk, FPS, [{"text": "walks", "frames": [0, 4]}, {"text": "walks", "frames": [5, 9]}])
    with pytest.raises(ValueError, match="span 1"):
        transition_report(walk, FPS, [{"text": "walks", "frames": [0, len(walk) + 1]}])
