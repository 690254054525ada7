"""Which clips of the motion memory everyday prompts read: is the template of the action a reader expects?

    python tools/retrieval_probe.py --checkpoint models/production --out /tmp/retrieval.json
    python tools/retrieval_probe.py --checkpoint models/small/sft/model_checkpoint_best.pth \
        --prompts tools/everyday_prompts.txt --out /tmp/retrieval.json

A generation's template is drawn among a few memory clips (`MotionMemory.nearest` with the generation
margin and what the prompt names in words, `stickgen.model.named`), and the network follows its template:
a prompt that reads clips of another action makes that action. Each line of `--prompts` is
"action[,action...]|prompt" (lines starting with # are comments). For each prompt this lists the actions
of the clips it draws among with each side it may lead with, as `InferenceGenerator.generate` asks (its
actor count from the prompt; several people doing what one does are made actor by actor,
`stickgen.generate.together`), and counts the prompts whose clips are mostly of an accepted action (each
side weighed by its probability). It prints the others and writes every prompt's row (JSON). No motion is
generated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from stickgen.core.atomic import atomic_write_text
from stickgen.core.laterality import BOTH
from stickgen.core.vocab import ACTIONS
from stickgen.generate.familiar import template_read
from stickgen.generate.generator import InferenceGenerator
from stickgen.model.memory import GENERATION_MARGIN
from stickgen.model.named import named, named_side
from stickgen.model.side_prior import named_side_used


def read_prompts(path: Path) -> list[tuple[set[str], str]]:
    """(accepted actions, prompt) of each line "a[,b]|prompt"; a bad line or action: ValueError naming it."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        accepted, sep, prompt = line.partition("|")
        actions = {a.strip() for a in accepted.split(",") if a.strip()}
        if not sep or not prompt.strip() or not actions:
            raise ValueError(f"{path}:{n}: expected 'action[,action...]|prompt', got {line!r}")
        if unknown := sorted(actions - set(ACTIONS)):
            raise ValueError(f"{path}:{n}: {unknown} not in the vocabulary (stickgen.core.vocab.ACTIONS)")
        rows.append((actions, prompt.strip()))
    return rows


def share_accepted(drawn: list[str], accepted: set[str]) -> float:
    """The share of the drawn clips' actions that are accepted (0 when none is drawn)."""
    return sum(a in accepted for a in drawn) / len(drawn) if drawn else 0.0


def drawn_actions(gen: InferenceGenerator, prompt: str) -> list[tuple[float, list[str]]]:
    """For each side a generation of `prompt` may lead with (the one it names where the side prior calls the
    motion one-sided, else each of the prior's, `SidePrior.choose`), its probability and the actions of the
    memory clips the template is drawn among with it, nearest first."""
    said, n = template_read(gen, prompt)
    memory, emb = gen.model.transformer.memory, gen.encode(said)
    p = gen.model.transformer.side_prior(emb)[0].float().cpu()
    side = named_side(said)
    used = bool(named_side_used(p[None], torch.tensor([side]))[0])
    sides = {side: 1.0} if used else {BOTH + i: float(q) for i, q in enumerate(p)}
    actors, wanted = torch.tensor([n]), named([said])
    out = []
    for s, q in sides.items():
        rows = memory.nearest(
            emb,
            actors,
            gen.model.cfg.memory_top_k,
            side=torch.tensor([s]),
            margin=GENERATION_MARGIN,
            named=wanted,
        )
        out.append((q, [ACTIONS[int(memory.actions[c])] for c in rows[0]]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True, help="a .pth checkpoint or a published folder")
    ap.add_argument("--prompts", type=Path, default=Path(__file__).with_name("everyday_prompts.txt"))
    ap.add_argument("--out", type=Path, required=True, help="JSON: each prompt's drawn actions")
    args = ap.parse_args()
    gen = InferenceGenerator(args.checkpoint, enable_safety_check=False)
    rows = []
    for accepted, prompt in read_prompts(args.prompts):
        drawn = drawn_actions(gen, prompt)
        share = sum(q * share_accepted(actions, accepted) for q, actions in drawn)
        rows.append({"prompt": prompt, "accepted": sorted(accepted), "drawn": drawn, "share": share})
        if share < 0.5:
            print(f"{prompt!r}: expected {sorted(accepted)}, reads {[a for _, a in drawn]} ({share:.2f})")
    good = sum(r["share"] >= 0.5 for r in rows)
    atomic_write_text(args.out, json.dumps({"checkpoint": str(args.checkpoint), "good": good, "rows": rows}))
    print(f"{good} of {len(rows)} prompts read clips mostly of an accepted action -> {args.out}")


if __name__ == "__main__":
    main()
