"""The behaviour suite of one checkpoint over several base seeds: how much of a per-action rate is the seed.

    python tools/behaviour_seeds.py --checkpoint models/small/lora/model_checkpoint_best.pth \
        --seeds 101 102 103 104 105 106 107 108 --out /tmp/behaviour.json

The evaluate stage runs the suite (`stickgen.evaluate.report.behaviour_suite`, `evaluate.behaviour_seeds`
motions per action) at one seed derived from params.yaml; with 10 motions an action a rate moves by 0.1 to
0.3 from one seed to another. This runs the same suite, with the model's own sampling settings, the
evaluator of `models/evaluator/` and params.yaml, once per base seed given, and writes each seed's section
and the mean rate of every action over the seeds (JSON); it prints each seed's overall rate and the actions
under `--under` (0.6, the issue's bar for every action).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stickgen.core.atomic import atomic_write_text
from stickgen.core.device import set_cpu_threads
from stickgen.entry import stage_params
from stickgen.evaluate.evaluator import load_evaluator
from stickgen.evaluate.report import behaviour_suite, load_generator
from stickgen.wiring import generation, sampling_from


def mean_rates(sections: dict[str, dict]) -> dict[str, float]:
    """Each `*_pass_rate` (and the overall rate) averaged over the seeds' sections."""
    keys = [k for k, v in next(iter(sections.values())).items() if k.endswith("_pass_rate") and v is not None]
    return {k: sum(s[k] for s in sections.values()) / len(sections) for k in keys}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="a .pth checkpoint or a published folder")
    ap.add_argument("--seeds", type=int, nargs="+", required=True, help="base seeds of the suite")
    ap.add_argument("--out", type=Path, required=True, help="JSON: per seed and mean rates")
    ap.add_argument("--evaluator", default="models/evaluator/evaluator.pth")
    ap.add_argument("--prompt-table", default="models/evaluator/prompts.pt")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--under", type=float, default=0.6, help="print the actions under this rate")
    args = ap.parse_args()
    p = stage_params(args.params, "evaluate")
    set_cpu_threads(p.evaluate.cpu_threads)
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, args.prompt_table
    )
    ev = load_evaluator(args.evaluator)
    sections = {}
    for seed in args.seeds:
        r = behaviour_suite(gen, ev, p.evaluate.behaviour_seeds, seed, p.canonical.fps, log=lambda _: None)
        sections[str(seed)] = r
        low = {k: v for k, v in r.items() if k.endswith("_pass_rate") and v is not None and v < args.under}
        print(f"seed {seed}: {r['behaviour_pass_rate']:.3f}; under {args.under}: {low}", flush=True)
    mean = mean_rates(sections)
    atomic_write_text(
        args.out, json.dumps({"checkpoint": str(args.checkpoint), "seeds": sections, "mean": mean})
    )
    print(f"mean over {len(sections)} seeds: {mean['behaviour_pass_rate']:.3f} -> {args.out}")


if __name__ == "__main__":
    main()
