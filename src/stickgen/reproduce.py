"""`make reproduce-check`: run the data stages twice from scratch and compare their output hashes.

Usage: `python -m stickgen.reproduce [--target embed] [--out reproduce_check.json]` inside the
repository. Each run is `dvc repro --force <target>` (the target and every stage upstream of it rerun
from scratch: DVC removes non-persistent outputs before running a stage); the hashes DVC records in
`dvc.lock` for those stages' outputs must be equal between the runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

DATA_TARGET = "embed"


def output_hashes(lock_path: Path) -> dict[str, str]:
    """{output path: md5} for every stage output recorded in dvc.lock."""
    lock = yaml.safe_load(lock_path.read_text())
    return {o["path"]: o["md5"] for stage in lock["stages"].values() for o in stage.get("outs", [])}


def upstream_stages(repo: Path, target: str) -> list[str]:
    out = subprocess.run(
        ["dvc", "repro", "--dry", "--force", target], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    return [line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")]


def check(repo: Path, target: str = DATA_TARGET, runs: int = 2) -> dict:
    """Reproduce `target` from scratch `runs` times; report each output's hashes and whether they agree."""
    stages = upstream_stages(repo, target)
    lock = yaml.safe_load((repo / "dvc.lock").read_text()) if (repo / "dvc.lock").exists() else None
    history: list[dict[str, str]] = []
    for i in range(runs):
        print(f"reproduce-check: run {i + 1}/{runs}: dvc repro --force {target}", flush=True)
        subprocess.run(["dvc", "repro", "--force", target], cwd=repo, check=True)
        lock = yaml.safe_load((repo / "dvc.lock").read_text())
        history.append({o["path"]: o["md5"] for s in stages for o in lock["stages"][s].get("outs", [])})
    differing = sorted(p for p in history[0] if len({h.get(p) for h in history}) != 1)
    return {
        "target": target,
        "stages": stages,
        "runs": runs,
        "outputs": history[0],
        "differing": differing,
        "identical": not differing,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default=DATA_TARGET, help="last data stage (default: embed)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("reproduce_check.json"))
    args = ap.parse_args(argv)
    report = check(Path.cwd(), args.target, args.runs)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    verdict = "byte-identical" if report["identical"] else f"DIFFERENT: {report['differing']}"
    print(f"reproduce-check: {len(report['outputs'])} outputs of {len(report['stages'])} stages: {verdict}")
    return 0 if report["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
