"""Hands that nearly meet, meet: two actors' wrists brought to touching where the generator stops short.

The training clips' high fives and handshakes put the two wrists `TOUCH_M` (0.06 m) apart, the wrist joints
of two touching hands; generated ones stop 0.16-0.20 m apart (format 10's small/lora, the behaviour suite's
high fives): a contact held for a tenth of a second is the kind of brief detail a denoiser blurs, and the
figure's hands end a hand's width short of each other. A hand is about 0.19 m from wrist to fingertip on a
1.75 m body, so two wrists within `REACH_M` (0.25 m) of each other have the hands in each other's already:
they are meant to meet.

`meet_hands` finds, for every pair of wrists of two different actors, each run of frames in which they are
within `REACH_M`; its contact is one hold from the first to the last of its frames within `HOLD_M` of its
closest (a slap's instant, a handshake's whole hold; a generated approach that dips twice is held in
between) or steady above the hips (the gap changing by at most `STEADY_M` a frame, the two wrists higher
than the two pelvises on average): a generated handshake touches once, then holds the hands a hand's width
apart for a second (the wrists 0.16-0.20 m apart; "a pair of people shake hands", seeds 1-8: 4 of 8 held
0.3 s or more, now 8); hands below the hips (hanging side by side) and a hug's (round a back) are held
by the first rule only. On the embedded default's training and test clips (their handshakes, high fives,
hugs, fights and talks) the steady hold adds no frame: motion capture's and the animator's hands already
touch.

In the frames of a contact both wrists move half the way to `TOUCH_M` apart along the line between them (a
wrist in two such pairs at once goes with the closer), the correction fades in and out over `BLEND_FRAMES`
frames around each contact (`footlock.faded`), and each arm is solved again with `footlock.two_bone_ik`:
the shoulder stays, the elbow keeps its bend and both bones their lengths, and a wrist the arm cannot reach
comes as near as it allows. One actor's own hands (a clap) and everything but the arms are left as
generated; so are hands that never come within `REACH_M` of another actor's.

Measured (docs/training.md, "The voice at its template's level, and hands that meet"): on format 10's
small/sft, the behaviour suite's high fives pass 9 of 10 against 3 (handshake, hug, fight and talk
unchanged); on the test split's 21 two-actor clips (the animator's handshakes, high fives, hugs, fights
and talks) it moves a joint by 0.2 mm on average: the high fives' and handshakes' by at most 1.5 cm (they
touch already), an elbow of every hug (hands that meet behind a back) and of one fight (a fist against a
hand) by up to 0.14 m, the talks' not at all.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX, NUM_JOINTS
from stickgen.generate.footlock import faded, runs, two_bone_ik

REACH_M = 0.25  # two actors' wrists this close have their hands in each other's: they meet
TOUCH_M = 0.06  # wrist-to-wrist distance of two touching hands (the synthetic animator's)
HOLD_M = 0.03  # a contact is the frames of an approach within this of its closest ...
STEADY_M = 0.01  # ... or where the gap changes by at most this a frame (0.2 m/s at 20 fps), above the hips
BLEND_FRAMES = 3  # frames over which a contact's correction fades in before it and out after it
_ARMS = tuple(
    tuple(JOINT_INDEX[f"{side}_{j}"] for j in ("shoulder", "elbow", "wrist")) for side in ("left", "right")
)
_DOWN = np.array([0.0, -1.0, 0.0])  # an arm straightened by the solver bends its elbow down


def _steady_above_hips(j: np.ndarray, gap: np.ndarray, x: int, wi: int, y: int, wk: int) -> np.ndarray:
    """(T,) bool: the frames in which the wrist `wi` of actor `x` and `wk` of actor `y`, `gap` (T,) apart,
    keep their distance (it changes by at most STEADY_M a frame) higher than the two pelvises on average."""
    steady = np.abs(np.gradient(gap)) <= STEADY_M if len(gap) > 1 else np.zeros(len(gap), dtype=bool)
    return steady & (j[:, x, wi, 1] + j[:, y, wk, 1] > j[:, x, 0, 1] + j[:, y, 0, 1])


def _corrections(j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, A, 2, 3) how far each wrist (left, right) moves in its contact frames and (T, A, 2) bool: which
    frames those are, for (T, A, 22, 3) joints."""
    t, a = j.shape[:2]
    wrists = [arm[2] for arm in _ARMS]
    candidates = []  # (frame, gap, actor, wrist, other actor, other wrist, the first wrist's move)
    for x in range(a):
        for y in range(x + 1, a):
            for i, wi in enumerate(wrists):
                for k, wk in enumerate(wrists):
                    between = j[:, y, wk] - j[:, x, wi]
                    gap = np.linalg.norm(between, axis=-1)
                    held = _steady_above_hips(j, gap, x, wi, y, wk)
                    for s, e in runs(gap < REACH_M):
                        near = s + np.flatnonzero((gap[s:e] <= gap[s:e].min() + HOLD_M) | held[s:e])
                        for f in range(near[0], near[-1] + 1):  # one hold, from the first to the last
                            move = 0.5 * (gap[f] - TOUCH_M) * between[f] / max(gap[f], 1e-9)
                            candidates.append((f, gap[f], x, i, y, k, move))
    moves = np.zeros((t, a, 2, 3))
    taken = np.zeros((t, a, 2), dtype=bool)
    for f, _, x, i, y, k, move in sorted(candidates, key=lambda c: c[:2]):
        if not (taken[f, x, i] or taken[f, y, k]):  # the closer pair of a frame goes first
            moves[f, x, i], moves[f, y, k] = move, -move
            taken[f, x, i] = taken[f, y, k] = True
    return moves, taken


def meet_hands(joints: np.ndarray) -> np.ndarray:
    """Bring two actors' nearly meeting wrists to touching: (T, A, 22, 3) joints -> the same shape and
    dtype. A clip of one actor, and frames away from any contact, are returned unchanged."""
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"meet_hands needs (T, A, {NUM_JOINTS}, 3) joints, got {np.shape(joints)}")
    if j.shape[1] < 2:
        return np.array(joints, copy=True)
    moves, taken = _corrections(j)
    out = j.copy()
    for x in range(j.shape[1]):
        for i, (shoulder, elbow, wrist) in enumerate(_ARMS):
            off = faded(moves[:, x, i], taken[:, x, i], BLEND_FRAMES)
            whole = np.isfinite(j[:, x, [shoulder, elbow, wrist]]).all(axis=(1, 2))  # a broken arm stays
            moved = np.flatnonzero((np.abs(off).sum(-1) > 0) & whole)
            if not len(moved):
                continue
            out[moved, x, elbow], out[moved, x, wrist] = two_bone_ik(
                j[moved, x, shoulder],
                j[moved, x, elbow],
                j[moved, x, wrist],
                j[moved, x, wrist] + off[moved],
                np.broadcast_to(_DOWN, (len(moved), 3)),
            )
    return out.astype(np.asarray(joints).dtype)
