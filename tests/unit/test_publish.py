"""Publishing: the folder (safetensors, config.json, adapters, model card) and a real upload through
huggingface_hub to a local HTTP server that speaks the Hub endpoints the upload uses."""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from inferkit import TINY_STYLES, FakeEncoder, cached_checkpoint, tiny_training
from safetensors.torch import load_file, save_file

from stickgen.cli import main
from stickgen.generate.adapters import stickgen_state_dict
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Sampling
from stickgen.model.motion_model import MEMORY_PREFIX
from stickgen.release.publish import PublishError, build_folder, publish
from stickgen.train.checkpoint import full_state_dict, load_checkpoint, model_from_checkpoint

TOKEN = "hf_test_token_0123456789abcdef"
METRICS = {
    "timestamp": "2026-01-01T00:00:00+00:00",
    "variant": "tiny",
    "val_loss": 0.125,
    "motion_mse": 0.0425,
    "hml3d": {"fid": 1.5, "r_precision_top1": 0.31},
}


@pytest.fixture(scope="module")
def fake_checkpoint(tmp_path_factory) -> Path:
    return cached_checkpoint(tmp_path_factory, "fake")


@pytest.fixture
def eval_results(tmp_path) -> Path:
    root = tmp_path / "eval_results"
    for phase in ("pretrain", "lora"):
        (root / "tiny" / phase).mkdir(parents=True)
        (root / "tiny" / phase / "metrics.json").write_text(json.dumps(METRICS))
    return root


def _card(path: Path) -> tuple[dict, str]:
    text = path.read_text()
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_dry_run_folder_holds_weights_config_and_a_filled_card(
    fake_checkpoint, eval_results, tmp_path
) -> None:
    out = tmp_path / "pub"
    training = tiny_training(fake_checkpoint)
    files = build_folder(fake_checkpoint, out, "GesturaAI/stick-gen-tiny", eval_results, training, fps=20.0)
    names = ["README.md", "config.json", "memory.safetensors", "model.safetensors"]
    assert sorted(f.name for f in files) == names
    ckpt = load_checkpoint(fake_checkpoint)
    weights = load_file(str(out / "model.safetensors"))
    memory = load_file(str(out / "memory.safetensors"))
    expected = full_state_dict(ckpt)
    # the weights in model.safetensors, the motion memory (training clips) in a file of its own
    assert {*weights, *(MEMORY_PREFIX + k for k in memory)} == expected.keys()
    assert all(torch.equal(weights[k], expected[k]) for k in weights)
    assert all(torch.equal(v, expected[MEMORY_PREFIX + k]) for k, v in memory.items())
    cfg = json.loads((out / "config.json").read_text())
    assert (
        cfg["variant"] == "tiny"
        and cfg["phase"] == "pretrain"
        and cfg["text_encoder"] == ckpt["text_encoder"]
    )
    assert cfg["feature_stats"] == ckpt["feature_stats"] and cfg["fps"] == 20.0
    assert cfg["parameters"] == sum(v.numel() for v in weights.values())
    assert cfg["memory_clips"] == len(memory["frames"]) > 0
    card = (out / "README.md").read_text()
    assert f"| motion memory | {cfg['memory_clips']:,} training clips (`memory.safetensors`)" in card
    assert "- `memory.safetensors`: the motion memory" in card
    front, body = _card(out / "README.md")
    # trainkit's clips come from source "test", with no licence recorded: terms to check
    assert front["license"] == "other" and front["license_name"] == "per-source-terms"
    assert front["datasets"] == ["test"] and "| test | 12 | the dataset's own files |" in body
    results = front["model-index"][0]["results"][0]["metrics"]
    assert {m["type"]: m["value"] for m in results} == {
        "val_loss": 0.125,
        "motion_mse": 0.0425,
        "fid": 1.5,
        "r_precision_top1": 0.31,
    }
    text = (out / "README.md").read_text()
    assert "TBD" not in text and "| Validation loss | 0.125 |" in text and "stick-gen-tiny" in text


