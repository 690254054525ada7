"""100STYLE (`100style`): one actor walking and running in 100 styles, BVH at 60 fps.

Layout (the release): `data/raw/100style/<Style>/<Style>_<Content>.bvh`, e.g.
`Aeroplane/Aeroplane_FW.bvh`, and `Frame_Cuts.csv` at the top. Content codes (`CONTENTS`): BR / BW
backwards running / walking, FR / FW forwards, SR / SW sideways, ID idling, TR1-TR3 transitions
between walking and running. Other files (the release's `Dataset_List.csv`, ...) are skipped and
reported; a `.bvh` whose content code is unknown is rejected.

`Frame_Cuts.csv` (header `STYLE_NAME,BR_START,BR_STOP,BW_START,...`, one row per style, `N/A` where a
style lacks a content) gives the part of each file that holds the motion: frames START..STOP-1
(0-based, STOP excluded, as Python slicing). The cut is applied before conversion (meta
`frame_cut` = [start, stop]); a file whose row says `N/A`, or whose style has no row, is converted
whole (meta `frame_cut` = null), and a cut outside the file or a malformed csv rejects the file.

The BVH is decoded like any BVH (`sources.bvh.bvh_to_smpl`: the rig is mapped by joint names, units
and up axis inferred). The style label (the folder name) is the clip's `style`; captions are
templated from the content and the style's words ("a person walks forwards in an aeroplane style").
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bvh import REPORT_META, bvh_to_smpl
from stickgen.sources.bvh_format import BvhData, parse_bvh
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
FRAME_CUTS = "Frame_Cuts.csv"
_MISSING = {"", "n/a", "na", "nan", "none", "-"}


def read_frame_cuts(raw_dir: Path, label: str) -> dict[str, dict[str, tuple[int, int] | None]]:
    """Style -> content code -> (start, stop) from `Frame_Cuts.csv`, or None where it says N/A.

    An absent file gives {}; a malformed one is a `SourceError` (naming `label`, the file being read).
    """
    path = raw_dir / FRAME_CUTS
    if not path.is_file():
        return {}
    rows = list(csv.reader(io.StringIO(read_text(path, FRAME_CUTS))))
    if not rows:
        raise SourceError(f"{label}: {FRAME_CUTS} is empty")
    header = [h.strip().upper() for h in rows[0]]
    out: dict[str, dict[str, tuple[int, int] | None]] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        cuts: dict[str, tuple[int, int] | None] = {}
        for code in CONTENTS:
            start, stop = cells.get(f"{code}_START"), cells.get(f"{code}_STOP")
            if start is None or stop is None or start.lower() in _MISSING or stop.lower() in _MISSING:
                cuts[code] = None
                continue
            try:
                cuts[code] = (int(float(start)), int(float(stop)))
            except ValueError:
                raise SourceError(
                    f"{label}: {FRAME_CUTS} line {n}: {code} cut {start!r}..{stop!r} is not a frame number"
                ) from None
        out[row[0].strip()] = cuts
    return out


def apply_cut(data: BvhData, cut: tuple[int, int], label: str) -> BvhData:
    """Frames start..stop-1 of a parsed file; `SourceError` when the cut does not fit it."""
    start, stop = cut
    frames = data.motion.shape[0]
    if not 0 <= start < stop <= frames:
        raise SourceError(
            f"{label}: {FRAME_CUTS} cut {start}..{stop} does not fit the file's {frames} frames"
        )
    return dataclasses.replace(data, motion=data.motion[start:stop])


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
    reads_rigs = True
    report_meta = (*REPORT_META, "frame_cut")

    def _classify(self, raw_dir: Path) -> tuple[list[Path], list[dict[str, str]]]:
        items, skipped = [], []
        for p in sorted(raw_dir.rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(raw_dir)
            m = _FILE.match(p.stem)
            if p.suffix.lower() == ".bvh" and len(rel.parts) == 2 and m and m.group("style") == rel.parts[0]:
                items.append(p)
            elif rel.as_posix() == FRAME_CUTS:
                continue  # read for every file's cut
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
        data = parse_bvh(read_text(item, label), label)
        cut = read_frame_cuts(raw_dir, label).get(style, {}).get(content)
        if cut is not None:
            data = apply_cut(data, cut, label)
        motion = bvh_to_smpl(data, label, rig=self.rig)
        path = label[: -len(item.suffix)]
        meta = {
            **motion.meta,
            "content": content,
            "frame_cut": list(cut) if cut else None,
            "licence": LICENCE,
        }
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
