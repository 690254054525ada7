"""Faults injected into the pipeline's long non-training stages (training: test_checkpoint_resume.py).

- SIGKILL at a random point of convert, synthesize, curate, embed and evaluate (each stage's script with
  dvc.yaml's command line, on the tiny pipeline's inputs), then the stage again without clearing what the kill
  left: it completes, its outputs are an uninterrupted run's byte for byte (the evaluation's reports but for
  their timestamp) and no temporary file is left behind;
- a full disk during a write (a file-size limit, RLIMIT_FSIZE, on synthesize and curate): one line naming the
  file, the previous outputs unchanged, no temporary file;
- a corrupted object in the DVC cache: DVC itself restores it and runs a stage on it without a word;
  `python -m stickgen.ops.cache_check` (`make verify-cache`, run by `make repro`) reports it.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TinyRun, sh, tool_env
from helpers import ROOT

pytestmark = pytest.mark.slow
KILLED = ("convert@humanml3d", "synthesize", "curate", "embed", "evaluate@tiny-pretrain")


@dataclass(frozen=True)
class Stage:
    cmd: str  # dvc.yaml's command line, resolved against the tiny params
    outs: tuple[str, ...]  # every output path (outs, metrics, plots), relative to the repository
    persist: tuple[str, ...]  # those that `dvc repro` keeps across runs


@pytest.fixture(scope="module")
def stages(tiny_run: TinyRun) -> dict[str, Stage]:
    from dvc.repo import Repo

    with Repo(str(tiny_run.repo)) as r:
        return {
            s.name: Stage(
                s.cmd,
                tuple(str(o.def_path) for o in s.outs),
                tuple(str(o.def_path) for o in s.outs if o.persist),
            )
            for s in r.index.stages
            if s.cmd
        }


@pytest.fixture(scope="module")
def workdir(tiny_run: TinyRun, tmp_path_factory) -> Path:
    """A private copy of the tiny pipeline's params.yaml and outputs: every stage's inputs."""
    work = tmp_path_factory.mktemp("faults")
    shutil.copytree(tiny_run.outputs, work, dirs_exist_ok=True)
    return work


def start(stage: Stage, cwd: Path, limit_bytes: int | None = None) -> subprocess.Popen:
    """The stage's command in its own process group (`python` as this interpreter); `limit_bytes`: the
    largest file it may write (RLIMIT_FSIZE, SIGXFSZ ignored so a write fails with EFBIG)."""
    words = shlex.split(stage.cmd)
    assert words[0] == "python" and words[1].startswith("stages/"), stage.cmd

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen(
        [sys.executable, str(ROOT / words[1]), *words[2:]],
        cwd=cwd,
        env=tool_env({"OMP_NUM_THREADS": "1"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=limit if limit_bytes else None,
    )


def finish(proc: subprocess.Popen) -> None:
    out, err = proc.communicate()
    assert proc.returncode == 0, f"{proc.args} failed:\n{out}\n{err}"


def clear(stage: Stage, cwd: Path) -> None:
    """Remove the stage's outputs as `dvc repro` does before it runs a stage (persisted ones are kept)."""
    for out in set(stage.outs) - set(stage.persist):
        path = cwd / out
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def writing(stage: Stage, cwd: Path) -> bool:
    """Whether the stage has begun to write an output (whole, or its temporary file beside it)."""
    for out in set(stage.outs) - set(stage.persist):
        path = cwd / out
        if path.is_file() or (path.is_dir() and any(path.iterdir())):
            return True
        if path.parent.is_dir() and any(path.parent.glob(f".{path.name}.tmp-*")):
            return True
    return False


def kill_while_writing(stage: Stage, cwd: Path, rng: random.Random) -> float:
    """Start the stage, SIGKILL it (its process group) a random 0-50 ms after its first output file (whole
    or temporary) appears: in the middle of its writes, which take milliseconds at the tiny sizes. Returns
    the seconds it ran. A stage that ended before the kill is run again and killed sooner."""
    for extra in (rng.uniform(0.0, 0.05), 0.0, 0.0):
        clear(stage, cwd)
        proc = start(stage, cwd)
        t0 = time.monotonic()
        while not writing(stage, cwd) and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(extra)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        if proc.returncode == -signal.SIGKILL:
            return time.monotonic() - t0
    raise AssertionError(f"{stage.cmd}: ended before every kill")


def snapshot(stage: Stage, cwd: Path) -> dict[str, object]:
    """Every file of the stage's outputs: its bytes, or for a JSON report its content without `timestamp`."""
    found: dict[str, object] = {}
    for out in stage.outs:
        root = cwd / out
        for path in sorted([root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]):
            data = path.read_bytes()
            if path.suffix == ".json" and b'"timestamp"' in data:
                report = json.loads(data)
                report.pop("timestamp")
                data = report
            found[path.relative_to(cwd).as_posix()] = data
    return found


