"""The canonical clip store: the contract between converters and everything after them (docs/architecture.md,
"Canonical data").

One file per source, written with `torch.save` and loadable with
`torch.load(path, weights_only=True, mmap=True)`. The layout is columnar: all frames of all clips are
concatenated ("rows": one row per frame and actor, frame-major inside a clip, so a clip's rows reshape
to (T, A, ...)), and `clip_offsets` index into them.

Motion is stored as the root (pelvis) position in float32 metres, rounded to 1e-5 m
(`stickgen.core.quantize.POSITION_DECIMALS`), plus the other 21 joints relative to the root in int16
millimetres: 12 + 126 = 138 bytes per frame per actor, lossless to 0.5 mm. Both grids make the bytes
independent of the CPU that computed the joints (docs/reproducibility.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from stickgen.core import strings
from stickgen.core.atomic import atomic_open
from stickgen.core.face import BYTES_PER_ROW as FACE_BYTES
from stickgen.core.face import FaceFormatError, FaceTrack
from stickgen.core.face import check_rows as check_face_rows
from stickgen.core.quantize import POSITION_DECIMALS, on_grid
from stickgen.core.skeleton import JOINT_NAMES, NUM_JOINTS, ActorFrames
from stickgen.core.vocab import ACTION_INDEX

FORMAT = "stickgen-canonical"
FORMAT_VERSION = 2  # 2: string columns (`stickgen.core.strings`) and the face track (`face`)
UPGRADABLE = (1,)  # older versions `stickgen.core.upgrade` converts
_MM = 1000.0
_INT16_LIMIT_M = 32.0  # |offset from the root| must stay below this to fit int16 millimetres

CLIP_LIST_FIELDS = ("ids", "texts", "actions", "styles", "sources", "groups", "meta")
NESTED_FIELDS = frozenset({"texts"})  # a list of captions per clip
MOTION_FIELDS = ("root", "offsets", "face")  # one row per frame and actor
_TENSOR_FIELDS = (*MOTION_FIELDS, "clip_offsets", "clip_frames", "clip_actors")


class CanonicalFormatError(ValueError):
    """A canonical file (or a clip) breaks the contract; the message names the file or clip and why."""


@dataclass
class Clip(ActorFrames):
    """One canonical clip: `joints` is float32 (T, A, 22, 3) in canonical coordinates; `face` the actors'
    faces frame by frame (`stickgen.core.face`), None for a source without faces (stored as "unknown")."""

    id: str
    joints: np.ndarray
    texts: list[str]
    action: str = "unknown"
    style: str = ""
    source: str = ""
    group: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    face: FaceTrack | None = None

    def validate(self, max_actors: int | None = None) -> None:
        """Raise CanonicalFormatError naming the clip and the broken invariant."""
        where = f"clip [{self.id}]"
        j = self.joints
        if not isinstance(j, np.ndarray) or j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3):
            shape = getattr(j, "shape", type(j).__name__)
            raise CanonicalFormatError(f"{where}: joints must be (T, A, {NUM_JOINTS}, 3), got {shape}")
        if j.shape[0] < 1 or j.shape[1] < 1:
            raise CanonicalFormatError(f"{where}: needs >= 1 frame and >= 1 actor, got {j.shape[:2]}")
        if max_actors is not None and j.shape[1] > max_actors:
            raise CanonicalFormatError(f"{where}: {j.shape[1]} actors > max_actors {max_actors}")
        if not np.isfinite(j).all():
            raise CanonicalFormatError(f"{where}: joints contain non-finite values")
        rel = j[:, :, 1:, :] - j[:, :, :1, :]
        if np.abs(rel).max() >= _INT16_LIMIT_M:
            raise CanonicalFormatError(f"{where}: a joint is >= {_INT16_LIMIT_M} m from its root")
        if not self.id:
            raise CanonicalFormatError("a clip has an empty id")
        if not self.texts or not all(isinstance(t, str) and t.strip() for t in self.texts):
            raise CanonicalFormatError(f"{where}: needs >= 1 non-empty caption, got {self.texts!r}")
        if self.action not in ACTION_INDEX:
            raise CanonicalFormatError(f"{where}: action [{self.action}] is not in the vocabulary")
        if self.face is not None:
            try:
                self.face.validate(j.shape[0], j.shape[1], where)
            except FaceFormatError as exc:
                raise CanonicalFormatError(str(exc)) from None
        try:
            json.dumps(self.meta)
        except TypeError as exc:
            raise CanonicalFormatError(f"{where}: meta is not JSON-able: {exc}") from None


def window_id(dataset: str, path_in_dataset: str, start: int, end: int) -> str:
    """The stable clip id of docs/architecture.md, "Canonical data": `<dataset>/<path in
    dataset>#<start>-<end>`."""
    return f"{dataset}/{path_in_dataset}#{start}-{end}"


def windows(n_frames: int, window: int, stride: int) -> list[tuple[int, int]]:
    """Half-open [start, end) windows covering a take of `n_frames`; short takes give one window.

    The last window is aligned to the end of the take so that no tail frames are lost.
    """
    if window <= 0 or stride <= 0:
        raise ValueError(f"window and stride must be > 0, got {window}, {stride}")
    if n_frames <= window:
        return [(0, n_frames)]
    starts = list(range(0, n_frames - window + 1, stride))
    if starts[-1] + window < n_frames:
        starts.append(n_frames - window)
    return [(s, s + window) for s in starts]


def resample(x: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """Resample along axis 0 by linear interpolation in time (never by stretching).

    The output covers the same duration: frame k sits at time k / dst_fps.
    """
    if src_fps <= 0 or dst_fps <= 0:
        raise ValueError(f"fps must be > 0, got {src_fps} -> {dst_fps}")
    n = x.shape[0]
    if n == 0 or abs(src_fps - dst_fps) < 1e-9:
        return x.copy()
    duration = (n - 1) / src_fps
    n_out = int(np.floor(duration * dst_fps + 1e-6)) + 1
    t = np.arange(n_out) / dst_fps * src_fps  # position in source frames
    lo = np.clip(np.floor(t).astype(np.int64), 0, n - 1)
    hi = np.clip(lo + 1, 0, n - 1)
    w = (t - lo).reshape(-1, *([1] * (x.ndim - 1)))
    return (x[lo] * (1.0 - w) + x[hi] * w).astype(x.dtype)


KINDS = ("canonical", "curated", "embedded")


def file_header(
    kind: str,
    fps: float,
    clip_offsets: torch.Tensor,
    clip_frames: torch.Tensor,
    clip_actors: torch.Tensor,
    clip_lists: dict[str, Sequence],
    extra: dict | None = None,
    motion: dict[str, torch.Tensor] | None = None,
) -> dict[str, Any]:
    """The dict a canonical, curated or embedded file is saved from: format, version, kind, fps, joint
    names, the clip index, the per-clip string columns (`CLIP_LIST_FIELDS`, packed by
    `stickgen.core.strings.pack`: lists, or a loaded store's views) and `extra` (JSON-able file-level facts).

    Every writer builds it here, so the key order (which `torch.save` keeps, and so the bytes) is the same
    everywhere. `motion` holds the row columns (`MOTION_FIELDS`: root, offsets, face) when they are in
    memory (`encode_clips`); streaming writers leave them to `stickgen.core.columnar.write_columnar`.
    """
    if kind not in KINDS:
        raise ValueError(f"unsupported kind [{kind}]; known: {KINDS}")
    if tuple(clip_lists) != CLIP_LIST_FIELDS:
        raise ValueError(
            f"file_header: clip_lists must hold {CLIP_LIST_FIELDS} in that order, got {tuple(clip_lists)}"
        )
    columns: dict[str, torch.Tensor] = {}
    for name, values in clip_lists.items():
        columns.update(strings.pack(name, values, nested=name in NESTED_FIELDS))
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": kind,
        "fps": float(fps),
        "joint_names": list(JOINT_NAMES),
        **(motion or {}),
        "clip_offsets": clip_offsets,
        "clip_frames": clip_frames,
        "clip_actors": clip_actors,
        **columns,
        "extra": dict(extra or {}),
    }


def header_of(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """`file_header` of kind `kind` for the clips of a file's dict `data` (its fps, clip index, string
    columns and extra): a writer that copies a store's clips starts from it."""
    return file_header(
        kind,
        data["fps"],
        data["clip_offsets"],
        data["clip_frames"],
        data["clip_actors"],
        {k: data[k] for k in CLIP_LIST_FIELDS},
        data["extra"],
    )


