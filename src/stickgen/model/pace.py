"""Pace: how fast a caption asks a motion to be, and how fast each clip of the motion memory moves.

Words. "a person walks quickly" and "a person walks" read the same clips of the motion memory: the sentence
encoder puts a fast walk's captions no nearer the first than the second, and "a person runs slowly" nearer
a fast run's captions than a jog's (the embedded default's memory: 0.799 against 0.734). A caption's pace
words are therefore read as words (`caption_pace`), and a generation draws its template among the clips of
that pace (`stickgen.model.memory.MotionMemory.nearest`, `PACE_WINDOW`).
SLOW: slowly, slow, leisurely, unhurriedly, gently, carefully, "in slow motion"; the slow walks stroll,
amble, saunter. FAST: quickly, quick, fast, faster, briskly, brisk, rapidly, swiftly, speedily, hurriedly,
"in a hurry", hurries. A pace word up to two words after "not", "never" or "...n't" ("not too fast",
"doesn't walk slowly") and a caption with words of both paces ("runs slowly as fast as possible") ask for
neither. Whole words, any case ("breakfast" is not fast). docs/vocabulary.md lists the words.

Clips. A clip's tempo (`clip_tempos`) is how fast its joints move: per frame, the mean speed of every joint
of every actor in the world (the root's travel and the limbs' swing together), its 75th percentile over the
clip's frames (the moving part of a clip that also stands: a walk that ends seated is a walk's tempo). On
the embedded default's memory it orders walks by their speed, runs and sprints, and waves, claps and
sit-downs by how fast the arms or the body move. A clip's pace (`pace_classes`) is its third among the
clips of its action with its actor count, by tempo: SLOW the lowest, FAST the highest, NORMAL the middle
(an action with fewer than three clips is all NORMAL). The memory's states are normalised features, so
the tempo needs the feature statistics' std: the memory measures its paces when given them
(`MotionMemory.measure_paces`, by `stickgen.generate.generator.InferenceGenerator`).
"""

from __future__ import annotations

import re

import numpy as np
import torch

from stickgen.core.features import FEATURES_PER_ACTOR

SLOW, NORMAL, FAST = -1, 0, 1

_SLOW_WORDS = frozenset(
    "slowly slow slower leisurely unhurriedly unhurried gently carefully stroll strolls strolled strolling"
    " amble ambles ambled ambling saunter saunters sauntered sauntering".split()
)
_FAST_WORDS = frozenset(
    "quickly quick quicker fast faster briskly brisk rapidly rapid swiftly swift speedily hurriedly hurry"
    " hurries hurried hurrying".split()
)
_NEGATED_WITHIN = 2  # a pace word this many words after "not", "never" or "...n't" is negated


def _negated(words: list[str], i: int) -> bool:
    return any(w in ("not", "never") or w.endswith("n't") for w in words[max(0, i - _NEGATED_WITHIN) : i])


def caption_pace(text: str) -> int:
    """SLOW, FAST or NORMAL (neither named, or both) for one caption (module docstring)."""
    words = re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))
    named = set()
    for i, w in enumerate(words):
        if (w in _SLOW_WORDS or w in _FAST_WORDS) and not _negated(words, i):
            named.add(SLOW if w in _SLOW_WORDS else FAST)
    return named.pop() if len(named) == 1 else NORMAL


QUANTILE = 0.75  # of the per-frame joint speeds: a clip's tempo


def clip_tempos(
    states: torch.Tensor, offsets: torch.Tensor, actors: torch.Tensor, std: np.ndarray
) -> torch.Tensor:
    """(N,) each clip's tempo (module docstring; 0 for a one-frame clip) from the memory's normalised
    `states` (rows, >= 66; each clip's frames then actors from `offsets`), `actors` (N,) and the motion
    features' `std` (66,)."""
    n = len(actors)
    if n == 0:
        return torch.zeros(0)
    motion = states[:, :FEATURES_PER_ACTOR].float() * torch.as_tensor(std, dtype=torch.float32)
    sizes = offsets[1:] - offsets[:-1]
    clip = torch.repeat_interleave(torch.arange(n), sizes)  # (rows,) the clip of each row
    step = actors[clip]  # the same actor one frame on is this many rows on
    nxt = torch.arange(len(clip)) + step
    moving = nxt < offsets[1:][clip]  # rows with a next frame
    rows = moving.nonzero()[:, 0]
    d = motion[nxt[rows]] - motion[rows]  # (M, 66): the root's step, then each joint's step around it
    root = d[:, :3]
    joints = torch.cat(
        [root[:, None], d[:, 3:].view(-1, (FEATURES_PER_ACTOR - 3) // 3, 3) + root[:, None]], 1
    )
    speed = joints.norm(dim=-1).mean(-1)  # (M,) mean joint speed of an actor-frame
    of = clip[rows]
    order = torch.argsort(speed)
    order = order[torch.argsort(of[order], stable=True)]  # by clip, then by speed
    counts = torch.bincount(of, minlength=n)
    starts = torch.cumsum(counts, 0) - counts
    pick = starts + ((counts - 1).clamp(min=0).float() * QUANTILE).long()
    tempos = speed[order][pick.clamp(max=max(len(order) - 1, 0))] if len(order) else torch.zeros(n)
    return torch.where(counts > 0, tempos, torch.zeros(n))


def pace_classes(tempos: torch.Tensor, kinds: torch.Tensor) -> torch.Tensor:
    """(N,) SLOW, NORMAL or FAST: each clip's third by `tempos` (N,) among the clips of its kind (N,; one
    integer per action and actor count); a kind of fewer than three clips is all NORMAL. Ties keep the
    clips' order."""
    paces = torch.full(tempos.shape, NORMAL, dtype=torch.long)
    for kind in kinds.unique().tolist():
        ids = (kinds == kind).nonzero()[:, 0]
        if len(ids) < 3:
            continue
        rank = torch.argsort(torch.argsort(tempos[ids], stable=True)).float() / (len(ids) - 1)
        paces[ids[rank < 1 / 3]] = SLOW
        paces[ids[rank > 2 / 3]] = FAST
    return paces
