"""Face measures, the report's face metrics and the behaviour suite's face checks (talk, shout, whisper, sing,
laugh, cry): every synthetic clip of an action passes, wrong faces fail."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT

from stickgen.core.config import load_params
from stickgen.core.face import (
    EXPRESSION_INDEX,
    FACE_SLICES,
    FaceTrack,
    face_features,
    face_from_features,
    mouth_level,
    speech_cycles,
    voice_envelope,
)
from stickgen.evaluate import face_checks as fc
from stickgen.evaluate.behaviour import CHECKS, check
from stickgen.evaluate.behaviour_suite import run_behaviour_suite
from stickgen.evaluate.prompts import BehaviourPrompt
from stickgen.synthetic import take_to_clip
from stickgen.synthetic.takes import make_take

FPS = 20.0


@pytest.fixture(scope="module")
def takes() -> dict[tuple[str, int], list]:
    """Synthetic clips of the face-judged actions (single takes, and two-actor talks), by (action, actors)."""
    cfg = load_params(ROOT / "params.yaml").synthesize
    out: dict[tuple[str, int], list] = {}
    for i in range(2500):
        t = make_take(i, cfg, FPS, 7)
        if t.action in fc.FACE_CHECKS and t.meta["kind"] != "chain":
            out.setdefault((t.action, len(t.offsets)), []).append(take_to_clip(t))
    return out


def test_every_synthetic_clip_of_a_face_action_passes_its_body_and_face_checks(takes) -> None:
    assert {a for a, _ in takes} == set(fc.FACE_CHECKS) and ("talk", 2) in takes
    for (action, _), clips in takes.items():
        assert len(clips) >= 5
        for c in clips:
            assert check(action, c.joints, FPS).passed, (c.id, check(action, c.joints, FPS).reason)
            verdict = fc.face_check(action, c.face, FPS)
            assert verdict is not None and verdict.passed, (c.id, verdict.reason)


def test_the_speech_checks_tell_the_voices_apart(takes) -> None:
    """A whispered clip fails talk and shout, a shouted one fails whisper, a talk fails sing's slow rate or
    whisper, a laugh fails cry and the other way round, a neutral idle face fails them all."""
    wrong = {
        "whisper": ("talk", "shout"),
        "shout": ("whisper", "talk"),
        "talk": ("whisper", "shout", "laugh", "cry"),
        "laugh": ("cry", "talk"),
        "cry": ("laugh", "talk", "sing"),
        "sing": ("whisper", "cry"),
    }
    for action, others in wrong.items():
        for c in takes[(action, 1)][:5]:
            for other in others:
                assert not fc.face_check(other, c.face, FPS).passed, (action, other, c.id)
    quiet = FaceTrack.unknown(60, 1)
    quiet.expression[:] = EXPRESSION_INDEX["neutral"]
    assert not any(fc.face_check(a, quiet, FPS).passed for a in fc.FACE_CHECKS)
    assert "has none" in fc.face_check("laugh", None, FPS).reason
    assert fc.face_check("walk", quiet, FPS) is None and CHECKS["talk"] is CHECKS["idle"]


def test_mouth_rate_counts_cycles_not_jitter() -> None:
    t = np.arange(100) / FPS
    assert fc.mouth_rate_hz(0.3 + 0.25 * np.sin(2 * np.pi * 4.0 * t), FPS) == pytest.approx(4.0, abs=0.25)
    rng = np.random.default_rng(0)
    assert fc.mouth_rate_hz(0.3 + 0.01 * rng.standard_normal(100), FPS) == 0.0
    assert fc.mouth_rate_hz(np.zeros(2), FPS) == 0.0


def test_face_metrics_score_identical_faces_perfectly_and_silence_against_speech_zero(takes) -> None:
    real = [c.face for c in takes[("talk", 1)][:4]]
    perfect = fc.face_metrics([(r, r) for r in real], FPS)
    assert perfect == {
        "face_clips": 4,
        "face_speaking_clips": 4,
        "face_expression_accuracy": 1.0,
        "face_speaking_f1": 1.0,
        "face_mouth_rate_error_hz": 0.0,
    }
    silent = []
    for r in real:
        s = FaceTrack.unknown(*r.shape)
        s.expression[:] = EXPRESSION_INDEX["disgusted"]
        silent.append(s)
    bad = fc.face_metrics(list(zip(silent, real, strict=True)), FPS)
    assert bad["face_speaking_f1"] == 0.0 and bad["face_mouth_rate_error_hz"] > 2.0
    assert bad["face_expression_accuracy"] < 1.0
    assert fc.face_metrics([], FPS)["face_clips"] == 0


def test_the_suite_passes_a_face_action_only_when_its_face_passes(takes) -> None:
    clip = takes[("laugh", 1)][0]
    prompts = [BehaviourPrompt("a woman laughs", "laugh", clip.frames / FPS, 1, None)]

    def sampler(face):
        return lambda texts, lengths, actors, seed: [(clip.joints, face)] * len(texts)

    good = run_behaviour_suite(sampler(clip.face), prompts, seeds=3, seed=0, fps=FPS)
    assert good["behaviour_laugh_pass_rate"] == 1.0
    assert (
        run_behaviour_suite(sampler(None), prompts, seeds=3, seed=0, fps=FPS)["behaviour_laugh_pass_rate"]
        == 0.0
    )


def test_the_voice_puts_back_the_mouth_cycles_a_mean_loses(takes) -> None:
    """The model's features hold the mouth's level, not its syllables (`mouth_level`); decoded, every
    synthetic clip of a face action still passes its face check and keeps its mouth-cycle rate (within
    0.6 Hz; a whisper, whose mouth barely opens, its check only); a mouth held still at its mean cycles
    near the clip's rate with the voice and not at all without it."""
    for (action, _), clips in takes.items():
        for c in clips[:6]:
            f = face_features(c.face, FPS)
            got = face_from_features(f, FPS, np.random.default_rng(0))
            verdict = fc.face_check(action, got, FPS)
            assert verdict.passed, (action, c.id, verdict.reason)
            real = fc.mouth_rate_hz(c.face.mouth_open[:, 0], FPS)
            # a whisper's mouth barely opens: its few countable cycles (about 1 Hz of the voice's 4-5) come
            # and go with the decoder's noise, so its face check is the contract, not the count
            if action != "whisper":
                assert abs(fc.mouth_rate_hz(got.mouth_open[:, 0], FPS) - real) < 0.6, (action, c.id)
            if real > 1.0 and action != "whisper":  # a still mouth (at its mean) cycles only by the voice
                still = f.copy()
                still[..., FACE_SLICES["mouth_open"]] = f[..., FACE_SLICES["mouth_open"]].mean(axis=0)
                voiced = face_from_features(still, FPS, np.random.default_rng(0)).mouth_open[:, 0]
                assert abs(fc.mouth_rate_hz(voiced, FPS) - real) < 0.6 * real, (action, c.id)
                still[..., FACE_SLICES["voice_rate"]] = -1.0
                voiceless = face_from_features(still, FPS, np.random.default_rng(0)).mouth_open[:, 0]
                assert fc.mouth_rate_hz(voiceless, FPS) == 0.0


