"""`make reproduce-check` (`stickgen.ops.reproduce`) against a stand-in `dvc`: every run's hashes compared
with
each other and with the dvc.lock found before the first run, the last run on the narrowed CPU paths.

The real pipeline through real DVC (one narrowed run against the committed lock):
tests/integration/test_dvc_pipeline.py::test_reproduce_check_finds_byte_identical_data_outputs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from stickgen.ops import reproduce

# `dvc repro --dry --force embed` lists the target's upstream; `dvc repro --force embed` writes a dvc.lock
# whose hashes come from scenario.json: "usual" or "narrowed" by the environment it runs in, and a
# downstream stage's output that changes on every run (outside the target: never compared)
FAKE_DVC = """#!{python}
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
if args == ["repro", "--dry", "--force", "embed"]:
    print("Running stage 'samples':\\n> python stages/samples.py\\n")
    print("Running stage 'embed':\\n> python stages/embed.py\\n")
    sys.exit(0)
assert args == ["repro", "--force", "embed"], args
calls = json.loads(Path("calls.json").read_text()) if Path("calls.json").exists() else []
calls.append({{k: os.environ.get(k) for k in {keys!r}}})
Path("calls.json").write_text(json.dumps(calls))
flavour = "narrowed" if os.environ.get("ATEN_CPU_CAPABILITY") else "usual"
md5 = json.loads(Path("scenario.json").read_text())[flavour]
stages = {{
    "samples": {{"outs": [{{"path": "data/samples", "md5": md5["samples"]}}]}},
    "embed": {{"outs": [{{"path": "data/embedded/train.pt", "md5": md5["embed"]}}]}},
    "pretrain@tiny": {{"outs": [{{"path": "models/tiny", "md5": "run-%d" % len(calls)}}]}},
}}
Path("dvc.lock").write_text(json.dumps({{"schema": "2.0", "stages": stages}}))
"""
SAME = {"samples": "aaa", "embed": "bbb"}
_PATHS = {"samples": "data/samples", "embed": "data/embedded/train.pt"}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the stand-in `dvc` first on PATH; the working directory of the test."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dvc = bin_dir / "dvc"
    dvc.write_text(FAKE_DVC.format(python=sys.executable, keys=sorted(reproduce.narrowed_cpu_env())))
    dvc.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    for key in reproduce.narrowed_cpu_env():
        monkeypatch.delenv(key, raising=False)
    work = tmp_path / "repo"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _scenario(repo: Path, usual: dict, narrowed: dict, lock: dict | None) -> None:
    (repo / "scenario.json").write_text(json.dumps({"usual": usual, "narrowed": narrowed}))
    if lock is not None:
        stages = {s: {"outs": [{"path": p, "md5": lock[s]}]} for s, p in _PATHS.items()}
        (repo / "dvc.lock").write_text(yaml.safe_dump({"schema": "2.0", "stages": stages}))


def _calls(repo: Path) -> list[dict]:
    return json.loads((repo / "calls.json").read_text())


def test_runs_that_agree_with_each_other_and_the_lock_pass(repo: Path) -> None:
    _scenario(repo, SAME, SAME, lock=SAME)
    assert reproduce.main(["--out", "report.json"]) == 0
    report = json.loads((repo / "report.json").read_text())
    assert report["stages"] == ["samples", "embed"] and report["runs"] == 2
    assert report["outputs"] == {"data/samples": "aaa", "data/embedded/train.pt": "bbb"}  # upstream only
    assert report["identical"] and report["differing"] == []
    assert report["matches_lock"] and report["differing_from_lock"] == []
    narrowed = reproduce.narrowed_cpu_env()
    assert report["narrowed_env"] == narrowed
    first, last = _calls(repo)  # the first run on the usual code paths, the last one narrowed
    assert set(first.values()) == {None} and last == narrowed


def test_a_narrowed_run_that_writes_other_bytes_fails(repo: Path) -> None:
    _scenario(repo, SAME, {**SAME, "embed": "ccc"}, lock=SAME)
    assert reproduce.main(["--out", "report.json"]) == 1
    report = json.loads((repo / "report.json").read_text())
    assert not report["identical"] and report["differing"] == ["data/embedded/train.pt"]
    assert report["matches_lock"]  # the first run (usual paths) is the lock's


def test_runs_that_agree_but_differ_from_the_committed_lock_fail(repo: Path) -> None:
    _scenario(repo, SAME, SAME, lock={**SAME, "samples": "old"})
    assert reproduce.main(["--out", "report.json", "--runs", "3"]) == 1
    report = json.loads((repo / "report.json").read_text())
    assert report["identical"] and report["runs"] == 3 and len(_calls(repo)) == 3
    assert not report["matches_lock"] and report["differing_from_lock"] == ["data/samples"]
    assert [c["ATEN_CPU_CAPABILITY"] for c in _calls(repo)] == [None, None, "default"]


def test_no_narrowing_and_no_lock_before_the_first_run(repo: Path) -> None:
    """--no-narrow: every run on the usual paths; without a dvc.lock there is nothing to match (not a
    failure: a fresh pipeline)."""
    _scenario(repo, SAME, {**SAME, "embed": "ccc"}, lock=None)
    assert reproduce.main(["--out", "report.json", "--no-narrow"]) == 0
    report = json.loads((repo / "report.json").read_text())
    assert report["identical"] and report["narrowed_env"] == {} and not report["matches_lock"]
    assert all(set(c.values()) == {None} for c in _calls(repo))