def face_rows(clip: Clip) -> np.ndarray:
    """uint8 (T * A, 4) stored face rows of a clip (all zero, "unknown", without a face track)."""
    if clip.face is None:
        return np.zeros((clip.frames * clip.actors, FACE_BYTES), dtype=np.uint8)
    return clip.face.encode()


def encode_clips(
    clips: Sequence[Clip],
    fps: float,
    max_actors: int | None = None,
    extra: dict | None = None,
    kind: str = "canonical",
) -> dict[str, Any]:
    """Validate clips and pack them into the columnar dict that `save` writes.

    `kind` says which pipeline step wrote the file (`canonical`, `curated` or `embedded`); all share
    this layout, and embedded files add caption columns (see `stickgen.embed.dataset`).
    """
    if kind not in KINDS:
        raise ValueError(f"unsupported kind [{kind}]; known: {KINDS}")  # before the (slower) clip checks
    ids = [c.id for c in clips]
    dupes = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) != len(ids) else []
    if dupes:
        raise CanonicalFormatError(f"duplicate clip ids: {dupes[:5]}")
    for c in clips:
        c.validate(max_actors)
    rows = [c.joints.reshape(-1, NUM_JOINTS, 3).astype(np.float64) for c in clips]
    allrows = np.concatenate(rows) if rows else np.zeros((0, NUM_JOINTS, 3))
    root = on_grid(allrows[:, 0, :], POSITION_DECIMALS).astype(np.float32)
    rel = np.rint((allrows[:, 1:, :] - allrows[:, :1, :]) * _MM).astype(np.int16)
    face = np.concatenate([face_rows(c) for c in clips]) if clips else np.zeros((0, FACE_BYTES), np.uint8)
    sizes = [c.frames * c.actors for c in clips]
    return file_header(
        kind,
        fps,
        torch.tensor(np.concatenate([[0], np.cumsum(sizes)]), dtype=torch.int64),
        torch.tensor([c.frames for c in clips], dtype=torch.int32),
        torch.tensor([c.actors for c in clips], dtype=torch.int32),
        {
            "ids": ids,
            "texts": [list(c.texts) for c in clips],
            "actions": [c.action for c in clips],
            "styles": [c.style for c in clips],
            "sources": [c.source for c in clips],
            "groups": [c.group or c.id for c in clips],
            "meta": [json.dumps(c.meta, sort_keys=True) for c in clips],
        },
        extra,
        motion={k: torch.from_numpy(v) for k, v in zip(MOTION_FIELDS, (root, rel, face), strict=True)},
    )


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """torch.save to a temporary file in the same folder, then rename: a kill never leaves half a file."""
    # through a file object, the archive's inner folder is always "archive": the bytes do not depend on
    # the (temporary) file name
    with atomic_open(path) as fh:
        torch.save(obj, fh)


