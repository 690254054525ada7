"""Streaming reads and writes of columnar torch files (canonical, curated and embedded stores).

`canonical.save` packs a list of in-memory clips; at 140 GB that list does not fit in RAM. Here the
big columns never exist in memory as a whole:

- `write_columnar` writes a `torch.save` file (loadable with `torch.load(weights_only=True,
  mmap=True)`, byte-identical for identical content) whose large tensors are declared by shape and
  dtype (`Column`) and then written chunk by chunk in place (`ColumnSink`); the zip records' CRC-32
  checksums are then computed and patched, so the file stays a valid zip.
- `row_chunks` walks a store's clips in chunks of bounded row count, `decode_rows` turns stored rows
  (float32 root + int16 millimetre offsets) into joints, and `release_pages` hands the mapped pages
  of a processed chunk back to the OS, so the resident size of a pass over a store stays bounded.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.serialization as ts

from stickgen.core.atomic import atomic_path
from stickgen.core.skeleton import NUM_JOINTS

MM = 1000.0  # stored offsets are integer millimetres (canonical.py)


@dataclass(frozen=True)
class Column:
    """A tensor column of a file being written: declared now, filled later by the caller."""

    shape: tuple[int, ...]
    dtype: torch.dtype


def _fake(columns: dict[str, Column]) -> dict[str, torch.Tensor]:
    from torch._subclasses.fake_tensor import FakeTensorMode  # the documented companion of skip_data

    with FakeTensorMode():
        return {k: torch.empty(c.shape, dtype=c.dtype) for k, c in columns.items()}


def intern_strings(obj: Any) -> Any:
    """Intern every str in nested lists/dicts: torch.save memoises by identity, so equal content then
    gives equal bytes whatever objects the strings came from."""
    if isinstance(obj, str):
        return sys.intern(obj)
    if isinstance(obj, list):  # fast paths for the common shapes: list of str, list of lists of str
        if all(type(v) is str for v in obj):
            return list(map(sys.intern, obj))
        if all(type(v) is list for v in obj):
            try:
                return [list(map(sys.intern, v)) for v in obj]
            except TypeError:  # an inner list holds something else
                pass
        return [intern_strings(v) for v in obj]
    if isinstance(obj, dict):
        return {intern_strings(k): intern_strings(v) for k, v in obj.items()}
    return obj


class ColumnSink:
    """Where `write_columnar`'s `fill` writes: rows of each declared column, at any row offset."""

    def __init__(self, fd: int, layout: dict[str, tuple[int, Column]]) -> None:
        self._fd = fd
        self._layout = layout

    def write(self, key: str, start: int, values: np.ndarray | torch.Tensor) -> None:
        """Write `values` as rows [start, start + len(values)) of column `key`."""
        offset, col = self._layout[key]
        arr = values.numpy() if isinstance(values, torch.Tensor) else values
        want = torch.empty((), dtype=col.dtype).numpy().dtype
        if arr.dtype != want or tuple(arr.shape[1:]) != tuple(col.shape[1:]):
            raise ValueError(
                f"column [{key}] takes {want} rows of shape {col.shape[1:]}, got {arr.dtype} {arr.shape}"
            )
        if start < 0 or start + arr.shape[0] > col.shape[0]:
            raise ValueError(
                f"column [{key}] has {col.shape[0]} rows; cannot write [{start}, {start + arr.shape[0]})"
            )
        row_bytes = arr.itemsize * int(np.prod(col.shape[1:], dtype=np.int64))
        if arr.size:
            self._pwrite(
                memoryview(np.ascontiguousarray(arr).reshape(-1)).cast("B"), offset + start * row_bytes
            )

    def _pwrite(self, buf: memoryview, pos: int) -> None:
        while buf:
            n = os.pwrite(self._fd, buf, pos)
            buf, pos = buf[n:], pos + n


