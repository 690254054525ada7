"""Which side of the body a motion leads with: both (symmetric), left or right.

A text encoder tells "waves his right hand" from "waves his left hand" only faintly, and a caption that
names no side ("a person kicks") leaves the side to chance. A denoiser trained on both sides (the mirror
augmentation makes every clip's mirror image) then predicts, at the noisy levels where the side is
decided, the average of a left and a right kick: both legs half raised, which the next steps never undo
(issue #14: generated waves lifted both wrists to the same height, kicks left the ankles on the floor).
So the side is a condition of its own (`StickFigureTransformer.side_emb`). At generation it is the side
the caption names (`caption_side`) or one drawn from the model's learnt prior p(side | text)
(`StickFigureTransformer.side_prior`) with the caller's seed; in training it means the same
(`leading_side`): the side the sample's caption names, and only for a caption that names none the side the
motion measures as leading (`motion_side`). The two disagree where a caption names the arm and the
measure sees the leg: a right-handed pitch raises the left knee (measured: left), a right-handed dribble,
shot, swing of the bat, a book held in the right hand or a dodge to the right all measure left or both.
Conditioned on the measure alone, "pitches with the right arm" asked for a left-handed pitch (the
behaviour suite's pitching passed none of its six sided captions).

`motion_side` compares, per side, how far the limb ends leave their rest: the wrist's distance from its
own hip (about 0.25 m hanging, 0.7 m reaching forwards, 0.9 m raised) and the ankle's height above the
lower ankle (a kick lifts one ankle 0.3-0.6 m, a walk each ankle alternately ~0.15 m), each taken at its
`QUANTILE` over frames so a short kick counts like a held wave. The side whose measure exceeds the
other's by `MIN_DIFFERENCE_M` leads; otherwise the motion is symmetric.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX

SIDES = ("none", "both", "left", "right")  # condition ids: 0 = not given (the unconditional branch)
NONE, BOTH, LEFT, RIGHT = range(4)
QUANTILE = 0.98
MIN_DIFFERENCE_M = 0.1
ANKLE_WEIGHT = 1.5  # an ankle lifted 0.2 m counts like a wrist moved 0.3 m from its hip

_WORD = {"left": LEFT, "right": RIGHT}
_SIDE_WORD = re.compile(r"\b(left|right)\b", re.IGNORECASE)


def limb_extension(joints: np.ndarray, side: str) -> np.ndarray:
    """(T,) how far the `side` ("left"/"right") wrist and ankle are from rest in each frame, in metres:
    wrist-to-own-hip distance + ANKLE_WEIGHT x the ankle's height above the lower of the two ankles.
    `joints`: (T, 22, 3) one actor, canonical (Y up)."""
    j = JOINT_INDEX
    wrist = joints[:, j[f"{side}_wrist"]] - joints[:, j[f"{side}_hip"]]
    ankles = joints[:, [j["left_ankle"], j["right_ankle"]], 1]
    lift = joints[:, j[f"{side}_ankle"], 1] - ankles.min(axis=1)
    return np.linalg.norm(wrist, axis=-1) + ANKLE_WEIGHT * lift


def motion_side(joints: np.ndarray) -> int:
    """BOTH, LEFT or RIGHT for a clip's actor 0 (`joints` (T, A, 22, 3), canonical)."""
    actor = np.asarray(joints[:, 0], dtype=np.float64)
    left, right = (float(np.quantile(limb_extension(actor, s), QUANTILE)) for s in ("left", "right"))
    if left - right >= MIN_DIFFERENCE_M:
        return LEFT
    if right - left >= MIN_DIFFERENCE_M:
        return RIGHT
    return BOTH


def leading_side(captions: Sequence[str], joints: np.ndarray) -> int:
    """The side condition of a clip told by `captions` (one caption for a training sample, all of a clip's
    for a memory clip): the side the first caption that names exactly one names, else `motion_side` of
    `joints` (T, A, 22, 3)."""
    named = captions_side(captions)
    return named if named != NONE else motion_side(joints)


def captions_side(captions: Sequence[str]) -> int:
    """The side (LEFT or RIGHT) the first caption that names exactly one names, else NONE."""
    return next((side for side in map(caption_side, captions) if side != NONE), NONE)


def caption_side(caption: str) -> int:
    """LEFT or RIGHT when the caption names exactly one of the two sides, else NONE."""
    named = {_WORD[m.lower()] for m in _SIDE_WORD.findall(caption)}
    return named.pop() if len(named) == 1 else NONE
