"""DVC stage `length`: fit the length estimator (a caption's motion duration) on the train split.

Writes the estimator (`length.json`, read back by `stickgen.model.length.load_length_estimator` from the file
alone; the `select` stage ships it with the production model) and its report: train and val errors, the
cross-validation of the penalty, the val errors of a constant length and of the fixed default, and a
`timestamp` as every eval_results report has (docs/inference.md, "Length from text").
"""

import argparse
from pathlib import Path

from stickgen.entry import run_stage, stage_params, write_metrics
from stickgen.model.length import build_length_estimator, save_length_estimator


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-data", type=Path, required=True, help="embedded train split")
    ap.add_argument("--val-data", type=Path, required=True, help="embedded val split")
    ap.add_argument("--out", type=Path, required=True, help="length.json to write")
    ap.add_argument("--metrics", type=Path, required=True, help="report JSON to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "length")
    try:
        est, report = build_length_estimator(
            args.train_data,
            args.val_data,
            p.length,
            max_s=p.model.max_frames / p.canonical.fps,
            window_s=p.canonical.window_s,
        )
    except (ValueError, FileNotFoundError) as exc:
        raise SystemExit(f"length: {exc}") from None
    save_length_estimator(est, args.out)
    write_metrics(args.metrics, report)
    v = report["val"]
    print(
        f"length: penalty {report['penalty']:g}; val mean absolute error {v['mae_s']:.2f} s (a constant "
        f"{report['constant_s']:.2f} s: {v['constant_mae_s']:.2f} s), log-seconds RMSE {v['rmse_log']:.3f} "
        f"-> {args.out}"
    )


if __name__ == "__main__":
    run_stage(main, "length")
