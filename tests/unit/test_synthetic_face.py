"""Contracts of the synthetic face animator (stickgen.synthetic.face): every take has a face that matches
its frames and actors, speech actions move the mouth at their own rates and openings, captions that name
an emotion agree with the face, and expression changes ease the mouth instead of jumping."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from stickgen.core.config import SynthesizeConfig
from stickgen.core.face import EXPRESSION_INDEX, EYE_INDEX, FaceTrack
from stickgen.core.rig import make_body
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic import SyntheticTake, generate_takes
from stickgen.synthetic.actions import generate_action
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.face import take_face
from stickgen.synthetic.motion import place
from stickgen.synthetic.speech import posture
from stickgen.synthetic.speech_captions import EMOTION_WORDS

SMALL = SynthesizeConfig(clips=80, min_s=2.5, max_s=6.0, two_actor_fraction=0.25, chain_fraction=0.3)
FPS = 20.0


@pytest.fixture(scope="module")
def takes() -> list[SyntheticTake]:
    return generate_takes(80, SMALL, FPS, seed=7)


def _solo_face(action: str, seed: int, seconds: float = 5.0, fps: float = 30.0) -> FaceTrack:
    """The face of one actor doing `action` alone, animated from the action's own facts."""
    rng = np.random.default_rng([seed, 19])
    frames = int(seconds * fps)
    motion = generate_action(action, rng, ActionContext(make_body(rng), frames, fps))
    return take_face(rng, frames, fps, [[(action, 0, frames, motion.info)]], None)


def _peaks_per_s(mouth: np.ndarray, mask: np.ndarray, fps: float) -> float:
    """Local maxima of mouth openness (above 0.02) per second of the masked frames."""
    m = mouth
    peak = np.zeros_like(mask)
    peak[1:-1] = (m[1:-1] > m[:-2]) & (m[1:-1] >= m[2:]) & (m[1:-1] > 0.02)
    return float((peak & mask).sum() / (mask.sum() / fps))


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "


def _speech_stats(action: str) -> tuple[float, float]:
    """Mean openness and mouth-peak rate over the speaking frames of several takes of `action`."""
    opens, rates = [], []
    for seed in range(8):
        face = _solo_face(action, seed)
        speaking = face.speaking[:, 0]
        assert speaking.mean() > 0.6, (action, seed, speaking.mean())
        opens.append(float(face.mouth_open[speaking, 0].mean()))
        rates.append(_peaks_per_s(face.mouth_open[:, 0], speaking, 30.0))
    return float(np.mean(opens)), float(np.mean(rates))


# --- every take -----------------------------------------------------------------------------------------


def test_every_take_has_a_valid_face_for_each_actor(takes: list[SyntheticTake]) -> None:
    for t in takes:
        assert t.face is not None, t.index
        t.face.validate(t.frames, t.actors, f"take {t.index}")
        assert t.face.known.all(), t.index
        assert t.face.encode().shape == (t.frames * t.actors, 4)
    pairs = [t for t in takes if t.meta["kind"] == "pair"]
    assert pairs and all(t.face.shape == (t.frames, 2) for t in pairs)
    # each actor has its own face: their blinks differ
    assert any(not np.array_equal(t.face.eyes[:, 0], t.face.eyes[:, 1]) for t in pairs)


def test_faces_are_deterministic() -> None:
    a, b = generate_takes(8, SMALL, FPS, seed=11), generate_takes(8, SMALL, FPS, seed=11)
    for x, y in zip(a, b, strict=True):
        assert x.face.encode().tobytes() == y.face.encode().tobytes()
    other = generate_takes(8, SMALL, FPS, seed=12)
    assert any(x.face.encode().tobytes() != y.face.encode().tobytes() for x, y in zip(a, other, strict=True))


