"""stickgen.core.atomic beyond the hostile-input cases (tests/unit/test_hostile_input.py): a refused write is
one
`WriteError` line naming the file, whatever the writer raised; a killed writer's temporary file is removed by
the next write of the same target, a live writer's is not."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stickgen.core.atomic import WriteError, atomic_open, atomic_write_text


def test_a_storage_error_behind_a_writers_own_error_is_one_line_naming_the_file(tmp_path: Path) -> None:
    """torch's writer turns a failed write (EFBIG) into a RuntimeError raised while handling it."""
    out = tmp_path / "set.pt"
    out.write_bytes(b"previous")
    with pytest.raises(WriteError) as caught, atomic_open(out) as fh:
        fh.write(b"partial")
        try:
            raise OSError(errno.EFBIG, "File too large")
        except OSError:
            raise RuntimeError("unexpected pos 29696 vs 29590") from None
    assert caught.value.errno == errno.EFBIG
    assert str(caught.value) == f"cannot write {out}: File too large (the file is unchanged)"
    assert out.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["set.pt"]


def test_other_errors_pass_unchanged(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_open(tmp_path / "a.json") as fh:
        fh.write(b"{}")
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "an input the writer reads")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EACCES, "Permission denied"), (errno.EPERM, "Operation not permitted"),
     (errno.ENAMETOOLONG, "File name too long")],
)  # fmt: skip
def test_a_place_that_refuses_the_file_is_one_line_naming_it(tmp_path: Path, code: int, reason: str) -> None:
    """No permission there, or a name the file system does not take: refused as the storage refuses."""
    out = tmp_path / "a.json"
    with pytest.raises(WriteError) as caught, atomic_open(out):
        raise OSError(code, reason)
    assert caught.value.errno == code
    assert str(caught.value) == f"cannot write {out}: {reason} (the file is unchanged)"


def test_a_name_too_long_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / ("a" * 300 + ".json")
    with pytest.raises(WriteError, match="File name too long"):
        atomic_write_text(out, "{}")
    with pytest.raises(WriteError, match="Not a directory"):  # a file where its folder should be
        (tmp_path / "file").write_text("x")
        atomic_write_text(tmp_path / "file" / "a.json", "{}")


def test_the_next_write_removes_a_killed_writers_temporary_file_only(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    orphan = tmp_path / f".report.json.tmp-{int(dead.stdout)}-0123abcd.json"  # its writer has exited
    live = tmp_path / f".report.json.tmp-{os.getppid()}-89abcdef.json"  # a writer still running
    other = tmp_path / f".other.json.tmp-{int(dead.stdout)}-0123abcd.json"  # another target's
    for path in (orphan, live, other):
        path.write_text("half")
    atomic_write_text(tmp_path / "report.json", "{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "report.json"])