def torch_load_failure(path: str | os.PathLike, exc: Exception) -> str:
    """Why `torch.load(path, weights_only=True)` refused a file, in one line: empty, not torch's zip format,
    or holding what a weights-only load refuses (the unpickler's reason, without torch's advice to load with
    `weights_only=False`, which no stickgen file needs); else the error's first line."""
    text = str(exc).strip()
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as err:  # a folder, a file it may not read: that is the reason
        return f"{err.strerror or err}"
    if not head:
        return "the file is empty"
    # torch.save writes a zip archive (an old torch a bare pickle, protocol 2+: its first byte is 0x80)
    if not head.startswith((b"PK\x03\x04", b"\x80")) or "mmap can only be used with files saved" in text:
        return "not a file torch.save wrote"
    if "WeightsUnpickler error:" in text:
        reason = text.split("WeightsUnpickler error:", 1)[1].strip().splitlines()[0].split(". ")[0]
        return f"it holds more than tensors and plain values ({reason})"
    first = text.splitlines()[0].split(". ")[0] if text else type(exc).__name__
    if first.startswith("PytorchStreamReader failed"):
        return f"its zip archive is damaged or cut short ({first.rsplit(': ', 1)[-1]})"
    return first


def save(
    clips: Sequence[Clip],
    path: str | os.PathLike,
    fps: float,
    max_actors: int | None = None,
    extra: dict | None = None,
    kind: str = "canonical",
) -> None:
    """Validate and write clips as one canonical file. `extra` holds JSON-able file-level facts."""
    atomic_torch_save(encode_clips(clips, fps, max_actors, extra, kind), path)


