"""Captions for generic motion-capture folders (BVH, ASF/AMC): a `descriptions.tsv`, else the file name.

A raw folder may hold `descriptions.tsv` at its top: a header line, then `clip<TAB>description` rows
(CMU's own index has this form: `01_01<TAB>playground - forward jumps, turn around`). The clip is a
file stem; several rows for one clip give several captions. Takes without a row get templated
captions from the words of their file name ("walk_fast_03" -> an action `walk`), and takes whose
name says nothing get a generic description with action `unknown`. Meta records which
(`caption_source`: `descriptions.tsv`, `file name` or `generic`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from stickgen.core.vocab import infer_action
from stickgen.sources.captions import action_phrase, label_words, templated

DESCRIPTIONS_FILE = "descriptions.tsv"


@lru_cache(maxsize=4)
def _read(path: str, stamp: tuple[int, int]) -> dict[str, list[str]]:
    out: dict[str, dict[str, None]] = {}  # ordered sets: linear in the number of rows
    lines = Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    for line in lines[1:]:  # the first line is the header
        clip, sep, text = line.partition("\t")
        text = " ".join(text.split())
        if sep and clip.strip() and text:
            out.setdefault(clip.strip(), {}).setdefault(text)
    return {clip: list(texts) for clip, texts in out.items()}


def read_descriptions(raw_dir: Path) -> dict[str, list[str]]:
    """clip stem -> captions from `<raw_dir>/descriptions.tsv` ({} without the file); cached per process."""
    path = raw_dir / DESCRIPTIONS_FILE
    if not path.is_file():
        return {}
    st = path.stat()
    return _read(os.fspath(path), (st.st_mtime_ns, st.st_size))


def captions_for(raw_dir: Path, stem: str, key: str) -> tuple[list[str], str, str]:
    """(captions, action, caption source) for a take named `stem`; `key` picks template phrasings."""
    own = read_descriptions(raw_dir).get(stem)
    if own:
        return list(own), infer_action(own), DESCRIPTIONS_FILE
    words = label_words(stem)
    action = infer_action([words])
    if action != "unknown":
        return templated(action_phrase(action), key), action, "file name"
    return templated("moves in a motion-capture recording", key), "unknown", "generic"
