"""The conversion driver: every item of a raw dataset folder read (inline or in worker processes), its
takes checked and windowed (`stickgen.sources.base`), the clips gathered and the report written, with each
failing item a reject naming its reason (the `convert@<dataset>` stage, `stickgen convert`)."""

from __future__ import annotations

import json
import multiprocessing
import os
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stickgen.core import canonical
from stickgen.core.atomic import atomic_write_text
from stickgen.core.canonical import Clip
from stickgen.core.config import CanonicalConfig, ConvertConfig
from stickgen.core.quantize import round_floats
from stickgen.sources.base import ConversionError, Converter, SourceError, check_take, windowed_clips

# Parallel conversion starts one worker per this many items at most (each worker pays a start-up of a
# few seconds), so the embedded default's sample folders convert inline.
MIN_ITEMS_PER_WORKER = 16


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
            clips, uncaptioned = windowed_clips(dataset, take, canonical_cfg)
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


def _collect(
    results: list[_ItemResult], report: dict[str, Any], skipped: list[dict[str, str]]
) -> tuple[list[Clip], dict[str, Any]]:
    """The clips of the converted items, in item order, and `report` filled in (converted, takes, clips,
    frames, duration_s, native_fps, rejects, skipped, files). An item whose take path another item already
    gave is rejected: take paths name clips, so they must be unique."""
    clips: list[Clip] = []
    rejects: list[dict[str, str]] = []
    seen_takes: dict[str, str] = {}
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
        clips=len(clips),
        frames=sum(c.frames for c in clips),
        duration_s=round(report["duration_s"], 3),
        native_fps=sorted(native_fps),
        rejects=rejects,
        skipped=skipped,
    )
    return clips, report


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

    clips, report = _collect(results, empty_report(name, raw_dir, canonical_cfg), skipped)
    rejected = len(report["rejects"])
    report.update(items=len(items), rejected=rejected, reject_fraction=rejected / len(items), rig=rig or None)
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
