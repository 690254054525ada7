"""Atomic file writes: the bytes go to a temporary file in the target's folder, are flushed and fsynced, and
the temporary file is then renamed over the target. A kill, a full disk or a concurrent writer never leaves
a truncated or mixed file at the target: readers see the previous file or the new one, whole.

    with atomic_open("motion.npz") as fh:        # a binary file object
        np.savez_compressed(fh, joints=joints)
    atomic_write_text("report.json", text)
    with atomic_path("wave.mp4") as tmp:         # for writers that want a file name (ffmpeg)
        encode(tmp)

A write the storage refuses (a full disk or quota, a file-size limit, a read-only or failing disk) raises
`WriteError`, an OSError whose message is one line naming the target (stage scripts print it as their error:
`stickgen.entry.run_stage`). A temporary file that a killed writer left behind (its process is gone) is
removed by the next write of the same target, so a rerun after a SIGKILL leaves no stray file in an output
folder.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# the temporary file's name keeps at most this much of the target's name (file systems allow 255 bytes)
_NAME_CHARS = 180
# errors of the storage or of the target's place rather than of the writer: full, over a limit, read-only,
# failing; no permission there; a name the file system does not take
_STORAGE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM}
    | {errno.ENAMETOOLONG, errno.ENOTDIR}
)


class WriteError(OSError):
    """The storage refused a write (`errno` as the cause's: full, read-only, no permission, a name too long);
    the target was left as it was."""

    def __str__(self) -> str:
        return str(self.strerror)


def _storage_error(exc: BaseException | None) -> OSError | None:
    """The storage error behind `exc` (itself, or what it was raised from or while handling), if any:
    torch's writer, for one, turns a failed write into a RuntimeError raised while handling it."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _refused(path: Path, exc: BaseException) -> WriteError | None:
    """The `WriteError` to raise for `path` when `exc` is the storage refusing the write, else None."""
    cause = _storage_error(exc)
    if cause is None:
        return None
    return WriteError(cause.errno, f"cannot write {path}: {cause.strerror} (the file is unchanged)")


def _target(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: name a file to write")
    folder = next((p for p in path.parents if p.exists()), None)  # a file where a folder should be
    if folder is not None and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(folder))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _temporary(path: Path) -> Path:
    """A fresh name beside `path` (hidden, unique per process and call); the suffix is kept for writers
    that choose the format by it."""
    return path.with_name(f".{path.name[:_NAME_CHARS]}.tmp-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _remove_orphans(path: Path) -> None:
    """Remove the temporary files of `path` whose writer is gone (killed mid-write): a live writer's file
    (a concurrent writer of the same target) is left alone."""
    name = re.escape(path.name[:_NAME_CHARS])
    pattern = re.compile(rf"\.{name}\.tmp-(\d+)-[0-9a-f]{{8}}{re.escape(path.suffix)}")
    for tmp in path.parent.glob(f".{glob.escape(path.name[:_NAME_CHARS])}.tmp-*"):
        m = pattern.fullmatch(tmp.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `path` to write; on success it is fsynced and renamed to `path`, on any
    error removed (and `path` left as it was; a refusal of the storage raised as `WriteError`)."""
    try:  # the folder made, or the place refused before anything is written
        path = _target(path)
        _remove_orphans(path)
    except OSError as exc:
        if (refused := _refused(Path(path), exc)) is None:
            raise
        raise refused from exc
    tmp = _temporary(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except Exception as exc:
        if (refused := _refused(path, exc)) is None:
            raise
        raise refused from exc
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """A new file object (`mode` "wb" or "w") whose content replaces `path` atomically when the block ends
    without an error; the permissions are those of a plain `open` (umask)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'wb' or 'w', got {mode!r}")
    with atomic_path(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, mode, encoding=encoding if mode == "w" else None) as fh:
            yield fh
            fh.flush()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` as UTF-8, atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))
