"""The shared conversion driver: raw dataset items -> checked native takes -> canonical clips
(docs/architecture.md, "Canonical data").

A dataset module (one per source, registered in `stickgen.sources`) subclasses `Converter`: it lists
the items (files) of a raw dataset folder and decodes one item into `Take`s whose joints are already
Y-up metres at the native frame rate. Everything after that is shared and lives here:

- `check_take`: shape, frame count, finiteness, plausible body size (metres), Y up (the head not far
  below the pelvis in most frames), a plausible human (`sources.plausibility`: standing height from
  the bone lengths 1.2-2.3 m, limb and back proportions, left/right symmetry), captions, action.
- `takes_to_clips`: resample to `canonical.fps` by interpolation in time, window long takes
  (`canonical.window_s` / `stride_s`), place every window in the canonical frame, stable ids
  `<dataset>/<take path>#<start>-<end>` (frames at the canonical fps) and group `<dataset>/<take path>`.
- `convert_dataset`: read all items (in `convert.workers` processes, results in item order) with a
  progress bar and build the conversion report.
- `run_conversion`: the `convert@<dataset>` stage body: write the canonical file and the report, and
  fail when more than `convert.max_reject_fraction` of the items were rejected.

Bad input never crashes a conversion and is never dropped silently: an item that cannot be read or
converted lands in the report's `rejects` with its reason, and whatever is left out on purpose (files
a converter ignores, windows that no caption describes) lands in `skipped` with its reason.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import traceback
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from tqdm import tqdm

from stickgen.core import canonical
from stickgen.core.atomic import atomic_write_text
from stickgen.core.canonical import Clip
from stickgen.core.config import CanonicalConfig, ConvertConfig
from stickgen.core.quantize import round_floats
from stickgen.core.skeleton import HEAD, NUM_JOINTS, PELVIS, to_canonical_frame
from stickgen.core.vocab import ACTION_INDEX, infer_action

# Sanity bounds on the body's size, to catch wrong units or a foreign skeleton: the median over frames
# of the largest joint distance from the pelvis. An adult measures about 0.8-1.2 m (head or wrist).
MIN_BODY_EXTENT_M = 0.25
MAX_BODY_EXTENT_M = 2.5
# Y-up check: the median over frames (and actors) of head height minus pelvis height. About +0.6 m
# standing, about 0 lying down; a take converted with the wrong up axis (or stored upside down) is far
# below. A take that spends most of its time in a handstand is rejected too (rare, said in the reason).
MIN_HEAD_ABOVE_PELVIS_M = -0.25

# A time-ranged caption applies to a window when they overlap by at least this fraction of the
# shorter of the two (so a window that only brushes a range does not inherit its caption).
MIN_CAPTION_OVERLAP = 0.5

# Bounds on what one raw item may make a converter allocate (docs/datasets.md, "Limits"), checked before
# the allocation: a native frame rate outside MIN..MAX_NATIVE_FPS (a BVH `Frame Time: 100`, an AMASS
# `mocap_framerate` of 0.01) or a take longer than MAX_TAKE_S is rejected before it is resampled, no text
# file over MAX_TEXT_BYTES is read, and no array over MAX_ARRAY_BYTES is read or unpickled from a raw file
# (an AMASS take of 30 minutes at 120 fps holds 285 MB of float64 poses).
MIN_NATIVE_FPS = 1.0
MAX_NATIVE_FPS = 1000.0
MAX_TAKE_S = 3600.0
MAX_TEXT_BYTES = 256 * 2**20
MAX_ARRAY_BYTES = 512 * 2**20

# Parallel conversion starts one worker per this many items at most (each worker pays a start-up of a
# few seconds), so the embedded default's sample folders convert inline.
MIN_ITEMS_PER_WORKER = 16


class SourceError(ValueError):
    """A raw item (or a raw dataset folder) cannot be converted; the message says which and why."""


class ConversionError(RuntimeError):
    """A conversion stage failed as a whole (too many rejects, nothing to convert); names the report."""


def check_native_fps(fps: float, label: str, what: str = "native fps") -> None:
    """`SourceError` unless MIN_NATIVE_FPS <= fps <= MAX_NATIVE_FPS (`what` names the field read)."""
    if not (math.isfinite(fps) and MIN_NATIVE_FPS <= fps <= MAX_NATIVE_FPS):
        raise SourceError(
            f"{label}: {what} gives {fps:g} fps, outside the limits {MIN_NATIVE_FPS:g}..{MAX_NATIVE_FPS:g} "
            f"(sources.base.MIN_NATIVE_FPS / MAX_NATIVE_FPS)"
        )


def check_take_length(frames: int, fps: float, label: str) -> None:
    """`SourceError` when `frames` at `fps` last longer than MAX_TAKE_S."""
    if frames / fps > MAX_TAKE_S:
        raise SourceError(
            f"{label}: {frames} frames at {fps:g} fps last {frames / fps:.0f} s, over the limit "
            f"{MAX_TAKE_S:g} s (sources.base.MAX_TAKE_S)"
        )


def check_array_bytes(nbytes: int, label: str, what: str) -> None:
    """`SourceError` when an array of `nbytes` (`what`: which one) is over MAX_ARRAY_BYTES."""
    if nbytes > MAX_ARRAY_BYTES:
        raise SourceError(
            f"{label}: {what} holds {nbytes / 2**20:.1f} MiB, over the limit "
            f"{MAX_ARRAY_BYTES / 2**20:.0f} MiB (sources.base.MAX_ARRAY_BYTES)"
        )


@dataclass
class Take:
    """One decoded native take, before resampling and windowing.

    Attributes:
        path: posix path of the take inside the dataset (the id and group are built from it).
        joints: (T, A, 22, 3) joint positions in SMPL order, Y up, metres, any facing and origin.
        fps: native frame rate of `joints`.
        texts: captions describing the whole take.
        action: a name from `stickgen.core.vocab.ACTIONS` ("unknown" allowed).
        style: optional style label.
        meta: JSON-able facts: native fps, units, derived joints, licence tag, ...
        segments: captions that describe only a time range: (start_s, end_s, caption), seconds from
            the take's first frame. See `window_texts` for which windows they apply to.
    """

    path: str
    joints: np.ndarray
    fps: float
    texts: list[str]
    action: str
    style: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    segments: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def duration_s(self) -> float:
        return max(self.frames - 1, 0) / self.fps


class Converter(ABC):
    """Reader of one raw dataset's native layout. Subclasses set `name` and implement two methods.

    Instances are sent to worker processes, so they must be picklable (keep them stateless).

    Args:
        body_models: folder of user-supplied SMPL-family body models (`convert.body_models`; see
            `stickgen.sources.bodymodel`), or "" for none. Only the body-model sources read it.
        rig: a rig mapping to force (`stickgen convert bvh --rig NAME`; `sources.rigs.rig_choices()`),
            "" to recognise each file's rig. Only converters with `reads_rigs` accept one.
    """

    name: ClassVar[str]
    reads_rigs: ClassVar[bool] = False  # maps arbitrary skeletons (sources.rigmap): takes `rig`
    # take meta keys listed per converted file in the report's `files` (the rig mapping used, ...)
    report_meta: ClassVar[tuple[str, ...]] = ()

    def __init__(self, body_models: str | os.PathLike = "", rig: str = "") -> None:
        if rig:
            from stickgen.sources.rigs import rig_choices

            if not self.reads_rigs:
                raise ValueError(
                    f"dataset [{self.name}] has a fixed skeleton; --rig applies to BVH / ASF sources"
                )
            if rig not in rig_choices():
                raise ValueError(f"unknown rig [{rig}]; known: {rig_choices()}")
        self.body_models = str(body_models)
        self.rig = rig

    @abstractmethod
    def list_items(self, raw_dir: Path) -> list[Path]:
        """The items (usually files) of the dataset under `raw_dir`, sorted and deterministic."""

    @abstractmethod
    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        """Decode one item into takes; raise `SourceError` with the reason for bad input."""

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        """Files deliberately left out, as {"file": relative path, "reason": why}. Default: none."""
        return []

    def item_label(self, raw_dir: Path, item: Path) -> str:
        """How reports name `item`: its posix path relative to `raw_dir`."""
        try:
            return item.relative_to(raw_dir).as_posix()
        except ValueError:
            return item.as_posix()


def check_take(take: Take, max_actors: int) -> dict[str, list[float]]:
    """Raise `SourceError` when a take cannot become canonical clips; the message says why.

    Returns:
        per actor, the standing height from its bone lengths and the largest bone-length spread over
        frames (`sources.plausibility.body_stats`), for the take's meta.
    """
    where = f"take [{take.path}]"
    if not take.path:
        raise SourceError("a take has an empty path")
    j = take.joints
    if not isinstance(j, np.ndarray) or j.dtype.kind not in "fiu":
        kind = getattr(j, "dtype", type(j).__name__)
        raise SourceError(f"{where}: joints must be a real-valued numpy array, got {kind}")
    if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3):
        raise SourceError(f"{where}: joints must be (T, A, {NUM_JOINTS}, 3), got {j.shape}")
    if j.shape[0] == 0:
        raise SourceError(f"{where}: the motion is empty (0 frames)")
    if not 1 <= j.shape[1] <= max_actors:
        raise SourceError(f"{where}: {j.shape[1]} actors, canonical.max_actors allows 1..{max_actors}")
    bad = int(np.size(j) - np.count_nonzero(np.isfinite(j)))
    if bad:
        raise SourceError(f"{where}: {bad} of {j.size} joint values are not finite (NaN or inf)")
    if not (math.isfinite(take.fps) and take.fps > 0):
        raise SourceError(f"{where}: native fps must be > 0, got {take.fps}")
    check_native_fps(take.fps, where)
    check_take_length(j.shape[0], take.fps, where)  # before it is resampled
    extent = float(np.median(np.linalg.norm(j - j[:, :, PELVIS : PELVIS + 1], axis=-1).max(axis=-1)))
    if not MIN_BODY_EXTENT_M <= extent <= MAX_BODY_EXTENT_M:
        raise SourceError(
            f"{where}: joints reach {extent:.3g} m from the pelvis (want {MIN_BODY_EXTENT_M}-"
            f"{MAX_BODY_EXTENT_M} m): wrong units or not a human skeleton"
        )
    head_up = float(np.median(j[:, :, HEAD, 1] - j[:, :, PELVIS, 1]))
    if head_up < MIN_HEAD_ABOVE_PELVIS_M:
        raise SourceError(
            f"{where}: the head is {-head_up:.2f} m below the pelvis in most frames: wrong up axis, or "
            f"the take is upside down"
        )
    from stickgen.sources.plausibility import check_proportions  # it imports this module

    try:
        stats = [
            check_proportions(j[:, a], where + (f" actor {a}" if j.shape[1] > 1 else ""))
            for a in range(j.shape[1])
        ]
    except SourceError as exc:
        rig = take.meta.get("rig") if isinstance(take.meta, dict) else None
        raise SourceError(f"{exc} [rig mapped as {rig}]" if rig else str(exc)) from None
    captions = [*take.texts, *(c for _, _, c in take.segments)]
    if not captions or not all(isinstance(t, str) and t.strip() for t in captions):
        raise SourceError(f"{where}: needs >= 1 non-empty caption, got {captions!r}")
    if take.action not in ACTION_INDEX:
        raise SourceError(f"{where}: action [{take.action}] is not in the vocabulary")
    try:
        json.dumps(take.meta)
    except TypeError as exc:
        raise SourceError(f"{where}: meta is not JSON-able: {exc}") from None
    return {key: [st[key] for st in stats] for key in ("standing_height_m", "bone_length_spread")}


def window_texts(take: Take, start_s: float, end_s: float) -> list[str]:
    """Captions for the window [start_s, end_s] of a take, without duplicates, in order.

    Whole-take captions always apply. A time-ranged caption applies when the window and the range
    overlap by at least `MIN_CAPTION_OVERLAP` of the shorter of the two.
    """
    out = dict.fromkeys(take.texts)  # an ordered set: linear in the number of captions
    for seg_start, seg_end, caption in take.segments:
        overlap = min(end_s, seg_end) - max(start_s, seg_start)
        shorter = min(end_s - start_s, seg_end - seg_start)
        if overlap > 0 and overlap >= MIN_CAPTION_OVERLAP * shorter:
            out.setdefault(caption)
    return list(out)


def _take_to_clips(
    dataset: str, take: Take, canonical_cfg: CanonicalConfig
) -> tuple[list[Clip], list[tuple[int, int]]]:
    """`takes_to_clips`, also returning the (start, end) windows dropped because no caption applies."""
    fps = canonical_cfg.fps
    motion = canonical.resample(take.joints.astype(np.float64), take.fps, fps)  # (T', A, 22, 3)
    group = f"{dataset}/{take.path}"
    clips: list[Clip] = []
    uncaptioned: list[tuple[int, int]] = []
    spans = canonical.windows(motion.shape[0], canonical_cfg.window_frames, canonical_cfg.stride_frames)
    for start, end in spans:
        texts = window_texts(take, start / fps, end / fps)
        if not texts:
            uncaptioned.append((start, end))
            continue
        action = take.action
        if take.segments:  # the window's own captions may describe another action than the take's
            inferred = infer_action(texts)
            action = inferred if inferred != "unknown" else take.action
        clip = Clip(
            id=canonical.window_id(dataset, take.path, start, end),
            joints=to_canonical_frame(motion[start:end]),
            texts=texts,
            action=action,
            style=take.style,
            source=dataset,
            group=group,
            meta=dict(take.meta),
        )
        clip.validate(canonical_cfg.max_actors)
        clips.append(clip)
    return clips, uncaptioned


def takes_to_clips(dataset: str, take: Take, canonical_cfg: CanonicalConfig) -> list[Clip]:
    """Turn one take into validated canonical clips.

    The take is resampled to `canonical_cfg.fps` (linear interpolation in time, same duration),
    cut into windows of `window_s` every `stride_s` (a short take is one window), and each window is
    placed in the canonical frame. Windows that no caption describes are dropped (`convert_dataset`
    reports them under `skipped`).

    Args:
        dataset: the dataset name, first part of ids, groups and `source`.
        take: a take that passed `check_take`.
        canonical_cfg: the `canonical` params section.

    Returns:
        Clips with id `<dataset>/<take.path>#<start>-<end>` (frames at the canonical fps) and group
        `<dataset>/<take.path>`.
    """
    return _take_to_clips(dataset, take, canonical_cfg)[0]


@dataclass
class _ItemResult:
    """What one worker sends back for one item."""

    file: str
    clips: list[Clip] = field(default_factory=list)
    takes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    native_fps: list[float] = field(default_factory=list)
    reject: dict[str, str] | None = None
    skipped: list[dict[str, str]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # the report's `files` entry (report_meta)


def _convert_item(
    item: Path, converter: Converter, raw_dir: Path, dataset: str, canonical_cfg: CanonicalConfig
) -> _ItemResult:
    """Read and convert one item; any failure becomes the item's reject reason (never an exception)."""
    label = converter.item_label(raw_dir, item)
    result = _ItemResult(file=label)
    try:
        for take in converter.read(raw_dir, item):
            take.meta = {**take.meta, **check_take(take, canonical_cfg.max_actors)}
            clips, uncaptioned = _take_to_clips(dataset, take, canonical_cfg)
            if converter.report_meta:
                result.info.setdefault("takes", []).append(
                    {"take": take.path, **{k: take.meta[k] for k in converter.report_meta if k in take.meta}}
                )
            result.clips.extend(clips)
            result.takes.append(take.path)
            result.duration_s += take.duration_s
            result.native_fps.append(float(take.fps))
            result.skipped.extend(
                {"file": label, "reason": f"take [{take.path}] window {s}-{e}: no caption describes it"}
                for s, e in uncaptioned
            )
    except ValueError as exc:  # SourceError, CanonicalFormatError and numpy's decoding errors
        return _ItemResult(file=label, reject={"file": label, "reason": str(exc)})
    except Exception as exc:  # a converter bug or an unforeseen decoder error: report it, never crash
        reason = f"unexpected {type(exc).__name__}: {exc}"
        return _ItemResult(
            file=label, reject={"file": label, "reason": reason, "traceback": traceback.format_exc()}
        )
    return result


