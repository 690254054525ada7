"""DVC stage `curate`: the profile's canonical files -> curated sets, report and plot data.

Writes `<out-dir>/{pretrain,sft,val,test}.pt` (kind `curated`), the report (every rejected clip with
its reason) and the plot CSVs (docs/curation.md). Fails, after writing the report, when more than
`curate.max_reject_fraction` of the clips are damaged.
"""

import argparse
import json
import time
from pathlib import Path

from stickgen.core import canonical
from stickgen.core.atomic import atomic_write_text
from stickgen.curate.curation import CurationError, curate, quality_weights
from stickgen.curate.report import build_report, write_plots
from stickgen.entry import run_stage, stage_params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--canonical-dir", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--report", type=Path, required=True)
    ap.add_argument("--plots-dir", type=Path, required=True)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "curate")
    names = [*p.datasets, "synthetic"]
    missing = [n for n in names if not (args.canonical_dir / f"{n}.pt").is_file()]
    if missing:
        raise SystemExit(f"curate: missing canonical files for {missing} in {args.canonical_dir}")
    stores = [canonical.load(args.canonical_dir / f"{n}.pt") for n in names]
    t0 = time.perf_counter()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    try:
        plan, table = curate(
            stores, args.out_dir, p.curate, p.quality, p.base.seed, p.canonical.fps, p.canonical.max_actors
        )
    except CurationError as exc:
        failure = {"error": str(exc), "rejects": exc.rejects}
        atomic_write_text(args.report, json.dumps(failure, indent=1) + "\n")
        raise SystemExit(f"curate: {exc} (rejects listed in {args.report})") from None
    report = build_report(plan, table, p.curate, quality_weights(p.quality))
    atomic_write_text(args.report, json.dumps(report, indent=1, sort_keys=True) + "\n")
    write_plots(report, args.plots_dir)
    print(
        f"curate: {report['outputs']} in {time.perf_counter() - t0:.1f} s ({report['rejected']} rejected: "
        f"{ {k: v for k, v in report['reject_reasons'].items() if v} }; see {args.report})"
    )


if __name__ == "__main__":
    run_stage(main, "curate")
