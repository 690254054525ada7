"""A caption embedding cache keyed by (encoder, text) (docs/curation.md, "Embedding cache").

Layout: `<root>/<model slug>-<fingerprint>/shard-<content hash>.pt`. The folder name carries the
encoder's fingerprint (`TextEncoder.fingerprint`: its name, dimension and the vectors of fixed probe
sentences), so a changed model, pooling or normalisation starts a new folder instead of serving
stale vectors. A shard holds `texts` (list[str]) and `emb` (float32 (n, dim)) and is immutable:
a run adds one shard per `SHARD_TEXTS` new captions (written atomically, so an interrupted run keeps
what it finished), and when more than `MAX_SHARDS` exist they are merged into one (streamed). A few
large files, never one per caption: DVC hashes and pushes per file.

With DVC, the cache is a `persist: true` output of the `embed` stage: DVC never deletes it before a
run, tracks its hash in dvc.lock, stores and pushes it like any output (a fresh clone gets it with
`dvc pull`), and a cache change alone never changes the embedded outputs' content, so it cannot
make results depend on history.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from stickgen.core.columnar import Column, ColumnSink, release_pages, write_columnar
from stickgen.core.text import EncoderInfo, TextEncoder

FORMAT = "stickgen-embed-cache"
VERSION = 1
SHARD_TEXTS = 100_000
MAX_SHARDS = 16


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:60] or "model"


class EmbeddingCache:
    """The shards of one encoder (by fingerprint) under `root`."""

    def __init__(self, root: str | Path, info: EncoderInfo, fingerprint: str) -> None:
        self.info = info
        self.fingerprint = fingerprint
        self.dir = Path(root) / f"{_slug(info.name)}-{fingerprint}"
        self._shards: list[dict] = []
        self._where: dict[str, tuple[int, int]] = {}
        self._load()

    def _load(self) -> None:
        self._shards, self._where = [], {}
        for path in sorted(self.dir.glob("shard-*.pt")):
            self._index_shard(path)

    def _index_shard(self, path: Path) -> None:
        d = torch.load(path, weights_only=True, mmap=True, map_location="cpu")
        if (
            d.get("format") != FORMAT
            or d.get("version") != VERSION
            or d.get("encoder") != self.info.to_dict()
        ):
            raise ValueError(
                f"{path}: not a cache shard of {self.info.to_dict()} (format {d.get('format')!r}); "
                "delete the folder to rebuild it"
            )
        k = len(self._shards)
        self._shards.append(d)
        for r, t in enumerate(d["texts"]):
            self._where.setdefault(t, (k, r))

    def __len__(self) -> int:
        return len(self._where)

    @property
    def shard_paths(self) -> list[Path]:
        return sorted(self.dir.glob("shard-*.pt"))

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The distinct texts not in the cache, sorted."""
        return sorted({t for t in texts if t not in self._where})

    def add(self, texts: Sequence[str], emb: np.ndarray) -> Path | None:
        """Store one new shard (texts must be new and distinct)."""
        if len(texts) == 0:
            return None
        if emb.shape != (len(texts), self.info.dim):
            raise ValueError(f"cache add: {emb.shape} vectors for {len(texts)} texts of dim {self.info.dim}")
        h = hashlib.sha256("\n".join(texts).encode())
        h.update(np.ascontiguousarray(emb, dtype=np.float32).tobytes())
        path = self.dir / f"shard-{h.hexdigest()[:16]}.pt"
        vecs = np.ascontiguousarray(emb, dtype=np.float32)
        write_columnar(
            path,
            self._header(list(texts)),
            {"emb": Column(vecs.shape, torch.float32)},
            lambda sink: sink.write("emb", 0, vecs),
        )
        self._index_shard(path)
        return path

    def _header(self, texts: list[str]) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "encoder": self.info.to_dict(),
            "fingerprint": self.fingerprint,
            "texts": texts,
        }

    def gather(self, texts: Sequence[str]) -> np.ndarray:
        """float32 (len(texts), dim) vectors of cached texts (KeyError names a missing one)."""
        out = np.empty((len(texts), self.info.dim), dtype=np.float32)
        loc = np.array([self._where[t] for t in texts], dtype=np.int64).reshape(-1, 2)
        for k in np.unique(loc[:, 0]):
            sel = np.flatnonzero(loc[:, 0] == k)
            out[sel] = self._shards[k]["emb"].numpy()[loc[sel, 1]]
        return out

    def compact(self, max_shards: int = MAX_SHARDS) -> None:
        """Merge every shard into one when there are more than `max_shards` (streamed, atomic)."""
        paths = self.shard_paths
        if len(paths) <= max_shards:
            return
        texts = sorted(self._where)
        h = hashlib.sha256(f"merged\n{len(texts)}\n".encode() + "\n".join(texts).encode())
        path = self.dir / f"shard-{h.hexdigest()[:16]}.pt"

        def fill(sink: ColumnSink) -> None:
            for a in range(0, len(texts), SHARD_TEXTS):
                sink.write("emb", a, self.gather(texts[a : a + SHARD_TEXTS]))

        write_columnar(
            path, self._header(texts), {"emb": Column((len(texts), self.info.dim), torch.float32)}, fill
        )
        for d in self._shards:
            release_pages(d["emb"])
        self._shards = []
        for p in paths:
            if p != path:
                p.unlink()
        self._load()


def ensure_cached(
    cache: EmbeddingCache, encoder: TextEncoder, texts: Iterable[str], progress: bool = False
) -> dict[str, int]:
    """Embed the texts the cache lacks (in shards of `SHARD_TEXTS`) and compact; returns counts."""
    if encoder.info != cache.info:
        raise ValueError(f"cache of {cache.info} used with encoder {encoder.info}")
    wanted = set(texts)
    todo = cache.missing(wanted)
    for a in range(0, len(todo), SHARD_TEXTS):
        chunk = todo[a : a + SHARD_TEXTS]
        cache.add(chunk, encoder.encode(chunk, progress=progress))
    cache.compact()
    return {"embedded": len(todo), "cached": len(wanted) - len(todo)}
