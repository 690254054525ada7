"""The evaluator on synthetic clips: real motions with their own captions clearly beat shuffled captions,
real-versus-real FID is near 0, and the file rebuilds the same evaluator."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from stickgen.core.config import CanonicalConfig, EvaluatorTrainConfig, SynthesizeConfig
from stickgen.core.device import cpu_threads
from stickgen.core.vocab import ACTION_INDEX
from stickgen.evaluate import metrics
from stickgen.evaluate.evaluator import load_evaluator, motion_inputs, save_evaluator
from stickgen.evaluate.evaluator_train import ClipSet, measure_evaluator, train_evaluator

FPS = 20.0
DIM = 48


def bag_of_words(text: str) -> np.ndarray:
    """A stand-in text encoder: the normalised sum of a fixed random vector per word."""
    v = sum(np.random.default_rng(zlib.crc32(w.encode())).standard_normal(DIM) for w in text.lower().split())
    return (v / np.linalg.norm(v)).astype(np.float32)


def clip_set(clips) -> ClipSet:
    captions = sorted({t for c in clips for t in c.texts})
    row = {t: i for i, t in enumerate(captions)}
    return ClipSet(
        inputs=[motion_inputs(c.joints, FPS) for c in clips],
        joints=[c.joints for c in clips],
        actions=np.array([ACTION_INDEX[c.action] for c in clips]),
        captions=[[row[t] for t in c.texts] for c in clips],
        caption_emb=np.stack([bag_of_words(t) for t in captions]),
        caption_texts=captions,
        text_encoder={"name": "bag-of-words", "dim": DIM},
        fps=FPS,
        fingerprint="test",
    )


@pytest.fixture(scope="module")
def clips():
    from stickgen.synthetic import generate

    return generate(
        SynthesizeConfig(clips=300, min_s=2.0, max_s=4.0, two_actor_fraction=0.1, chain_fraction=0.0),
        CanonicalConfig(fps=FPS, max_actors=2, window_s=10.0, stride_s=5.0),
        seed=3,
    )


@pytest.fixture(scope="module")
def trained(clips):
    train, held_out = clip_set(clips[:260]), clip_set(clips[260:])
    cfg = EvaluatorTrainConfig(
        hidden=48,
        emb_dim=32,
        epochs=25,
        batch_size=32,
        lr=0.003,
        weight_decay=1e-4,
        temperature=0.1,
        bf16=True,  # as the pipeline trains it (bf16 where the CPU computes it natively, else float32)
    )
    with cpu_threads(1):
        ev, losses = train_evaluator(train, cfg, max_actors=2, seed=0, log=lambda _: None)
    return ev, held_out, losses


def test_real_motions_with_their_own_captions_clearly_beat_shuffled_captions(trained) -> None:
    ev, held_out, _ = trained
    m = measure_evaluator(ev, held_out, batch_size=32, seed=0)
    assert m["r_precision_top3"] >= 0.35, m
    # 0.3 above the shuffled captions' rate (chance is 3/32; among 40 clips of ~50 actions a shuffle may
    # land on a same-action caption, so the shuffled rate itself varies from 0.1 to 0.25 with the data)
    assert m["r_precision_top3"] >= m["shuffled_r_precision_top3"] + 0.3, m
    assert m["action_accuracy"] > 0.5, m


def test_real_versus_real_fid_is_near_zero(trained) -> None:
    ev, held_out, _ = trained
    a, _ = ev.encode_motions(held_out.joints, FPS, batch_size=7)
    order = np.random.default_rng(0).permutation(len(held_out))
    b, _ = ev.encode_motions([held_out.joints[i] for i in order], FPS, batch_size=16)
    assert metrics.fid(a, b[np.argsort(order)]) == pytest.approx(0.0, abs=1e-6)  # batching changes nothing
    assert metrics.fid(a, b) < 1e-4  # FID ignores order
    noisy = [
        j + np.random.default_rng(1).normal(0, 0.05, j.shape).astype(np.float32) for j in held_out.joints
    ]
    assert metrics.fid(a, ev.encode_motions(noisy, FPS)[0]) > 10 * max(metrics.fid(a, b), 1e-3)


def test_the_real_validation_fid_compares_two_real_samples(trained, clips) -> None:
    """The report's `real_val_fid` (docs/metrics.md): 0 for a set against itself, larger for another real
    sample than for the same one, larger again between motions of different actions; None below two
    clips."""
    from stickgen.evaluate.report import real_val_fid

    ev = trained[0]
    held_out = clips[260:]
    one, other = clip_set(held_out[:20]), clip_set(held_out[20:])
    assert real_val_fid(ev, one, one, max_frames=200) == pytest.approx(0.0, abs=1e-6)
    apart = real_val_fid(ev, other, one, max_frames=200)
    assert apart > 1e-3
    walks = clip_set([c for c in clips if c.action == "walk"])
    rest = clip_set([c for c in clips if c.action != "walk"])
    assert real_val_fid(ev, walks, rest, max_frames=200) > apart
    assert real_val_fid(ev, clip_set(held_out[:1]), one, max_frames=200) is None


def test_the_saved_file_rebuilds_the_same_evaluator(trained, tmp_path) -> None:
    ev, held_out, _ = trained
    save_evaluator(ev, tmp_path / "evaluator.pth")
    back = load_evaluator(tmp_path / "evaluator.pth")
    assert back.cfg == ev.cfg and back.text_encoder == ev.text_encoder
    np.testing.assert_allclose(
        back.encode_motions(held_out.joints[:5], FPS)[0],
        ev.encode_motions(held_out.joints[:5], FPS)[0],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        back.encode_captions(held_out.caption_emb[:3]),
        ev.encode_captions(held_out.caption_emb[:3]),
        atol=1e-6,
    )


def test_inputs_are_checked(trained) -> None:
    ev, held_out, _ = trained
    with pytest.raises(ValueError, match="fps"):
        ev.encode_motions(held_out.joints[:2], 30.0)
    with pytest.raises(ValueError, match="caption embeddings"):
        ev.encode_captions(np.zeros((2, DIM + 1)))
    with pytest.raises(ValueError, match="retrain the evaluator"):
        ev.check_text_encoder({"name": "other", "dim": DIM}, "test.pt")
    with pytest.raises(ValueError, match="22, 3"):
        motion_inputs(np.zeros((5, 22, 3)), FPS)
