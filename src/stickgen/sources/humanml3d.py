"""HumanML3D reader: the native release layout -> `Take`s (conversion itself is in `sources.base`).

Layout under the raw folder (as released):

    new_joints/<name>.npy   float (T, 22, 3): SMPL joint order, Y up, metres, 20 fps
    texts/<name>.txt        one caption per line: `caption#tokens#start#end` (tokens like `a/DET man/NOUN`)
    index.csv               source_path,start_frame,end_frame,new_name (optional, goes into meta)
    train.txt val.txt test.txt all.txt   one name per line (optional)

A motion's take path is its bare name, so clip ids read `humanml3d/<name>#<start>-<end>` and the
group is `humanml3d/<name>`. Items are the names listed in `all.txt`, or every `new_joints/*.npy` when
there is no `all.txt` (sorted by name). Names starting with `M` are the release's pre-mirrored copies:
they are skipped and reported (stickgen mirrors on its own); `.npy` files not listed in `all.txt` are
skipped and reported. A listed name must be a plain file name: one that reaches outside `new_joints/`
(`../x`, `/abs/x`, `sub/x`) rejects its item, and nothing outside the raw folder is read.

Caption rule: `start#end` are seconds from the motion's first frame. `0.0#0.0` (or NaN) means the
caption describes the whole motion, and it is given to every window of the take. Any other range
describes only that part of the motion: it is given to the windows that overlap the range by at
least half of the shorter of the two (`sources.base.window_texts`). A window with no applicable
caption is dropped and reported. Lines that do not parse (too few `#` fields, empty caption, a range
that is not a number or ends before it starts) are ignored and counted in the take's meta
(`ignored_text_lines`); a file with no valid line rejects the motion, and so does a missing text file.

The take's action comes from `vocab.infer_action` over the whole-motion captions ("unknown" when
there are none); a window that also gets time-ranged captions re-infers its action from all of its
own captions and keeps the take's action only when that finds nothing. Meta records the native
fps, units, the release's split (`source_split`, "" when no split file lists the name), the licence
tag, the AMASS source span from `index.csv` when present, and `derived_joints` (none: all 22 are
native).
"""

from __future__ import annotations

import csv
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from stickgen.core.skeleton import NUM_JOINTS
from stickgen.core.vocab import infer_action
from stickgen.sources.base import Converter, SourceError, Take, check_array_bytes

NAME = "humanml3d"
NATIVE_FPS = 20.0  # the release's frame rate (a property of the native format)
JOINTS_DIR = "new_joints"
TEXTS_DIR = "texts"
INDEX_FILE = "index.csv"
ALL_FILE = "all.txt"
SPLITS: tuple[str, ...] = ("train", "val", "test")
MIRROR_PREFIX = "M"
LICENCE = "humanml3d (see docs/datasets.md)"
INDEX_COLUMNS: tuple[str, ...] = ("source_path", "start_frame", "end_frame", "new_name")
_NPY_MAGIC = b"\x93NUMPY"


def read_names(path: Path) -> list[str]:
    """Names listed one per line in a split file (blank lines ignored, order kept)."""
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def parse_caption_line(line: str) -> tuple[str, float | None, float | None] | None:
    """Parse `caption#tokens#start#end` into (caption, start_s, end_s); None for an invalid line.

    start and end are None when the caption describes the whole motion (`0.0#0.0` or NaN).
    """
    parts = line.strip().rsplit("#", 3)
    if len(parts) != 4 or not parts[0].strip():
        return None
    caption = parts[0].strip()
    try:
        start, end = float(parts[2]), float(parts[3])
    except ValueError:
        return None
    if math.isnan(start) or math.isnan(end) or (start == 0.0 and end == 0.0):
        return caption, None, None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end <= start:
        return None
    return caption, start, end


