"""DVC stage `convert@<dataset>`: one raw dataset folder -> canonical file + report."""

import argparse
from pathlib import Path

from stickgen.entry import run_stage, stage_params
from stickgen.sources import known_datasets
from stickgen.sources.base import ConversionError
from stickgen.sources.driver import run_conversion


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dataset", required=True, help="registry name, e.g. humanml3d")
    ap.add_argument("--raw", type=Path, required=True, help="the dataset's raw folder")
    ap.add_argument("--out", type=Path, required=True, help="canonical .pt to write")
    ap.add_argument("--report", type=Path, required=True, help="JSON report to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "convert")
    if args.dataset not in known_datasets():
        raise SystemExit(f"convert: unsupported dataset [{args.dataset}]; known: {known_datasets()}")
    try:  # the raw folder missing or empty, nothing converted, too many rejects: the report says which
        report = run_conversion(args.dataset, args.raw, args.out, args.report, p.canonical, p.convert)
    except ConversionError as exc:
        raise SystemExit(f"convert: {exc}") from None
    print(f"convert {args.dataset}: {report['clips']} clips, {report['rejected']} rejected -> {args.out}")


if __name__ == "__main__":
    run_stage(main, "convert")
