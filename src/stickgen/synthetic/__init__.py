"""Procedural character animator: seeded, captioned stick-figure takes driven by joint rotations.

Public API:
    generate_takes(n, cfg, fps, seed, start_index=0) -> list[SyntheticTake]
        Takes with root translations, LOCAL joint rotations, rest offsets and FK joints (world frame).
    generate(cfg, canonical, seed) -> list[Clip]
        `cfg.clips` canonical clips (docs/architecture.md, "Canonical data"), one per take, ids
        `synthetic/<index:06d>#0-<T>`.

Modules, one concept each: `rotations` (rotation maths), `rig` (rest skeleton + forward kinematics),
`posing` (anatomical angles, easing), `ik` (arm and leg inverse kinematics), `motion` (root solving,
chaining), `base` (generator context, relaxed stance), `gait` (footsteps, swings and legs of walking and
running), `locomotion` / `gestures` / `body_actions` / `activities` / `floor_actions` / `hand_actions` /
`sports` / `baseball` / `outdoor` / `speech` (single-actor actions), `actions` (registry, chain rules),
`interactions` / `pair_actions` (two actors), `face` (every actor's face track: blinks, expressions,
speech mouths), `captions` (with `activity_captions`, `outdoor_captions`, `speech_captions`), `takes`
(plans and takes), `samples` (the sample datasets' takes), `generated` (stores of any size, for scale
tests).
"""

from __future__ import annotations

from stickgen.core.canonical import Clip, window_id
from stickgen.core.config import CanonicalConfig, SynthesizeConfig
from stickgen.core.skeleton import to_canonical_frame
from stickgen.synthetic.takes import GENERATOR_VERSION, SyntheticTake, generate_takes, make_take

SOURCE = "synthetic"


def take_to_clip(take: SyntheticTake) -> Clip:
    """The canonical clip of one take: actor 0 faces +Z at the origin at frame 0, floor at y = 0."""
    key = f"{take.index:06d}"
    meta = {**take.meta, "licence": "generated", "derived_joints": []}
    return Clip(
        id=window_id(SOURCE, key, 0, take.frames),
        joints=to_canonical_frame(take.joints),
        texts=list(take.texts),
        action=take.action,
        style="",
        source=SOURCE,
        group=f"{SOURCE}/{key}",
        meta=meta,
        face=take.face,
    )


def generate(cfg: SynthesizeConfig, canonical: CanonicalConfig, seed: int) -> list[Clip]:
    """`cfg.clips` validated canonical clips at `canonical.fps`.

    Args:
        cfg: the `synthesize` params section.
        canonical: the `canonical` params section (fps, max_actors, window_s).
        seed: base seed (`base.seed`).
    """
    if cfg.max_s > canonical.window_s:
        raise ValueError(
            f"synthesize.max_s ({cfg.max_s}) > canonical.window_s ({canonical.window_s}): a synthetic take "
            "must fit one canonical window, or its captions would describe frames a window lacks"
        )
    if cfg.two_actor_fraction > 0 and canonical.max_actors < 2:
        raise ValueError(
            f"synthesize.two_actor_fraction is {cfg.two_actor_fraction} but canonical.max_actors is "
            f"{canonical.max_actors}; set the fraction to 0 or allow 2 actors"
        )
    clips = [take_to_clip(take) for take in generate_takes(cfg.clips, cfg, canonical.fps, seed)]
    for clip in clips:
        clip.validate(max_actors=canonical.max_actors)
    return clips


__all__ = [
    "GENERATOR_VERSION",
    "SOURCE",
    "SyntheticTake",
    "generate",
    "generate_takes",
    "make_take",
    "take_to_clip",
]
