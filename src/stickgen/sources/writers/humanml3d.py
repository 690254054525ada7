"""HumanML3D release writer (and the layout shared with KIT-ML): joints + `caption#tokens#start#end` texts."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from stickgen.core.quantize import POSITION_DECIMALS, on_grid
from stickgen.core.skeleton import NUM_JOINTS, mirror
from stickgen.sources import humanml3d as h3d
from stickgen.sources.writers.common import write_lines

# A small closed-class table for the token field; other words get spaCy's catch-all tag X.
_POS: dict[str, str] = {
    **dict.fromkeys(("a", "an", "the", "his", "her", "their", "its", "some"), "DET"),
    **dict.fromkeys(("and", "or", "but"), "CCONJ"),
    **dict.fromkeys(("in", "on", "at", "with", "to", "from", "of", "into", "over", "around"), "ADP"),
    **dict.fromkeys(("he", "she", "it", "they", "someone", "something"), "PRON"),
    **dict.fromkeys(("person", "man", "woman", "hand", "hands", "arm", "arms", "leg", "legs"), "NOUN"),
    **dict.fromkeys(("then", "forward", "backward", "slowly", "quickly"), "ADV"),
}
_SWAP_SIDES = re.compile(r"\b(left|right)\b", re.IGNORECASE)
_VAL_FRACTION = 0.1
_TEST_FRACTION = 0.1


def caption_tokens(caption: str) -> str:
    """The `word/POS` token field of a HumanML3D caption line (a simple lowercase word split)."""
    words = re.findall(r"[a-z]+", caption.lower())
    return " ".join(f"{w}/{_POS.get(w, 'X')}" for w in words)


def _swap_sides(caption: str) -> str:
    """The caption of the mirrored motion: "left" <-> "right" (keeping capitalisation)."""

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        new = "right" if word.lower() == "left" else "left"
        return new.capitalize() if word[0].isupper() else new

    return _SWAP_SIDES.sub(swap, caption)


def _split_names(names: Sequence[str], split_seed: int) -> dict[str, list[str]]:
    """Deterministic train/val/test split of `names` (about 80/10/10, >= 1 val and test from 3 up)."""
    order = sorted(names)
    perm = np.random.default_rng(split_seed).permutation(len(order))
    shuffled = [order[i] for i in perm]
    n = len(shuffled)
    n_val = max(1, round(_VAL_FRACTION * n)) if n >= 3 else 0
    n_test = max(1, round(_TEST_FRACTION * n)) if n >= 3 else 0
    return {
        "val": sorted(shuffled[:n_val]),
        "test": sorted(shuffled[n_val : n_val + n_test]),
        "train": sorted(shuffled[n_val + n_test :]),
    }


def write_humanml3d(
    out_dir: Path,
    takes: Sequence[tuple[str, np.ndarray, list[str]]],
    split_seed: int,
    mirrored: bool = False,
) -> None:
    """Write takes in the HumanML3D release layout (see `sources.humanml3d`).

    Args:
        out_dir: the dataset folder to write (created; existing files of the same names are replaced).
        takes: (name, joints (T, 22, 3) Y-up metres at 20 fps, captions); names are file stems.
        split_seed: seed of the deterministic train/val/test split.
        mirrored: also write the release's pre-mirrored `M<name>` copies (X negated, left/right joints
            and the words "left"/"right" swapped), listed in the same split as their original.
    """
    write_release(out_dir, takes, split_seed, mirrored, n_joints=NUM_JOINTS, mirror_fn=mirror, index=True)


def write_release(
    out_dir: Path,
    takes: Sequence[tuple[str, np.ndarray, list[str]]],
    split_seed: int,
    mirrored: bool,
    n_joints: int,
    mirror_fn: Callable[[np.ndarray], np.ndarray],
    index: bool,
) -> None:
    """The HumanML3D-style release layout, shared with KIT-ML (`writers.kit_ml`).

    Args:
        takes: (name, joints (T, n_joints, 3) as the release stores them, captions).
        mirror_fn: the release's mirroring of one motion (for `mirrored`).
        index: write `index.csv` (HumanML3D's AMASS source table; KIT-ML has none).
    """
    names = [name for name, _, _ in takes]
    if len(set(names)) != len(names):
        raise ValueError(f"write_humanml3d: duplicate take names in {names}")
    for name, joints, captions in takes:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"write_humanml3d: take name [{name}] is not a plain file stem")
        if joints.ndim != 3 or joints.shape[1:] != (n_joints, 3):
            raise ValueError(
                f"write_humanml3d: take [{name}] joints must be (T, {n_joints}, 3), got {joints.shape}"
            )
        if not captions or any(not c.strip() or "#" in c or "\n" in c for c in captions):
            raise ValueError(
                f"write_humanml3d: take [{name}] needs >= 1 non-empty caption without "
                f"'#' or newlines, got {captions!r}"
            )
    out_dir = Path(out_dir)
    (out_dir / h3d.JOINTS_DIR).mkdir(parents=True, exist_ok=True)
    (out_dir / h3d.TEXTS_DIR).mkdir(parents=True, exist_ok=True)

    rows = []
    for name, joints, captions in takes:
        _write_one(out_dir, name, joints, captions)
        rows.append((f"./pose_data/stickgen_samples/{name}.npy", 0, joints.shape[0], f"{name}.npy"))
        if mirrored:
            _write_one(
                out_dir, h3d.MIRROR_PREFIX + name, mirror_fn(joints), [_swap_sides(c) for c in captions]
            )
    if index:
        with (out_dir / h3d.INDEX_FILE).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(h3d.INDEX_COLUMNS)
            writer.writerows(rows)

    splits = _split_names(names, split_seed)
    for split, members in splits.items():
        listed = sorted([*members, *(h3d.MIRROR_PREFIX + n for n in members)] if mirrored else members)
        write_lines(out_dir / f"{split}.txt", listed)
    everything = sorted([*names, *(h3d.MIRROR_PREFIX + n for n in names)] if mirrored else names)
    write_lines(out_dir / h3d.ALL_FILE, everything)


def _write_one(out_dir: Path, name: str, joints: np.ndarray, captions: Sequence[str]) -> None:
    # on the stored grid before float32: the same bytes on every CPU (stickgen.core.quantize)
    stored = on_grid(joints, POSITION_DECIMALS).astype(np.float32)
    np.save(out_dir / h3d.JOINTS_DIR / f"{name}.npy", stored)
    lines = [f"{c.strip()}#{caption_tokens(c)}#0.0#0.0" for c in captions]
    write_lines(out_dir / h3d.TEXTS_DIR / f"{name}.txt", lines)
