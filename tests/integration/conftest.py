"""A tiny copy of this repository with the real DVC pipeline run once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, tiny_params_dict


def tool_env(env: dict | None = None) -> dict[str, str]:
    """This environment with the venv's tools on PATH, offline, without DVC analytics; `env` added."""
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **(env or {}),
    }


def sh(*cmd: str, cwd: Path, env: dict | None = None) -> str:
    """Run a command with the venv's tools on PATH; fail the test with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=tool_env(env), capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def make_repo(work: Path, params: dict, hydra: bool = False) -> Path:
    """Copy the pipeline's code into `work`, with `params`, as a fresh git + DVC repository.

    A fresh `dvc init` leaves DVC's Hydra composition off: `params` stay as written and `dvc exp run -S
    key=value` edits params.yaml in place (the tiny settings need no profile of their own). With
    `hydra=True` conf/ is copied and composition is on, as in this repository: every `dvc exp run`
    then rewrites params.yaml from conf/ (tests/integration/test_exp_queue.py).
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for d in ("src", "stages") + (("conf",) if hydra else ()):
        shutil.copytree(ROOT / d, work / d, ignore=ignore)
    for f in ("dvc.yaml", ".gitignore", ".dvcignore"):
        shutil.copy(ROOT / f, work / f)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    sh("git", "init", "-q", cwd=work)
    sh("git", "config", "user.email", "ci@stickgen.invalid", cwd=work)
    sh("git", "config", "user.name", "ci", cwd=work)
    sh("dvc", "init", "-q", cwd=work)
    sh("dvc", "config", "core.analytics", "false", cwd=work)
    if hydra:
        sh("dvc", "config", "hydra.enabled", "true", cwd=work)
    sh("git", "add", "-A", cwd=work)
    sh("git", "commit", "-qm", "pipeline code", cwd=work)
    return work


# what the tiny pipeline's `dvc repro` writes besides dvc.lock: a snapshot of these is kept for the tests
# that only read the stages' outputs (tests/integration/test_stages.py)
OUTPUTS = ("params.yaml", "data", "models", "eval_results", "dvclive")


@dataclass(frozen=True)
class TinyRun:
    """The tiny pipeline, reproduced once per session."""

    repo: Path  # the repository after `dvc repro`, committed (dvc.lock in git); tests may change it
    outputs: Path  # a copy of params.yaml and every output folder as the repro left them; nobody changes it
    log: str  # what `dvc repro` printed, each stage's own stdout and stderr in between, in order


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> TinyRun:
    root = tmp_path_factory.mktemp("tiny")
    work = make_repo(root / "repo", tiny_params_dict())
    proc = subprocess.run(
        ["dvc", "repro"],
        cwd=work,
        env=tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.returncode == 0, f"dvc repro failed:\n{proc.stdout}"
    sh("git", "add", "-A", cwd=work)
    sh("git", "commit", "-qm", "tiny pipeline", cwd=work)
    outputs = root / "outputs"
    outputs.mkdir()
    for name in OUTPUTS:
        copy = shutil.copytree if (work / name).is_dir() else shutil.copy2
        copy(work / name, outputs / name)
    return TinyRun(work, outputs, proc.stdout)


@pytest.fixture(scope="session")
def pipeline_repo(tiny_run: TinyRun) -> Path:
    """The tiny pipeline, reproduced and committed (dvc.lock in git)."""
    return tiny_run.repo