def _stamp(raw_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, mtime and size of the side tables: the cache key of `_tables`."""
    out = []
    for name in (INDEX_FILE, *(f"{s}.txt" for s in SPLITS)):
        p = raw_dir / name
        if p.is_file():
            st = p.stat()
            out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


@lru_cache(maxsize=4)
def _tables(
    raw_dir: str, stamp: tuple[tuple[str, int, int], ...]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """(name -> release split, name -> AMASS source span) of one raw folder, read once per process."""
    root = Path(raw_dir)
    split_of: dict[str, str] = {}
    for split in SPLITS:
        path = root / f"{split}.txt"
        if path.is_file():
            for name in read_names(path):
                split_of.setdefault(name, split)
    sources: dict[str, dict[str, Any]] = {}
    index = root / INDEX_FILE
    if index.is_file():
        with index.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if set(INDEX_COLUMNS) <= set(reader.fieldnames or ()):
                for row in reader:
                    new_name = (row["new_name"] or "").strip()
                    start, end = (row["start_frame"] or "").strip(), (row["end_frame"] or "").strip()
                    if new_name and start.lstrip("-").isdigit() and end.lstrip("-").isdigit():
                        sources[Path(new_name).stem] = {
                            "source_path": (row["source_path"] or "").strip(),
                            "source_frames": [int(start), int(end)],
                        }
    return split_of, sources


def load_joints(path: Path, label: str, n_joints: int = NUM_JOINTS) -> np.ndarray:
    """Load one `new_joints` file as float64 (T, n_joints, 3); `SourceError` names `label` and the problem."""
    check_array_bytes(path.stat().st_size, label, "the file")  # numpy reads no more than the file holds
    try:
        with path.open("rb") as fh:
            magic = fh.read(len(_NPY_MAGIC))
            fh.seek(0)
            arr = np.load(fh, allow_pickle=False) if magic == _NPY_MAGIC else None
    except (ValueError, OSError, EOFError) as exc:
        raise SourceError(f"{label}: cannot be read as a .npy array ({type(exc).__name__}: {exc})") from None
    if arr is None:
        raise SourceError(f"{label}: not a .npy file (it does not start with the .npy magic bytes)")
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fiu":
        kind = getattr(arr, "dtype", type(arr).__name__)
        raise SourceError(f"{label}: expected a real-valued array, got {kind}")
    if arr.ndim != 3 or arr.shape[1:] != (n_joints, 3):
        raise SourceError(f"{label}: expected (T, {n_joints}, 3) joints, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise SourceError(f"{label}: the motion is empty (0 frames)")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():  # checked before any cast
        raise SourceError(
            f"{label}: {int((~np.isfinite(arr)).sum())} joint values are not finite (NaN or inf)"
        )
    return arr.astype(np.float64)


def read_texts(path: Path, label: str) -> tuple[list[str], list[tuple[float, float, str]], int]:
    """Read a `texts/<name>.txt` file.

    Returns:
        (whole-motion captions, time-ranged captions as (start_s, end_s, caption), ignored lines).
    """
    if not path.is_file():
        raise SourceError(f"{label}: no caption file {TEXTS_DIR}/{path.name}")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{label}: cannot read {TEXTS_DIR}/{path.name}: {exc}") from None
    whole: dict[str, None] = {}  # an ordered set: reading stays linear in the number of lines
    ranged: list[tuple[float, float, str]] = []
    ignored = 0
    for line in lines:
        if not line.strip():
            continue
        parsed = parse_caption_line(line)
        if parsed is None:
            ignored += 1
        elif parsed[1] is None or parsed[2] is None:
            whole.setdefault(parsed[0])
        else:
            ranged.append((parsed[1], parsed[2], parsed[0]))
    if not whole and not ranged:
        raise SourceError(
            f"{label}: {TEXTS_DIR}/{path.name} has no valid `caption#tokens#start#end` line "
            f"({ignored} invalid)"
        )
    return list(whole), ranged, ignored


class HumanML3DConverter(Converter):
    """The HumanML3D release (see the module docstring for the layout and the caption rule).

    Subclasses for releases in the same layout (KIT-ML) override the class attributes and `to_smpl`.
    """

    name = NAME
    native_fps: ClassVar[float] = NATIVE_FPS
    licence: ClassVar[str] = LICENCE
    n_joints: ClassVar[int] = NUM_JOINTS

    def to_smpl(self, arr: np.ndarray, label: str) -> tuple[np.ndarray, dict[str, Any]]:
        """The release's joints -> (T, 22, 3) SMPL joints in metres, and meta (units, derived joints)."""
        return arr, {"units": "m", "derived_joints": []}

    def _scan(self, raw_dir: Path) -> tuple[list[str], list[dict[str, str]]]:
        """(item names, skipped files with reasons)."""
        joints_dir = raw_dir / JOINTS_DIR
        on_disk = sorted(p.stem for p in joints_dir.glob("*.npy")) if joints_dir.is_dir() else []
        all_file = raw_dir / ALL_FILE
        if all_file.is_file():
            candidates = sorted(set(read_names(all_file)))
            unlisted = sorted(set(on_disk) - set(candidates))
        else:
            candidates, unlisted = on_disk, []
        names, skipped = [], []
        for name in candidates:
            if name.startswith(MIRROR_PREFIX):
                skipped.append(_mirror_skip(name))
            else:
                names.append(name)
        for name in unlisted:
            if name.startswith(MIRROR_PREFIX):
                skipped.append(_mirror_skip(name))
            else:
                skipped.append({"file": f"{JOINTS_DIR}/{name}.npy", "reason": f"not listed in {ALL_FILE}"})
        return names, skipped

    def list_items(self, raw_dir: Path) -> list[Path]:
        names, _ = self._scan(raw_dir)
        return [raw_dir / JOINTS_DIR / f"{name}.npy" for name in names]

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        return self._scan(raw_dir)[1]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        name = item.stem
        label = self.item_label(raw_dir, item)
        if item.parent != raw_dir / JOINTS_DIR:  # `raw_dir / JOINTS_DIR / f"{name}.npy"` of a listed name
            raise SourceError(
                f"{label}: {ALL_FILE} names a path outside {JOINTS_DIR}/ (only plain motion names are read)"
            )
        if not item.is_file():
            raise SourceError(f"{label}: motion file missing (the name is listed in {ALL_FILE})")
        joints, conversion = self.to_smpl(load_joints(item, label, self.n_joints), label)  # (T, 22, 3)
        texts, segments, ignored = read_texts(raw_dir / TEXTS_DIR / f"{name}.txt", label)
        split_of, sources = _tables(os.fspath(raw_dir), _stamp(raw_dir))
        meta: dict[str, Any] = {
            "native_fps": self.native_fps,
            "units": conversion["units"],
            "source_split": split_of.get(name, ""),
            "licence": self.licence,
            "derived_joints": conversion["derived_joints"],
        }
        meta.update({k: v for k, v in conversion.items() if k not in meta})
        meta.update(sources.get(name, {}))
        if ignored:
            meta["ignored_text_lines"] = ignored
        action = infer_action(texts)  # whole-motion captions; windows re-infer from their own captions
        take = Take(
            path=name,
            joints=joints[:, None],  # (T, 1, 22, 3): one actor
            fps=self.native_fps,
            texts=texts,
            action=action,
            meta=meta,
            segments=segments,
        )
        return [take]


def _mirror_skip(name: str) -> dict[str, str]:
    return {
        "file": f"{JOINTS_DIR}/{name}.npy",
        "reason": f"pre-mirrored copy of {name[len(MIRROR_PREFIX) :]} (stickgen mirrors on its own)",
    }