def test_a_published_folder_generates_the_same_motion_as_its_checkpoint(
    fake_checkpoint, eval_results, tmp_path
):
    build_folder(
        fake_checkpoint, tmp_path / "pub", "o/n", eval_results, tiny_training(fake_checkpoint), fps=20.0
    )
    kw = {
        "sampling": SamplingSettings(refinement=Sampling(steps=2)),
        "checks": Checks(safety=False),
        "runtime": Runtime(encoder=FakeEncoder()),
    }
    a = InferenceGenerator(fake_checkpoint, **kw).generate("a person walks", 1.0, seed=3)
    b = InferenceGenerator(tmp_path / "pub", **kw).generate("a person walks", 1.0, seed=3)
    np.testing.assert_array_equal(a.joints, b.joints)
    cfg = json.loads((tmp_path / "pub" / "config.json").read_text())
    assert cfg["styles"] == sorted(TINY_STYLES)  # and the folder refuses another style as the checkpoint
    with pytest.raises(ValueError, match="style 'Zombie' is not one this model was trained with"):
        InferenceGenerator(tmp_path / "pub", **kw).generate("a person walks", 1.0, seed=3, style="Zombie")
    (tmp_path / "pub" / "config.json").write_text(json.dumps({**cfg, "styles": "Proud"}))
    with pytest.raises(ValueError, match=r"`styles` must be a list of style names, got 'Proud'"):
        InferenceGenerator(tmp_path / "pub", **kw)
    (tmp_path / "pub" / "config.json").write_text(json.dumps(cfg))
    # the motion memory is part of the model: a folder without it, or with another one, is refused
    memory = tmp_path / "pub" / "memory.safetensors"
    saved = memory.read_bytes()
    memory.unlink()
    with pytest.raises(
        FileNotFoundError, match=r"missing memory\.safetensors \(config\.json says \d+ memory clips\)"
    ):
        InferenceGenerator(tmp_path / "pub", **kw)
    memory.write_bytes(saved)
    cfg = json.loads((tmp_path / "pub" / "config.json").read_text())
    (tmp_path / "pub" / "config.json").write_text(
        json.dumps({**cfg, "memory_clips": cfg["memory_clips"] + 1})
    )
    with pytest.raises(ValueError, match=r"memory\.safetensors: not the \d+ clips config\.json names"):
        InferenceGenerator(tmp_path / "pub", **kw)
    (tmp_path / "pub" / "config.json").write_text(json.dumps(cfg))
    damaged = load_file(str(memory))
    save_file({**damaged, "offsets": damaged["offsets"] * 2}, str(memory))
    with pytest.raises(ValueError, match=r"memory\.safetensors: the motion memory's offsets do not match"):
        InferenceGenerator(tmp_path / "pub", **kw)


def test_lora_checkpoints_publish_merged_weights_and_the_adapters_alone(
    tmp_path_factory, eval_results, tmp_path
):
    lora = cached_checkpoint(tmp_path_factory, "lora")
    files = build_folder(lora, tmp_path / "pub", "o/n", eval_results, tiny_training(lora), fps=20.0)
    names = sorted(f.name for f in files)
    assert names == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "config.json",
        "memory.safetensors",
        "model.safetensors",
    ]
    adapters = load_file(str(tmp_path / "pub" / "adapter_model.safetensors"))
    assert adapters and all(re.fullmatch(r"base_model\.model\..+\.lora_[AB]\.weight", k) for k in adapters)
    assert stickgen_state_dict(adapters).keys() == load_checkpoint(lora)["model_state_dict"].keys()
    merged = load_file(str(tmp_path / "pub" / "model.safetensors"))
    assert not any("lora_" in k for k in merged)
    cfg = json.loads((tmp_path / "pub" / "adapter_config.json").read_text())
    assert (cfg["peft_type"], cfg["r"], cfg["base_model_name_or_path"]) == (
        "LORA",
        2,
        "GesturaAI/stick-gen-tiny-pretrain",
    )
    card = (tmp_path / "pub" / "README.md").read_text()
    assert "| LoRA | rank 2" in card and "`adapter_model.safetensors` + `adapter_config.json`" in card