def write_columnar(
    path: str | os.PathLike,
    header: dict[str, Any],
    columns: dict[str, Column],
    fill: Callable[[ColumnSink], None],
) -> None:
    """Write `header` (plain values and small tensors) plus `columns` as one torch file, atomically.

    The file is first saved with every tensor's bytes skipped (`torch.serialization.skip_data`), then
    the small tensors and, through `fill`, the declared columns are written in place.

    Args:
        path: the file to write (a temporary sibling is renamed onto it at the end).
        header: everything except the large columns; small tensors in it are written as they are.
        columns: the large tensors by key, declared by shape and dtype.
        fill: called once with a `ColumnSink`; it must write every row of every column, ideally in
            bounded chunks (unwritten rows read as zeros).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clash = sorted(set(header) & set(columns))
    if clash:
        raise ValueError(f"keys both in header and columns: {clash}")
    nested = [k for k, v in header.items() if not isinstance(v, torch.Tensor) and _has_tensor(v)]
    if nested:
        raise ValueError(f"header values {nested} hold tensors below the top level; make them top-level keys")
    small = {k: v.contiguous() for k, v in header.items() if isinstance(v, torch.Tensor)}
    declared = {**{k: Column(tuple(v.shape), v.dtype) for k, v in small.items()}, **columns}
    fakes = _fake(declared)
    obj = {k: (fakes[k] if k in small else v) for k, v in header.items()}
    obj.update({k: fakes[k] for k in columns})
    with atomic_path(path) as tmp:  # fsynced and renamed to `path` at the end
        with open(tmp, "wb") as fh, ts.skip_data(materialize_fake_tensors=True):
            torch.save(intern_strings(obj), fh)
        del obj, fakes
        order = [k for k in (*header, *columns) if k in declared]
        layout = {k: (off, declared[k]) for k, off in _data_offsets(tmp, order, declared).items()}
        fd = os.open(tmp, os.O_RDWR)
        try:
            sink = ColumnSink(fd, layout)
            for k, v in small.items():
                if v.numel():
                    sink._pwrite(memoryview(v.reshape(-1).numpy()).cast("B"), layout[k][0])
            fill(sink)
        finally:
            os.close(fd)
        _patch_crcs(tmp)


def _has_tensor(obj: Any) -> bool:
    if isinstance(obj, torch.Tensor):
        return True
    if isinstance(obj, dict):
        return any(_has_tensor(v) for v in obj.values())
    if isinstance(obj, (list, tuple)) and obj and not isinstance(obj[0], str):
        return any(_has_tensor(v) for v in obj)
    return False


def _data_offsets(path: Path, order: list[str], declared: dict[str, Column]) -> dict[str, int]:
    """File offset of each tensor's bytes in a torch zip file written from a flat dict.

    torch.save names storages `data/0`, `data/1`, ... in the order the pickler meets them, which for a
    dict whose values are the tensors themselves is the dict's order (`order`). Each pairing is
    checked by size.
    """
    records: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if len(parts) == 3 and parts[1] == "data":
                fh.seek(info.header_offset + 26)
                name_len, extra_len = struct.unpack("<HH", fh.read(4))
                records[parts[2]] = (info.header_offset + 30 + name_len + extra_len, info.file_size)
    if len(records) != len(order):
        raise RuntimeError(f"{path}: {len(records)} storage records for {len(order)} tensors")
    out: dict[str, int] = {}
    for n, key in enumerate(order):
        col = declared[key]
        nbytes = int(np.prod(col.shape, dtype=np.int64)) * torch.empty((), dtype=col.dtype).element_size()
        start, size = records[str(n)]
        if size != nbytes:
            raise RuntimeError(f"{path}: storage {n} has {size} bytes, tensor [{key}] needs {nbytes}")
        out[key] = start
    return out


def _patch_crcs(path: Path) -> None:
    """Compute the CRC-32 of every stored zip record and write it where skip_data left zeros.

    torch writes records uncompressed with data descriptors (flag bit 3): the CRC lives in the central
    directory entry (offset 16) and in the descriptor after the data (after an optional signature).
    """
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        start_dir = zf.start_dir
    with open(path, "rb+") as fh:
        fh.seek(start_dir)
        central = start_dir
        for info in infos:
            fh.seek(info.header_offset)
            local = fh.read(30)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            data_start = info.header_offset + 30 + name_len + extra_len
            crc = 0
            fh.seek(data_start)
            left = info.file_size
            while left:
                block = fh.read(min(left, 1 << 24))
                crc = zlib.crc32(block, crc)
                left -= len(block)
            if info.flag_bits & 0x08:
                sig = fh.read(4)
                at = fh.tell() if sig == b"PK\x07\x08" else fh.tell() - 4
                fh.seek(at)
                fh.write(struct.pack("<I", crc))
            fh.seek(central)
            entry = fh.read(46)
            assert entry[:4] == b"PK\x01\x02", f"{path}: unexpected central directory layout"
            n, m, k = struct.unpack("<HHH", entry[28:34])
            fh.seek(central + 16)
            fh.write(struct.pack("<I", crc))
            if not info.flag_bits & 0x08:
                fh.seek(info.header_offset + 14)
                fh.write(struct.pack("<I", crc))
            central += 46 + n + m + k


# ---------------------------------------------------------------------------------------------
# Reading stores chunk by chunk.


def row_chunks(clip_offsets: torch.Tensor | np.ndarray, max_rows: int) -> Iterator[tuple[int, int]]:
    """Consecutive clip ranges [c0, c1) whose rows add up to at most `max_rows` (or one larger clip)."""
    offs = np.asarray(clip_offsets, dtype=np.int64)
    n = offs.shape[0] - 1
    c0 = 0
    while c0 < n:
        c1 = int(np.searchsorted(offs, offs[c0] + max_rows, side="right")) - 1
        c1 = min(max(c1, c0 + 1), n)
        yield c0, c1
        c0 = c1


def decode_rows(root: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Stored rows -> float32 joints (R, 22, 3): the root plus the other joints' millimetre offsets."""
    out = np.empty((root.shape[0], NUM_JOINTS, 3), dtype=np.float32)
    out[:, 0] = root
    np.multiply(offsets, np.float32(1.0 / MM), out=out[:, 1:], dtype=np.float32)
    out[:, 1:] += root[:, None, :]
    return out


