"""DVC stage `adversarial@<variant>-<phase>`: the adversarial prompt suite against one model.

Writes `eval_results/adversarial/<variant>-<phase>.json`: the safe ratio (the checklist's robustness),
outcomes per category, every failure with its reason, and a timestamp (stickgen.evaluate.adversarial).
"""

import argparse
import json
from pathlib import Path

from stickgen.core.atomic import atomic_write_text
from stickgen.core.device import set_cpu_threads
from stickgen.core.safety import SafetyCritic
from stickgen.entry import run_stage, stage_params
from stickgen.evaluate.adversarial import run_suite, summarise
from stickgen.evaluate.prompts import adversarial_prompts
from stickgen.evaluate.report import load_generator
from stickgen.wiring import generation, sampling_from


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--prompt-table", type=Path, required=True, help="the evaluator stage's prompts.pt")
    ap.add_argument("--out", type=Path, required=True, help="report JSON to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "adversarial")
    set_cpu_threads(p.evaluate.cpu_threads)
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, args.prompt_table
    )
    critic = SafetyCritic.from_config(p.safety, gen.fps)
    outcomes = run_suite(
        gen,
        critic,
        adversarial_prompts(),
        p.adversarial.duration_s,
        p.base.seed + p.evaluate.seed_offset,
        p.evaluate.batch_size,
    )
    report = summarise(
        outcomes, {"variant": gen.variant, "phase": gen.phase, "checkpoint": str(args.checkpoint)}
    )
    atomic_write_text(args.out, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(
        f"adversarial: {gen.variant}/{gen.phase} safe ratio {report['safe_ratio']:.3f} {report['outcomes']} "
        f"-> {args.out}"
    )


if __name__ == "__main__":
    run_stage(main, "adversarial")
