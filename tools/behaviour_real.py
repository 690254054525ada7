"""The behaviour suite's body checks on real clips: how often a data set's own clips of each action pass it.

    python tools/behaviour_real.py --data data/embedded/sft.pt --out /tmp/behaviour_real.json

The evaluate stage's `behaviour` section says how often generated motions pass their action's check; this
says how often the clips the model learnt from pass the same check, the rate a model that reproduced its
data would reach. Each clip labelled with an action the suite checks is judged by that action's body check
(`stickgen.evaluate.behaviour.check`, on the side its captions name when they name one; the face checks of
talk, cry and the others need a face track and are not run here). Writes {action: {"clips", "pass_rate"}}
(JSON) and prints the actions under `--under`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.atomic import atomic_write_text
from stickgen.core.canonical import CanonicalStore
from stickgen.core.laterality import LEFT, RIGHT, captions_side
from stickgen.evaluate.behaviour import CHECKS, check


def named_side(captions: Sequence[str]) -> str | None:
    """The side ("left" / "right") the clip's captions name, as training reads it (`captions_side`: the
    first caption that names one), else None."""
    return {LEFT: "left", RIGHT: "right"}.get(captions_side(captions))


def real_rates(store: CanonicalStore) -> dict[str, dict[str, float]]:
    """{action: {"clips": n, "pass_rate": share of its n clips passing its body check}}, actions in the
    order they first appear, for every action of the store that the suite checks."""
    d = store.data
    judged: dict[str, list[bool]] = {}
    for i, action in enumerate(d["actions"]):
        if action in CHECKS:
            judged.setdefault(action, []).append(
                check(action, store.joints(i), float(d["fps"]), named_side(list(d["texts"][i]))).passed
            )
    return {a: {"clips": len(v), "pass_rate": float(np.mean(v))} for a, v in judged.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="an embedded set (data/embedded/*.pt)")
    ap.add_argument("--out", type=Path, required=True, help="JSON: per action, its clips and pass rate")
    ap.add_argument("--under", type=float, default=0.8, help="print the actions under this rate")
    args = ap.parse_args()
    from stickgen.embed.dataset import load_embedded

    rates = real_rates(load_embedded(args.data))
    atomic_write_text(args.out, json.dumps({"data": str(args.data), "actions": rates}, indent=1))
    low = {a: round(r["pass_rate"], 2) for a, r in rates.items() if r["pass_rate"] < args.under}
    print(f"{len(rates)} actions checked; under {args.under}: {low} -> {args.out}")


if __name__ == "__main__":
    main()
