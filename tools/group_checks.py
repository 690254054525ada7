"""Prompts of several people doing what one does, each actor judged by the behaviour check of the action.

    python tools/group_checks.py --checkpoint models/production --seeds 1 2 3 4 --out /tmp/group.json

`InferenceGenerator.generate` makes such a prompt actor by actor and places the actors
(`stickgen.generate.together`); this generates each prompt below (or `--prompts`, "text=action" each) with
every seed given, `--seconds` long, judges every actor's motion by the action's body check
(`stickgen.evaluate.behaviour_suite`'s `_judge`, no face), and writes and prints the share that pass per
prompt and over all. The prompts name actions of the suite; `two old men kick` is made in one window (a kick
may be a fight's), as its check of each actor shows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from stickgen.core.atomic import atomic_write_text
from stickgen.core.device import set_cpu_threads
from stickgen.entry import stage_params
from stickgen.evaluate.behaviour_suite import _judge
from stickgen.evaluate.report import load_generator
from stickgen.wiring import generation, sampling_from

if TYPE_CHECKING:
    from stickgen.generate.generator import InferenceGenerator

PROMPTS = (
    "two people walk side by side=walk",
    "five kids jump=jump",
    "three people dance together=dance",
    "two friends wave at each other=wave",
    "a group of friends run=run",
    "two people sit down=sit_down",
    "four dancers clap=clap",
    "the kids jump up and down=jump",
    "they walk together=walk",
    "two old men kick=kick",
    "three girls crouch=crouch",
    "two people wave=wave",
)


def judge(gen: InferenceGenerator, text: str, action: str, seeds: list[int], seconds: float) -> dict:
    """`text` generated with each seed, every actor judged by `action`'s body check: {"action", "actors",
    "passed", "judged"}."""
    ok = n = actors = 0
    for seed in seeds:
        m = gen.generate(text, seed=seed, duration_s=seconds)
        actors = m.joints.shape[1]
        ok += sum(_judge(action, m.joints[:, a : a + 1], None, gen.fps, None).passed for a in range(actors))
        n += actors
    return {"action": action, "actors": actors, "passed": int(ok), "judged": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="a .pth checkpoint or a published folder")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--prompts", nargs="+", default=list(PROMPTS), help='"text=action" each')
    ap.add_argument("--out", type=Path, default=None, help="JSON: per prompt and overall pass rates")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--prompt-table", default="models/evaluator/prompts.pt")
    args = ap.parse_args()
    p = stage_params(args.params, "evaluate")
    set_cpu_threads(p.evaluate.cpu_threads)
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, args.prompt_table
    )
    rows = {}
    for item in args.prompts:
        text, _, action = item.rpartition("=")
        r = rows[text] = judge(gen, text, action, args.seeds, args.seconds)
        print(f"{text:36s} {action:9s} actors {r['actors']}  pass {r['passed']}/{r['judged']}", flush=True)
    passed, judged = (sum(r[k] for r in rows.values()) for k in ("passed", "judged"))
    print(f"overall {passed}/{judged}")
    if args.out is not None:
        summary = {"checkpoint": str(args.checkpoint), "seeds": args.seeds, "prompts": rows}
        atomic_write_text(args.out, json.dumps({**summary, "passed": passed, "judged": judged}, indent=1))


if __name__ == "__main__":
    main()
