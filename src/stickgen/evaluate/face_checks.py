"""Faces in the evaluation: pure measures of face tracks, the face metrics of a report, and the face
checks of the behaviour suite for the speech and emotion actions (docs/metrics.md, "Faces").

Measures (`stickgen.core.face.FaceTrack`, frames without a face ignored):

    speaking_share    the share of frames in which any actor speaks
    mouth_when_speaking  mean mouth openness over speaking frames
    mouth_rate_hz     mouth-opening cycles per second (`stickgen.core.face.mouth_cycles`: peaks of the
                      openness smoothed over 3 frames that rise >= CYCLE_RISE above the lowest openness
                      within CYCLE_WINDOW_S before them); a syllable, a sung vowel or a "ha" is one cycle
    expression_share  the share of frames showing an expression

Report metrics over test clips that have faces (synthetic ones), each generated from its own caption:
`face_expression_accuracy` (the generated clip's dominant expression is the real clip's),
`face_speaking_f1` (frame-level F1 of speaking, generated against real), `face_mouth_rate_error_hz`
(mean |generated - real| mouth_rate_hz over the real clips that speak), `face_clips` and
`face_speaking_clips` (how many clips, and how many of them speak: the last two metrics rest on those).

Behaviour face checks (`FACE_CHECKS`; thresholds pass every synthetic clip of the action with a margin,
tests/unit/test_face_checks.py). The body check of these actions (registered in
`stickgen.evaluate.behaviour.CHECKS`) is idle's: upright and staying in place; the suite passes a motion
when both its body and its face checks pass.

    talk     someone speaks in >= 50% of the frames, with the mouth open 0.07-0.4 on average while
             speaking; with two actors, each speaks in >= 5% of the frames (they take turns)
    whisper  speaking in >= 50% of the frames, the mouth open <= 0.07 on average while speaking
    shout    speaking in >= 50% of the frames, the mouth open >= 0.35 on average while speaking
    sing     speaking in >= 50% of the frames, the mouth open >= 0.3 while speaking, <= 2.5 cycles/s
    laugh    happy in >= 60% of the frames, the mouth open > 0.3 in >= 45% of them
    cry      sad in >= 60% of the frames, speaking in <= 20%
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from stickgen.core.face import EXPRESSION_INDEX, FaceTrack, mouth_cycles
from stickgen.evaluate.behaviour import Check, idle, register

SPEAKING_SHARE = 0.5
TURN_SHARE = 0.05
TALK_MOUTH = (0.07, 0.4)
WHISPER_MOUTH = 0.07
SHOUT_MOUTH = 0.35
SING_MOUTH = 0.3
SING_MAX_HZ = 2.5
EMOTION_SHARE = 0.6
LAUGH_OPEN, LAUGH_OPEN_SHARE = 0.3, 0.45
CRY_MAX_SPEAKING = 0.2


def _known(face: FaceTrack) -> np.ndarray:
    return face.known.any(axis=1)  # (T,) frames where some actor has a face


def speaking_share(face: FaceTrack) -> float:
    k = _known(face)
    return float((face.speaking & face.known).any(axis=1)[k].mean()) if k.any() else 0.0


def mouth_when_speaking(face: FaceTrack) -> float:
    s = face.speaking & face.known
    return float(np.asarray(face.mouth_open)[s].mean()) if s.any() else 0.0


def mouth_rate_hz(mouth: np.ndarray, fps: float) -> float:
    """Mouth-opening cycles per second of one actor's openness (T,) (module docstring)."""
    x = np.asarray(mouth)
    return mouth_cycles(x, fps).size / (x.size / fps) if x.size else 0.0


def expression_share(face: FaceTrack, expression: str) -> float:
    k = face.known
    return float((np.asarray(face.expression)[k] == EXPRESSION_INDEX[expression]).mean()) if k.any() else 0.0


def dominant_expression(face: FaceTrack) -> int:
    """The expression id shown in most frames with a face (0 when there is none)."""
    ids = np.asarray(face.expression)[face.known]
    return int(np.bincount(ids, minlength=8).argmax()) if ids.size else 0


def _verdict(passed: bool, required: str, measures: dict[str, float]) -> Check:
    shown = ", ".join(f"{k} {v:.2f}" for k, v in measures.items())
    return Check(passed, f"{'passed' if passed else 'failed'}: {required} ({shown})", measures)


def _speech(face: FaceTrack, fps: float) -> dict[str, float]:
    return {
        "speaking_share": speaking_share(face),
        "mouth_when_speaking": mouth_when_speaking(face),
        "mouth_rate_hz": mouth_rate_hz(np.asarray(face.mouth_open)[:, 0], fps),
    }


