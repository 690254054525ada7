"""The length estimator (stickgen.model.length): the closed-form ridge fit, short vs long captions on
embedded sets
whose durations follow the caption, the clamp, the file's round trip and one-line errors, and the `length`
stage run through its script."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers import ROOT, tiny_params_dict, walking_clip
from inferkit import FakeEncoder
from trainkit import write_sets

from stickgen.core import canonical
from stickgen.core.canonical import atomic_torch_save
from stickgen.core.config import LengthConfig
from stickgen.model.length import (
    LengthEstimator,
    LengthFileError,
    build_length_estimator,
    fit_ridge,
    load_length_estimator,
    save_length_estimator,
)

FAKE = {"name": "fake-hash", "dim": 16}
# caption families and their clips' seconds: what the embedded sets below are cut to
SHORT = ["a person jumps", "someone hops once"]
LONG = ["a person walks across the room and sits down", "someone crosses the room, then takes a seat"]
TRAIN = [
    (SHORT, 1.5),
    (["a person claps", "someone claps twice"], 2.0),
    (["a person kicks", "someone kicks with the left leg"], 3.0),
    (["a person waves for a while", "someone keeps waving"], 5.0),
    (LONG, 8.0),
    (["a person walks forward, turns and walks back", "someone paces up and down"], 9.0),
]
VAL = [(["a person punches", "someone throws a jab"], 2.5), (["a person jogs around a table"], 7.0)]
SECONDS = {text: s for texts, s in TRAIN + VAL for text in texts}


def _embed(texts: list[str]) -> np.ndarray:
    """Caption vectors whose first coordinate is the caption's log-seconds over trainkit's unit noise (0.1):
    a rule shared by every family, which a fit on some families must find for the others."""
    noise = FakeEncoder().encode(texts) * 0.1
    noise[:, 0] += np.log([SECONDS[t] for t in texts])
    return noise


def _clips(prefix: str, families: list, takes: int) -> list:
    """`takes` clips per caption family, each family's clips as long as it says (20 fps)."""
    return [
        walking_clip(f"{prefix}/f{f}t{t}#0-{round(s * 20)}", frames=round(s * 20), texts=texts)
        for f, (texts, s) in enumerate(families)
        for t in range(takes)
    ]


@pytest.fixture(scope="module")
def noise_sets(tmp_path_factory) -> dict[str, Path]:
    """train.pt / val.pt (new captions) with trainkit's fake caption vectors: random, no rule at all."""
    return write_sets(tmp_path_factory.mktemp("noise"), _clips("tr", TRAIN, 3), _clips("va", VAL, 2))


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, Path]:
    """The same clips with `_embed`'s caption vectors: the seconds follow the caption."""
    folder = tmp_path_factory.mktemp("rule")
    paths = write_sets(folder, _clips("tr", TRAIN, 3), _clips("va", VAL, 2))
    for name in ("train", "val"):
        store = canonical.load(paths[name], mmap=False)
        data = store.raw
        data["caption_emb"] = torch.from_numpy(_embed(list(store.data["captions"])).astype(np.float32))
        atomic_torch_save(data, paths[name])
    return paths


def test_ridge_recovers_a_linear_rule_and_a_large_penalty_leaves_the_mean() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 6))
    v, b = np.array([0.5, -1.0, 0.0, 2.0, 0.3, -0.2]), 1.25
    weight = rng.uniform(0.2, 1.0, 300)
    got_v, got_b = fit_ridge(x, x @ v + b, weight, penalty=0.0)
    np.testing.assert_allclose(got_v, v, atol=1e-9)
    assert got_b == pytest.approx(b, abs=1e-9)
    y = x @ v + b
    flat_v, flat_b = fit_ridge(x, y, weight, penalty=1e9)
    assert np.abs(flat_v).max() < 1e-6 and flat_b == pytest.approx(float(weight @ y / weight.sum()), abs=1e-5)


def test_a_fit_finds_the_rule_for_captions_it_never_saw(sets) -> None:
    """Durations that follow the caption: cross-validation by caption family prefers a small penalty, the
    new captions of val get their own lengths, and short captions are told from long ones."""
    cfg = LengthConfig(penalties=[0.001, 0.1, 10.0], folds=3, min_s=1.0)
    est, report = build_length_estimator(sets["train"], sets["val"], cfg, max_s=10.0, window_s=10.0)
    assert est.text_encoder == FAKE and est.penalty == 0.001, report["cv_mse_log"]
    val_texts = [t for texts, _ in VAL for t in texts]
    np.testing.assert_allclose(est.predict_s(_embed(val_texts)), [2.5, 2.5, 7.0], rtol=0.1)
    short, long = est.predict_s(_embed(SHORT)), est.predict_s(_embed(LONG))
    assert short.max() < 1.7 and long.min() > 7.2, (short, long)
    v = report["val"]
    assert v["clips"] == 4 and v["pairs"] == 6 and v["mae_s"] < 0.4 and v["constant_mae_s"] > 1.5, v
    assert v["r2_log"] > 0.9 and v["default_mae_s"] == pytest.approx((2.5 + 2.5 + 2.0 * 2) / 4)
    assert set(report["cv_mse_log"]) == {"0.001", "0.1", "10"} and report["train"]["clips"] == 18
    assert report["windowed_fraction"] == 0.0  # no clip as long as a 10-s window


