"""Atomic file writes: the bytes go to a temporary file in the target's folder, are flushed and fsynced, and
the temporary file is then renamed over the target. A kill, a full disk or a concurrent writer never leaves
a truncated or mixed file at the target: readers see the previous file or the new one, whole.

    with atomic_open("motion.npz") as fh:        # a binary file object
        np.savez_compressed(fh, joints=joints)
    atomic_write_text("report.json", text)
    with atomic_path("wave.mp4") as tmp:         # for writers that want a file name (ffmpeg)
        encode(tmp)
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# the temporary file's name keeps at most this much of the target's name (file systems allow 255 bytes)
_NAME_CHARS = 180


def _target(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: name a file to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _temporary(path: Path) -> Path:
    """A fresh name beside `path` (hidden, unique per process and call); the suffix is kept for writers
    that choose the format by it."""
    return path.with_name(f".{path.name[:_NAME_CHARS]}.tmp-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `path` to write; on success it is fsynced and renamed to `path`, on any
    error removed (and `path` left as it was)."""
    path = _target(path)
    tmp = _temporary(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
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
