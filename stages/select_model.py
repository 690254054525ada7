"""DVC stage `select`: rank every evaluated candidate by the checklist's weighted score, ship the winner.

Writes `eval_results/selection.json` (each candidate's score, the thresholds it meets and misses, the
winner and why) and `models/production/` (the winner's merged weights, config.json and model card, as
`stickgen publish` would upload them, and the length estimator as `length.json`; InferenceGenerator loads
the folder as it is).
The file is not `select.py`: a script by that name would shadow the standard library's `select`.
"""

import argparse
import json
from pathlib import Path

from stickgen.core.atomic import atomic_write_text
from stickgen.entry import run_stage, stage_params
from stickgen.release.select import read_candidates, select, write_production
from stickgen.release.training_data import training_data_of
from stickgen.wiring import generation, sampling_from


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--candidates", type=Path, required=True, help="folder of <variant>-<phase>.json reports")
    ap.add_argument(
        "--eval-results", type=Path, required=True, help="folder of <variant>/<phase>/metrics.json"
    )
    ap.add_argument("--out", type=Path, required=True, help="selection.json to write")
    ap.add_argument("--production", type=Path, required=True, help="folder for the winner")
    ap.add_argument(
        "--training-data",
        type=Path,
        nargs="+",
        required=True,
        help="embedded files; the card names the sources of those the winner was trained on",
    )
    ap.add_argument(
        "--canonical-dir", type=Path, required=True, help="canonical reports: which sources are generated"
    )
    ap.add_argument(
        "--length-estimator",
        type=Path,
        default=None,
        help="the length stage's length.json, shipped with the winner (default: none)",
    )
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "select")
    selection = select(read_candidates(args.candidates, p.variants, p.phases), p.select)
    winner = Path(selection["checkpoint"])
    try:
        training = training_data_of(winner, args.training_data, args.canonical_dir)
        write_production(
            winner,
            args.production,
            args.eval_results,
            training,
            p.canonical.fps,
            sampling_from(p),
            selection,
            length_estimator=args.length_estimator,
            generation=generation(p),
        )
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"select: {exc}") from None
    atomic_write_text(args.out, json.dumps(selection, indent=2) + "\n")
    print(f"select: {selection['rationale']} -> {args.production}")


if __name__ == "__main__":
    run_stage(main, "select")
