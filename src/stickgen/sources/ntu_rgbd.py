"""NTU RGB+D 60 / 120 skeletons (`ntu_rgbd`): Kinect v2 `.skeleton` text files, 30 fps.

Layout: `data/raw/ntu_rgbd/**/SsssCcccPpppRrrrAaaa.skeleton` (the `nturgb+d_skeletons/` folders of
both releases, any depth); optionally `samples_with_missing_skeletons.txt` at the top (its names are
skipped and reported). The take path is the file stem.

File format: the frame count, then per frame the body count and per body a line of ten body values
(the tracking id first), the joint count (25) and one line per joint of `x y z depthX depthY colorX
colorY orientW orientX orientY orientZ trackingState`; only x, y, z (camera space, metres) are used.

Bodies are followed by tracking id. The class (`A###`, official names in `sources.ntu_classes`)
says how many people act: one for single-person classes, two for mutual ones (A050-A060,
A106-A120). Those are the bodies tracked in the most frames (ties: the most motion); other
detections (the sensor sometimes tracks a second, spurious body) are dropped and counted in meta.
The take covers the frames where every chosen body is tracked; frames inside that span where a body
is lost are filled by linear interpolation in time (`interpolated_frames` in meta). A file with no
tracked body, or a mutual class with fewer than two bodies, is rejected. Captions are templated from
the class (the dataset has no text).
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.captions import templated
from stickgen.sources.files import listed_names, read_text
from stickgen.sources.kinect import NUM_KINECT, kinect_to_smpl
from stickgen.sources.ntu_classes import NTUClass, ntu_class

NAME = "ntu_rgbd"
NATIVE_FPS = 30.0
LICENCE = "NTU RGB+D release agreement: non-commercial research (see docs/datasets.md#ntu_rgbd)"
MISSING_LIST = "samples_with_missing_skeletons.txt"
JOINT_VALUES = 12  # x y z depthX depthY colorX colorY orientW orientX orientY orientZ trackingState
_XYZ_TOKENS = operator.itemgetter(*(i * JOINT_VALUES + k for i in range(NUM_KINECT) for k in range(3)))
SAMPLE_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


@dataclass
class Track:
    """One tracked body: the frames it appears in and its joints there."""

    frames: list[int] = field(default_factory=list)
    joints: list[np.ndarray] = field(default_factory=list)  # each (25, 3)


def parse_sample_name(stem: str, label: str) -> tuple[dict[str, int], NTUClass]:
    """(setup/camera/performer/replication numbers, class) from `SsssCcccPpppRrrrAaaa`."""
    m = SAMPLE_NAME.search(stem)
    if m is None:
        raise SourceError(f"{label}: the name is not an NTU sample name SsssCcccPpppRrrrAaaa")
    setup, camera, performer, replication, action = (int(g) for g in m.groups())
    try:
        cls = ntu_class(action)
    except KeyError as exc:
        raise SourceError(f"{label}: {exc.args[0]}") from None
    ids = {"setup": setup, "camera": camera, "performer": performer, "replication": replication}
    return ids, cls


def parse_skeleton(text: str, label: str) -> tuple[int, dict[str, Track]]:
    """(frame count, tracking id -> Track) from a `.skeleton` file's text."""
    lines = text.split("\n")
    pos = 0

    def next_line(what: str) -> list[str]:
        nonlocal pos
        if pos >= len(lines):
            raise SourceError(f"{label}: the file ends early (expected {what}; truncated)")
        parts = lines[pos].split()
        pos += 1
        return parts

    def integer(what: str) -> int:
        parts = next_line(what)
        if len(parts) != 1 or not parts[0].isdigit():
            raise SourceError(f"{label}: line {pos}: expected {what}, got {' '.join(parts)[:40]!r}")
        return int(parts[0])

    n_frames = integer("the frame count")
    tracks: dict[str, Track] = {}
    for f in range(n_frames):
        for _ in range(integer(f"the body count of frame {f}")):
            info = next_line("a body line")
            if len(info) != 10:
                raise SourceError(f"{label}: line {pos}: a body line has {len(info)} values, not 10")
            n_joints = integer("the joint count")
            if n_joints != NUM_KINECT:
                raise SourceError(
                    f"{label}: line {pos}: {n_joints} joints, a Kinect v2 body has {NUM_KINECT}"
                )
            xyz = _joint_block(lines[pos : pos + NUM_KINECT], f"{label}: frame {f}")
            pos += NUM_KINECT
            if not np.isfinite(xyz).all():
                raise SourceError(f"{label}: frame {f}: NaN or infinite joint coordinates")
            track = tracks.setdefault(info[0], Track())
            if track.frames and track.frames[-1] == f:
                raise SourceError(f"{label}: frame {f}: body {info[0]} appears twice")
            if np.abs(xyz).max() > 0:  # all-zero rows are the sensor's "not tracked"
                track.frames.append(f)
                track.joints.append(xyz)
    if any(line.strip() for line in lines[pos:]):
        raise SourceError(f"{label}: text after the last frame (the frame count is wrong)")
    return n_frames, {k: t for k, t in tracks.items() if t.frames}


