"""Reading raw files safely: text, `.npz` archives, typed array fields, frame rates, name lists.

Every reader turns a damaged or unexpected file into a `SourceError` that names the file (`label`)
and the problem, so the conversion report says why an item was rejected. Sizes are checked before
anything is allocated (`sources.base.MAX_TEXT_BYTES`, `MAX_ARRAY_BYTES`, the frame-rate limits), and an
`.npz` archive decompresses only the members a converter asks for.
"""

from __future__ import annotations

import codecs
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources import base
from stickgen.sources.base import SourceError, check_array_bytes, check_native_fps

_ZIP_MAGIC = b"PK"


def read_text(path: Path, label: str) -> str:
    """A text file's content, its lines ended by "\n" whatever ended them ("\r\n" from Windows, "\r"
    alone), without a byte-order mark, UTF-16 decoded by its mark; `SourceError` for an unreadable, empty,
    binary or too large file. (A BVH Windows tools wrote with a UTF-8 mark did not start with HIERARCHY;
    one with bare "\r" line ends lacked its Frames line.)"""
    try:
        size = path.stat().st_size
        if size > base.MAX_TEXT_BYTES:
            raise SourceError(
                f"{label}: {size / 2**20:.0f} MiB of text, over the limit {base.MAX_TEXT_BYTES / 2**20:.0f} "
                f"MiB (sources.base.MAX_TEXT_BYTES)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read ({exc})") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"{label}: marked as UTF-16 text but is not") from None
    if not raw.strip():
        raise SourceError(f"{label}: the file is empty")
    if b"\x00" in raw:
        raise SourceError(f"{label}: binary data in a text format")
    text = raw.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def load_npz(path: Path, label: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays `keys` that an `.npz` holds (no pickled objects); the archive's other members are never
    decompressed. `SourceError` for a damaged file or a member that inflates past MAX_ARRAY_BYTES (its
    size is read from the archive's directory first; reading stops there whatever the stream holds)."""
    try:
        with path.open("rb") as fh:
            if fh.read(2) != _ZIP_MAGIC:
                raise SourceError(f"{label}: not an .npz archive")
        with np.load(path, allow_pickle=False) as data:
            names = set(data.zip.namelist())
            out = {}
            for key in (k for k in keys if k in data.files):
                member = f"{key}.npy" if f"{key}.npy" in names else key
                check_array_bytes(data.zip.getinfo(member).file_size, label, f"`{key}`")
                out[key] = data[key]
                if not isinstance(out[key], np.ndarray):  # numpy hands back a member's raw bytes
                    raise SourceError(f"{label}: `{key}` is not an array (its member holds no .npy data)")
            return out
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
    check_array_bytes(arr.size * 8, label, f"`{key}` as float64")
    bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))  # checked before any cast
    if bad:
        raise SourceError(f"{label}: `{key}` has {bad} NaN or infinite values")
    return arr.astype(np.float64)


def frame_rate(data: dict[str, Any], keys: tuple[str, ...], label: str) -> float:
    """The frame rate stored under the first of `keys` present; `SourceError` if none is valid."""
    for key in keys:
        if key in data:
            value = np.asarray(data[key])
            if value.size != 1:
                raise SourceError(f"{label}: `{key}` must be one number, got shape {value.shape}")
            try:
                fps = float(value.reshape(-1)[0])
            except (TypeError, ValueError):
                raise SourceError(f"{label}: `{key}` is not a number") from None
            if not (np.isfinite(fps) and fps > 0):
                raise SourceError(f"{label}: `{key}` must be > 0, got {fps}")
            check_native_fps(fps, label, f"`{key}`")
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
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def listed_names(path: Path) -> frozenset[str]:
    """The names listed one per line in `path` (empty without the file); read once per process."""
    if not path.is_file():
        return frozenset()
    st = path.stat()
    return _read_names(os.fspath(path), (st.st_mtime_ns, st.st_size))
