"""The real DVC pipeline on tiny params: repro, no-op repro, status, metrics, plots, exp run + diff."""

from __future__ import annotations

import json
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


def test_exp_run_with_another_learning_rate_shows_in_metrics_diff(pipeline_repo: Path) -> None:
    sh("dvc", "exp", "run", "-S", "train.pretrain.lr=0.003", cwd=pipeline_repo)
    diff = json.loads(sh("dvc", "metrics", "diff", "--json", cwd=pipeline_repo))
    changed = {k for path in diff.values() for k in path}
    assert "val_loss" in changed and "motion_mse" in changed, diff
    # the workspace now holds the experiment: go back to the committed run for later tests
    sh("git", "checkout", "--", ".", cwd=pipeline_repo)
    sh("dvc", "checkout", "--force", cwd=pipeline_repo)
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}