class CanonicalStore:
    """A loaded canonical file. Motion tensors stay memory-mapped; clips decode on access.

    `data` is the file's dict with every string column also shown under its name (`ids`, `texts`, ...,
    and an embedded file's `captions`) as a read-only sequence (`stickgen.core.strings`); `raw` is the
    file's dict as stored (what to save again)."""

    def __init__(self, data: dict[str, Any], path: str = "<memory>") -> None:
        if not isinstance(data, dict):  # a .pt of a list, a tensor, a string (was a TypeError)
            raise CanonicalFormatError(f"{path}: not a canonical file: it holds a {type(data).__name__}")
        self.path = path
        self.raw = data
        self.data = {**data, **_check_structure(data, path)}
        self.fps: float = float(data["fps"])
        self.kind: str = data["kind"]
        self.ids: strings.Strings = self.data["ids"]
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def total_frames(self) -> int:
        return int(self.data["clip_frames"].sum())

    def _rows(self, i: int) -> tuple[int, int, int, int]:
        d = self.data
        return (
            int(d["clip_offsets"][i]),
            int(d["clip_offsets"][i + 1]),
            int(d["clip_frames"][i]),
            int(d["clip_actors"][i]),
        )

    def joints(self, i: int) -> np.ndarray:
        """Float32 (T, A, 22, 3) joints of clip i."""
        d = self.data
        a, b, t, n = self._rows(i)
        root = d["root"][a:b].numpy().astype(np.float64)
        rel = d["offsets"][a:b].numpy().astype(np.float64) / _MM
        out = np.empty((b - a, NUM_JOINTS, 3), dtype=np.float64)
        out[:, 0] = root
        out[:, 1:] = rel + root[:, None, :]
        return out.reshape(t, n, NUM_JOINTS, 3).astype(np.float32)

    def face(self, i: int) -> FaceTrack | None:
        """The face track of clip i; None when no frame of it has a face."""
        a, b, t, n = self._rows(i)
        rows = self.data["face"][a:b].numpy()
        if not rows[:, 0].any():
            return None
        try:
            check_face_rows(rows, f"{self.path}: clip [{self.ids[i]}]")
        except FaceFormatError as exc:
            raise CanonicalFormatError(str(exc)) from None
        return FaceTrack.decode(rows, t, n)

    def clip(self, i: int) -> Clip:
        d = self.data
        return Clip(
            id=d["ids"][i],
            joints=self.joints(i),
            texts=list(d["texts"][i]),
            action=d["actions"][i],
            style=d["styles"][i],
            source=d["sources"][i],
            group=d["groups"][i],
            meta=json.loads(d["meta"][i]),
            face=self.face(i),
        )

    def __iter__(self) -> Iterable[Clip]:
        return (self.clip(i) for i in range(len(self)))

    def index(self, clip_id: str) -> int:
        if self._index is None:  # built on first use: loading a million clips decodes no id
            self._index = {cid: i for i, cid in enumerate(self.ids)}
        return self._index[clip_id]


