"""LSMB19 (`lsmb19`): NTU RGB+D-derived skeleton sequences in the MESSIF text format, 30 fps.

Layout: `data/raw/lsmb19/**/*.data` or `*.txt`. A file holds one or more sequences, each:

    #objectKey messif.objects.keys.AbstractObjectKey SsssCcccPpppRrrrAaaa_<offset>   (or the bare key)
    <frames>;mcdr.objects.ObjectMocapPose                                           (optional)
    x, y, z; x, y, z; ... (25 Kinect v2 joints, one frame per line)

The key names the NTU sample (class from `A###`, see `sources.ntu_classes`) and the frame offset of
the sequence in it; the take path is `<file path>/<key>`. Coordinates are the NTU camera-space
positions; their unit is not stated, so it is inferred from the body size among metres,
decimetres, centimetres and millimetres (`sources.units.infer_unit`, recorded in meta). A sequence
with a wrong line (not 25 triplets, a non-number, NaN), a frame count that disagrees with its lines, a
key that is not an NTU sample name, or no frame rejects its file with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.files import read_text
from stickgen.sources.kinect import NUM_KINECT, kinect_points
from stickgen.sources.ntu_rgbd import kinect_take, parse_sample_name
from stickgen.sources.orient import points_head_height
from stickgen.sources.units import UnitError, infer_unit

NAME = "lsmb19"
SUFFIXES = (".data", ".txt")
LICENCE = "derived from NTU RGB+D: non-commercial research (see docs/datasets.md#lsmb19)"
UNITS: tuple[str, ...] = ("m", "dm", "cm", "mm")
_KEY = re.compile(r"^(?:#objectKey\s+\S+\s+)?(S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}(?:_\d+)?)\s*$")
_COUNT = re.compile(r"^(\d+);\S+$")


def parse_sequences(text: str, label: str) -> list[tuple[str, np.ndarray]]:
    """(key, (T, 25, 3) native joints) for every sequence of a file."""
    out: list[tuple[str, list[np.ndarray], int | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        key = _KEY.match(line)
        if key:
            out.append((key.group(1), [], None))
            continue
        if line.startswith("#"):
            raise SourceError(
                f"{label}: line {number}: a header that is not an NTU sample key: {line[:60]!r}"
            )
        if not out:
            raise SourceError(f"{label}: line {number}: data before the first sequence header")
        count = _COUNT.match(line)
        if count:
            if out[-1][1] or out[-1][2] is not None:
                raise SourceError(f"{label}: line {number}: a frame count inside sequence {out[-1][0]}")
            out[-1] = (out[-1][0], out[-1][1], int(count.group(1)))
            continue
        triplets = [t for t in line.split(";") if t.strip()]
        if len(triplets) != NUM_KINECT:
            raise SourceError(
                f"{label}: line {number}: {len(triplets)} joints, a Kinect v2 body has {NUM_KINECT}"
            )
        try:
            frame = np.array([[float(v) for v in t.split(",")] for t in triplets])
        except ValueError:
            raise SourceError(f"{label}: line {number}: a coordinate is not a number") from None
        if frame.shape != (NUM_KINECT, 3) or not np.isfinite(frame).all():
            raise SourceError(f"{label}: line {number}: not 25 finite x, y, z triplets")
        out[-1][1].append(frame)
    if not out:
        raise SourceError(f"{label}: no sequence header (not an LSMB19 file)")
    sequences = []
    for key, frames, count in out:
        if not frames:
            raise SourceError(f"{label}: sequence {key} has no frame")
        if count is not None and count != len(frames):
            raise SourceError(
                f"{label}: sequence {key} promises {count} frames and has {len(frames)} (truncated?)"
            )
        sequences.append((key, np.stack(frames)))
    keys = [k for k, _ in sequences]
    if len(set(keys)) != len(keys):
        raise SourceError(f"{label}: a sequence key appears twice")
    return sequences


def _head_height(joints: np.ndarray) -> float:
    """The standing head height from the bone lengths (`orient.points_head_height`), native units: a take
    that sits, kneels or lies throughout (typing, reading) is sized by its bones, not by its pose."""
    return points_head_height(kinect_points(joints))


class LSMB19Converter(Converter):
    """LSMB19 MESSIF text files (see the module docstring)."""

    name = NAME

    def list_items(self, raw_dir: Path) -> list[Path]:
        return sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        takes = []
        for key, native in parse_sequences(read_text(item, label), label):
            where = f"{label} [{key}]"
            ids, cls = parse_sample_name(key, where)
            if cls.mutual:
                raise SourceError(
                    f"{where}: {cls.code} is a two-person class; LSMB19 sequences hold one body"
                )
            try:
                unit, scale = infer_unit(_head_height(native), UNITS)
            except UnitError as exc:
                raise SourceError(f"{where}: {exc}") from None
            offset = int(key.split("_")[1]) if "_" in key else 0
            meta = {**ids, "sequence_offset": offset, "licence": LICENCE}
            take = kinect_take(f"{label}/{key}", native[:, None] * scale, cls, meta)
            take.meta.update(units=unit, unit_scale_m=scale)
            takes.append(take)
        return takes