def test_peft_loads_the_adapters_on_the_base_and_generates_what_stickgen_does(
    tmp_path_factory, eval_results, tmp_path
):
    """`peft.PeftModel.from_pretrained` on the base model, with the published folder: the same motion as the
    project's own loader (the base plus its adapters, merged)."""
    from peft import PeftModel

    base_ckpt = cached_checkpoint(tmp_path_factory, "fake")
    lora = cached_checkpoint(tmp_path_factory, "lora")
    build_folder(lora, tmp_path / "pub", "o/n", eval_results, tiny_training(lora), fps=20.0)

    def motion(model) -> torch.Tensor:
        text = torch.from_numpy(FakeEncoder().encode(["a person walks", "someone moves forward (1)"]))
        gen = torch.Generator().manual_seed(7)
        return model.generate(text, torch.tensor([20, 16]), 20, actors=torch.tensor([1, 2]), generator=gen)

    plain = motion(model_from_checkpoint(load_checkpoint(base_ckpt)))
    base = model_from_checkpoint(load_checkpoint(base_ckpt))
    peft_model = PeftModel.from_pretrained(base, str(tmp_path / "pub")).eval()
    adapted = sum(1 for n, _ in peft_model.named_modules() if n.endswith(".lora_A.default"))
    assert adapted == len(load_checkpoint(lora)["model_state_dict"]) // 2 > 0
    ours = motion(model_from_checkpoint(load_checkpoint(lora)))
    theirs = motion(peft_model.get_base_model())
    torch.testing.assert_close(theirs, ours, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(theirs, plain, atol=1e-4)  # the adapters change the motion


def test_missing_metrics_stop_publishing_with_the_fix(fake_checkpoint, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"dvc repro evaluate@tiny-pretrain"):
        build_folder(
            fake_checkpoint,
            tmp_path / "pub",
            "o/n",
            tmp_path / "none",
            tiny_training(fake_checkpoint),
            fps=20.0,
        )
    with pytest.raises(PublishError, match="repo id must look like owner/name"):
        publish(fake_checkpoint, "no-slash", tmp_path, tiny_training(fake_checkpoint), dry_run=True)


class FakeHub(BaseHTTPRequestHandler):
    """The Hub endpoints create_repo + upload_folder use; every request is recorded on the server."""

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _reply(self, body: dict, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, self.headers.get("Authorization"), body))
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/api/repos/create":
            name = json.loads(body)
            self._reply({"url": f"{base}/{name['organization']}/{name['name']}", "name": name["name"]})
        elif self.path == "/api/validate-yaml":
            self._reply({"errors": [], "warnings": []})
        elif self.path.endswith("/preupload/main"):
            files = json.loads(body)["files"]
            self._reply(
                {
                    "files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
                    ],
                    "commitOid": "0" * 40,
                }
            )
        elif self.path.endswith("/commit/main"):
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    self.server.files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            repo = self.path.removeprefix("/api/models/").removesuffix("/commit/main")
            self._reply(
                {
                    "commitUrl": f"{base}/{repo}/commit/{'1' * 40}",
                    "commitOid": "1" * 40,
                    "pullRequestUrl": None,
                }
            )
        else:
            self._reply({"error": f"unexpected {self.path}"}, 404)


@pytest.fixture
def hub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    server.requests, server.files = [], {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_publish_uploads_every_file_byte_for_byte_with_the_env_token(
    fake_checkpoint, eval_results, tmp_path, hub, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)  # the suite runs offline
    endpoint = f"http://127.0.0.1:{hub.server_port}"
    rc = main(
        [
            "publish",
            str(fake_checkpoint),
            "--repo-id",
            "GesturaAI/stick-gen-{variant}",
            "--eval-results",
            str(eval_results),
            "--training-data",
            str(fake_checkpoint.parent.parent / "data" / "train.pt"),
            "--endpoint",
            endpoint,
        ]
    )
    out, err = capsys.readouterr()
    assert rc == 0, err
    paths = [p for p, _, _ in hub.requests]
    assert paths[0] == "/api/repos/create" and json.loads(hub.requests[0][2])["name"] == "stick-gen-tiny"
    assert "/api/models/GesturaAI/stick-gen-tiny/preupload/main" in paths
    assert paths[-1] == "/api/models/GesturaAI/stick-gen-tiny/commit/main"
    assert {auth for _, auth, _ in hub.requests} == {f"Bearer {TOKEN}"}
    expected = build_folder(
        fake_checkpoint,
        tmp_path / "expected",
        "GesturaAI/stick-gen-tiny",
        eval_results,
        tiny_training(fake_checkpoint),
        fps=20.0,
    )
    assert sorted(hub.files) == sorted(f.name for f in expected)
    for f in expected:
        assert hub.files[f.name] == f.read_bytes(), f"{f.name} differs from the folder"
    assert "published" in out and TOKEN not in out + err
    assert all(TOKEN not in p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())


def test_publish_without_a_token_says_how_to_log_in(
    fake_checkpoint, eval_results, tmp_path, monkeypatch, capsys
):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no stored login either
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    data = str(fake_checkpoint.parent.parent / "data" / "train.pt")
    rc = main(["publish", str(fake_checkpoint), "--eval-results", str(eval_results), "--training-data", data])
    assert rc == 1 and "no Hugging Face token: set HF_TOKEN or run `hf auth login`" in capsys.readouterr().err


def test_cli_dry_run_writes_the_folder_only(fake_checkpoint, eval_results, tmp_path, capsys) -> None:
    rc = main(
        [
            "publish",
            str(fake_checkpoint),
            "--dry-run",
            "--out",
            str(tmp_path / "pub"),
            "--eval-results",
            str(eval_results),
            "--training-data",
            str(fake_checkpoint.parent.parent / "data" / "val.pt"),
            str(fake_checkpoint.parent.parent / "data" / "train.pt"),
        ]
    )
    assert rc == 0 and "dry run: 4 files for GesturaAI/stick-gen-tiny" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "pub").iterdir()) == [
        "README.md",
        "config.json",
        "memory.safetensors",
        "model.safetensors",
    ]