def _joint_block(rows: list[str], where: str) -> np.ndarray:
    """(25, 3) x, y, z of one body's joint lines (fast path: all lines have the usual 12 values)."""
    if len(rows) < NUM_KINECT:
        raise SourceError(f"{where}: the file ends inside a body (truncated)")
    tokens = " ".join(rows).split()
    if len(tokens) == NUM_KINECT * JOINT_VALUES:
        try:
            return np.array([float(v) for v in _XYZ_TOKENS(tokens)]).reshape(NUM_KINECT, 3)
        except ValueError:
            pass
    parts = [r.split() for r in rows]
    if any(len(p) < 3 for p in parts):
        raise SourceError(f"{where}: a joint line has fewer than 3 values")
    try:
        return np.array([p[:3] for p in parts], dtype=np.float64)
    except ValueError:
        raise SourceError(f"{where}: a joint coordinate is not a number") from None


def _motion(track: Track) -> float:
    j = np.stack(track.joints)
    return float(np.abs(np.diff(j, axis=0)).sum()) if len(j) > 1 else 0.0


def select_actors(tracks: dict[str, Track], wanted: int, label: str) -> tuple[np.ndarray, dict[str, Any]]:
    """(T, A, 25, 3) joints of the `wanted` main bodies over their common span, and meta."""
    if not tracks:
        raise SourceError(f"{label}: no body is tracked in any frame")
    order = sorted(tracks, key=lambda k: (-len(tracks[k].frames), -_motion(tracks[k]), tracks[k].frames[0]))
    if len(order) < wanted:
        raise SourceError(f"{label}: a two-person action, but only {len(order)} body is tracked")
    chosen = [tracks[k] for k in order[:wanted]]
    start = max(t.frames[0] for t in chosen)
    end = min(t.frames[-1] for t in chosen)
    if end - start + 1 < 2:
        raise SourceError(f"{label}: the chosen bodies are tracked together in fewer than 2 frames")
    grid = np.arange(start, end + 1)
    actors, filled = [], 0
    for t in chosen:
        frames = np.array(t.frames)
        joints = np.stack(t.joints)  # (n, 25, 3)
        inside = (frames >= start) & (frames <= end)
        frames, joints = frames[inside], joints[inside]
        filled += len(grid) - len(frames)
        flat = joints.reshape(len(frames), -1)
        interp = np.stack([np.interp(grid, frames, flat[:, c]) for c in range(flat.shape[1])], axis=1)
        actors.append(interp.reshape(len(grid), NUM_KINECT, 3))
    meta = {
        "bodies_tracked": len(tracks),
        "dropped_bodies": len(tracks) - wanted,
        "first_frame": int(start),
        "interpolated_frames": int(filled),
    }
    return np.stack(actors, axis=1), meta


def kinect_take(path: str, actors: np.ndarray, cls: NTUClass, meta: dict[str, Any]) -> Take:
    """A take from (T, A, 25, 3) Kinect joints of one NTU-class sample (shared with LSMB19)."""
    smpl = []
    derived: list[str] = []
    for a in range(actors.shape[1]):
        j, derived = kinect_to_smpl(actors[:, a])
        smpl.append(j)
    meta = {
        "native_fps": NATIVE_FPS,
        "units": "m",
        "coordinate_frame": "Kinect v2 camera space",
        "derived_joints": derived,
        "ntu_class": cls.code,
        "ntu_class_name": cls.name,
        "ntu_release": "NTU RGB+D 60" if cls.number <= 60 else "NTU RGB+D 120",
        **meta,
    }
    return Take(
        path=path,
        joints=np.stack(smpl, axis=1),
        fps=NATIVE_FPS,
        texts=templated(cls.phrase, path, pair=cls.mutual),
        action=cls.action,
        meta=meta,
    )


class NTURGBDConverter(Converter):
    """NTU RGB+D 60/120 `.skeleton` files (see the module docstring)."""

    name = NAME

    def list_items(self, raw_dir: Path) -> list[Path]:
        missing = listed_names(raw_dir / MISSING_LIST)
        return sorted(p for p in raw_dir.rglob("*.skeleton") if p.is_file() and p.stem not in missing)

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        missing = listed_names(raw_dir / MISSING_LIST)
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": f"listed in {MISSING_LIST}"}
            for p in sorted(raw_dir.rglob("*.skeleton"))
            if p.stem in missing
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        ids, cls = parse_sample_name(item.stem, label)
        n_frames, tracks = parse_skeleton(read_text(item, label), label)
        actors, meta = select_actors(tracks, 2 if cls.mutual else 1, label)
        meta = {**ids, **meta, "file_frames": n_frames, "licence": LICENCE}
        return [kinect_take(item.stem, actors, cls, meta)]
