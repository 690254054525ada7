"""DVC stage `samples`: write native-format sample files for every dataset of the profile."""

import argparse
import shutil
from pathlib import Path

from stickgen.entry import run_stage, stage_params
from stickgen.synthetic.samples import write_provenance, write_samples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="folder; one sub-folder per dataset")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "samples")
    if args.out.exists():
        shutil.rmtree(args.out)
    for name in p.datasets:
        n = write_samples(name, args.out / name, p.samples, p.synthesize.chain_fraction, p.base.seed)
        print(f"samples: {n} {name} takes -> {args.out / name}")
    write_provenance(args.out, list(p.datasets))


if __name__ == "__main__":
    run_stage(main, "samples")
