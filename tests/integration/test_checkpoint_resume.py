"""Exact resume: a training run killed with SIGKILL at a random step and resumed ends with the weights of
an uninterrupted run; an interrupted `dvc repro` resumes the same way (persisted outputs)."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from helpers import ROOT
from trainkit import (
    one_thread,  # noqa: F401
    stage_args,
    stage_env,
    tiny_params,
    train_in_process,
    walking_set,
    weights,
    write_sets,
)

from stickgen.train import checkpoint as ck

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]
STEPS = 4 * 10  # 4 epochs of 40 clips / batch 4
STEP_LINE = re.compile(r"INFO step (\d+)/")


def _params(path: Path) -> Path:
    # dropout on: the resumed run must also reproduce every dropout mask; two threads, as the embedded
    # default trains (its batches built at one thread between the steps on two)
    return tiny_params(
        path,
        model={"dropout": 0.1},
        train={"cpu_threads": 2},
        pretrain={"epochs": 4, "batch_size": 4, "resume_every_steps": 3, "save_every_epochs": 2},
    )


def _last_step(log: Path) -> int:
    if not log.is_file():
        return 0
    steps = STEP_LINE.findall(log.read_text())
    return int(steps[-1]) if steps else 0


def _kill_when(proc: subprocess.Popen, log: Path, step: int, group: bool = False) -> int:
    """SIGKILL `proc` (its process group if `group`) once `log` shows `step`; returns the last step logged."""
    deadline = time.monotonic() + 120
    while _last_step(log) < step:
        assert proc.poll() is None, f"the run ended before step {step}:\n{proc.communicate()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return _last_step(log)


def _curve(live: Path, name: str = "train/loss") -> list[tuple[str, ...]]:
    rows = (live / f"plots/metrics/{name}.tsv").read_text().splitlines()[1:]
    return [tuple(r.split("\t")[1:]) for r in rows]  # (step, value) without the timestamp


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[dict[str, Path], Path]:
    folder = tmp_path_factory.mktemp("resume")
    sets = write_sets(folder / "data", walking_set(40, "t"), walking_set(8, "v", seed=1))
    return sets, _params(folder / "params.yaml")


@pytest.fixture(scope="module")
def uninterrupted(data, tmp_path_factory) -> Path:
    """The reference run, in this process on the params' threads (numerically a stage subprocess)."""
    sets, params = data
    out = tmp_path_factory.mktemp("whole")
    train_in_process("pretrain", sets, out, params)
    return out


