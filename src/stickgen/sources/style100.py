"""100STYLE (`100style`): one actor walking and running in 100 styles, BVH at 60 fps.

Layout (the release): `data/raw/100style/<Style>/<Style>_<Content>.bvh`, e.g.
`Aeroplane/Aeroplane_FW.bvh`. Content codes (`CONTENTS`): BR / BW backwards running / walking,
FR / FW forwards, SR / SW sideways, ID idling, TR1-TR3 transitions between walking and running.
Files outside that pattern (the release's `Dataset_List.csv`, `Frame_Cuts.csv`, ...) are skipped and
reported; a `.bvh` whose content code is unknown is rejected.

The BVH is decoded like any BVH (`sources.bvh.bvh_to_smpl`: the rig is mapped by joint names, units
and up axis inferred). The style label (the folder name) is the clip's `style`; captions are
templated from the content and the style's words ("a person walks forwards in an aeroplane style").
"""

from __future__ import annotations

import re
from pathlib import Path

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bvh import bvh_to_smpl
from stickgen.sources.bvh_format import parse_bvh
from stickgen.sources.captions import label_words, templated
from stickgen.sources.files import read_text

NAME = "100style"
LICENCE = "100STYLE: CC BY 4.0 (see docs/datasets.md#100style)"
# content code -> (verb phrase, vocabulary action)
CONTENTS: dict[str, tuple[str, str]] = {
    "BR": ("runs backwards", "run"),
    "BW": ("walks backwards", "walk"),
    "FR": ("runs forwards", "run"),
    "FW": ("walks forwards", "walk"),
    "ID": ("stands idle", "idle"),
    "SR": ("runs sideways", "run"),
    "SW": ("walks sideways", "walk"),
    "TR1": ("switches between walking and running", "walk"),
    "TR2": ("switches between walking and running", "walk"),
    "TR3": ("switches between walking and running", "walk"),
}
_FILE = re.compile(r"^(?P<style>[A-Za-z0-9]+)_(?P<content>[A-Za-z0-9]+)$")


def style_phrase(style: str) -> str:
    """`ArmsAboveHead` -> `arms above head`."""
    return label_words(style)


def style_captions(style: str, content: str, key: str) -> list[str]:
    """Templated captions for one style and content code."""
    verb = CONTENTS[content][0]
    words = style_phrase(style)
    article = "an" if words[:1] in "aeiou" else "a"
    return [
        *templated(f"{verb} in {article} {words} style", key, n=2),
        *templated(f"{verb}, styled as {words}", key + "#2", n=1),
    ]


class Style100Converter(Converter):
    """100STYLE BVH files (see the module docstring)."""

    name = NAME

    def _classify(self, raw_dir: Path) -> tuple[list[Path], list[dict[str, str]]]:
        items, skipped = [], []
        for p in sorted(raw_dir.rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(raw_dir)
            m = _FILE.match(p.stem)
            if p.suffix.lower() == ".bvh" and len(rel.parts) == 2 and m and m.group("style") == rel.parts[0]:
                items.append(p)
            else:
                skipped.append(
                    {"file": rel.as_posix(), "reason": "not a <Style>/<Style>_<Content>.bvh motion"}
                )
        return items, skipped

    def list_items(self, raw_dir: Path) -> list[Path]:
        return self._classify(raw_dir)[0]

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        return self._classify(raw_dir)[1]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        style, content = item.stem.split("_", 1)
        if content not in CONTENTS:
            raise SourceError(f"{label}: unknown content code {content!r}; known: {sorted(CONTENTS)}")
        motion = bvh_to_smpl(parse_bvh(read_text(item, label), label), label)
        path = label[: -len(item.suffix)]
        meta = {**motion.meta, "content": content, "licence": LICENCE}
        return [
            Take(
                path=path,
                joints=motion.joints[:, None],
                fps=motion.fps,
                texts=style_captions(style, content, path),
                action=CONTENTS[content][1],
                style=style,
                meta=meta,
            )
        ]