def test_eyes_blink_briefly_every_few_seconds(takes: list[SyntheticTake]) -> None:
    closed_id = EYE_INDEX["closed"]
    for t in takes:
        if "cry" in t.actions or t.frames / FPS < 3.2:
            continue
        for a in range(t.actors):
            closed = np.concatenate([[0], (t.face.eyes[:, a] == closed_id).astype(int), [0]])
            edges = np.flatnonzero(np.diff(closed))
            runs = edges[1::2] - edges[::2]
            assert runs.size >= 1, (t.index, a)
            assert runs.max() <= round(0.15 * FPS) + 1, (t.index, a, runs)


def test_quiet_actions_keep_the_mouth_nearly_closed(takes: list[SyntheticTake]) -> None:
    quiet = {"idle", "walk", "run", "wave", "clap", "sit_down", "stand_up"}
    for t in takes:
        if set(t.actions) <= quiet and t.meta.get("emotion") in (None, "sad", "angry", "disgusted"):
            assert not t.face.speaking.any(), t.index
            assert t.face.mouth_open.max() < 0.15, (t.index, t.face.mouth_open.max())


# --- speech and emotion actions ---------------------------------------------------------------------------


def test_speech_actions_differ_in_openness_and_rate() -> None:
    stats = {a: _speech_stats(a) for a in ("talk", "shout", "whisper", "sing")}
    opening = {a: s[0] for a, s in stats.items()}
    rate = {a: s[1] for a, s in stats.items()}
    assert opening["shout"] > opening["talk"] > opening["whisper"], opening
    assert opening["sing"] > opening["talk"], opening
    assert rate["sing"] < 0.6 * rate["talk"], rate
    assert 3.0 <= rate["talk"] <= 5.5 and 2.3 <= rate["shout"] <= 4.5 and 0.7 <= rate["sing"] <= 2.2, rate


def test_a_shout_is_angry_or_surprised_and_its_eyes_are_its_emotions() -> None:
    """An angry shout narrows the eyes, a surprised one widens them: wide eyes on every shout made the
    trained model's angry shout read as surprised."""
    seen = set()
    for seed in range(12):
        face = _solo_face("shout", seed)
        speaking = face.speaking[:, 0]
        expression = set(face.expression[speaking, 0].tolist())
        assert expression <= {EXPRESSION_INDEX["angry"], EXPRESSION_INDEX["surprised"]}
        for name, eyes in (("angry", "squint"), ("surprised", "wide")):
            shown = speaking & (face.expression[:, 0] == EXPRESSION_INDEX[name])
            if shown.any():
                seen.add(name)
                assert (face.eyes[shown, 0] == EYE_INDEX[eyes]).mean() > 0.8, (seed, name)
    assert seen == {"angry", "surprised"}


def test_laughing_is_happy_with_the_mouth_open_most_of_the_time() -> None:
    for seed in range(6):
        face = _solo_face("laugh", seed)
        assert not face.speaking.any()
        assert (face.expression[:, 0] == EXPRESSION_INDEX["happy"]).mean() > 0.7
        assert (face.mouth_open[:, 0] > 0.2).mean() > 0.6
        assert (face.eyes[:, 0] == EYE_INDEX["squint"]).mean() > 0.5


def test_crying_is_sad_silent_and_the_eyes_close() -> None:
    for seed in range(6):
        face = _solo_face("cry", seed)
        assert not face.speaking.any()
        assert (face.expression[:, 0] == EXPRESSION_INDEX["sad"]).mean() > 0.7
        eyes = face.eyes[face.expression[:, 0] == EXPRESSION_INDEX["sad"], 0]
        assert np.isin(eyes, [EYE_INDEX["closed"], EYE_INDEX["squint"]]).mean() > 0.9


