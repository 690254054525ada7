"""Acclaim ASF/AMC folders (`asf_amc`), e.g. the CMU Graphics Lab Motion Capture Database.

Layout: `data/raw/asf_amc/**/<subject>.asf` + `<subject>_<trial>.amc` (CMU: `01/01.asf`,
`01/01_01.amc`), optionally `descriptions.tsv` at the top (see `sources.descriptions`). Each `.amc`
is one item; its skeleton is the `.asf` in the same folder named like the part of the motion's name
before the first `_` (else the folder's only `.asf`). A motion without a skeleton is rejected.

Units come from the ASF (`:units length L`: one unit is 1/L inch, CMU's 0.45 gives 5.64 cm); axes
are Y up. AMC files carry no frame rate: `NATIVE_FPS` (CMU's 120 fps) is assumed. Joint positions
are bone starts; the anatomical points are found as for BVH (`sources.rigmap`), so a CMU take
converts to the same joints from its ASF/AMC and from its BVH version (a real-data test checks it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stickgen.sources.asf_format import forward_kinematics, parse_amc, parse_asf
from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.descriptions import DESCRIPTIONS_FILE, captions_for
from stickgen.sources.files import read_text
from stickgen.sources.retarget import smpl_joints
from stickgen.sources.rigmap import body_points, map_rig

NAME = "asf_amc"
NATIVE_FPS = 120.0
LICENCE = "per source (CMU: free for research and commercial use; see docs/datasets.md#asf_amc)"


def find_skeleton(item: Path) -> Path | None:
    """The `.asf` of a motion file (see the module docstring), or None."""
    named = item.parent / f"{item.stem.split('_')[0]}.asf"
    if named.is_file():
        return named
    candidates = sorted(p for p in item.parent.glob("*") if p.suffix.lower() == ".asf" and p.is_file())
    return candidates[0] if len(candidates) == 1 else None


class ASFAMCConverter(Converter):
    """ASF/AMC folders (see the module docstring)."""

    name = NAME
    reads_rigs = True
    report_meta = ("rig", "units", "standing_height_m")

    def list_items(self, raw_dir: Path) -> list[Path]:
        return sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".amc")

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        keep = {".amc", ".asf"}
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": "not an .amc motion or .asf skeleton"}
            for p in sorted(raw_dir.rglob("*"))
            if p.is_file() and p.suffix.lower() not in keep and p.name != DESCRIPTIONS_FILE
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        asf = find_skeleton(item)
        if asf is None:
            raise SourceError(
                f"{label}: no skeleton: expected {item.stem.split('_')[0]}.asf (or one .asf) beside it"
            )
        asf_label = self.item_label(raw_dir, asf)
        skel = parse_asf(read_text(asf, asf_label), asf_label)
        motion = parse_amc(read_text(item, label), skel, label)
        names = [b.name for b in skel.bones]
        bone = [b.direction * b.length for b in skel.bones]  # each bone's start -> end, rest pose
        offsets = np.array([np.zeros(3) if p < 0 else bone[p] for p in skel.parents])
        leaves = set(range(len(names))) - set(skel.parents)
        rig = map_rig(names, skel.parents, asf_label, self.rig, offsets, {j: bone[j] for j in leaves})
        start, end = forward_kinematics(skel, motion)
        scale = skel.length_unit_m
        pos, ends = start * scale, end * scale
        joints, derived = smpl_joints(body_points(rig, pos, {j: ends[:, j] for j in range(len(names))}))
        path = label[: -len(item.suffix)]
        texts, action, source = captions_for(raw_dir, item.stem, path)
        meta = {
            "native_fps": NATIVE_FPS,
            "units": f"1/{round(0.0254 / scale, 6)} inch",
            "unit_scale_m": scale,
            "up_axis": "+y",
            "rig": rig.mapping,
            "derived_joints": derived,
            "skeleton": asf_label,
            "licence": LICENCE,
            "caption_source": source,
        }
        return [
            Take(path=path, joints=joints[:, None], fps=NATIVE_FPS, texts=texts, action=action, meta=meta)
        ]
