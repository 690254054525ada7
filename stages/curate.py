"""DVC stage `curate`: canonical files of the profile's datasets + synthetic -> curated sets + report."""

import argparse
import json
from pathlib import Path

from stickgen import canonical
from stickgen.config import load_params
from stickgen.curation import curate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--canonical-dir", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--report", type=Path, required=True)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = load_params(args.params)
    names = [*p.datasets, "synthetic"]
    missing = [n for n in names if not (args.canonical_dir / f"{n}.pt").is_file()]
    if missing:
        raise SystemExit(f"curate: missing canonical files for {missing} in {args.canonical_dir}")
    stores = [canonical.load(args.canonical_dir / f"{n}.pt") for n in names]
    sets, report = curate(stores, p.curate, p.base.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name, clips in sets.items():
        canonical.save(clips, args.out_dir / f"{name}.pt", fps=p.canonical.fps,
                       max_actors=p.canonical.max_actors, kind="curated")
    args.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"curate: {report['outputs']} ({report['rejected']} rejected, see {args.report})")


if __name__ == "__main__":
    main()
