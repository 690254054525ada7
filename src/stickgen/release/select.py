"""Model selection: the candidates ranked by the checklist's weighted score (`evaluate.checklist`), the
rationale, and the winner written to the production folder.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from stickgen.core.config import SELECTION_METRICS, SelectConfig
from stickgen.evaluate.checklist import assess


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
    generation=None,
) -> list[Path]:
    """The winner as a self-contained model folder (`stickgen.release.publish.build_folder`: merged
    safetensors weights, config.json, model card) plus the selection rationale in the card and
    `selection.json` (without its timestamp). InferenceGenerator loads the folder as it is. `training`: what
    the winner was trained on (`stickgen.release.training_data.training_data_of`), for its card.
    `length_estimator`: the `length` stage's file, shipped as `length.json` (None: none). `generation`:
    the transformer's sampler its config.json records (params `sampling.*`)."""
    from stickgen.release.publish import DEFAULT_REPO_ID, build_folder, resolve_repo_id

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
        generation=generation,
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
