"""How far a model's in-place motions wander: the pelvis's travel per action, generated against the data's.

    python tools/inplace_drift.py --checkpoint models/production --data data/embedded/pretrain.pt \
        --seeds 4 --out /tmp/drift.json

An action is in place when its clips in `--data` travel little (the median clip's pelvis stays within
`--in-place` m, 0.1, of where it started, on the floor: `stickgen.evaluate.in_place`, whose summary the
evaluation report's behaviour section carries); crying, reading, waving and standing still are.
For each caption of the behaviour suite (`stickgen.evaluate.prompts.behaviour_prompts`) of such an action,
the model samples `--seeds` motions at the suite's length and actor count, as the pipeline samples
(params.yaml's sampling, `inference.*`; `stickgen.evaluate.report.load_generator`), and this reports, per
action, the data's median and 90th percentile travel beside the generated motions' median and largest, and
how far the feet went (the ankles' midpoint): a pelvis that travels while the feet stay leans or slides, one
that travels with the feet steps away. JSON to `--out`, a table on stdout, the actions that wander most
first. The behaviour suite's checks read poses, and a crying figure that steps 0.4 m back while its hands are
on its face passes them; its `behaviour_in_place_*` metrics summarise the travel over all these actions at
the stage's seed, and this tool breaks it down per action (docs/training.md, "In-place motions that wander").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from stickgen.core.atomic import atomic_write_text
from stickgen.core.device import set_cpu_threads
from stickgen.entry import stage_params
from stickgen.evaluate.in_place import IN_PLACE_M, clip_travel, in_place_actions, travel
from stickgen.evaluate.prompts import BehaviourPrompt, behaviour_prompts
from stickgen.evaluate.report import load_generator
from stickgen.wiring import generation, sampling_from

RATIO_FLOOR_M = 0.01  # the ratio of an action whose clips stand still (0.00 m) is taken against 1 cm


def drift_table(
    in_place: dict[str, dict], generated: Iterable[tuple[str, float, float]]
) -> list[dict[str, float | str | int]]:
    """Rows per in-place action: the data's travel beside the generated motions' (`generated`: (action,
    pelvis travel, feet travel) per motion), with the generated median over the data's median (at least
    RATIO_FLOOR_M) as `ratio`; the rows sorted by the generated median, largest first."""
    per: dict[str, list[tuple[float, float]]] = {}
    for action, pelvis, feet in generated:
        per.setdefault(action, []).append((pelvis, feet))
    rows = []
    for action, values in per.items():
        pelvis, feet = (np.asarray(x) for x in zip(*values, strict=True))
        data = in_place[action]
        rows.append(
            {
                "action": action,
                "motions": len(pelvis),
                "data_median_m": data["median_m"],
                "data_p90_m": data["p90_m"],
                "generated_median_m": float(np.median(pelvis)),
                "generated_max_m": float(pelvis.max()),
                "generated_feet_median_m": float(np.median(feet)),
                "ratio": float(np.median(pelvis)) / max(data["median_m"], RATIO_FLOOR_M),
            }
        )
    return sorted(rows, key=lambda r: -r["generated_median_m"])


def data_travel(path: Path) -> dict[str, list[float]]:
    """{action: each clip's pelvis travel} of an embedded set (`stickgen.embed.dataset.load_embedded`)."""
    from stickgen.embed.dataset import load_embedded

    store = load_embedded(path)
    return clip_travel((store.joints(i) for i in range(len(store))), store.data["actions"])


def suite_captions(in_place: dict[str, dict]) -> list[BehaviourPrompt]:
    return [p for p in behaviour_prompts() if p.action in in_place]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="a .pth checkpoint or a published folder")
    ap.add_argument("--data", type=Path, required=True, help="an embedded set: the actions' own travel")
    ap.add_argument("--seeds", type=int, default=4, help="motions per caption (seeds 0..N-1)")
    ap.add_argument("--out", type=Path, required=True, help="JSON: the in-place actions and the table")
    ap.add_argument("--in-place", type=float, default=IN_PLACE_M, help="an action's median clip travel, m")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "evaluate")
    set_cpu_threads(p.evaluate.cpu_threads)
    in_place = in_place_actions(data_travel(args.data), args.in_place)
    gen = load_generator(args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps)
    motions = []
    for bp in suite_captions(in_place):
        for seed in range(args.seeds):
            joints = np.asarray(gen.generate(bp.text, bp.duration_s, bp.actors, seed=seed).joints)
            motions.append((bp.action, travel(joints), travel(joints, ("left_ankle", "right_ankle"))))
    rows = drift_table(in_place, motions)
    for r in rows:
        print(
            f"{r['action']:14s} data {r['data_median_m']:.2f} (p90 {r['data_p90_m']:.2f}) m | generated "
            f"{r['generated_median_m']:.2f} (max {r['generated_max_m']:.2f}) m, feet "
            f"{r['generated_feet_median_m']:.2f} m | x{r['ratio']:.1f}"
        )
    report = {"checkpoint": str(args.checkpoint), "data": str(args.data), "seeds": args.seeds, "rows": rows}
    atomic_write_text(args.out, json.dumps({**report, "in_place": in_place}, indent=1))
    print(f"{len(rows)} in-place actions -> {args.out}")


if __name__ == "__main__":
    main()
