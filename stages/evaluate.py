"""DVC stage `evaluate@<variant>-<phase>`: metrics of a trained model on held-out data."""

import argparse
from pathlib import Path

from stickgen.config import load_params
from stickgen.eval.report import evaluate_checkpoint, write_report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--val-data", type=Path, required=True)
    ap.add_argument("--test-data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="metrics.json to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = load_params(args.params)
    report = evaluate_checkpoint(args.checkpoint, args.val_data, args.test_data, p.evaluate.max_clips,
                                 p.base.seed + p.evaluate.seed_offset)
    write_report(report, args.out)
    print(f"evaluate: val_loss {report['val_loss']:.4f} motion_mse {report['motion_mse']:.4f} -> {args.out}")


if __name__ == "__main__":
    main()
