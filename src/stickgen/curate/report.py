"""The curation report (`curation_report.json`) and the plot data files DVC renders (docs/curation.md).

Plot files (CSV, one bar chart per file; dvc.yaml's top-level `plots` declares them):

    quality/<source>.csv        quality score histogram of every input clip of that source
    actions/<stage>.csv         clips per action: `input` (before curation) and each output set
    sources/<stage>.csv         clips per source: `input` and each output set
    reject_reasons.csv          clips per reject reason (every reason listed, zeros included)
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.core import quality
from stickgen.core.atomic import atomic_write_text
from stickgen.core.config import CurateConfig
from stickgen.core.quantize import round_floats
from stickgen.curate.curation import OUTPUT_SETS, REJECT_REASONS, SFT_REASONS, ClipTable, Plan

QUALITY_BINS = 10


def _bin_labels() -> list[str]:
    w = 1.0 / QUALITY_BINS
    return [f"{k * w:.1f}-{(k + 1) * w:.1f}" for k in range(QUALITY_BINS)]


def _histogram(scores: np.ndarray) -> list[int]:
    idx = np.minimum((np.asarray(scores) * QUALITY_BINS).astype(np.int64), QUALITY_BINS - 1)
    return np.bincount(idx, minlength=QUALITY_BINS).tolist()


def _count(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def build_report(
    plan: Plan, table: ClipTable, cfg: CurateConfig, weights: dict[str, float]
) -> dict[str, Any]:
    """Everything curation decided, as JSON-able data (floats rounded to
    `stickgen.core.quantize.REPORT_DECIMALS`
    places: the same text on every CPU)."""
    sources = sorted(set(table.sources))
    src = np.array(table.sources, dtype=object)
    per_set_sources = {n: _count([table.sources[i] for i in p.rows]) for n, p in plan.sets.items()}
    per_set_actions = {n: _count([table.actions[i] for i in p.rows]) for n, p in plan.sets.items()}
    quality_by_source: dict[str, Any] = {}
    for s in sources:
        mask = src == s
        sc = table.score[mask]
        quality_by_source[s] = {
            "clips": int(mask.sum()),
            "mean": round(float(sc.mean()), 4),
            "p10": round(float(np.percentile(sc, 10)), 4),
            "median": round(float(np.median(sc)), 4),
            "histogram": dict(zip(_bin_labels(), _histogram(sc), strict=True)),
            # share of clips each detector flags (severity > 0) and the mean raw value
            "detectors": {
                d: {
                    "flagged": round(float((quality.severity(d, table.raw[d][mask]) > 0).mean()), 4),
                    "mean_raw": round(float(table.raw[d][mask].mean()), 4),
                }
                for d in quality.DETECTORS
            },
        }
    reasons = Counter(r["reason"].split(":")[0] for r in plan.rejects)
    sft_reasons = Counter(r["reason"].split(":")[0] for r in plan.sft_excluded)
    damaged = sum(reasons[r] for r in REJECT_REASONS[:6])
    report = {
        "inputs": _count(table.sources),
        "outputs": {n: len(p) for n, p in plan.sets.items()},
        "mirrored": {n: int(p.mirrored.sum()) for n, p in plan.sets.items()},
        "sources": {"input": _count(table.sources), **per_set_sources},
        "actions": {"input": _count(table.actions), **per_set_actions},
        "splits": {
            name: {
                "clips": int(sum(1 for s in plan.split if s == name)),
                "groups": len({g for g, s in zip(table.groups, plan.split, strict=True) if s == name}),
            }
            for name in ("train", "val", "test")
        },
        "caps": {
            "max_source_fraction": cfg.max_source_fraction,
            "source": plan.caps["source"],
            "balance_max_fraction": cfg.balance_max_fraction,
            "action": plan.caps["action"],
        },
        "quality": {"weights": weights, "by_source": quality_by_source},
        "rejected": len(plan.rejects),
        "reject_reasons": {r: int(reasons[r]) for r in REJECT_REASONS},
        "damaged_fraction": round(damaged / max(len(table), 1), 4),
        "max_reject_fraction": cfg.max_reject_fraction,
        "sft_excluded": len(plan.sft_excluded),
        "sft_excluded_reasons": {r: int(sft_reasons[r]) for r in SFT_REASONS},
        "rejects": plan.rejects,
        "sft_excluded_clips": plan.sft_excluded,
    }
    return round_floats(report)


def _write_csv(path: Path, header: tuple[str, str], rows: list[tuple[str, int]]) -> None:
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerow(header)
    w.writerows(rows)
    atomic_write_text(path, text.getvalue())


def write_plots(report: dict[str, Any], plots_dir: str | Path) -> list[Path]:
    """Write the plot CSV files of the module docstring (replacing the folder); returns their paths."""
    plots_dir = Path(plots_dir)
    if plots_dir.exists():
        shutil.rmtree(plots_dir)
    written = []
    for source, q in report["quality"]["by_source"].items():
        written.append(plots_dir / "quality" / f"{source}.csv")
        _write_csv(written[-1], ("quality", "clips"), list(q["histogram"].items()))
    for kind, key in (("actions", "action"), ("sources", "source")):
        for stage in ("input", *OUTPUT_SETS):
            written.append(plots_dir / kind / f"{stage}.csv")
            _write_csv(written[-1], (key, "clips"), sorted(report[kind][stage].items()))
    written.append(plots_dir / "reject_reasons.csv")
    _write_csv(written[-1], ("reason", "clips"), list(report["reject_reasons"].items()))
    return written
