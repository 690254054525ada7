"""A timeline judged span by span: does each span do what its text says, and are its transitions as
smooth as the motion inside the spans (issue #20)?

Each span's frames are checked by the behaviour check of the action its text names
(`stickgen.core.vocab.infer_action`, the side from the words "left" / "right") and, given a recogniser, named
by the evaluator. Transitions: the project's physical measures (`stickgen.evaluate.metrics.physical_measures`:
foot skating ratio and jerk, the evaluation report's median reversing jerk) and the peak jerk (the fastest
joint's largest jerk, which a jump in position shows and a median hides) over a window of
`2 x TRANSITION_S` around each span boundary, against the same measures over windows of the same length
tiled inside the spans, away from every boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stickgen.core.laterality import LEFT, RIGHT, caption_side
from stickgen.core.vocab import infer_action
from stickgen.evaluate.behaviour import CHECKS, check
from stickgen.evaluate.behaviour_suite import Recogniser, action_names
from stickgen.evaluate.metrics import physical_measures

TRANSITION_S = 0.5  # half the length of a window around a boundary (and of the windows inside spans)
MEASURES = {"foot_skating_ratio": "foot_skating", "jerk": "jitter"}  # reported name -> physical measure


def _span_frames(spans: Sequence[dict], frames: int) -> list[tuple[int, int]]:
    out = [(int(s["frames"][0]), int(s["frames"][1])) for s in spans]
    for i, (a, b) in enumerate(out):
        if not 0 <= a < b <= frames or (i and a != out[i - 1][1]):
            raise ValueError(f"span {i + 1} frames [{a}, {b}) do not tile a motion of {frames} frames")
    return out


def span_checks(
    joints: np.ndarray, fps: float, spans: Sequence[dict], recognise: Recogniser | None = None
) -> list[dict]:
    """Per span (`{"text", "frames": [first, end)}`, as `Motion.meta["timeline"]`): its action, whether
    the action's behaviour check passes on the span's frames (None for an action without a check) with
    the check's reason, and the action the recogniser names (None without one)."""
    bounds = _span_frames(spans, joints.shape[0])
    rows = []
    for s, (a, b) in zip(spans, bounds, strict=True):
        action = infer_action([s["text"]])
        side = {LEFT: "left", RIGHT: "right"}.get(caption_side(s["text"]))
        verdict = check(action, joints[a:b], fps, side) if action in CHECKS else None
        rows.append(
            {
                "text": s["text"],
                "frames": [a, b],
                "action": action,
                "passed": None if verdict is None else verdict.passed,
                "reason": "no behaviour check for this action" if verdict is None else verdict.reason,
                "recognised": None,
            }
        )
    if recognise is not None:
        named = action_names(recognise([joints[a:b] for a, b in bounds], fps), len(rows))
        for row, n in zip(rows, named, strict=True):
            row["recognised"] = n
    return rows


def transition_windows(
    bounds: Sequence[tuple[int, int]], fps: float
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(windows around each boundary between spans, windows of the same length tiled inside the spans
    at least half a window from every boundary), as frame ranges [a, b)."""
    h = max(2, int(round(TRANSITION_S * fps)))
    frames = bounds[-1][1]
    around = [(max(0, b - h), min(frames, b + h)) for _, b in bounds[:-1]]
    inside = []
    for i, (a, b) in enumerate(bounds):
        start = a + (h if i else 0)
        stop = b - (h if i < len(bounds) - 1 else 0)
        inside += [(s, s + 2 * h) for s in range(start, stop - 2 * h + 1, 2 * h)]
    return around, inside


def peak_jerk(joints: np.ndarray, fps: float) -> float:
    """The largest jerk (m/s^3) of any joint of any actor in a clip (T, A, 22, 3): |3rd difference| fps^3."""
    if joints.shape[0] < 4:
        return 0.0
    return float(np.linalg.norm(np.diff(joints, n=3, axis=0), axis=-1).max() * fps**3)


def transition_report(joints: np.ndarray, fps: float, spans: Sequence[dict]) -> dict:
    """Mean foot skating ratio, jerk and peak jerk over the windows around the boundaries (`transition`)
    and inside the spans (`inside`), and their ratio (transition / inside; None where inside is 0 or
    there are no windows of a kind)."""
    around, inside = transition_windows(_span_frames(spans, joints.shape[0]), fps)

    def means(windows: list[tuple[int, int]]) -> dict[str, float | None]:
        if not windows:
            return dict.fromkeys([*MEASURES, "peak_jerk"])
        clips = [np.asarray(joints[a:b], dtype=np.float64) for a, b in windows]
        raw = physical_measures(clips, fps)
        out = {name: float(raw[key].mean()) for name, key in MEASURES.items()}
        out["peak_jerk"] = float(np.mean([peak_jerk(c, fps) for c in clips]))
        return out

    t, i = means(around), means(inside)
    ratio = {
        k: None if t[k] is None or not i[k] else round(t[k] / i[k], 4)  # type: ignore[operator]
        for k in t
    }
    return {
        "windows": {"transition": len(around), "inside": len(inside)},
        "transition": t,
        "inside": i,
        "ratio": ratio,
    }