def _read_all(
    converter: Converter,
    raw_dir: Path,
    items: Sequence[Path],
    dataset: str,
    canonical_cfg: CanonicalConfig,
    workers: int,
) -> list[_ItemResult]:
    """Convert every item, inline or in `workers` processes; results come back in item order."""
    job = partial(
        _convert_item, converter=converter, raw_dir=raw_dir, dataset=dataset, canonical_cfg=canonical_cfg
    )
    bar = partial(tqdm, total=len(items), desc=f"convert {dataset}", unit="file", mininterval=1.0)
    # a worker costs seconds to start (it imports torch): small folders convert inline
    workers = min(workers, len(items) // MIN_ITEMS_PER_WORKER)
    if workers <= 1:
        return [job(item) for item in bar(items)]
    # spawn, not fork: the parent has torch loaded, and forking its thread pools is not safe. Workers
    # re-import the caller's script, so it must guard its entry point with `if __name__ == "__main__"`.
    ctx = multiprocessing.get_context("spawn")
    chunksize = max(1, min(64, len(items) // (4 * workers)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(bar(pool.map(job, items, chunksize=chunksize)))


def empty_report(name: str, raw_dir: str | os.PathLike, canonical_cfg: CanonicalConfig) -> dict[str, Any]:
    """A report with every key and nothing converted (also what a failed start writes)."""
    return {
        "dataset": name,
        "raw_dir": str(raw_dir),
        "fps": float(canonical_cfg.fps),
        "window_s": float(canonical_cfg.window_s),
        "stride_s": float(canonical_cfg.stride_s),
        "items": 0,
        "converted": 0,
        "rejected": 0,
        "reject_fraction": 0.0,
        "takes": 0,
        "clips": 0,
        "frames": 0,
        "duration_s": 0.0,
        "native_fps": [],
        "rejects": [],
        "skipped": [],
        "files": [],
        "rig": None,
        "error": None,
    }


def convert_dataset(
    name: str,
    raw_dir: str | os.PathLike,
    canonical_cfg: CanonicalConfig,
    convert_cfg: ConvertConfig,
    rig: str = "",
) -> tuple[list[Clip], dict[str, Any]]:
    """Convert every item of one raw dataset folder into canonical clips.

    Args:
        name: the dataset name, a key of the converter registry (`stickgen.sources`).
        raw_dir: the dataset's raw folder in its native layout.
        canonical_cfg: the `canonical` params section (fps, max_actors, windowing).
        convert_cfg: the `convert` params section (workers).
        rig: a rig mapping forced on every file (`--rig`), "" to recognise each file's rig.

    Returns:
        The clips, in item order, and the JSON-able report: dataset, raw_dir, fps, window_s, stride_s,
        items, converted, rejected, reject_fraction, takes, clips, frames (sum over clips), duration_s
        (sum over takes), native_fps, rejects [{file, reason}], skipped [{file, reason}], files (for
        rig-based converters: per converted file its takes' rig mapping, units, up axis and standing
        height), rig (the forced mapping or None), error (None).

    Raises:
        SourceError: `raw_dir` is not a folder or holds no convertible item.
        ValueError: `name` is not a known dataset.
    """
    from stickgen.sources import get_converter  # the registry imports this module

    converter = get_converter(name, convert_cfg.body_models, rig)
    root = Path(raw_dir)
    if not root.is_dir():
        raise SourceError(f"raw folder of dataset [{name}] not found: {root}")
    items = converter.list_items(root)
    skipped = converter.skipped_items(root)
    if not items:
        raise SourceError(
            f"no convertible {name} items under {root} ({len(skipped)} files skipped on purpose); "
            f"is this the dataset's native layout?"
        )
    results = _read_all(converter, root, items, name, canonical_cfg, convert_cfg.workers)

    clips: list[Clip] = []
    rejects: list[dict[str, str]] = []
    seen_takes: dict[str, str] = {}
    report = empty_report(name, raw_dir, canonical_cfg)
    native_fps: set[float] = set()
    for res in results:
        clash = [t for t in res.takes if t in seen_takes]
        if res.reject is None and clash:
            res = _ItemResult(
                file=res.file,
                reject={
                    "file": res.file,
                    "reason": f"take path [{clash[0]}] also comes from {seen_takes[clash[0]]}",
                },
            )
        if res.reject is not None:
            rejects.append(res.reject)
            continue
        seen_takes.update((t, res.file) for t in res.takes)
        if res.info:
            report["files"].append({"file": res.file, **res.info})
        clips.extend(res.clips)  # canonical.encode_clips interns strings
        skipped.extend(res.skipped)
        native_fps.update(res.native_fps)
        report["converted"] += 1
        report["takes"] += len(res.takes)
        report["duration_s"] += res.duration_s
    report.update(
        items=len(items),
        rejected=len(rejects),
        reject_fraction=len(rejects) / len(items),
        clips=len(clips),
        frames=sum(c.frames for c in clips),
        duration_s=round(report["duration_s"], 3),
        native_fps=sorted(native_fps),
        rejects=rejects,
        skipped=skipped,
        rig=rig or None,
    )
    return clips, report


def write_report(report: dict[str, Any], path: str | os.PathLike) -> None:
    """Write a report as JSON (sorted keys, indent 2), atomically; floats rounded to
    `stickgen.core.quantize.REPORT_DECIMALS` places (the same text on every CPU)."""
    atomic_write_text(path, json.dumps(round_floats(report), sort_keys=True, indent=2) + "\n")


def run_conversion(
    name: str,
    raw_dir: str | os.PathLike,
    out_pt: str | os.PathLike,
    out_report: str | os.PathLike,
    canonical_cfg: CanonicalConfig,
    convert_cfg: ConvertConfig,
    rig: str = "",
) -> dict[str, Any]:
    """Convert one dataset and write its canonical file and report (the `convert@<dataset>` stage).

    The report is written in every case. On failure no canonical file is left behind (a stale one from
    an earlier run is removed), so later stages cannot read outdated data.

    Args:
        name: dataset name (registry key).
        raw_dir: the raw folder in the dataset's native layout.
        out_pt: the canonical file to write (`canonical.save`).
        out_report: the JSON report to write.
        canonical_cfg: the `canonical` params section.
        convert_cfg: the `convert` params section.
        rig: a rig mapping forced on every file (`stickgen convert bvh --rig NAME`), "" for none.

    Returns:
        The report.

    Raises:
        ConversionError: the raw folder is missing or empty, no clip came out, or the rejected
            fraction of items exceeds `convert_cfg.max_reject_fraction`; the message names the report.
    """
    out_pt, out_report = Path(out_pt), Path(out_report)
    try:
        clips, report = convert_dataset(name, raw_dir, canonical_cfg, convert_cfg, rig)
    except SourceError as exc:
        report = empty_report(name, raw_dir, canonical_cfg)
        report["error"] = str(exc)
        clips = []
    if report["error"] is None:
        if report["reject_fraction"] > convert_cfg.max_reject_fraction:
            report["error"] = (
                f"{name}: rejected {report['rejected']} of {report['items']} items "
                f"({report['reject_fraction']:.1%}) > convert.max_reject_fraction "
                f"{convert_cfg.max_reject_fraction:.1%}"
            )
        elif not clips:
            report["error"] = f"{name}: no clip came out of {report['items']} items"
    if report["error"] is None:
        canonical.save(
            clips, out_pt, fps=canonical_cfg.fps, max_actors=canonical_cfg.max_actors, extra={"dataset": name}
        )
    elif out_pt.exists():
        out_pt.unlink()
    write_report(report, out_report)
    if report["error"] is not None:
        raise ConversionError(f"{report['error']}; see the reasons in the report {out_report}")
    return report
