"""How much the seed changes a motion: per action of the behaviour suite, the mean distance between the
motions of one caption made with several seeds.

    python tools/seed_variety.py --checkpoint models/small/sft/model_checkpoint_best.pth --samples 6 \
        --out /tmp/variety.json

The evaluation report's `behaviour_seed_*` metrics measure it on the behaviour suite's own motions (3-4
of a caption; `stickgen.evaluate.variety`); this takes more of one caption and tabulates every action: for
the first caption of every action of the suite (`stickgen.evaluate.prompts.behaviour_prompts`),
`--samples` motions in one call of the model as it ships (its sampling settings, one seed, a draw per row),
and `pairwise_distance` of them (metres). It prints the median over the actions and the actions whose
motions lie within `--under` (0.05 m: to the eye, the same motion) and writes every action's figure (JSON).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from stickgen.core.atomic import atomic_write_text
from stickgen.core.device import set_cpu_threads
from stickgen.entry import stage_params
from stickgen.evaluate.prompts import behaviour_prompts
from stickgen.evaluate.report import load_generator
from stickgen.evaluate.variety import ALIKE_M, pairwise_distance
from stickgen.wiring import generation, sampling_from


def first_captions() -> dict:
    """The suite's first caption (`BehaviourPrompt`) of every action, in the suite's order."""
    firsts = {}
    for prompt in behaviour_prompts():
        firsts.setdefault(prompt.action, prompt)
    return firsts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="a .pth checkpoint or a published folder")
    ap.add_argument("--out", type=Path, required=True, help="JSON: every action's distance and the median")
    ap.add_argument("--samples", type=int, default=6, help="motions per caption (>= 2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--prompt-table", default="models/evaluator/prompts.pt")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--under", type=float, default=ALIKE_M, help="print the actions under this distance (m)")
    args = ap.parse_args()
    if args.samples < 2:
        ap.error(f"--samples must be >= 2, got {args.samples}")
    p = stage_params(args.params, "evaluate")
    set_cpu_threads(p.evaluate.cpu_threads)
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, args.prompt_table
    )
    distances = {}
    for action, prompt in first_captions().items():
        texts = [prompt.text] * args.samples
        emb = torch.from_numpy(np.asarray(gen.encoder.encode(texts), dtype=np.float32)).to(gen.device)
        frames = min(round(prompt.duration_s * p.canonical.fps), gen.model.cfg.max_frames)
        actors = min(prompt.actors, gen.max_actors)
        out = gen.sample_with_faces(emb, [frames] * args.samples, [actors] * args.samples, gen.sampling,
                                    args.seed, captions=texts)  # fmt: skip
        distances[action] = round(pairwise_distance([m for m, _ in out]), 4)
    median = float(np.median(list(distances.values())))
    close = {a: d for a, d in sorted(distances.items(), key=lambda x: x[1]) if d < args.under}
    atomic_write_text(
        args.out,
        json.dumps({"checkpoint": str(args.checkpoint), "samples": args.samples, "seed": args.seed,
                    "median_m": round(median, 4), "actions_m": distances}, indent=1),
    )  # fmt: skip
    print(f"median over {len(distances)} actions: {median:.3f} m; under {args.under} m: {close}")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
