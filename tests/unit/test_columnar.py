"""The streaming columnar writer: torch-loadable (weights_only, mmap), a valid zip, byte-stable, strict."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch

from stickgen.core.columnar import Column, release_pages, row_chunks, write_columnar


def _write(path, rows: int = 1000) -> None:
    def fill(sink):
        for a in range(0, rows, 64):  # in chunks, out of order for the second column
            sink.write("x", a, np.arange(a, min(a + 64, rows), dtype=np.float32)[:, None].repeat(3, 1))
        for a in reversed(range(0, rows, 100)):
            sink.write("y", a, np.full((min(100, rows - a), 2), a // 100, dtype=np.int16))

    header = {
        "format": "demo",
        "ids": [f"c{k}" for k in range(5)] + ["c0"],
        "n": torch.arange(4),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(2.5),
        "meta": {"a": [1, 2]},
    }
    write_columnar(
        path, header, {"x": Column((rows, 3), torch.float32), "y": Column((rows, 2), torch.int16)}, fill
    )


def test_round_trip_valid_zip_and_identical_bytes(tmp_path) -> None:
    _write(tmp_path / "a.pt")
    _write(tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.pt") as zf:
        assert zf.testzip() is None  # every record's CRC-32 is right
    for mmap in (True, False):
        d = torch.load(tmp_path / "a.pt", weights_only=True, mmap=mmap)
        assert d["ids"][-1] == "c0" and d["n"].tolist() == [0, 1, 2, 3] and float(d["scalar"]) == 2.5
        assert d["empty"].shape == (0, 3) and d["meta"] == {"a": [1, 2]}
        assert d["x"][999].tolist() == [999.0] * 3 and d["y"][450].tolist() == [4, 4]
    assert not list(tmp_path.glob(".*tmp*"))


def test_sink_rejects_wrong_rows_and_nested_tensors(tmp_path) -> None:
    cols = {"x": Column((10, 3), torch.float32)}
    with pytest.raises(ValueError, match="takes float32 rows of shape"):
        write_columnar(tmp_path / "c.pt", {}, cols, lambda s: s.write("x", 0, np.zeros((2, 3), np.float64)))
    with pytest.raises(ValueError, match="cannot write"):
        write_columnar(tmp_path / "c.pt", {}, cols, lambda s: s.write("x", 9, np.zeros((2, 3), np.float32)))
    with pytest.raises(ValueError, match="below the top level"):
        write_columnar(tmp_path / "c.pt", {"t": [torch.zeros(2)]}, cols, lambda s: None)
    assert not (tmp_path / "c.pt").exists() and not list(tmp_path.iterdir())


def test_row_chunks_cover_every_clip_once() -> None:
    offs = np.cumsum([0, 5, 50, 3, 3, 3, 200, 1])
    chunks = list(row_chunks(offs, 10))
    assert chunks[0][0] == 0 and chunks[-1][1] == 7
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(offs[c1] - offs[c0] <= 10 or c1 - c0 == 1 for c0, c1 in chunks)


def test_release_pages_never_touches_anonymous_memory() -> None:
    x = torch.ones(1 << 20)
    release_pages(x)
    assert float(x.sum()) == 1 << 20
