"""Pace: how fast a caption asks a motion to be, in words.

"a person walks quickly" and "a person walks" read the same clips of the motion memory: the sentence
encoder puts "walks quickly" nearer the captions of a walk at a normal pace (0.822) than those of a fast
one ("a fearful human walks ahead quickly": 0.734), and "a person runs slowly" nearer a run's (0.799) than
a slow run's (0.734; the embedded default's memory). A caption's pace words are therefore read as words
(`caption_pace`); the memory records the pace its clips' captions name (`clip_pace`, a vote), and a
generation whose caption names a pace draws its template among the clips described at that pace
(`stickgen.model.named`, `PACE_WINDOW`).

SLOW: slowly, slow, leisurely, unhurriedly, gently, gentle, carefully, "in slow motion"; the slow walks
stroll, amble, saunter, the slow runs jog. FAST: quickly, quick, fast, faster, briskly, brisk, rapidly,
swiftly, speedily, hurriedly, "in a hurry", hurries. A pace word up to two words after "not", "never" or
"...n't" ("not too fast", "doesn't walk slowly") and a caption with words of both paces ("runs slowly as
fast as possible") ask for neither. Whole words, any case ("breakfast" is not fast). docs/vocabulary.md
lists the words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SLOW, NORMAL, FAST = -1, 0, 1

_SLOW_WORDS = frozenset(
    "slowly slow slower leisurely unhurriedly unhurried gently gentle carefully stroll strolls strolled"
    " strolling amble ambles ambled ambling saunter saunters sauntered sauntering"
    " jog jogs jogged jogging".split()
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


def clip_pace(captions: Sequence[str]) -> int:
    """The pace a clip's captions name: the one more of them name than name the other (SLOW or FAST),
    else NORMAL."""
    votes = sum(caption_pace(c) for c in captions)
    return (votes > 0) - (votes < 0)