def test_sigkill_at_a_random_step_then_resume_gives_identical_weights(data, uninterrupted, tmp_path) -> None:
    sets, params = data
    target = random.randrange(4, STEPS // 2)
    proc = subprocess.Popen(
        [sys.executable, *stage_args("pretrain", sets, tmp_path, params)],
        cwd=tmp_path,
        env=stage_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_at = _kill_when(proc, tmp_path / "model/training_verbose.log", target)
    assert not (tmp_path / "model" / ck.FINAL).exists()
    point = ck.load_checkpoint(tmp_path / "model" / ck.LATEST)["step"]
    assert 0 < point <= killed_at < STEPS, (target, point, killed_at)

    train_in_process("pretrain", sets, tmp_path, params)  # no resume flags: its own latest checkpoint

    log = (tmp_path / "model/training_verbose.log").read_text()
    assert f"(own latest checkpoint) at step {point}\n" in log, (target, killed_at, log[-2000:])
    # the killed run's lines up to the resume point, then the resumed run's: every step logged once
    assert [int(s) for s in STEP_LINE.findall(log)] == list(range(1, STEPS + 1)), (point, killed_at)
    a, b = weights(uninterrupted / "model" / ck.FINAL), weights(tmp_path / "model" / ck.FINAL)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"killed at step {killed_at}, resumed at {point}: {different}"
    for name in ("train/loss", "train/epoch_loss", "val/loss"):  # no duplicated or missing steps
        assert _curve(tmp_path / "live", name) == _curve(uninterrupted / "live", name), name
    for tsv in (tmp_path / "live").rglob("*.tsv"):  # the cut curves rewritten with DVCLive's line ends
        assert b"\r" not in tsv.read_bytes(), tsv
    assert {p.name for p in (tmp_path / "model").iterdir()} == {
        p.name for p in (uninterrupted / "model").iterdir()
    }


def test_a_complete_run_run_again_changes_nothing(data, uninterrupted, tmp_path) -> None:
    """A stage rerun whose run is complete (its own latest checkpoint at the last step: `dvc repro` after a
    change the run's identity does not see) trains nothing and keeps its curves and summary byte for byte;
    it once rewrote them, its metrics.json down to the best loss and its curves with CRLF line ends."""
    sets, params = data
    shutil.copytree(uninterrupted, tmp_path, dirs_exist_ok=True)

    def tracked() -> dict[Path, bytes]:  # what dvc.yaml tracks of the live folder (its clock log goes on)
        live = tmp_path / "live"
        return {p: p.read_bytes() for p in [live / "metrics.json", *(live / "plots").rglob("*.tsv")]}

    before = tracked()
    final = weights(tmp_path / "model" / ck.FINAL)
    out = train_in_process("pretrain", sets, tmp_path, params)
    assert out["steps"] == STEPS and "final_val_loss" not in out
    assert f"the run was complete at step {STEPS}" in (tmp_path / "model/training_verbose.log").read_text()
    assert tracked() == before and len(before) > 5
    assert all(torch.equal(final[k], v) for k, v in weights(tmp_path / "model" / ck.FINAL).items())


def test_resume_from_an_epoch_checkpoint_continues_to_the_same_weights(data, uninterrupted, tmp_path) -> None:
    """--resume_from another run's checkpoint_epoch_2.pth: the same end as the uninterrupted run."""
    sets, params = data
    epoch_2 = str(uninterrupted / "model/checkpoint_epoch_2.pth")
    train_in_process("pretrain", sets, tmp_path, params, resume_from=epoch_2)
    assert "(--resume_from) at step 20\n" in (tmp_path / "model/training_verbose.log").read_text()
    a, b = weights(uninterrupted / "model" / ck.FINAL), weights(tmp_path / "model" / ck.FINAL)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_an_interrupted_dvc_repro_resumes(data, uninterrupted, tmp_path) -> None:
    sets, params = data
    repo = tmp_path
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for d in ("src", "stages"):
        shutil.copytree(ROOT / d, repo / d, ignore=ignore)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    (repo / "dvc.yaml").write_text(
        yaml.safe_dump({"stages": {"pretrain": stages["pretrain"]}}, sort_keys=False)
    )
    shutil.copy(params, repo / "params.yaml")
    (repo / "data/embedded").mkdir(parents=True)
    for name, src in (("pretrain.pt", sets["train"]), ("val.pt", sets["val"]), ("stats.json", sets["stats"])):
        shutil.copy(src, repo / "data/embedded" / name)
    env = stage_env(
        DVC_NO_ANALYTICS="1", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )

    def dvc(*args: str) -> str:
        proc = subprocess.run(["dvc", *args], cwd=repo, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"dvc {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    dvc("init", "-q")
    proc = subprocess.Popen(
        ["dvc", "repro"],
        cwd=repo,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    killed_at = _kill_when(proc, repo / "models/tiny/pretrain/training_verbose.log", STEPS // 3, group=True)
    assert not (repo / "models/tiny/pretrain" / ck.FINAL).exists()

    out = dvc("repro")
    assert "Running stage 'pretrain@tiny'" in out
    log = (repo / "models/tiny/pretrain/training_verbose.log").read_text()
    assert "(own latest checkpoint) at step" in log, (killed_at, log[-2000:])
    assert [int(s) for s in STEP_LINE.findall(log)] == list(range(1, STEPS + 1)), killed_at
    a = weights(uninterrupted / "model" / ck.FINAL)
    b = weights(repo / "models/tiny/pretrain" / ck.FINAL)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert "up to date" in dvc("repro").lower()