def talk(face: FaceTrack, fps: float) -> Check:
    m = _speech(face, fps)
    turns = [float(face.speaking[:, a].mean()) for a in range(face.shape[1])]
    m["least_speaking_actor_share"] = min(turns)
    ok = m["speaking_share"] >= SPEAKING_SHARE and TALK_MOUTH[0] <= m["mouth_when_speaking"] <= TALK_MOUTH[1]
    ok = ok and (face.shape[1] == 1 or m["least_speaking_actor_share"] >= TURN_SHARE)
    lo, hi = TALK_MOUTH
    return _verdict(ok, f"speaking >= {SPEAKING_SHARE:.0%}, mouth {lo}-{hi} while speaking, every actor", m)


def whisper(face: FaceTrack, fps: float) -> Check:
    m = _speech(face, fps)
    ok = m["speaking_share"] >= SPEAKING_SHARE and m["mouth_when_speaking"] <= WHISPER_MOUTH
    return _verdict(ok, f"speaking >= {SPEAKING_SHARE:.0%}, mouth <= {WHISPER_MOUTH} while speaking", m)


def shout(face: FaceTrack, fps: float) -> Check:
    m = _speech(face, fps)
    ok = m["speaking_share"] >= SPEAKING_SHARE and m["mouth_when_speaking"] >= SHOUT_MOUTH
    return _verdict(ok, f"speaking >= {SPEAKING_SHARE:.0%}, mouth >= {SHOUT_MOUTH} while speaking", m)


def sing(face: FaceTrack, fps: float) -> Check:
    m = _speech(face, fps)
    ok = m["speaking_share"] >= SPEAKING_SHARE and m["mouth_when_speaking"] >= SING_MOUTH
    ok = ok and m["mouth_rate_hz"] <= SING_MAX_HZ
    required = f"speaking >= {SPEAKING_SHARE:.0%}, mouth >= {SING_MOUTH}, <= {SING_MAX_HZ} cycles/s"
    return _verdict(ok, required, m)


def laugh(face: FaceTrack, fps: float) -> Check:
    k = face.known
    open_share = float((np.asarray(face.mouth_open)[k] > LAUGH_OPEN).mean()) if k.any() else 0.0
    m = {"happy_share": expression_share(face, "happy"), "open_mouth_share": open_share}
    ok = m["happy_share"] >= EMOTION_SHARE and open_share >= LAUGH_OPEN_SHARE
    return _verdict(ok, f"happy >= {EMOTION_SHARE:.0%}, mouth > {LAUGH_OPEN} >= {LAUGH_OPEN_SHARE:.0%}", m)


def cry(face: FaceTrack, fps: float) -> Check:
    m = {"sad_share": expression_share(face, "sad"), "speaking_share": speaking_share(face)}
    ok = m["sad_share"] >= EMOTION_SHARE and m["speaking_share"] <= CRY_MAX_SPEAKING
    return _verdict(ok, f"sad >= {EMOTION_SHARE:.0%}, speaking <= {CRY_MAX_SPEAKING:.0%}", m)


FaceCheckFn = Callable[[FaceTrack, float], Check]
FACE_CHECKS: dict[str, FaceCheckFn] = {
    "talk": talk,
    "whisper": whisper,
    "shout": shout,
    "sing": sing,
    "laugh": laugh,
    "cry": cry,
}


def face_check(action: str, face: FaceTrack | None, fps: float) -> Check | None:
    """The face check of `action` (None: the action has none); a motion without a face fails it."""
    fn = FACE_CHECKS.get(action)
    if fn is None:
        return None
    if face is None or not face.known.any():
        return Check(False, f"failed: [{action}] is judged on the face, and the motion has none")
    return fn(face, fps)


def face_metrics(pairs: Sequence[tuple[FaceTrack, FaceTrack]], fps: float) -> dict[str, float | int | None]:
    """The report's face metrics of (generated, real) face tracks of the same clips (module docstring)."""
    if not pairs:
        return {"face_clips": 0, "face_speaking_clips": 0, "face_expression_accuracy": None,
                "face_speaking_f1": None, "face_mouth_rate_error_hz": None}  # fmt: skip
    same = [dominant_expression(g) == dominant_expression(r) for g, r in pairs]
    tp = fp = fn = 0
    errors = []
    for g, r in pairs:
        k = r.known
        gs, rs = np.asarray(g.speaking)[k], np.asarray(r.speaking)[k]
        tp, fp, fn = tp + int((gs & rs).sum()), fp + int((gs & ~rs).sum()), fn + int((~gs & rs).sum())
        if rs.any():
            rate = [mouth_rate_hz(np.asarray(x.mouth_open)[:, 0], fps) for x in (g, r)]
            errors.append(abs(rate[0] - rate[1]))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {
        "face_clips": len(pairs),
        "face_speaking_clips": len(errors),
        "face_expression_accuracy": float(np.mean(same)),
        "face_speaking_f1": None if f1 is None else float(f1),
        "face_mouth_rate_error_hz": float(np.mean(errors)) if errors else None,
    }


register(dict.fromkeys(FACE_CHECKS, idle))  # their bodies stand and stay: the face says what they do