def test_cli_dry_run_json_names_the_files_licence_and_sources(
    fake_checkpoint, eval_results, tmp_path, capsys
):
    data = str(fake_checkpoint.parent.parent / "data" / "train.pt")
    argv = ["publish", str(fake_checkpoint), "--dry-run", "--out", str(tmp_path / "pub"), "--json"]
    assert main([*argv, "--eval-results", str(eval_results), "--training-data", data]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] and out["url"] is None and out["folder"] == str(tmp_path / "pub")
    assert out["files"] == ["README.md", "config.json", "memory.safetensors", "model.safetensors"]
    assert (out["license"], out["training_sources"]) == ("other", ["test"])  # trainkit's untagged clips
    missing = ["publish", str(fake_checkpoint), "--dry-run", "--out", str(tmp_path / "x")]
    assert (
        main(
            [
                *missing,
                "--eval-results",
                str(eval_results),
                "--training-data",
                data.replace("train.pt", "val.pt"),
            ]
        )
        == 1
    )
    assert "which none of the candidate files has" in capsys.readouterr().err


def test_card_shows_the_real_row_and_the_evaluations_preview(fake_checkpoint, tmp_path) -> None:
    """The evaluation table puts each metric beside the test motions' own (`real` section); the first
    preview GIF the evaluation wrote goes into the folder, byte for byte, and the card shows it."""
    from stickgen.evaluate.previews import preview_name
    from stickgen.evaluate.prompts import preview_prompts

    root = tmp_path / "eval_results"
    plots = root / "tiny" / "pretrain" / "plots"
    plots.mkdir(parents=True)
    report = {**METRICS, "hml3d": {"fid": 1.5, "real": {"real_fid": 0.25, "real_jerk": 3.0}}}
    (root / "tiny" / "pretrain" / "metrics.json").write_text(json.dumps(report))
    prompts = preview_prompts()
    gif = plots / preview_name(1, prompts[1].text)  # the first one present is shown
    gif.write_bytes(b"GIF89a-preview")
    (plots / "loss_curves.png").write_bytes(b"png")
    out = tmp_path / "pub"
    files = build_folder(fake_checkpoint, out, "o/n", root, tiny_training(fake_checkpoint), fps=20.0)
    names = ["README.md", "config.json", "memory.safetensors", "model.safetensors", "preview.gif"]
    assert sorted(f.name for f in files) == names
    assert (out / "preview.gif").read_bytes() == b"GIF89a-preview"
    _, body = _card(out / "README.md")
    assert f"![{prompts[1].text}](preview.gif)" in body and gif.as_posix() in body
    assert "| metric | generated | real test motions |" in body
    assert "| FID | 1.5 | 0.25 |" in body and "| Validation loss | 0.125 |  |" in body
    assert "| real_jerk | 3 |  |" in body  # a real metric without a generated one keeps its row
