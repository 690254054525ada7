"""Convert a store of an older canonical format version to the current one (docs/schema.md, "Versions").

Version 1 kept the per-clip strings as Python lists (a million clips took 22 s to load) and had no face
track. `upgrade_store` rewrites such a file (canonical, curated or embedded) as version 2, streaming the
motion and caption-vector columns chunk by chunk: the strings become string columns
(`stickgen.core.strings`), every face row is "unknown" (version 1 sources had no faces), everything else
is copied as it is. The output is a new file, written atomically and checked by loading it (removed
again when it breaks the contract); the old file is left as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from stickgen.core import canonical, strings
from stickgen.core.columnar import Column, ColumnSink, release_pages, write_columnar

CHUNK_ROWS = 1 << 18
_V1_LISTS = {"captions"}  # string lists of version-1 embedded files (besides the clip columns)
_V1_KEYS = {"format", "version", "kind", "fps", "joint_names", "extra", *canonical.CLIP_LIST_FIELDS}
_STREAMED = {"root", "offsets", "caption_emb"}


def _read_v1(src: Path) -> dict[str, Any]:
    if not src.is_file():
        raise FileNotFoundError(f"upgrade-store: {src} does not exist")
    data = canonical.read_store_file(src)
    if not isinstance(data, dict) or data.get("format") != canonical.FORMAT:
        raise canonical.CanonicalFormatError(f"{src}: not a canonical file")
    version = data.get("version")
    if version == canonical.FORMAT_VERSION:
        raise canonical.CanonicalFormatError(f"{src}: already version {version}; nothing to upgrade")
    if version not in canonical.UPGRADABLE:
        raise canonical.CanonicalFormatError(
            f"{src}: canonical format version {version!r} cannot be upgraded (known: {canonical.UPGRADABLE})"
        )
    needed = (*_V1_KEYS, "root", "offsets", "clip_offsets", "clip_frames", "clip_actors")
    missing = sorted(k for k in needed if k not in data)
    if missing:
        raise canonical.CanonicalFormatError(f"{src}: a version-1 file lacks {missing}")
    return data


def upgrade_store(src: str | os.PathLike, dst: str | os.PathLike, chunk_rows: int = CHUNK_ROWS) -> dict:
    """Write the version-1 store `src` as a current-version store `dst`; returns a summary.

    Raises:
        FileNotFoundError: `src` is missing.
        CanonicalFormatError: `src` is not a version-1 store, its columns are damaged, or the written file
            does not load (the message names the file and the reason).
    """
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ValueError(f"upgrade-store: write the upgraded store to a new path, not over {src}")
    d = _read_v1(src)
    try:
        header = canonical.header_of(d, d["kind"])
        for key, value in d.items():  # an embedded file's caption table and index, as they were
            if key in _V1_KEYS or key in _STREAMED or key in header:
                continue
            header.update(strings.pack(key, value) if key in _V1_LISTS else {key: value})
    except (TypeError, ValueError) as exc:
        raise canonical.CanonicalFormatError(f"{src}: {exc}") from None
    rows = int(d["clip_offsets"][-1]) if len(d["clip_offsets"]) else 0
    columns = {k: Column(tuple(d[k].shape), d[k].dtype) for k in sorted(_STREAMED) if k in d}
    columns["face"] = Column((rows, canonical.FACE_BYTES), torch.uint8)  # never written: all "unknown"

    def fill(sink: ColumnSink) -> None:
        for key in sorted(_STREAMED & set(d)):
            for a in range(0, d[key].shape[0], chunk_rows):
                part = d[key][a : a + chunk_rows]
                sink.write(key, a, part.numpy())
                release_pages(part)

    write_columnar(dst, header, columns, fill)
    try:
        store = canonical.load(dst)  # the contract, checked on what was written
    except canonical.CanonicalFormatError:
        dst.unlink()
        raise
    return {"src": str(src), "dst": str(dst), "kind": store.kind, "clips": len(store), "rows": rows}
