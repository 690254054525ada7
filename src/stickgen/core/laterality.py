"""Which side of the body a motion leads with: both (symmetric), left or right.

A text encoder tells "waves his right hand" from "waves his left hand" only faintly, and a caption that
names no side ("a person kicks") leaves the side to chance. A denoiser trained on both sides (the mirror
augmentation makes every clip's mirror image) then predicts, at the noisy levels where the side is
decided, the average of a left and a right kick: both legs half raised, which the next steps never undo
(issue #14: generated waves lifted both wrists to the same height, kicks left the ankles on the floor).
So the side is a condition of its own (`StickFigureTransformer.side_emb`), measured from the motion
itself for training (`motion_side`), and at generation named by the caption (`caption_side`) or drawn from
the model's learnt prior p(side | text) (`StickFigureTransformer.side_prior`) with the caller's seed.

`motion_side` compares, per side, how far the limb ends leave their rest: the wrist's distance from its
own hip (about 0.25 m hanging, 0.7 m reaching forwards, 0.9 m raised) and the ankle's height above the
lower ankle (a kick lifts one ankle 0.3-0.6 m, a walk each ankle alternately ~0.15 m), each taken at its
`QUANTILE` over frames so a short kick counts like a held wave. The side whose measure exceeds the
other's by `MIN_DIFFERENCE_M` leads; otherwise the motion is symmetric.
"""

from __future__ import annotations

import re

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


def caption_side(caption: str) -> int:
    """LEFT or RIGHT when the caption names exactly one of the two sides, else NONE."""
    named = {_WORD[m.lower()] for m in _SIDE_WORD.findall(caption)}
    return named.pop() if len(named) == 1 else NONE