def _check_structure(d: Any, path: str) -> dict[str, Any]:
    """Check a loaded file against the contract; return its string columns as sequences by name."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        fmt = d.get("format") if isinstance(d, dict) else type(d).__name__
        raise CanonicalFormatError(f"{path}: not a canonical file (format={fmt!r}, want {FORMAT!r})")
    if d.get("version") != FORMAT_VERSION:
        how = "re-run the converter (`dvc repro`) to rebuild it"
        if d.get("version") in UPGRADABLE:
            how = f"convert it with `stickgen upgrade-store {path} NEW_PATH`, or {how}"
        raise CanonicalFormatError(
            f"{path}: canonical format version {d.get('version')!r}, this stickgen reads version "
            f"{FORMAT_VERSION}; {how}"
        )
    missing = [k for k in (*_TENSOR_FIELDS, "fps", "joint_names", "kind") if k not in d]
    if missing:
        raise CanonicalFormatError(f"{path}: missing keys {missing}")
    names = [k[: -len(strings.UTF8)] for k in d if k.endswith(strings.UTF8)]
    try:
        views = {name: strings.view(d, name) for name in (*CLIP_LIST_FIELDS, *names)}
    except strings.StringColumnError as exc:
        raise CanonicalFormatError(f"{path}: {exc}") from None
    if list(d["joint_names"]) != list(JOINT_NAMES):
        raise CanonicalFormatError(f"{path}: joint_names differ from the canonical 22 SMPL joints")
    n = len(views["ids"])
    for k in CLIP_LIST_FIELDS:
        if len(views[k]) != n:
            raise CanonicalFormatError(f"{path}: `{k}` has {len(views[k])} entries for {n} clips")
    if not isinstance(views["texts"], strings.StringLists) or any(
        isinstance(views[k], strings.StringLists) for k in CLIP_LIST_FIELDS if k not in NESTED_FIELDS
    ):
        raise CanonicalFormatError(f"{path}: `texts` must be a column of lists, the other string columns not")
    offs, frames, actors = d["clip_offsets"], d["clip_frames"], d["clip_actors"]
    if offs.shape != (n + 1,) or frames.shape != (n,) or actors.shape != (n,):
        raise CanonicalFormatError(f"{path}: clip index shapes do not match {n} clips")
    sizes = frames.to(torch.int64) * actors.to(torch.int64)
    if n and (int(offs[0]) != 0 or not torch.equal(offs[1:] - offs[:-1], sizes)):
        raise CanonicalFormatError(f"{path}: clip_offsets disagree with clip_frames x clip_actors")
    rows = int(offs[-1]) if n else 0
    shapes = {"root": (rows, 3), "offsets": (rows, NUM_JOINTS - 1, 3), "face": (rows, FACE_BYTES)}
    dtypes = {"root": torch.float32, "offsets": torch.int16, "face": torch.uint8}
    for k in MOTION_FIELDS:
        if tuple(d[k].shape) != shapes[k] or d[k].dtype != dtypes[k]:
            raise CanonicalFormatError(
                f"{path}: `{k}` is {d[k].dtype} {tuple(d[k].shape)}, want {dtypes[k]} {shapes[k]} "
                f"({rows} rows)"
            )
    return views


def load(path: str | os.PathLike, mmap: bool = True) -> CanonicalStore:
    """Load a canonical file safely (weights_only) and memory-mapped; checks the contract."""
    path = str(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"canonical file not found: {path}")
    return CanonicalStore(read_store_file(path, mmap), path)


def read_store_file(path: str | os.PathLike, mmap: bool = True) -> Any:
    """What `torch.load` (weights only, on the CPU) reads from a canonical, curated or embedded file of any
    format version; `CanonicalFormatError` saying why (`torch_load_failure`) when it cannot."""
    try:
        return torch.load(path, weights_only=True, mmap=mmap, map_location="cpu")
    except Exception as exc:  # torch raises several types for a damaged or foreign file
        reason = torch_load_failure(path, exc)
        raise CanonicalFormatError(f"{path}: cannot be read as a canonical file: {reason}") from exc


def describe(store: CanonicalStore) -> dict[str, Any]:
    """A JSON-able summary of a canonical, curated or embedded file (used by `stickgen inspect`).

    Each clip is checked against the contract (`Clip.validate`): `problem` says why a clip is invalid (None
    when it is valid), and a clip with non-finite joints has no height and no upright verdict (None). The
    summary holds no NaN or infinity, so it is strict JSON.
    """
    from stickgen.core.skeleton import body_height, is_upright

    clips = []
    for i in range(len(store)):
        j = store.joints(i)
        d = store.data
        try:
            store.clip(i).validate()
            problem = None
        except ValueError as exc:  # CanonicalFormatError, or meta that is not JSON
            problem = str(exc)
        finite = bool(np.isfinite(j).all())
        clips.append(
            {
                "id": d["ids"][i],
                "frames": int(j.shape[0]),
                "actors": int(j.shape[1]),
                "valid": problem is None,
                "problem": problem,
                "height_m": round(body_height(j[:, 0]), 3) if finite else None,
                "upright": is_upright(j[:, 0]) if finite else None,
                "source": d["sources"][i],
                "action": d["actions"][i],
                "style": d["styles"][i],
                "group": d["groups"][i],
                "texts": list(d["texts"][i]),
            }
        )
    return {
        "path": store.path,
        "format": FORMAT,
        "version": store.data["version"],
        "kind": store.kind,
        "fps": store.fps if np.isfinite(store.fps) else None,
        "joint_names": list(store.data["joint_names"]),
        "n_clips": len(store),
        "invalid_clips": sum(not c["valid"] for c in clips),
        "total_frames": store.total_frames,
        "clips": clips,
    }
