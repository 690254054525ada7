"""Reading raw files safely: text, `.npz` archives, typed array fields, frame rates, name lists.

Every reader turns a damaged or unexpected file into a `SourceError` that names the file (`label`)
and the problem, so the conversion report says why an item was rejected.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources.base import SourceError

_ZIP_MAGIC = b"PK"


def read_text(path: Path, label: str) -> str:
    """A text file's content; `SourceError` for an unreadable, empty or binary file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read ({exc})") from None
    if not raw.strip():
        raise SourceError(f"{label}: the file is empty")
    if b"\x00" in raw:
        raise SourceError(f"{label}: binary data in a text format")
    return raw.decode("utf-8", errors="replace")


def load_npz(path: Path, label: str) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` (no pickled objects); `SourceError` for a damaged file."""
    try:
        with path.open("rb") as fh:
            if fh.read(2) != _ZIP_MAGIC:
                raise SourceError(f"{label}: not an .npz archive")
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except SourceError:
        raise
    except Exception as exc:  # zipfile / numpy raise several types for damaged archives
        raise SourceError(f"{label}: cannot be read as .npz ({type(exc).__name__}: {exc})") from None


def array(data: dict[str, Any], key: str, shape: tuple[int | None, ...], label: str) -> np.ndarray:
    """`data[key]` as finite float64 with `shape` (None: any length); `SourceError` otherwise."""
    if key not in data:
        raise SourceError(f"{label}: no `{key}` array")
    try:
        arr = np.asarray(data[key])
    except Exception as exc:  # ragged lists and odd objects
        raise SourceError(f"{label}: `{key}` is not an array ({type(exc).__name__})") from None
    if arr.dtype.kind not in "fiu":
        raise SourceError(f"{label}: `{key}` is not numeric ({arr.dtype})")
    if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape, strict=True)):
        raise SourceError(f"{label}: `{key}` has shape {arr.shape}, want {shape}")
    bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))  # checked before any cast
    if bad:
        raise SourceError(f"{label}: `{key}` has {bad} NaN or infinite values")
    return arr.astype(np.float64)


def frame_rate(data: dict[str, Any], keys: tuple[str, ...], label: str) -> float:
    """The frame rate stored under the first of `keys` present; `SourceError` if none is valid."""
    for key in keys:
        if key in data:
            try:
                fps = float(np.asarray(data[key]).reshape(-1)[0])
            except (TypeError, ValueError, IndexError):
                raise SourceError(f"{label}: `{key}` is not a number") from None
            if not (np.isfinite(fps) and fps > 0):
                raise SourceError(f"{label}: `{key}` must be > 0, got {fps}")
            return fps
    raise SourceError(f"{label}: no frame rate (`{'` or `'.join(keys)}`)")


def text_value(value: Any) -> str | None:
    """A stored string (str, bytes or a one-element array of either) as str; None when absent."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


@lru_cache(maxsize=16)
def _read_names(path: str, stamp: tuple[int, int]) -> frozenset[str]:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def listed_names(path: Path) -> frozenset[str]:
    """The names listed one per line in `path` (empty without the file); read once per process."""
    if not path.is_file():
        return frozenset()
    st = path.stat()
    return _read_names(os.fspath(path), (st.st_mtime_ns, st.st_size))