def test_captions_that_say_nothing_about_length_give_a_constant(noise_sets) -> None:
    """Random caption vectors: no penalty helps on held-out families, the largest wins and every caption
    gets about the train split's typical length."""
    cfg = LengthConfig(penalties=[0.0, 0.01, 1e6], folds=3, min_s=1.0)
    est, report = build_length_estimator(
        noise_sets["train"], noise_sets["val"], cfg, max_s=10.0, window_s=10.0
    )
    assert est.penalty == 1e6, report["cv_mse_log"]
    pred = est.predict_s(FakeEncoder().encode(SHORT + LONG))
    np.testing.assert_allclose(pred, report["constant_s"], rtol=1e-3)


def test_predictions_are_clamped_to_min_s_and_the_shorter_max() -> None:
    emb = np.zeros((1, 16))

    def at(seconds: float) -> LengthEstimator:  # predicts `seconds` for every caption before the clamp
        return LengthEstimator(FAKE, np.zeros(16), float(np.log(seconds)), min_s=1.0, max_s=10.0, penalty=0.0)

    assert at(0.2).predict_s(emb)[0] == pytest.approx(1.0)
    assert at(4.0).predict_s(emb)[0] == pytest.approx(4.0)
    assert at(50.0).predict_s(emb)[0] == pytest.approx(10.0)
    assert at(50.0).predict_s(emb, max_s=3.2)[0] == pytest.approx(3.2)  # a model shorter than max_s
    assert at(4.0).predict_s(emb, max_s=0.5)[0] == pytest.approx(0.5)  # ... and than min_s
    with pytest.raises(ValueError, match=r"\(N, 16\)"):
        at(4.0).predict_s(np.zeros((1, 8)))


def test_the_file_round_trips_and_describes_itself(sets, tmp_path) -> None:
    cfg = LengthConfig(penalties=[0.01], folds=2, min_s=1.0)
    est, _ = build_length_estimator(sets["train"], sets["val"], cfg, max_s=10.0, window_s=10.0)
    path = tmp_path / "m" / "length.json"
    save_length_estimator(est, path)
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["version"], doc["target"], doc["text_encoder"]) == (
        "stickgen-length",
        1,
        "log_seconds",
        FAKE,
    )
    assert doc["trained_on"]["clips"] == 18 and len(doc["weights"]) == 16 and doc["penalty"] == 0.01
    back = load_length_estimator(path)
    emb = _embed(SHORT + LONG)
    np.testing.assert_allclose(back.predict_s(emb), est.predict_s(emb), rtol=1e-12)


def _doc(**over) -> dict:
    est = LengthEstimator(FAKE, np.full(16, 0.1), 1.0, 1.0, 10.0, 0.01)
    return {**est.to_dict(), **over}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such length estimator file"),
        ("{not json", "not valid JSON"),
        (json.dumps(_doc(format="stickgen-model")), "not a stickgen-length v1 file"),
        (json.dumps(_doc(version=2)), "not a stickgen-length v1 file"),
        (json.dumps([1, 2]), "not a stickgen-length v1 file"),
        (json.dumps(_doc(text_encoder="minilm")), "`text_encoder` must be {name, dim}"),
        (json.dumps(_doc(weights=[0.1] * 3)), "`weights` must be a list of 16 numbers, got 3"),
        (json.dumps(_doc(weights=[0.1] * 15 + ["x"])), "`weights` must be a finite number"),
        (json.dumps(_doc(intercept="1")), "`intercept` must be a finite number"),
        (json.dumps(_doc(min_s=20.0)), "need 0 < min_s <= max_s"),
    ],
)
def test_a_bad_or_missing_file_is_one_line_naming_it(content: str | None, words: str, tmp_path) -> None:
    path = tmp_path / "length.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(LengthFileError) as exc:
        load_length_estimator(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ") and words in msg and "\n" not in msg, msg


def test_the_stage_writes_the_estimator_and_its_report(sets, tmp_path, monkeypatch, capsys) -> None:
    params = tmp_path / "params.yaml"
    raw = tiny_params_dict()
    raw["length"] = {"penalties": [0.0, 0.01], "folds": 3, "min_s": 1.0}
    params.write_text(yaml.safe_dump(raw, sort_keys=False))
    out, metrics = tmp_path / "models/length/length.json", tmp_path / "eval_results/length.json"
    script = ROOT / "stages" / "length.py"
    argv = ["--train-data", sets["train"], "--val-data", sets["val"], "--out", out, "--metrics", metrics]
    monkeypatch.setattr(sys, "argv", [str(script), *map(str, argv), "--params", str(params)])
    runpy.run_path(str(script), run_name="__main__")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == [
        "eval_results/length.json",
        "models/length/length.json",
    ]
    report = json.loads(metrics.read_text())
    assert report["timestamp"] and report["val"]["mae_s"] < 0.4 and report["penalty"] in (0.0, 0.01)
    est = load_length_estimator(out)
    assert est.max_s == raw["model"]["max_frames"] / raw["canonical"]["fps"] and est.min_s == 1.0
    assert capsys.readouterr().out.startswith("length: penalty ")
    argv[1] = tmp_path / "nope.pt"  # a missing train split: one line naming it
    monkeypatch.setattr(sys, "argv", [str(script), *map(str, argv), "--params", str(params)])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(script), run_name="__main__")
    assert str(exc.value.code).startswith("length: ") and "nope.pt" in str(exc.value.code)