_MADV_RANDOM, _MADV_DONTNEED = 1, 4
_libc: Any = None


def _file_mapping_covers(lo: int, hi: int) -> bool:
    """True when [lo, hi) lies inside one file-backed mapping of this process (/proc/self/maps)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return False
    for line in maps.splitlines():
        parts = line.split(maxsplit=5)
        start, end = (int(x, 16) for x in parts[0].split("-"))
        if start <= lo and hi <= end:
            return len(parts) == 6 and parts[4] != "0" and not parts[5].startswith("[")
    return False


def _madvise(t: torch.Tensor, advice: int) -> None:
    """madvise over the whole pages inside a tensor's bytes, if they lie in one file mapping (Linux)."""
    global _libc
    if not sys.platform.startswith("linux") or t.numel() == 0:
        return
    page = mmap.PAGESIZE
    start = t.data_ptr()
    end = start + t.numel() * t.element_size()
    lo, hi = (start + page - 1) // page * page, end // page * page  # only whole pages inside the range
    if hi <= lo or not _file_mapping_covers(lo, hi):
        return
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    _libc.madvise(ctypes.c_void_p(lo), ctypes.c_size_t(hi - lo), advice)


def advise_random(t: torch.Tensor) -> None:
    """Tell the kernel a memory-mapped tensor is read at random (no read-ahead around each access):
    a training loader then maps the pages of the clips it reads, not megabytes around each one."""
    _madvise(t, _MADV_RANDOM)


def release_pages(t: torch.Tensor) -> None:
    """Drop the resident pages of a memory-mapped tensor's range (Linux; elsewhere a no-op).

    Only for file mappings (checked against /proc/self/maps; anything else is left alone, as
    MADV_DONTNEED would zero anonymous memory): clean private pages and shared pages are re-read
    from the page cache on the next access; only this process's resident size shrinks.
    """
    _madvise(t, _MADV_DONTNEED)


def resident_memory() -> dict[str, int]:
    """This process's resident memory in bytes: `anon` (private, e.g. numpy arrays), `file` (mapped
    file pages, reclaimable) and `total`, from /proc/self/status (Linux; zeros elsewhere)."""
    out = {"anon": 0, "file": 0, "total": 0}
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return out
    keys = {"RssAnon:": "anon", "RssFile:": "file", "VmRSS:": "total"}
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] in keys:
            out[keys[parts[0]]] = int(parts[1]) * 1024
    return out
