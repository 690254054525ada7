"""Model selection: the production readiness checklist's weighted score, the ranking and its rationale.

Each selection metric has a threshold and a weight (params `select`) and a direction (below: lower is
better for losses and errors). A metric that meets its threshold earns its full weight; one that misses
earns the share of the threshold it reaches (threshold / value for lower-is-better, value / threshold
for higher-is-better), so a model is still ranked when no candidate meets everything. The score is in
[0, 1] and is 1 exactly when every threshold is met. A missing metric earns nothing and is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from stickgen.config import SELECTION_METRICS, SelectConfig

DIRECTIONS: dict[str, Literal["lower", "higher"]] = {
    "val_loss": "lower",
    "motion_mse": "lower",
    "temporal_consistency": "higher",
    "action_accuracy": "higher",
    "physics_consistency": "higher",
    "robustness": "higher",
}
assert tuple(DIRECTIONS) == SELECTION_METRICS, DIRECTIONS


@dataclass(frozen=True)
class Criterion:
    """One checklist line for one model."""

    metric: str
    value: float | None
    threshold: float
    direction: str
    weight: float
    met: bool
    credit: float  # in [0, 1]

    @property
    def points(self) -> float:
        return self.weight * self.credit

    def describe(self) -> str:
        sign = "<" if self.direction == "lower" else ">"
        if self.value is None:
            return f"{self.metric}: missing (needs {sign} {self.threshold:g})"
        verdict = "meets" if self.met else "misses"
        return f"{self.metric} {self.value:.4g} {verdict} {sign} {self.threshold:g}"


def credit(value: float | None, threshold: float, direction: str) -> tuple[bool, float]:
    """(met, credit in [0, 1]) of one metric value against its threshold."""
    if value is None or not math.isfinite(value):
        return False, 0.0
    if direction == "lower":
        met = value < threshold
        return met, 1.0 if met else threshold / value
    if direction == "higher":
        met = value > threshold
        return met, 1.0 if met else max(value, 0.0) / threshold
    raise ValueError(f"unsupported direction [{direction}]; use lower or higher")


def assess(selection: Mapping[str, float | None], cfg: SelectConfig) -> list[Criterion]:
    """Every selection metric of one model against the checklist."""
    out = []
    for name in SELECTION_METRICS:
        value = selection.get(name)
        value = None if value is None else float(value)
        met, c = credit(value, cfg.thresholds[name], DIRECTIONS[name])
        out.append(Criterion(name, value, cfg.thresholds[name], DIRECTIONS[name], cfg.weights[name], met, c))
    return out


def selection_score(selection: Mapping[str, float | None], cfg: SelectConfig) -> float:
    """The weighted checklist score in [0, 1] (1: every threshold met)."""
    return float(sum(c.points for c in assess(selection, cfg)))


def rank(candidates: Mapping[str, Mapping[str, float | None]], cfg: SelectConfig) -> list[dict]:
    """Candidates (name -> selection metrics) best first: by score, then thresholds met, then name."""
    rows = []
    for name, selection in candidates.items():
        crit = assess(selection, cfg)
        rows.append(
            {
                "candidate": name,
                "selection_score": round(sum(c.points for c in crit), 6),
                "thresholds_met": [c.metric for c in crit if c.met],
                "thresholds_missed": [c.metric for c in crit if not c.met],
                "criteria": [
                    {**asdict(c), "points": round(c.points, 6), "summary": c.describe()} for c in crit
                ],
            }
        )
    rows.sort(key=lambda r: (-r["selection_score"], -len(r["thresholds_met"]), r["candidate"]))
    return rows


def rationale(ranking: list[dict]) -> str:
    """One paragraph: why the winner won, and what it still misses."""
    if not ranking:
        raise ValueError("no candidates to select from")
    best = ranking[0]
    met, missed = best["thresholds_met"], best["thresholds_missed"]
    text = (
        f"{best['candidate']} has the highest checklist score ({best['selection_score']:.3f} of 1) and meets "
        f"{len(met)} of {len(SELECTION_METRICS)} thresholds ({', '.join(met) or 'none'})"
    )
    if len(ranking) > 1:
        second = ranking[1]
        text += f"; the runner-up {second['candidate']} scores {second['selection_score']:.3f}"
    if missed:
        summaries = [c["summary"] for c in best["criteria"] if not c["met"]]
        text += f". It misses: {'; '.join(summaries)}. Not production-ready until these are met."
    else:
        text += ". It meets every threshold of the checklist."
    return text


def read_candidates(folder: Path, variants: list[str], phases: list[str]) -> dict[str, dict]:
    """`<variant>/<phase>` -> its evaluation report (`<folder>/<variant>-<phase>.json`) for the profile's
    candidates; a clear error lists missing reports (files of other profiles are left alone)."""
    reports, missing = {}, []
    for v in variants:
        for p in phases:
            path = folder / f"{v}-{p}.json"
            if path.is_file():
                reports[f"{v}/{p}"] = json.loads(path.read_text())
            else:
                missing.append(str(path))
    if missing:
        raise FileNotFoundError(f"evaluation reports missing (run `dvc repro evaluate`): {missing}")
    return reports


def select(reports: Mapping[str, dict], cfg: SelectConfig) -> dict:
    """selection.json: the ranking of every candidate with what it meets and misses, the winner and why."""
    ranking = rank({name: r["selection"] for name, r in reports.items()}, cfg)
    winner = ranking[0]["candidate"]
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "winner": winner,
        "checkpoint": reports[winner]["checkpoint"],
        "rationale": rationale(ranking),
        "thresholds": dict(cfg.thresholds),
        "weights": dict(cfg.weights),
        "ranking": ranking,
    }


def write_production(
    checkpoint: Path,
    out_dir: Path,
    eval_results: Path,
    training,
    fps: float,
    sampling,
    selection: dict,
    length_estimator: Path | None = None,
) -> list[Path]:
    """The winner as a self-contained model folder (`stickgen.inference.publish.build_folder`: merged
    safetensors weights, config.json, model card) plus the selection rationale in the card and
    `selection.json` (without its timestamp). InferenceGenerator loads the folder as it is. `training`: what
    the winner was trained on (`stickgen.inference.training_data.training_data_of`), for its card.
    `length_estimator`: the `length` stage's file, shipped as `length.json` (None: none)."""
    from stickgen.inference.publish import DEFAULT_REPO_ID, build_folder, resolve_repo_id

    if out_dir.exists():
        shutil.rmtree(out_dir)
    variant = selection["winner"].split("/")[0]
    files = build_folder(
        checkpoint,
        out_dir,
        resolve_repo_id(DEFAULT_REPO_ID, variant),
        eval_results,
        training,
        fps=fps,
        sampling=sampling,
        length_estimator=length_estimator,
    )
    card = out_dir / "README.md"
    best = selection["ranking"][0]
    table = "\n".join(
        f"| {c['metric']} | {'missing' if c['value'] is None else format(c['value'], '.4g')} | "
        f"{'<' if c['direction'] == 'lower' else '>'} {c['threshold']:g} | {c['weight']:g} | "
        f"{'yes' if c['met'] else 'no'} |"
        for c in best["criteria"]
    )
    card.write_text(
        card.read_text().rstrip() + "\n\n## Selection\n\n" + selection["rationale"] + "\n\n"
        "| metric | value | threshold | weight | met |\n|---|---|---|---|---|\n" + table + "\n"
    )
    # the folder is a hashed DVC output: no wall-clock time in it (eval_results/selection.json, cache-free,
    # keeps the timestamp), so the same winner gives the same bytes
    shipped = {k: v for k, v in selection.items() if k != "timestamp"}
    (out_dir / "selection.json").write_text(json.dumps(shipped, indent=2) + "\n")
    return [*files, out_dir / "selection.json"]
