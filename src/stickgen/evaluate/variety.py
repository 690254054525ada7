"""How far apart the motions of one caption lie: what a user sees when asking for several samples.

The report's multimodality measures the spread of a caption's motions in the evaluator's feature space (a
few test captions); this measures it in metres, on the behaviour suite's own motions: the suite makes each
action's captions in turn in one call, so an action's motions of one caption are samples of that prompt
with their own noise and template draw (`stickgen.evaluate.behaviour_suite`). Per caption the mean over
its motions' pairs of their mean joint distance (every frame and joint), per action the mean over its
captions; `variety_section` reports the median over the actions (`behaviour_seed_variety_m`) and how many
actions lie under `ALIKE_M`, to the eye one motion whatever the seed (`behaviour_seed_alike_actions`).
`tools/seed_variety.py` tabulates it per action with six samples of each action's first caption: a
template draw that served most captions one take made 16 of 51 actions alike there, one that also draws
the other takes of the caption's motion 6 (docs/training.md, "Other takes of the same motion").
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

ALIKE_M = 0.05  # motions of one caption nearer than this (mean joint distance) look like one motion


def pairwise_distance(motions: Sequence[np.ndarray]) -> float:
    """The mean over the pairs of `motions` ((T_i, A_i, 22, 3) each) of their mean joint distance (metres),
    each pair over the frames and actors both have (a caption's motions are of one length and actor count
    unless a sampler capped them)."""
    if len(motions) < 2:
        raise ValueError(f"seed variety: need at least two motions, got {len(motions)}")

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        t, n = min(len(a), len(b)), min(a.shape[1], b.shape[1])
        return float(np.linalg.norm(a[:t, :n] - b[:t, :n], axis=-1).mean())

    return float(np.mean([distance(a, b) for a, b in itertools.combinations(motions, 2)]))


def variety_section(motions: Sequence[np.ndarray], actions: Sequence[str], captions: Sequence[str]) -> dict:
    """`behaviour_seed_variety_m` (the median over actions of each one's mean caption `pairwise_distance`)
    and `behaviour_seed_alike_actions` (the actions under `ALIKE_M`) of `motions` with their `actions` and
    `captions` (one each); both None where no caption has two motions."""
    groups: dict[tuple[str, str], list[np.ndarray]] = {}
    for motion, action, caption in zip(motions, actions, captions, strict=True):
        groups.setdefault((action, caption), []).append(motion)
    per_action: dict[str, list[float]] = {}
    for (action, _), group in groups.items():
        if len(group) >= 2:
            per_action.setdefault(action, []).append(pairwise_distance(group))
    if not per_action:
        return {"behaviour_seed_variety_m": None, "behaviour_seed_alike_actions": None}
    distances = [float(np.mean(d)) for d in per_action.values()]
    return {
        "behaviour_seed_variety_m": float(np.median(distances)),
        "behaviour_seed_alike_actions": sum(d < ALIKE_M for d in distances),
    }