def test_caption_emotions_match_the_face(takes: list[SyntheticTake]) -> None:
    named = 0
    for t in takes:
        emotion = t.meta.get("emotion")
        for e, (adverbs, adjectives) in EMOTION_WORDS.items():
            said = [any(f" {w} " in _words(text) for w in (*adverbs, *adjectives)) for text in t.texts]
            assert all(said) if e == emotion else not any(said), (t.index, emotion, t.texts)
        if emotion:
            named += 1
            assert (t.face.expression == EXPRESSION_INDEX[emotion]).mean() > 0.8, (t.index, emotion)
    assert 0.2 * len(takes) <= named <= 0.5 * len(takes), named


# --- transitions -----------------------------------------------------------------------------------------


def test_expression_changes_ease_the_mouth() -> None:
    """A happy dance followed by standing idle: the mouth closes over several frames, not in one."""
    for seed in range(10):
        rng = np.random.default_rng(seed)
        segments = [("dance", 0, 60, {}), ("idle", 50, 120, {})]
        face = take_face(rng, 120, FPS, [segments], None)
        m, expr = face.mouth_open[:, 0], face.expression[:, 0]
        switch = int(np.flatnonzero(np.diff(expr.astype(int)))[0]) + 1
        before, after = m[switch - 8], m[switch + 8]
        assert before - after > 0.04, (seed, before, after)
        between = (m[switch - 6 : switch + 6] < before - 0.005) & (m[switch - 6 : switch + 6] > after + 0.005)
        assert between.sum() >= 3, (seed, m[switch - 6 : switch + 6])
        assert abs(m[switch] - m[switch - 1]) < 0.6 * (before - after), seed


def test_a_voice_starts_by_easing_the_mouth_open() -> None:
    """The mouth starts opening before a laugh's expression switches, and is not yet wide at the switch."""
    for seed in range(6):
        face = _solo_face("laugh", seed, fps=60.0)
        m, expr = face.mouth_open[:, 0], face.expression[:, 0]
        changes = np.flatnonzero(np.diff(expr.astype(int))) + 1
        if not changes.size:  # the laugh began at the very start
            continue
        k = int(changes[0])
        assert expr[k] == EXPRESSION_INDEX["happy"]
        assert m[k - 1] > m[max(k - 12, 0)] or k < 12, seed
        assert m[k] < 0.8 * m[k : k + 60].max(), seed


def test_two_people_talking_take_turns() -> None:
    cfg = replace(SMALL, two_actor_fraction=1.0, chain_fraction=0.0)
    talks = [t for t in generate_takes(30, cfg, FPS, seed=5) if t.action == "talk"]
    assert len(talks) >= 3
    for t in talks:
        speaking = t.face.speaking
        assert speaking[:, 0].any() and speaking[:, 1].any(), t.index
        assert not (speaking[:, 0] & speaking[:, 1]).any(), t.index
        apart = np.linalg.norm(t.root[0, 0, [0, 2]] - t.root[0, 1, [0, 2]])
        assert 0.9 < apart < 1.6, (t.index, apart)
        assert all(
            {"talk", "talks", "conversation", "chat", "speaking", "talking"} & set(_words(c).split())
            for c in t.texts
        )


def test_sad_slumps_and_angry_raises_the_shoulders() -> None:
    def joints(emotion: str | None) -> np.ndarray:
        rng = np.random.default_rng(4)
        body = make_body(rng)
        motion = posture(generate_action("idle", rng, ActionContext(body, 40, FPS)), emotion)
        return place(motion, body, FPS, np.zeros(2))[1]  # (T, 22, 3)

    plain, sad, angry = joints(None), joints("sad"), joints("angry")
    head, shoulder = JOINT_INDEX["head"], JOINT_INDEX["left_shoulder"]
    assert (sad[:, head, 1] < plain[:, head, 1] - 0.01).all()
    assert (angry[:, shoulder, 1] > plain[:, shoulder, 1] + 0.005).all()
    idle = generate_action(
        "idle", np.random.default_rng(0), ActionContext(make_body(np.random.default_rng(0)), 5, FPS)
    )
    with pytest.raises(ValueError, match="bored"):
        posture(idle, "bored")