def temporaries(cwd: Path) -> list[str]:
    return sorted(p.relative_to(cwd).as_posix() for p in cwd.rglob(".*.tmp-*"))


@pytest.mark.parametrize("name", KILLED)
def test_a_stage_killed_at_a_random_point_reruns_to_the_uninterrupted_outputs(
    name: str, stages: dict[str, Stage], workdir: Path, tiny_run: TinyRun
) -> None:
    """Killed while it writes its outputs, then run again on what the kill left: the uninterrupted run's
    outputs (the tiny pipeline's `dvc repro`), no temporary file."""
    stage = stages[name]
    reference = snapshot(stage, tiny_run.outputs)
    assert reference, f"{name} wrote nothing in {stage.outs}"
    ran = kill_while_writing(stage, workdir, random.Random())
    left, orphans = snapshot(stage, workdir), temporaries(workdir)
    print(f"\n{name}: killed after {ran:.2f} s: {len(left)}/{len(reference)} outputs, {len(orphans)} tmp")

    finish(start(stage, workdir))
    after = snapshot(stage, workdir)
    assert after.keys() == reference.keys()
    assert [f for f in reference if after[f] != reference[f]] == [], f"killed after {ran:.2f} s"
    assert temporaries(workdir) == []


@pytest.mark.parametrize("name", ["synthesize", "curate"])
def test_a_full_disk_during_a_write_gives_one_line_and_leaves_the_outputs_whole(
    name: str, stages: dict[str, Stage], workdir: Path
) -> None:
    """A file-size limit below the stage's smallest `.pt` output: the first such write fails. The previous
    outputs (an earlier run's) stay byte for byte, and the error is one line naming the file."""
    stage = stages[name]
    before = snapshot(stage, workdir)
    smallest = min(len(v) for k, v in before.items() if k.endswith(".pt"))
    proc = start(stage, workdir, limit_bytes=smallest // 2)
    out, err = proc.communicate()
    assert proc.returncode == 1, (out, err)
    (line,) = err.splitlines()
    assert line.startswith(f"{name.split('@')[0]}: cannot write data/") and line.endswith(
        ".pt: File too large (the file is unchanged)"
    ), err
    assert snapshot(stage, workdir) == before
    assert temporaries(workdir) == []


def test_a_corrupted_cache_object_is_restored_by_dvc_but_reported_by_verify_cache(tmp_path: Path) -> None:
    """DVC 3.67 trusts its cache: a flipped byte in a read-only object passes `dvc status`, `dvc checkout`
    restores the corrupt bytes and `dvc repro` runs a stage on them. `stickgen.ops.cache_check` rehashes every
    object and names the corrupt one (exit 1); a clean cache passes (exit 0)."""
    sh("git", "init", "-q", cwd=tmp_path)
    sh("dvc", "init", "-q", cwd=tmp_path)
    good = random.Random(0).randbytes(50_000)
    (tmp_path / "train.bin").write_bytes(good)
    (tmp_path / "set").mkdir()
    (tmp_path / "set/a.txt").write_text("a\n")
    sh("dvc", "add", "-q", "train.bin", "set", cwd=tmp_path)
    train = {"cmd": "md5sum train.bin > model.txt", "deps": ["train.bin"], "outs": ["model.txt"]}
    (tmp_path / "dvc.yaml").write_text(json.dumps({"stages": {"train": train}}))
    check = [sys.executable, "-m", "stickgen.ops.cache_check"]
    clean = subprocess.run(check, cwd=tmp_path, env=tool_env(), capture_output=True, text=True)
    assert clean.returncode == 0 and "3 objects" in clean.stdout and ": 0 corrupt" in clean.stdout, clean

    md5 = sh("md5sum", "train.bin", cwd=tmp_path).split()[0]
    obj = tmp_path / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    stat = obj.stat()
    obj.chmod(0o644)
    with obj.open("r+b") as fh:  # bit rot: one byte, size, mode and times as they were
        fh.seek(1000)
        fh.write(bytes([good[1000] ^ 0xFF]))
    obj.chmod(stat.st_mode)
    os.utime(obj, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    assert "up to date" in sh("dvc", "status", "train.bin.dvc", cwd=tmp_path)
    (tmp_path / "train.bin").unlink()
    sh("dvc", "checkout", "train.bin.dvc", cwd=tmp_path)
    assert (tmp_path / "train.bin").read_bytes() != good  # restored from the corrupt object, silently
    sh("dvc", "repro", "-q", cwd=tmp_path)
    assert md5 not in (tmp_path / "model.txt").read_text()  # and "trained" on

    found = subprocess.run(check, cwd=tmp_path, env=tool_env(), capture_output=True, text=True)
    assert found.returncode == 1 and ": 1 corrupt" in found.stdout, found
    (line,) = found.stderr.splitlines()
    assert line.startswith(f"verify-cache: {obj}: corrupt (its bytes hash to ") and "dvc pull" in line