def test_voice_envelope_measures_rate_and_peak_of_a_cycling_mouth() -> None:
    t = np.arange(120) / FPS
    mouth = 0.3 + 0.25 * np.sin(2 * np.pi * 4.0 * t)
    rate, peak = voice_envelope(mouth, np.ones(120, bool), FPS)
    assert rate[20:100] == pytest.approx(4.0, abs=0.6)
    assert peak[20:100] == pytest.approx(0.55, abs=0.02)  # the sampled crests: 0.538
    rate, peak = voice_envelope(np.full(120, 0.2), np.ones(120, bool), FPS)
    assert not rate.any() and peak == pytest.approx(0.2)
    rate, _ = voice_envelope(mouth, np.zeros(120, bool), FPS)  # no face: no voice
    assert not rate.any()


def test_mouth_level_is_the_openness_without_its_syllables() -> None:
    """The level of a mouth cycling 4 times a second around 0.3 is 0.3 in every frame (the syllables'
    phase, which no caption gives, is gone); a step from a whisper to a song is followed within the
    voice's window; frames without a face neither count nor pull the level down."""
    t = np.arange(120) / FPS
    cycling = 0.3 + 0.25 * np.sin(2 * np.pi * 4.0 * t)
    level = mouth_level(cycling, np.ones(120, bool), FPS)
    assert level[10:110] == pytest.approx(0.3, abs=0.01)
    assert np.ptp(cycling[10:110]) > 0.45
    step = np.where(np.arange(120) < 60, 0.05, 0.47)
    level = mouth_level(step, np.ones(120, bool), FPS)
    assert level[:50] == pytest.approx(0.05) and level[70:] == pytest.approx(0.47)
    assert (np.diff(level) >= -1e-6).all()
    known = np.arange(120) >= 30
    level = mouth_level(np.where(known, 0.2, 0.0), known, FPS)
    assert level[30:] == pytest.approx(0.2) and not level[:20].any()


def test_speech_cycles_keep_the_mean_stay_under_the_peak_and_follow_the_seed() -> None:
    n = 200
    mean, peak = np.full(n, 0.3), np.full(n, 0.8)
    rate = np.where(np.arange(n) < 100, 4.0, 0.0)
    a = speech_cycles(mean, rate, peak, FPS, np.random.default_rng(1))
    assert a[:100].mean() == pytest.approx(0.3, abs=0.04) and a.max() <= 0.6 + 1e-6 and a.min() >= 0.0
    assert fc.mouth_rate_hz(a[:100], FPS) == pytest.approx(4.0, abs=0.8)
    assert a[110:] == pytest.approx(0.3)  # no voice: the mean
    narrow = speech_cycles(mean, rate, np.full(n, 0.4), FPS, np.random.default_rng(1))
    assert narrow.max() <= 0.4 + 1e-6 and narrow[:100].mean() == pytest.approx(0.3, abs=0.03)
    np.testing.assert_array_equal(a, speech_cycles(mean, rate, peak, FPS, np.random.default_rng(1)))
    assert not np.allclose(a, speech_cycles(mean, rate, peak, FPS, np.random.default_rng(2)))
