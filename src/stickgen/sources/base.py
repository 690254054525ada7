"""What every converter shares: the take, the converter interface, the checks, the windowing into
canonical clips (docs/architecture.md, "Canonical data"; the driver that runs it all: `sources.driver`).

A dataset module (one per source, registered in `stickgen.sources`) subclasses `Converter`: it lists
the items (files) of a raw dataset folder and decodes one item into `Take`s whose joints are already
Y-up metres at the native frame rate. Everything after that is shared and lives here:

- `check_take`: shape, frame count, finiteness, plausible body size (metres), Y up (the head not far
  below the pelvis in most frames), a plausible human (`sources.plausibility`: standing height from
  the bone lengths 1.2-2.3 m, limb and back proportions, left/right symmetry), captions, action.
- `takes_to_clips`: resample to `canonical.fps` by interpolation in time, window long takes
  (`canonical.window_s` / `stride_s`), place every window in the canonical frame, stable ids
  `<dataset>/<take path>#<start>-<end>` (frames at the canonical fps) and group `<dataset>/<take path>`.
- `sources.driver.convert_dataset`: read all items (in `convert.workers` processes, results in item
  order) with a progress bar and build the conversion report.
- `sources.driver.run_conversion`: the `convert@<dataset>` stage body: write the canonical file and the
  report, and fail when more than `convert.max_reject_fraction` of the items were rejected.

Bad input never crashes a conversion and is never dropped silently: an item that cannot be read or
converted lands in the report's `rejects` with its reason, and whatever is left out on purpose (files
a converter ignores, windows that no caption describes) lands in `skipped` with its reason.
"""

from __future__ import annotations

import json
import math
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from stickgen.core import canonical
from stickgen.core.canonical import Clip
from stickgen.core.config import CanonicalConfig
from stickgen.core.skeleton import HEAD, NUM_JOINTS, PELVIS, to_canonical_frame
from stickgen.core.vocab import ACTION_INDEX, infer_action

# Sanity bounds on the body's size, to catch wrong units or a foreign skeleton: the median over frames
# of the largest joint distance from the pelvis. An adult measures about 0.8-1.2 m (head or wrist).
MIN_BODY_EXTENT_M = 0.25
MAX_BODY_EXTENT_M = 2.5
MAX_COORDINATE_M = 1e5  # no take in metres goes 100 km from its origin
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
    far = float(np.abs(j).max())
    if far > MAX_COORDINATE_M:  # beyond it a pelvis-relative extent loses the body to rounding (0 m or inf)
        raise SourceError(f"{where}: a joint lies {far:.3g} m from the origin: corrupt values or wrong units")
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


def windowed_clips(
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
    return windowed_clips(dataset, take, canonical_cfg)[0]
