"""What a caption names in words, and how that narrows the clips its template is drawn among.

The sentence encoder ranks clips by the whole caption, and some words weigh less in it than a user means
them to: "a person stands still" lies as near "the person stands up from a seat" (0.782) as an idle clip
(0.800); "a person walks quickly" nearer a walk at a normal pace (0.822) than a fast one (0.734); and
where the memory holds nothing like the caption, the nearest clip is whatever shares a word: "a person
limps" read a clip that trips and falls (0.593), "a child skips happily" a baby's crawl (0.407), "a tired
man trudges along" one that stands (0.483). So a generation also reads the caption's words
(`named`): the action the vocabulary's keywords find (`stickgen.core.vocab.infer_action`) and the pace
(`stickgen.model.pace.caption_pace`), and `narrow` keeps, of the clips nearest the caption:

- the clips of the named action within `ACTION_WINDOW` of the nearest clip, when there are any;
- every clip of the named action, nearest first, when the memory knows the caption poorly (its nearest
  clip lies under `KNOWN_SIM`): then the words are the better guide;
- of those, the clips described at the named pace of the nearest one's action within `PACE_WINDOW`;
- where the words name both sides ("waves with both hands", "punches with both fists": `named_side`), the
  clips of the action that lead with both (`stickgen.core.laterality.BOTH`) within `BOTH_WINDOW` of the
  nearest clip: "a person waves with both hands" lay nearer one-handed waves (0.898) than the memory's
  both-handed ones (0.844) and waved one hand in every seed 1-6.

A row that reads further than the nearest few clips (`reads_all`: a pace or both sides named, or an action
named in a caption the memory knows poorly) is given every clip the memory holds, sorted
(`MotionMemory.nearest`). The side named is also the side a generation leads with
(`stickgen.model.side_prior.SidePrior.choose`).
Training draws by the caption alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import torch

from stickgen.core.laterality import BOTH, NONE, caption_side
from stickgen.core.vocab import ACTION_INDEX, infer_action
from stickgen.model.pace import NORMAL, caption_pace

# a generation whose caption names an action draws among the clips of that action whose similarity to the
# caption is within this of the nearest clip's, when there are any (then within GENERATION_MARGIN of the
# nearest of them): on the embedded default's test captions, the share of drawn clips of the caption's own
# action 0.83 -> 0.89 (0.88 at 0.03, 0.93 at 0.08; docs/training.md, "A memory that knows its actions")
ACTION_WINDOW = 0.05
# under this similarity of its nearest clip, the memory knows a caption poorly and the action it names, if
# any, chooses among all the clips of that action: every caption of the embedded default's test split lies
# nearer (0.626 and up, 1% under 0.686); "a person limps" (0.593), "the actor bows to the audience" (0.582,
# nearest a talk), "a person waits for the bus" (0.471, nearest a stand-up) do not (docs/training.md,
# "Captions the memory knows poorly")
KNOWN_SIM = 0.6
# a generation whose caption names a pace draws among the clips described at that pace of its nearest
# clip's action whose similarity to the caption is within this of that clip's, when there are any: "a
# person runs slowly" is nearer a run's captions (0.799) than a slow run's (0.734). On the embedded default's
# 26 test captions that name a pace, the share of drawn clips of the test clip's own pace is 0.43 without,
# 0.55 at 0.1, 0.64 at 0.15, but at 0.15 "a man walks briskly" read a walk-then-clap chain (0.119 under the
# nearest walk) and R-precision fell by 0.003-0.006 (docs/training.md, "Pace words")
PACE_WINDOW = 0.1
# a generation whose caption names both sides draws among the clips of the action leading with both whose
# similarity to the caption is within this of the nearest clip's, when there are any ("a person waves with
# both hands": 0.054 under the nearest one-handed wave)
BOTH_WINDOW = 0.1
# words that name both sides of the body: "with both hands", "both arms", "two fists", "two-handed"
_BOTH_SIDES = re.compile(
    r"\b(?:both|two)\s+(?:of\s+(?:his|her|their|the)\s+)?(?:hands|arms|fists|feet|legs)\b|\btwo-handed\b",
    re.IGNORECASE,
)


def named_side(caption: str) -> int:
    """The side a caption names: LEFT or RIGHT (`stickgen.core.laterality.caption_side`), BOTH where it names
    both sides and neither alone ("waves with both hands"), else NONE."""
    side = caption_side(caption)
    return BOTH if side == NONE and _BOTH_SIDES.search(caption) else side


class Named(NamedTuple):
    """What each caption of a batch names in words, for its template's choice (`named`): `action` (B,)
    `stickgen.core.vocab.ACTION_INDEX` ids (0: none), `pace` (B,) `stickgen.model.pace` SLOW, NORMAL or
    FAST, and `side` (B,) `named_side` ids (None: none named)."""

    action: torch.Tensor
    pace: torch.Tensor
    side: torch.Tensor | None = None

    def sides(self) -> list[int]:
        """The side each row names (NONE where `side` is None)."""
        return [NONE] * len(self.action) if self.side is None else self.side.tolist()

    def reads_all(self, best: torch.Tensor) -> list[bool]:
        """Per row, whether its template may come from beyond the nearest few clips: it names a pace or both
        sides (their clips may lie further), or an action in a caption whose nearest clip's similarity
        `best` (B,) is under `KNOWN_SIM`."""
        unknown = best.cpu() < KNOWN_SIM
        rows = zip(self.action.tolist(), self.pace.tolist(), self.sides(), unknown, strict=True)
        return [p != NORMAL or s == BOTH or (a > 0 and bool(u)) for a, p, s, u in rows]


def named(captions: Sequence[str], device: torch.device | str | None = None) -> Named:
    """What each caption names (`Named`, for `MotionMemory.nearest`): its action
    (`stickgen.core.vocab.infer_action`'s keywords; 0: none), pace (`stickgen.model.pace.caption_pace`) and
    side (`named_side`)."""
    action = [ACTION_INDEX[infer_action([c])] for c in captions]
    pace = [caption_pace(c) for c in captions]
    side = [named_side(c) for c in captions]
    return Named(*(torch.tensor(v, dtype=torch.long, device=device) for v in (action, pace, side)))


def narrow(
    row: list[tuple[int, float]], named: tuple[int, int, int], clips: tuple[list[int], list[int], list[int]]
) -> list[tuple[int, float]]:
    """`MotionMemory.nearest`'s (clip, similarity) `row`, best first, narrowed to what a caption `named`
    (action, pace, side): the clips of the action (0: none; within `ACTION_WINDOW` of the nearest clip, or
    all of them where that lies under `KNOWN_SIM`), of both sides (`BOTH_WINDOW`) and of the pace; `clips`
    are the memory's clips' (`actions`, `paces`, `sides`)."""
    if not row:
        return row
    (action, pace, side), (acts, paces, sides) = named, clips
    window = ACTION_WINDOW if row[0][1] >= KNOWN_SIM else float("inf")
    near = [c for c in row if acts[c[0]] == action and c[1] >= row[0][1] - window]
    narrowed = near if action and near else row
    if side == BOTH:
        act, floor = acts[narrowed[0][0]], row[0][1] - BOTH_WINDOW
        both = [c for c in row if acts[c[0]] == act and sides[c[0]] == BOTH and c[1] >= floor]
        narrowed = both or narrowed
    if pace == NORMAL:
        return narrowed
    best, sim = narrowed[0]
    of_pace = [
        c for c in row if acts[c[0]] == acts[best] and paces[c[0]] == pace and c[1] >= sim - PACE_WINDOW
    ]
    return of_pace or narrowed
