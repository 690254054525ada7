"""Sequence prompts: "a person waves, then sits down" made as a timeline of its parts.

A prompt that names motions one after another ("X, then Y", "X and then Y", "X; afterwards Y", "X, after
that Y", "X, and finally Y") is split into its parts (`split_sequence`), each part gets a span of the
motion (`sequence_spans`: the length estimator's duration of each part, scaled to the requested length
when one is given) and the motion is made through the spans as a timeline
(`stickgen.generate.directed.generate_timeline`: each span's window conditioned on its own text, the next
one continuing its last frames).

Why: the model reads one caption and one template per clip, and a chained caption reads whatever chain its
caption lies nearest. On the embedded default's small/pretrain (model format 12), "a person waves, then
sits down" in one pass (seed 1, 6 s) moved 0.51 m and neither waved nor sat (the behaviour suite's wave
and sit-down checks fail); as the timeline of its two parts the wave check passes on the first and the
pelvis then drops 0.49 m (the sit-down check passes). The synthetic set has no chain and no one-sided
motion of two actors: "two people shake hands, then one waves goodbye" in one pass shook hands and stood,
and a two-actor window of "one waves goodbye" walked the pair into each other; its second part is made
actor by actor (`directed.generate_sequence`).

What is a connector: "then" after a space or a comma, semicolon or full stop; "afterwards", "after that",
"after which" and "finally" only after a comma, semicolon, full stop or "and" ("a person finally sits"
stays one motion); each may follow "and". Other words are not split on ("next" is usually "next to", a
"before" reverses the order). Parts keep their words as written; a part with no letter is dropped, and a
prompt with fewer than two parts is one motion as before. `--no-split` (`stickgen generate`) makes a
sequence prompt in one pass."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from stickgen.generate.timeline import Span

_CONNECTOR = re.compile(
    r"(?:\s*[,;.]\s*(?:and\s+)?|\s+and\s+)(?:then|afterwards|after\s+that|after\s+which|finally)\b\s*,?\s*"
    r"|(?:\s*[,;.]\s*|\s+)then\b\s*,?\s*",
    re.IGNORECASE,
)
# a connector left at a part's start ("waits and then, after that, waves": "after that, waves")
_LEADING = re.compile(
    r"^(?:(?:and\s+)?(?:then|afterwards|after\s+that|after\s+which|finally)\b[\s,]*)+", re.I
)
_LETTER = re.compile(r"[^\W\d_]")
# the shortest span a part gets: shorter parts (a short --seconds split many ways) make the prompt one motion
MIN_PART_S = 0.5


def split_sequence(prompt: str) -> list[str]:
    """The parts of a prompt that names motions one after another, in order; `[prompt]` (stripped) when it
    names one."""
    parts = [_LEADING.sub("", p.strip(" \t\n,;.")).strip(" \t\n,;.") for p in _CONNECTOR.split(prompt)]
    parts = [p for p in parts if _LETTER.search(p)]
    return parts if len(parts) >= 2 else [prompt.strip()]


def sequence_spans(
    parts: Sequence[str], duration_s: float | None, duration_of: Callable[[str], float]
) -> list[Span] | None:
    """Back-to-back spans of `parts` from 0 s: each lasts `duration_of(part)` seconds (the length
    estimator's), all scaled to `duration_s` when given. None when a span would be shorter than
    MIN_PART_S (the prompt is then made as one motion)."""
    if len(parts) < 2:
        return None
    own = [float(duration_of(p)) for p in parts]
    if min(own) <= 0:
        raise ValueError(f"a part's duration must be positive, got {own}")
    scale = 1.0 if duration_s is None else float(duration_s) / sum(own)
    lengths = [d * scale for d in own]
    if min(lengths) < MIN_PART_S:
        return None
    edges = [0.0]
    for d in lengths:
        edges.append(edges[-1] + d)
    if duration_s is not None:
        edges[-1] = float(duration_s)  # exactly the length asked for, whatever the rounding
    return [Span(round(a, 6), round(b, 6), p) for a, b, p in zip(edges[:-1], edges[1:], parts, strict=True)]
