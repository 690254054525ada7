"""DVC stage `synthesize`: procedurally animated clips -> one canonical file (+ report)."""

import argparse
import json
from collections import Counter
from pathlib import Path

from stickgen.core import canonical
from stickgen.core.atomic import atomic_write_text
from stickgen.entry import run_stage, stage_params
from stickgen.synthetic import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="canonical .pt to write")
    ap.add_argument("--report", type=Path, required=True, help="JSON report to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "synthesize")
    clips = generate(p.synthesize, p.canonical, p.base.seed)
    canonical.save(
        clips, args.out, fps=p.canonical.fps, max_actors=p.canonical.max_actors, extra={"source": "synthetic"}
    )
    report = {
        "dataset": "synthetic",
        "clips": len(clips),
        "frames": sum(c.frames for c in clips),
        "actions": dict(sorted(Counter(c.action for c in clips).items())),
        "actors": dict(sorted(Counter(str(c.actors) for c in clips).items())),
        "rejects": [],
    }
    atomic_write_text(args.report, json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"synthesize: {len(clips)} clips -> {args.out}")


if __name__ == "__main__":
    run_stage(main, "synthesize")
