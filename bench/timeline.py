"""Timelines span by span, over seeds: does each span do its action, are the transitions smooth?

    python bench/timeline.py --checkpoint models/production --evaluator models/evaluator/evaluator.pth

Each timeline (`--timeline`, repeatable; default: the walk / jump / wave timeline of docs/inference.md and a
walk / sit down / stand up one) is generated from the CLI's path (`directed.generate_timeline`, the
sampler settings of params.yaml) with seeds 0..N-1. Per span: the behaviour check of the action its text
names and the evaluator's recognised action (`stickgen.evaluate.spans.span_checks`); per motion: foot
skating, jerk and peak jerk around the transitions against inside the spans
(`stickgen.evaluate.spans.transition_report`). Written to bench/results/timeline_cpu.json: the pass and
recognition rates per span, each measure's mean over the motions around the transitions and inside the
spans and their ratio, and every motion's rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from stickgen.core.config import load_params
from stickgen.evaluate.evaluator import load_evaluator
from stickgen.evaluate.report import load_generator
from stickgen.evaluate.spans import span_checks, transition_report
from stickgen.generate import directed
from stickgen.wiring import generation, sampling_from

TIMELINES = (
    "0-3: a person walks forward; 3-5: a person jumps; 5-9: a person waves",
    "0-4: a person walks forward; 4-7: a person sits down; 7-10: a person stands up",
)


def _mean(values: list) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return round(float(np.mean(kept)), 4) if kept else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--evaluator", type=Path, required=True, help="the evaluator stage's evaluator.pth")
    ap.add_argument("--timeline", action="append", help="a timeline (repeatable); default: two of them")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/timeline_cpu.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    p = load_params(args.params)
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps
    )  # as the evaluation stage samples it
    ev = load_evaluator(args.evaluator)

    def recognise(motions: list[np.ndarray], fps: float) -> np.ndarray:
        return ev.encode_motions(motions, fps)[1]

    results = []
    for timeline in args.timeline or TIMELINES:
        motions = []
        for seed in tqdm(range(args.seeds), desc=timeline[:40]):
            m = directed.generate_timeline(gen, timeline, seed=seed)
            spans = m.meta["timeline"]
            motions.append(
                {
                    "seed": seed,
                    "spans": span_checks(m.joints, m.fps, spans, recognise),
                    "transitions": transition_report(m.joints, m.fps, spans),
                }
            )
        per_span = []
        for k, row in enumerate(motions[0]["spans"]):
            rows = [mo["spans"][k] for mo in motions]
            per_span.append(
                {
                    "text": row["text"],
                    "action": row["action"],
                    "pass_rate": _mean([r["passed"] for r in rows]),
                    "recognised_rate": _mean([r["recognised"] == r["action"] for r in rows]),
                    "failures": sorted({r["reason"] for r in rows if r["passed"] is False})[:3],
                }
            )
        kinds = ("transition", "inside")
        pooled = {
            k: {kind: _mean([mo["transitions"][kind][k] for mo in motions]) for kind in kinds}
            for k in motions[0]["transitions"]["ratio"]
        }
        ratios = {
            k: round(v["transition"] / v["inside"], 3) if v["inside"] else None for k, v in pooled.items()
        }
        summary = {"timeline": timeline, "spans": per_span, "transitions": pooled, "ratio": ratios}
        results.append({**summary, "motions": motions})
        print(json.dumps(summary, indent=1))
    out = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "checkpoint": str(args.checkpoint),
        "seeds": args.seeds,
        "generation": {
            "sampling": str(gen.generation),
            "refiner": str(gen.sampling),
            "lock_feet": gen.lock_feet,
        },
        "timelines": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
