"""Issue 16, fault injection: two `dvc repro` at once in one workspace. DVC's own lock
(`.dvc/tmp/rwlock`) makes the second refuse with one clear error naming the busy output and the process
that holds it; the first finishes untouched (docs/reproducibility.md, "Two runs at once")."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STAGE = """stages:
  slow:
    cmd: python slow.py
    deps:
      - slow.py
    outs:
      - out.txt
"""
# marks its start, then writes its output once the test releases it (at most 120 s later): the second run is
# always refused while the first runs, however long a busy machine takes to start it
SLOW = """import pathlib, time
pathlib.Path('started').touch()
deadline = time.monotonic() + 120
while not pathlib.Path('release').exists() and time.monotonic() < deadline:
    time.sleep(0.05)
pathlib.Path('out.txt').write_text('done')
"""


def _dvc(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.Popen(
        ["dvc", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw
    )


def test_a_second_dvc_repro_refuses_while_the_first_runs(tmp_path: Path) -> None:
    assert _dvc("init", "--no-scm", "-q", cwd=tmp_path).wait() == 0
    (tmp_path / "dvc.yaml").write_text(STAGE)
    (tmp_path / "slow.py").write_text(SLOW)
    first = _dvc("repro", cwd=tmp_path)
    deadline = time.monotonic() + 30
    while not (tmp_path / "started").exists():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[0]
        time.sleep(0.1)

    second = _dvc("repro", cwd=tmp_path)
    out, _ = second.communicate(timeout=60)
    assert second.returncode != 0, out
    assert "out.txt' is busy, it is being blocked by" in out and "dvc repro" in out, out
    assert first.poll() is None, "the second run must not wait for the first"

    (tmp_path / "release").touch()
    log, _ = first.communicate(timeout=60)
    assert first.returncode == 0, log
    assert (tmp_path / "out.txt").read_text() == "done"
    again = _dvc("repro", cwd=tmp_path)
    assert again.wait(timeout=60) == 0 and "didn't change" in again.communicate()[0]
