"""The real DVC pipeline on tiny params: repro, no-op repro, status, metrics, plots, exp run + diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import sh

pytestmark = pytest.mark.slow


def test_repro_runs_every_stage_and_locks_them(pipeline_repo: Path) -> None:
    lock = yaml.safe_load((pipeline_repo / "dvc.lock").read_text())
    stages = set(lock["stages"])
    assert {"samples", "synthesize", "curate", "embed", "pretrain@tiny", "evaluate@tiny-pretrain"} <= stages
    assert any(s.startswith("convert@") for s in stages)
    assert (pipeline_repo / "models/tiny/pretrain/model_checkpoint_best.pth").is_file()
    assert not (pipeline_repo / "dvclive/tiny/pretrain/dvc.yaml").exists()


def test_outputs_stay_a_few_large_files(pipeline_repo: Path) -> None:
    lock = yaml.safe_load((pipeline_repo / "dvc.lock").read_text())
    for name, stage in lock["stages"].items():
        for out in stage.get("outs", []):
            if name != "samples":  # raw sample files mirror each dataset's native one-file-per-take layout
                assert out.get("nfiles", 1) <= 25, f"{name}: {out['path']} has {out.get('nfiles')} files"


def test_second_repro_does_nothing_and_status_is_clean(pipeline_repo: Path) -> None:
    out = sh("dvc", "repro", cwd=pipeline_repo)
    assert "Running stage" not in out, out
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}


def test_metrics_and_plots_are_visible_to_dvc(pipeline_repo: Path) -> None:
    flat = json.dumps(json.loads(sh("dvc", "metrics", "show", "--json", cwd=pipeline_repo)))
    assert "val_loss" in flat and "motion_mse" in flat
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=pipeline_repo))
    assert not plots.get("errors"), plots.get("errors")
    keys = " ".join(plots["data"])
    assert "train/loss.tsv" in keys and "val/loss.tsv" in keys, keys


def test_plots_render_offline_to_png_and_a_self_contained_page(pipeline_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    sh(sys.executable, "-m", "stickgen.plots", "--out", str(out), cwd=pipeline_repo)
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert any("train_loss" in p for p in pngs) and any("val_loss" in p for p in pngs), pngs
    assert all((out / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == len(pngs) and "<script" not in page


def test_reproduce_check_finds_byte_identical_data_outputs(pipeline_repo: Path) -> None:
    sh(sys.executable, "-m", "stickgen.reproduce", "--out", "reproduce_check.json", cwd=pipeline_repo)
    report = json.loads((pipeline_repo / "reproduce_check.json").read_text())
    assert report["identical"] and {"samples", "synthesize", "curate", "embed"} <= set(report["stages"])
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}  # nothing downstream changed
    (pipeline_repo / "reproduce_check.json").unlink()


def test_exp_run_with_another_learning_rate_shows_in_metrics_diff(pipeline_repo: Path) -> None:
    sh("dvc", "exp", "run", "-S", "train.pretrain.lr=0.003", cwd=pipeline_repo)
    diff = json.loads(sh("dvc", "metrics", "diff", "--json", cwd=pipeline_repo))
    changed = {k for path in diff.values() for k in path}
    assert "val_loss" in changed and "motion_mse" in changed, diff
    # the workspace now holds the experiment: go back to the committed run for later tests
    sh("git", "checkout", "--", ".", cwd=pipeline_repo)
    sh("dvc", "checkout", "--force", cwd=pipeline_repo)
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}
