"""Experiments through DVC's queue: queue, run, list, compare (docs/architecture.md, "Using it"), and the
full profile queued.

The queued runs start from the committed tiny pipeline (`pipeline_repo`): the queue worker checks the
data stages' outputs out of the shared cache, so only the targeted training and evaluation stages run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from conftest import make_repo, sh
from helpers import ROOT, compose_profile

from stickgen.core.config import Params, build

pytestmark = pytest.mark.slow

QUEUE_TIMEOUT_S = 900


def _experiments(repo: Path) -> dict[str, dict]:
    """`dvc exp show --json`: experiment name -> its data (params, metrics), queued ones included."""
    out = {}
    for baseline in json.loads(sh("dvc", "exp", "show", "--json", cwd=repo)):
        for exp in baseline.get("experiments") or []:
            for rev in exp["revs"]:
                out[rev["name"]] = {**rev["data"], "state": (exp.get("executor") or {}).get("state")}
    return out


def _queue_states(repo: Path) -> dict[str, str]:
    """`dvc queue status`: task name -> Queued / Running / Success / Failed."""
    rows = sh("dvc", "queue", "status", cwd=repo).split("\n\n")[0].splitlines()[1:]
    return {row.split()[1]: row.split()[-1] for row in rows if row.strip()}


def _wait_for_queue(repo: Path, names: list[str]) -> None:
    deadline = time.monotonic() + QUEUE_TIMEOUT_S
    while any((states := _queue_states(repo)).get(n) in ("Queued", "Running") for n in names):
        assert time.monotonic() < deadline, f"queue not done after {QUEUE_TIMEOUT_S} s: {states}"
        time.sleep(3)
    failed = [n for n in names if states.get(n) != "Success"]
    logs = "\n".join(sh("dvc", "queue", "logs", n, cwd=repo)[-3000:] for n in failed)
    assert not failed, f"{states}\n{logs}"


def _wait_for_workers_to_exit(repo: Path, timeout_s: float = 60) -> None:
    """Idle queue workers shut themselves down after 10 s; stop them if they linger."""
    deadline = time.monotonic() + timeout_s
    while "0 active, 0 idle" not in sh("dvc", "queue", "status", cwd=repo):
        if time.monotonic() > deadline:
            sh("dvc", "queue", "stop", "--kill", cwd=repo)
            return
        time.sleep(2)


def test_queued_experiments_run_and_compare(pipeline_repo: Path) -> None:
    repo = pipeline_repo
    lrs = {"lr-low": "0.0002", "lr-high": "0.004"}
    for name, lr in lrs.items():  # pretrain@tiny and its evaluation only: the target's upstream
        override = f"train.pretrain.lr={lr}"
        sh("dvc", "exp", "run", "--queue", "-n", name, "-S", override, "evaluate@tiny-pretrain", cwd=repo)
    assert {_experiments(repo)[n]["state"] for n in lrs} == {"queued"}
    try:
        sh("dvc", "queue", "start", "--jobs", "1", cwd=repo)
        _wait_for_queue(repo, list(lrs))
    finally:
        _wait_for_workers_to_exit(repo)
    logs = sh("dvc", "queue", "logs", "lr-low", cwd=repo)
    assert "Stage 'embed' didn't change, skipping" in logs and "Running stage 'pretrain@tiny'" in logs, logs

    exps = _experiments(repo)
    report = "eval_results/tiny/pretrain/metrics.json"
    val_loss = {}
    for name, lr in lrs.items():
        assert exps[name]["state"] == "success", exps[name]
        assert exps[name]["params"]["params.yaml"]["data"]["train"]["pretrain"]["lr"] == float(lr)
        val_loss[name] = exps[name]["metrics"][report]["data"]["selection"]["val_loss"]
    assert val_loss["lr-low"] != val_loss["lr-high"], val_loss

    diff = json.loads(sh("dvc", "metrics", "diff", "lr-low", "lr-high", "--json", cwd=repo))
    row = diff[report]["selection.val_loss"]
    assert (row["old"], row["new"]) == (val_loss["lr-low"], val_loss["lr-high"]), row
    assert "dvclive/tiny/pretrain/metrics.json" in diff, sorted(diff)

    plots = json.loads(sh("dvc", "plots", "diff", "lr-low", "lr-high", "--json", cwd=repo))
    assert not plots.get("errors"), plots["errors"]
    (curve,) = plots["data"]["dvclive/tiny/pretrain/plots/metrics/val/loss.tsv"]
    assert {v["rev"] for v in curve["content"]["data"]["values"]} == set(lrs), curve["content"]["data"]


def test_full_profile_queues_as_its_composition_and_fans_out(tmp_path: Path) -> None:
    """With Hydra on, `-S profile=full` makes the queued run's params.yaml the full composition."""
    committed = yaml.safe_load((ROOT / "params.yaml").read_text())
    repo = make_repo(tmp_path, committed, hydra=True)
    sh("dvc", "exp", "run", "--queue", "--name", "full", "-S", "profile=full", cwd=repo)
    try:
        queued = _experiments(repo)["full"]["params"]["params.yaml"]["data"]
    finally:
        sh("dvc", "queue", "remove", "--all", cwd=repo)
    assert queued == compose_profile("full", repo / "conf")
    build(Params, queued, "")
    assert yaml.safe_load((repo / "params.yaml").read_text()) == committed  # the workspace is untouched
    (repo / "params.yaml").write_text(yaml.safe_dump(queued, sort_keys=False))
    stages = set(sh("dvc", "stage", "list", "--name-only", cwd=repo).split())
    assert {"convert@amass", "pretrain@large", "lora@medium", "evaluate@large-lora"} <= stages, stages
