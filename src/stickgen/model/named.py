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
- of those, the clips described at the named pace of the nearest one's action within `PACE_WINDOW`.

A row that reads further than the nearest few clips (`reads_all`: a pace named, or an action named in a
caption the memory knows poorly) is given every clip the memory holds, sorted (`MotionMemory.nearest`).
Training draws by the caption alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

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


class Named(NamedTuple):
    """What each caption of a batch names in words, for its template's choice (`named`): `action` (B,)
    `stickgen.core.vocab.ACTION_INDEX` ids (0: none) and `pace` (B,) `stickgen.model.pace` SLOW, NORMAL or
    FAST."""

    action: torch.Tensor
    pace: torch.Tensor

    def reads_all(self, best: torch.Tensor) -> list[bool]:
        """Per row, whether its template may come from beyond the nearest few clips: it names a pace (the
        clips of a pace lie further), or an action in a caption whose nearest clip's similarity `best`
        (B,) is under `KNOWN_SIM`."""
        unknown = best.cpu() < KNOWN_SIM
        return [
            p != NORMAL or (a > 0 and bool(u))
            for a, p, u in zip(self.action.tolist(), self.pace.tolist(), unknown, strict=True)
        ]


def named(captions: Sequence[str], device: torch.device | str | None = None) -> Named:
    """What each caption names (`Named`, for `MotionMemory.nearest`): its action
    (`stickgen.core.vocab.infer_action`'s keywords; 0: none) and pace (`stickgen.model.pace.caption_pace`)."""
    action = [ACTION_INDEX[infer_action([c])] for c in captions]
    pace = [caption_pace(c) for c in captions]
    return Named(
        torch.tensor(action, dtype=torch.long, device=device),
        torch.tensor(pace, dtype=torch.long, device=device),
    )


def narrow(
    row: list[tuple[int, float]], action: int, pace: int, acts: list[int], paces: list[int]
) -> list[tuple[int, float]]:
    """`MotionMemory.nearest`'s (clip, similarity) `row`, best first, narrowed to the clips of the named
    `action` (0: none; within `ACTION_WINDOW` of the nearest clip, or all of them where that lies under
    `KNOWN_SIM`) and `pace`; `acts` and `paces` are the memory's clips' (`actions`, `paces`)."""
    if not row:
        return row
    window = ACTION_WINDOW if row[0][1] >= KNOWN_SIM else float("inf")
    near = [c for c in row if acts[c[0]] == action and c[1] >= row[0][1] - window]
    narrowed = near if action and near else row
    if pace == NORMAL:
        return narrowed
    best, sim = narrowed[0]
    of_pace = [
        c for c in row if acts[c[0]] == acts[best] and paces[c[0]] == pace and c[1] >= sim - PACE_WINDOW
    ]
    return of_pace or narrowed
