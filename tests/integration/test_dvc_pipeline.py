"""The real DVC pipeline on tiny params: repro, no-op repro, status, metrics, plots, exp run + diff."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, tiny_params_dict

pytestmark = pytest.mark.slow


def sh(*cmd: str, cwd: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "DVC_NO_ANALYTICS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for d in ("src", "stages"):
        shutil.copytree(ROOT / d, work / d, ignore=ignore)
    shutil.copy(ROOT / "dvc.yaml", work / "dvc.yaml")
    shutil.copy(ROOT / ".gitignore", work / ".gitignore")
    (work / "params.yaml").write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    sh("git", "init", "-q", cwd=work)
    sh("git", "config", "user.email", "ci@stickgen.invalid", cwd=work)
    sh("git", "config", "user.name", "ci", cwd=work)
    sh("dvc", "init", "-q", cwd=work)
    sh("dvc", "config", "core.analytics", "false", cwd=work)
    sh("dvc", "repro", cwd=work)
    sh("git", "add", "-A", cwd=work)
    sh("git", "commit", "-qm", "tiny pipeline", cwd=work)
    return work


def test_repro_runs_every_stage_and_locks_them(repo: Path) -> None:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert set(lock["stages"]) == {"samples", "convert@humanml3d", "synthesize", "curate", "embed",
                                   "pretrain@tiny", "evaluate@tiny-pretrain"}
    assert (repo / "models/tiny/pretrain/model_checkpoint_best.pth").is_file()
    assert not (repo / "dvclive/tiny/pretrain/dvc.yaml").exists()


def test_second_repro_does_nothing_and_status_is_clean(repo: Path) -> None:
    out = sh("dvc", "repro", cwd=repo)
    assert "up to date" in out.lower() and "Running stage" not in out
    assert json.loads(sh("dvc", "status", "--json", cwd=repo)) == {}


def test_metrics_and_plots_are_visible_to_dvc(repo: Path) -> None:
    metrics = json.loads(sh("dvc", "metrics", "show", "--json", cwd=repo))
    flat = json.dumps(metrics)
    assert "val_loss" in flat and "motion_mse" in flat
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=repo))
    assert any("train/loss.tsv" in k for k in plots) and any("val/loss.tsv" in k for k in plots)


def test_exp_run_with_another_learning_rate_shows_in_metrics_diff(repo: Path) -> None:
    sh("dvc", "exp", "run", "-S", "train.pretrain.lr=0.003", cwd=repo)
    diff = json.loads(sh("dvc", "metrics", "diff", "--json", cwd=repo))
    changed = {k for path in diff.values() for k in path}
    assert "val_loss" in changed and "motion_mse" in changed, diff
