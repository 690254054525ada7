"""Benchmark: the synthetic animator's throughput on this CPU (JSON in bench/results/synthesize.json).

Usage: `python bench/synthesize.py [--params params.yaml] [--repeats 3] [--out FILE]` (default: that JSON).

Generates the params' synthetic set (`synthesize.*`, what the `synthesize` stage animates before it writes
the store) `--repeats` times in this process and reports the best and median seconds, clips/s and
actor-frames/s. The embedded default's 1,600 clips: 10.4 s on this project's 2-core machine (14.8 s on a
busy one, in the test suite, where a timed assertion used to live). Never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from machine import machine

from stickgen.core.config import load_params
from stickgen.synthetic import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("bench/results/synthesize.json"))
    args = ap.parse_args()
    p = load_params(args.params)
    seconds, clips = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        clips = generate(p.synthesize, p.canonical, p.base.seed)
        seconds.append(time.perf_counter() - start)
    actor_frames = sum(c.frames * c.actors for c in clips)
    best = min(seconds)
    result = {
        "benchmark": "synthetic animator: the params' synthetic set generated in memory",
        "machine": {**machine(), "loadavg": list(os.getloadavg())},
        "clips": len(clips),
        "actor_frames": actor_frames,
        "seconds_best": round(best, 3),
        "seconds_median": round(statistics.median(seconds), 3),
        "clips_per_s": round(len(clips) / best, 1),
        "actor_frames_per_s": round(actor_frames / best),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
