"""Several people doing what one person does ("two people walk side by side"): each made alone, then placed.

    placement = together_placement("two friends wave at each other", actors=2)   # FACING
    joints, face, meta = sample_together(gen, emb, frames, 2, placement, seed, caption=text)

The training sets hold two-actor clips of interactions only (the animator's handshakes, high fives, hugs,
fights and conversations; the sample datasets' pairs), so one two-actor window of a solo action reads an
interaction: on the embedded default's small/lora (model format 14, seed 1, 4 s) "two people walk side by
side", "two people jump together", "two friends wave at each other" and "two people dance together" each
stood facing the other, talking with their hands. A prompt for several actors whose action
(`stickgen.core.vocab.infer_action`) is one a person does alone (not in `IN_ONE_WINDOW`) is made instead as
one one-actor motion per actor, of the same caption and in one batch (each row draws its own noise, so
the actors do not move in step), then placed:

- SIDE: the actors side by side, SIDE_M apart across the way the first one goes (where it travels: the
  chord from its first to its last frame; else where it faces at the start), each turned to go that way;
- FACING (two actors, a caption such as "at each other", "towards each other", "face to face"): the second
  turned to face the first (or to come towards it), far enough ahead that neither walks into the other
  (FACING_M, or what both travel plus MEET_M).

A draw in which two pelvises come within `sequence.APART_M` on the floor, or (side by side) draw more than
`STRAY_M` further apart than they were placed, is made again with another seed (up to `PLACEMENT_DRAWS`
draws in all); when none keeps its place, the draw kept is the one that comes least close, then strays
least.
A motion longer than the model's window (`directed.generate_long`) and a timeline whose every span is such
a text (`generate_timeline`) are made the same way, each actor's in its own windows (`directed_together`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from stickgen.core.face import FaceTrack
from stickgen.core.skeleton import facing_yaw, rotation_y
from stickgen.core.vocab import infer_action
from stickgen.generate.headcount import NO_ONE, people_count, solo_caption
from stickgen.generate.motion import Motion, motion_seed

if TYPE_CHECKING:
    from stickgen.generate.generator import InferenceGenerator
    from stickgen.generate.windows import Directing

# actions a window of several actors makes (interactions, fighting, a conversation), or that name no motion
IN_ONE_WINDOW = frozenset(
    {"unknown", "other", "idle", "handshake", "high_five", "hug", "push", "fight", "fight_stance", "punch",
     "kick", "dodge", "talk", "shout", "whisper", "sing", "laugh", "cry"}
)  # fmt: skip
# solo actions that travel: after a pair faced each other (a handshake), each doing one from its own frames
# walks into the other, so a later part of one is left to the memory's choice (`sequence.part_mode`)
TRAVELLING = frozenset({"walk", "run", "sprint", "crawl", "running_bases"})
SIDE, FACING = "side", "facing"
_FACING_WORDS = re.compile(
    r"\b(?:(?:at|to|towards?|facing)\s+(?:each\s+other|one\s+another)|face\s+to\s+face|opposite)\b", re.I
)
MAX_TOGETHER = 8  # the most people made actor by actor for one prompt ("eight kids jump")
SIDE_M = 1.2  # pelvis to pelvis across the way they go (room for a dancer's spread arms)
FACING_M = 1.8  # pelvis to pelvis of a pair facing each other in place (a wave or bow across a room)
MEET_M = 0.8  # where two actors coming towards each other stop at the nearest (a step short of contact)
# side by side, a draw in which two actors' pelvises come further apart than they were placed by more than
# this is made again: walks of their own that curve two ways drew apart by 4-9 m in 7 of 32 draws
STRAY_M = 1.0
# draws of the actors made alone until one keeps its place (each a batch of one-actor generations)
PLACEMENT_DRAWS = 6
TRAVEL_M = 0.5  # a motion travels when its pelvis ends this far from where it started on the floor
_FLOOR = np.array([1.0, 0.0, 1.0])  # a point's x and z: its place on the floor


def together_placement(prompt: str, actors: int, action: str | None = None) -> str | None:
    """SIDE or FACING when `actors` >= 2 and the action (`action` when given, else the prompt's) is one a
    person does alone (made actor by actor, `sample_together`); None when one window of all the actors
    makes it."""
    if actors < 2 or (action or infer_action([prompt])) in IN_ONE_WINDOW:
        return None
    return FACING if actors == 2 and _FACING_WORDS.search(prompt) else SIDE


def made_from(prompt: str, actors: int, placement: str | None) -> str:
    """The caption a motion of `prompt` with `actors` actors is made from: what it says of one person
    (`headcount.solo_caption`) where each actor is made alone (one actor, or each of several doing what one
    does: `placement`, `together_placement`'s), else the prompt itself (one window of all the actors)."""
    return solo_caption(prompt) if placement is not None or actors == 1 else prompt


def actor_count(gen: InferenceGenerator, texts: list[str], num_actors: int | None) -> int:
    """The actors of a directed motion of `texts`: `num_actors` when given, else the most any text asks for
    (`InferenceGenerator.actors_for`: more than the model's where one text's people each do what one does);
    a motion of several texts (a timeline, a sequence) has at most the model's (`num_actors` over it: a
    `ValueError`)."""
    n = max(gen.actors_for(t, num_actors) for t in texts)
    if len(texts) > 1 and n > gen.max_actors:
        if num_actors is not None:
            raise ValueError(
                f"num_actors must be in 1..{gen.max_actors} for a motion of several texts, got {num_actors}"
            )
        return gen.max_actors
    return n


def people_note(gen: InferenceGenerator, prompt: str, actors: int) -> str | None:
    """Why a motion of `prompt` has fewer actors than the people its words count (`people_count`: "100
    people jump" is 8, "three people shake hands" 2), or None when it has as many."""
    if (none := NO_ONE.search(prompt)) is not None:
        return f"the text counts no one ({none.group(0)!r}): a motion has at least one actor, this {actors}"
    named = people_count(prompt)
    if named <= actors:
        return None
    limits = actor_limits(gen.max_actors)
    return f"the text names {named} people, the motion has {actors}: {limits}, side by side"


def actor_limits(max_actors: int) -> str:
    """How many actors a model of `max_actors` makes, in the words of a refusal or a note."""
    return (
        f"the model makes at most {max_actors} in one motion, and up to {MAX_TOGETHER} of what one person "
        "does alone"
    )


def sample_together(
    gen: InferenceGenerator,
    emb: torch.Tensor,
    frames: int,
    actors: int,
    placement: str,
    seed: int,
    *,
    action: torch.Tensor | None = None,
    style: torch.Tensor | None = None,
    caption: str | None = None,
) -> tuple[np.ndarray, FaceTrack, dict]:
    """`actors` one-actor motions of the caption embedding `emb` (1, D), `frames` long, in one batch,
    placed together (`placement`): ((T, actors, 22, 3) joints, their faces, the record of `_drawn_apart`).
    `action` and `style` are (1,) ids (None: not given)."""
    repeat = {k: None if v is None else v.expand(actors) for k, v in (("action", action), ("style", style))}

    def draw(k: int) -> tuple[list[np.ndarray], list[FaceTrack]]:
        made = gen.sample_with_faces(
            emb.expand(actors, -1), [frames] * actors, [1] * actors, gen.sampling, draw_seed(seed, k),
            captions=None if caption is None else [caption] * actors, **repeat,
        )  # fmt: skip
        return [j for j, _ in made], [f for _, f in made]

    joints, record, faces = _drawn_apart(draw, placement, PLACEMENT_DRAWS)
    face = FaceTrack(*(np.concatenate([getattr(f, k.name) for f in faces], 1) for k in fields(FaceTrack)))
    return joints, face, record


def directed_together(
    gen: InferenceGenerator,
    make_one: Callable[[int], Motion],
    actors: int,
    placement: str,
    seed: int | None,
    style: str | None,
    directing: Directing,
    kind: str,
    action: str | None = None,
    prompt: str | None = None,
) -> Motion:
    """A directed motion (`directed.generate_long`, `generate_timeline`) of several people doing what one
    does: each actor's made alone by `make_one(seed)` (a one-actor directed motion of its own windows, of
    the text said of one of them, `headcount.solo_caption`; noise `seed` + 101 a), placed (`_drawn_apart`),
    and the placed motion checked once more; its `meta` keeps the first actor's spans and windows, and the
    text each actor was made from (`caption`). `prompt`: the motion's (None: the first actor's)."""
    from stickgen.generate.generator import safety_summary

    seed = motion_seed(seed)
    t0 = time.perf_counter()

    def draw(k: int) -> tuple[list[np.ndarray], list[Motion]]:
        each = [make_one(draw_seed(seed, k) + 101 * a) for a in range(actors)]
        return [m.joints for m in each], each

    joints, record, each = _drawn_apart(draw, placement, PLACEMENT_DRAWS)
    motion = Motion(joints, gen.fps, each[0].prompt if prompt is None else prompt)
    verdict = safety_summary(gen.check_motion_safety(motion)) if gen.enable_safety_check else None
    history = [] if verdict is None else [{"seed": seed, **verdict}]
    kept = {k: each[0].meta[k] for k in ("timeline", "windows") if k in each[0].meta}
    motion.meta = gen.directed_meta(
        motion, kind, seed, actors, style, directing, (verdict, history, t0), action=action,
        together=record, caption=each[0].meta.get("captions", [each[0].prompt])[0], **kept,
    )  # fmt: skip
    return motion


def draw_seed(seed: int, k: int) -> int:
    """The noise seed of draw `k` of a motion seeded `seed`: `seed` itself first, then seeds derived from
    (seed, k), so that a draw made again never repeats another seed's first draw (with `seed + k`, seeds
    3, 4 and 5 of "two people walk side by side" gave one and the same motion)."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0] >> 1)


def _drawn_apart(
    draw: Callable[[int], tuple[list[np.ndarray], Any]], placement: str, draws: int
) -> tuple[np.ndarray, dict, Any]:
    """The first of up to `draws` draws (`draw(k)`: the actors' one-actor joints (T, 1, 22, 3) and what
    else it made) whose placed pelvises stay `sequence.APART_M` apart on the floor and, side by side, no
    more than `STRAY_M` further apart than they were placed; else the one that comes least within APART_M,
    then strays least:
    (the placed joints, the record: the placement, the draw kept, the pelvises' closest and farthest
    distances and how far apart they started in metres, what else that draw made)."""
    from stickgen.generate.sequence import APART_M

    best: tuple[np.ndarray, dict, Any, tuple[float, float]] | None = None
    for k in range(draws):
        motions, extra = draw(k)
        joints, start = place(motions, placement)
        gaps = _gaps(joints)
        near, far = float(gaps.min()), float(gaps.max())
        stray = max(far - (len(motions) - 1) * SIDE_M - STRAY_M, 0.0) if placement == SIDE else 0.0
        miss = (max(APART_M - near, 0.0), stray)  # walking into each other is worse than drawing apart
        record = {
            "placement": placement, "draw": k, "closest_m": round(near, 4), "farthest_m": round(far, 4),
            "apart_m": round(start, 4),
        }  # fmt: skip
        if best is None or miss < best[3]:
            best = (joints, record, extra, miss)
        if miss == (0.0, 0.0):
            break
    assert best is not None
    return best[:3]


def place(motions: list[np.ndarray], placement: str) -> tuple[np.ndarray, float]:
    """One-actor motions (T, 1, 22, 3) placed together (module docstring): the first where it is, the others
    moved to start beside it (or ahead of it, facing) and turned: (T, A, 22, 3) and the pelvises' distance
    on the floor at the start."""
    first = motions[0][:, 0]
    way = _way(first)
    ahead, across = np.array([np.sin(way), 0.0, np.cos(way)]), np.array([np.cos(way), 0.0, -np.sin(way)])
    facing = placement == FACING and len(motions) == 2
    placed = [first]
    for a, m in enumerate(motions[1:], 1):
        turn = way - _way(m[:, 0]) + (np.pi if facing else 0.0)
        turned = (m[:, 0] - m[0, 0, 0] * _FLOOR) @ rotation_y(turn).T
        if facing:
            shift = max(FACING_M, _travel(first) + _travel(m[:, 0]) + MEET_M) * ahead
        else:
            shift = a * SIDE_M * across
        placed.append(turned + first[0, 0] * _FLOOR + shift)
    joints = np.stack(placed, axis=1)
    if not facing:
        joints = joints - (len(motions) - 1) / 2 * SIDE_M * across  # centred across the way
    start = joints[0, :, 0][:, [0, 2]]
    return joints.astype(np.float32), float(np.linalg.norm(start[1] - start[0]))


def _gaps(joints: np.ndarray) -> np.ndarray:
    """The floor-plane distances between every two actors' pelvises in every frame of (T, A, 22, 3)."""
    pelvis = joints[:, :, 0][..., [0, 2]]
    gaps = np.linalg.norm(pelvis[:, :, None] - pelvis[:, None, :], axis=-1)
    return gaps[:, ~np.eye(joints.shape[1], dtype=bool)]


def closest(joints: np.ndarray) -> float:
    """The smallest floor-plane distance between two actors' pelvises over the frames of (T, A, 22, 3)."""
    return float(_gaps(joints).min())


def farthest(joints: np.ndarray) -> float:
    """The largest floor-plane distance between two actors' pelvises over the frames of (T, A, 22, 3)."""
    return float(_gaps(joints).max())


def _travel(joints: np.ndarray) -> float:
    """How far one actor's (T, 22, 3) pelvis ends from where it started, on the floor."""
    return float(np.linalg.norm((joints[-1, 0] - joints[0, 0])[[0, 2]]))


def _way(joints: np.ndarray) -> float:
    """The yaw (about +Y; 0 = +Z) one actor (T, 22, 3) goes: its chord when it travels >= TRAVEL_M, else
    where it faces on its first frame (`facing_yaw`)."""
    d = (joints[-1, 0] - joints[0, 0])[[0, 2]]
    return float(np.arctan2(d[0], d[1])) if np.hypot(*d) >= TRAVEL_M else facing_yaw(joints[0])
