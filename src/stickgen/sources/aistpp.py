"""AIST++ (`aistpp`): SMPL dance motions, `motions/*.pkl`, 60 fps, Y up.

Layout: `data/raw/aistpp/motions/<name>.pkl` (the release's `motions/` folder) and optionally
`ignore_list.txt` at the top (the release's list of motions with bad fits: skipped and reported).
Each pickle holds `smpl_poses` (T, 72): root orientation then 23 SMPL joint rotations (the first 21
move the body joints), `smpl_trans` (T, 3) and `smpl_scaling` (1,): the translation divided by the
scaling is metres. Pickles are read with an unpickler that only builds numpy data
(`sources.safe_pickle`).

Names follow `g<genre>_s<situation>_c<camera>_d<dancer>_m<music>_ch<choreography>`, e.g.
`gBR_sBM_cAll_d04_mBR0_ch01`: the genre code (`GENRES`) is the clip's style and goes into the
templated captions; the action is `dance`. AIST++ fits the neutral SMPL body without shape, so
joints come from `smpl/SMPL_NEUTRAL` under `convert.body_models`, else the template
(`sources.bodymodel`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bodymodel import check_body_models_dir, smpl_family_joints
from stickgen.sources.captions import templated
from stickgen.sources.files import array, listed_names
from stickgen.sources.safe_pickle import load_pickle

NAME = "aistpp"
NATIVE_FPS = 60.0
MOTIONS_DIR = "motions"
IGNORE_LIST = "ignore_list.txt"
LICENCE = "AIST++ annotations CC BY 4.0; AIST Dance DB terms apply (see docs/datasets.md#aistpp)"
GENRES: dict[str, str] = {
    "BR": "break",
    "PO": "pop",
    "LO": "lock",
    "MH": "middle hip-hop",
    "LH": "LA-style hip-hop",
    "HO": "house",
    "WA": "waack",
    "KR": "krump",
    "JS": "street jazz",
    "JB": "ballet jazz",
}
SITUATIONS: dict[str, str] = {
    "BM": "basic",
    "FM": "advanced",
    "MM": "moving-camera",
    "GR": "group",
    "SH": "showcase",
    "CH": "cypher",
}
_NAME = re.compile(r"^g([A-Z]{2})_s([A-Z]{2})_c\w+?_d(\d+)_m\w+?_ch(\d+)$")


def parse_name(stem: str, label: str) -> dict[str, str]:
    """genre, situation, dancer and choreography from an AIST++ motion name."""
    m = _NAME.match(stem)
    if m is None or m.group(1) not in GENRES:
        raise SourceError(f"{label}: not an AIST++ motion name (g<genre>_s<situation>_c.._d.._m.._ch..)")
    return {
        "genre": GENRES[m.group(1)],
        "situation": SITUATIONS.get(m.group(2), m.group(2)),
        "dancer": f"d{m.group(3)}",
        "choreography": f"ch{m.group(4)}",
    }


def dance_captions(info: dict[str, str], key: str) -> list[str]:
    """Templated captions for a dance of one genre."""
    phrases = [f"dances {info['genre']}", f"performs a {info['situation']} {info['genre']} dance"]
    return [*templated(phrases[0], key, n=2), *templated(phrases[1], key + "#2", n=1)]


class AISTPPConverter(Converter):
    """AIST++ SMPL motion pickles (see the module docstring)."""

    name = NAME

    def _names(self, raw_dir: Path) -> list[Path]:
        folder = raw_dir / MOTIONS_DIR
        return sorted(p for p in folder.glob("*.pkl") if p.is_file()) if folder.is_dir() else []

    def list_items(self, raw_dir: Path) -> list[Path]:
        check_body_models_dir(self.body_models)
        ignored = listed_names(raw_dir / IGNORE_LIST)
        return [p for p in self._names(raw_dir) if p.stem not in ignored]

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        ignored = listed_names(raw_dir / IGNORE_LIST)
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": f"listed in {IGNORE_LIST}"}
            for p in self._names(raw_dir)
            if p.stem in ignored
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        info = parse_name(item.stem, label)
        data = load_pickle(item, label)
        if not isinstance(data, dict):
            raise SourceError(f"{label}: the pickle holds a {type(data).__name__}, not a dict of arrays")
        poses = array(data, "smpl_poses", (None, 72), label)
        frames = poses.shape[0]
        if frames == 0:
            raise SourceError(f"{label}: the motion is empty (0 frames)")
        trans = array(data, "smpl_trans", (frames, 3), label)
        if "smpl_scaling" not in data:
            raise SourceError(f"{label}: no `smpl_scaling`")
        flat = {"smpl_scaling": np.asarray(data["smpl_scaling"]).reshape(-1)}
        scaling = array(flat, "smpl_scaling", (1,), label)
        if not scaling[0] > 0:
            raise SourceError(f"{label}: `smpl_scaling` must be > 0, got {scaling[0]}")
        joints, body = smpl_family_joints(
            poses[:, :66].reshape(frames, 22, 3),
            trans / scaling[0],
            np.zeros(0),
            "neutral",
            ("smpl",),
            self.body_models,
        )
        meta = {
            "native_fps": NATIVE_FPS,
            "units": "m (smpl_trans / smpl_scaling)",
            "up_axis": "y",
            "derived_joints": [],
            "smpl_scaling": float(scaling[0]),
            **info,
            "licence": LICENCE,
            **body,
        }
        return [
            Take(
                path=item.stem,
                joints=joints[:, None],
                fps=NATIVE_FPS,
                texts=dance_captions(info, item.stem),
                action="dance",
                style=info["genre"],
                meta=meta,
            )
        ]
