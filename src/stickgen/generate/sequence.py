"""Sequence prompts: "a person waves, then sits down" made as a timeline of its parts.

    from stickgen.generate.sequence import generate_sequence
    m = generate_sequence(gen, "two people shake hands, then one waves goodbye", duration_s=6.0, seed=1)
    # None: the prompt names one motion (make it with gen.generate)

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
and a two-actor window of "one waves goodbye" walked the pair into each other; with several actors each
later part is made by all of them in one window, by the one it singles out, or by each from its own frames
(`part_mode`, `_in_turns`).

What is a connector: "then" after a space or a comma, semicolon or full stop; "afterwards", "after that",
"after which" and "finally" only after a comma, semicolon, full stop or "and" ("a person finally sits"
stays one motion); each may follow "and". Other words are not split on ("next" is usually "next to", a
"before" reverses the order). Parts keep their words as written; a part with no letter is dropped, and a
prompt with fewer than two parts is one motion as before. `--no-split` (`stickgen generate`) makes a
sequence prompt in one pass.

A part that says how many times it is done is that many parts when one part of its action makes one
(`REPEATABLE`: "someone jumps twice, then sits down" is jump, jump, sit down; in one pass it jumped once
in every seed). Of some actions a part as long as the length estimator says holds several (a kick): their
counted parts ("a man kicks three times", "kicks once") last `ONE_EVENT_S` each, in which one part makes
one, and a length asked for beyond theirs goes to the other parts, or to standing still after them.

A part that states its length ("walks for 3 seconds": `stickgen.generate.stated`) lasts it, its words
without it; a prompt of one such part is the generator's motion of its words for that long."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from stickgen.core.vocab import infer_action
from stickgen.generate.directed import continue_motion, generate_long, generate_timeline, window_timeline
from stickgen.generate.headcount import infer_num_actors, solo_caption
from stickgen.generate.motion import Motion, length_meta, motion_seed
from stickgen.generate.stated import stated_length
from stickgen.generate.timeline import MAX_SECONDS, Span, format_timeline
from stickgen.generate.together import (
    TRAVELLING,
    actor_count,
    closest,
    directed_together,
    together_placement,
)
from stickgen.generate.windows import Directing

if TYPE_CHECKING:
    from stickgen.generate.generator import InferenceGenerator

_WORDS = r"(?:then|afterwards|after\s+that|after\s+which|finally)"
# "then" after a space or a comma, semicolon or full stop; the others only after punctuation or "and"
_CONNECTOR = re.compile(
    rf"(?:\s*[,;.]\s*(?:and\s+)?|\s+and\s+){_WORDS}\b\s*,?\s*|(?:\s*[,;.]\s*|\s+)then\b\s*,?\s*", re.I
)
# a connector left at a part's start ("waits and then, after that, waves": "after that, waves")
_LEADING = re.compile(rf"^(?:(?:and\s+)?{_WORDS}\b[\s,]*)+", re.I)
_LETTER = re.compile(r"[^\W\d_]")
_AND = re.compile(r"\s*,?\s+and\s+", re.I)
# the shortest span a part gets: shorter parts (a short --seconds split many ways) make the prompt one motion
MIN_PART_S = 0.5
# a part that says how many times ("twice", "three times", "2 times"; not "twice as high"), up to five
_TIMES = {"once": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_REPEAT = re.compile(
    r"[\s,]*(?<!\bat\s)\b(?:(once|twice)|(two|three|four|five|[2-5])\s+times)\b(?!\s+(?:as|more|again)\b)",
    re.I,
)
# actions of which a part as long as the length estimator says holds several events, and a part this long
# (seconds) one: a counted one is made of that many parts this long ("a man kicks three times" kicked twice
# in every seed 1-6 at its 4.9 s, as did "kicks once"; on the format 15 small/sft a kick part of 1.5 or 2 s
# kicks once in every seed, of 2.5 s twice in 8 of 12; as three 2-s parts, three kicks in every seed).
# Punches need none: "punches three times" throws three in one part, "punches twice" two
ONE_EVENT_S = {"kick": 2.0}
# actions of which one part makes one (measured on the format 15 small/sft, seeds 1-6: "someone jumps" one
# jump, "someone bows" one bow in 4 of 6): "jumps twice" is two parts; and those of `ONE_EVENT_S`. Counts
# of the others are left to the model and its memory ("jumps twice" in one part: one jump in every seed)
REPEATABLE = frozenset({"jump", "bow", *ONE_EVENT_S})


class Part(NamedTuple):
    """A part of a sequence prompt: its words and the length it lasts, for a part that states one ("for 3
    seconds") or a counted part of an `ONE_EVENT_S` action (None: the length estimator's)."""

    text: str
    length_s: float | None = None
    stated: bool = False  # the length is the one its words state (`stickgen.generate.stated`)


def sequence_parts(prompt: str) -> list[Part]:
    """The parts of a prompt that names motions one after another, in order, a counted part as that many
    (`repeated`); `[Part(prompt)]` (stripped) when it names one motion of its own length."""
    texts = [_LEADING.sub("", p.strip(" \t\n,;.")).strip(" \t\n,;.") for p in _CONNECTOR.split(prompt)]
    parts = [q for p in texts if _LETTER.search(p) for q in stated_parts(p)]
    return parts if len(parts) >= 2 or any(p.length_s for p in parts) else [Part(prompt.strip())]


def stated_parts(part: str) -> list[Part]:
    """`repeated(part)`, of the length its words state shared among the repeats ("jumps twice for 4 seconds":
    two jumps of 2 s), the stated length's words taken out (`stickgen.generate.stated`). Pieces joined by
    "and" that each state a length are parts of their own ("walks for 3 seconds and waves for 2 seconds")."""
    pieces = _AND.split(part)
    if len(pieces) > 1 and all(stated_length(p)[1] is not None for p in pieces):
        return [q for p in pieces for q in stated_parts(p)]
    words, seconds = stated_length(part)
    if seconds is None or not _LETTER.search(words):
        return repeated(part)
    parts = repeated(words)
    return [Part(p.text, seconds / len(parts), True) for p in parts]


def split_sequence(prompt: str) -> list[str]:
    """The words of `sequence_parts`."""
    return [p.text for p in sequence_parts(prompt)]


def repeated(part: str) -> list[Part]:
    """A part that says how many times it is done ("someone jumps twice") as that many parts without the
    count, when its action is `REPEATABLE` and no other action follows the count ("jumps twice and waves"
    stays one part: the wave is not done twice), each lasting its action's `ONE_EVENT_S` if it has one;
    else `[Part(part)]`."""
    found = _REPEAT.search(part)
    action = infer_action([part])
    if found is None or action not in REPEATABLE or infer_action([part[found.end() :]]) != "unknown":
        return [Part(part)]
    once = (part[: found.start()] + part[found.end() :]).strip(" \t\n,;.")
    return [Part(once, ONE_EVENT_S.get(action))] * _TIMES[(found.group(1) or found.group(2)).lower()]


def within_bounds(parts: list[Part], duration_of: Callable[[str], float]) -> list[Part]:
    """`parts` with their own lengths within what a motion may last: a part stated shorter than MIN_PART_S
    lasts MIN_PART_S, and where the parts would last longer than MAX_SECONDS together, the longest are cut to
    one length at which they fit, the others keeping theirs ("walks for 10 hours, then sits down": a walk of
    596.6 s and the sit-down's own 3.4 s; scaled alike, the sit-down lasted 2 ms and the prompt was made as
    one motion of 4.9 s)."""
    own = [max(float(p.length_s or duration_of(p.text)), MIN_PART_S) for p in parts]
    cap, left = math.inf, MAX_SECONDS
    for k, d in enumerate(sorted(own)):  # the shortest keep theirs while the rest can share what is left
        if d * (len(own) - k) > left:
            cap = left / (len(own) - k)
            break
        left -= d
    lengths = [min(d, cap) for d in own]
    return [
        p if d == p.length_s or (not p.length_s and d == duration_of(p.text)) else p._replace(length_s=d)
        for p, d in zip(parts, lengths, strict=True)
    ]


def sequence_spans(
    parts: Sequence[Part | str], duration_s: float | None, duration_of: Callable[[str], float]
) -> list[Span] | None:
    """Back-to-back spans of `parts` from 0 s: each lasts its own `length_s`, else `duration_of(text)`
    seconds (the length estimator's). Given `duration_s`, the parts without a length of their own are
    scaled to fill what the others leave; when every part has one, a part standing still (`WAITING`) fills
    it; when that is shorter than MIN_PART_S (or the parts' own lengths are too long), all are scaled to
    `duration_s`. None when there is a single part of the estimator's length, or a span would be shorter
    than MIN_PART_S (the prompt is then made as one motion)."""
    parts = [p if isinstance(p, Part) else Part(p) for p in parts]
    if not parts or (len(parts) < 2 and parts[0].length_s is None):
        return None
    own = [float(p.length_s or duration_of(p.text)) for p in parts]
    if min(own) <= 0:
        raise ValueError(f"a part's duration must be positive, got {own}")
    lengths = own
    if duration_s is not None:
        free = [d for d, p in zip(own, parts, strict=True) if not p.length_s]
        room = float(duration_s) - (sum(own) - sum(free))  # what the parts of their own length leave
        if room >= MIN_PART_S and not free:
            parts, lengths = [*parts, Part(WAITING)], [*own, room]
        elif room >= MIN_PART_S and min(free) * room / sum(free) >= MIN_PART_S:
            lengths = [d if p.length_s else d * room / sum(free) for d, p in zip(own, parts, strict=True)]
        else:
            lengths = [d * float(duration_s) / sum(own) for d in own]
    if min(lengths) < MIN_PART_S:
        return None
    edges = [0.0]
    for d in lengths:
        edges.append(edges[-1] + d)
    if duration_s is not None:
        edges[-1] = float(duration_s)  # exactly the length asked for, whatever the rounding
    return [
        Span(round(a, 6), round(b, 6), p.text) for a, b, p in zip(edges[:-1], edges[1:], parts, strict=True)
    ]


def generate_sequence(
    gen: InferenceGenerator,
    prompt: str,
    duration_s: float | None = None,
    num_actors: int | None = None,
    seed: int | None = None,
    style: str | None = None,
    directing: Directing | None = None,
    max_parts: int | None = None,
) -> Motion | None:
    """The motion of a prompt that names motions one after another ("a person waves, then sits down"), made
    as the timeline of its parts (`sequence_parts`, `sequence_spans`), each part lasting what the length
    estimator predicts for it, or its own length (one its words state, "walks for 8 seconds"; a counted
    kick), fitted to `duration_s` when given. A prompt of one part of its own length is the generator's
    motion of its words for that long (in windows beyond the model's: `directed.generate_long`). With several
    actors, a later part is made the way `part_mode` says: by all of them in one window, by the first alone
    (the others `WAITING`), or by each from its own frames (`_in_turns`). Parts of their own lengths that
    last longer than a timeline may (`MAX_SECONDS`, 600 s) are fitted to it (`meta["length"]["asked_s"]`
    says how long they asked). None, to be made in one pass (`gen.generate`), when the prompt names one
    motion of no length of its own, parts of the estimator's lengths alone would last longer, a part would
    be shorter than MIN_PART_S, the first part asks for fewer actors than the motion has (there is no place
    to start the others from), or there are more than `max_parts` parts (a server's bound on the windows one
    request costs)."""
    parts = sequence_parts(prompt)
    if (len(parts) < 2 and parts[0].length_s is None) or (max_parts is not None and len(parts) > max_parts):
        return None
    emb, lengths = _part_lengths(gen, parts)
    spans = sequence_spans(parts, duration_s, lambda t: lengths[t][0])
    asked = None
    if duration_s is None and any(p.length_s for p in parts):  # none of its own, too long: one pass
        bounded = within_bounds(parts, lambda t: lengths[t][0])
        if bounded != parts:
            asked = sum(float(p.length_s or lengths[p.text][0]) for p in parts)
            spans = sequence_spans(bounded, None, lambda t: lengths[t][0])
    elif spans is not None and spans[-1].end_s > MAX_SECONDS:
        spans = None
    if spans is None:
        return None
    texts = [s.text for s in spans]  # with the part standing still after counted ones, if there is one
    if len(spans) == 1:  # one part of its own length
        motion = _one_part(gen, spans[0], num_actors, seed, style, directing or Directing())
        modes = [ALL]
    else:
        actors = actor_count(gen, texts, num_actors)
        if infer_num_actors(texts[0], gen.max_actors) < actors:
            return None
        emb |= {t: gen.encode(t) for t in texts if t not in emb}
        modes = span_modes(gen, texts, actors, emb)
        if all(m == ALL for m in modes):
            motion = window_timeline(gen, spans, actors, seed, style, directing or Directing())
        else:
            motion = _in_turns(gen, spans, modes, actors, seed, style, directing or Directing())
    motion.meta["sequence"] = {"prompt": prompt, "parts": texts, "modes": modes}
    motion.meta["length"] = sequence_length(parts, lengths, spans, duration_s)
    if asked is not None:
        motion.meta["length"]["asked_s"] = round(asked, 4)
    return motion


def _part_lengths(gen: InferenceGenerator, parts: list[Part]) -> tuple[dict, dict]:
    """({text: (1, D) embedding}, {text: `InferenceGenerator.duration_for` of it}) of the parts' texts."""
    emb = {t: gen.encode(t) for t in dict.fromkeys(p.text for p in parts)}
    return emb, {t: gen.duration_for(e.cpu().numpy(), None) for t, e in emb.items()}


def prompt_duration_s(gen: InferenceGenerator, prompt: str) -> float:
    """How long the motion of `prompt` lasts when no length is asked for: its parts' own lengths (stated,
    counted) and the length estimator's for the rest (`sequence_spans`), as `generate_sequence` makes them,
    or the estimator's length of the whole prompt where it is one motion of no length of its own."""
    parts = sequence_parts(prompt)
    _, lengths = _part_lengths(gen, parts)
    spans = sequence_spans(parts, None, lambda t: lengths[t][0])
    return spans[-1].end_s if spans else lengths[parts[0].text][0]


def _one_part(
    gen: InferenceGenerator,
    span: Span,
    num_actors: int | None,
    seed: int | None,
    style: str | None,
    directing: Directing,
) -> Motion:
    """The generator's motion of one part's words, as long as its span (in windows beyond the model's)."""
    if round(span.end_s * gen.fps) <= gen.model.cfg.max_frames:
        return gen.generate(span.text, span.end_s, num_actors=num_actors, seed=seed, style=style)
    return generate_long(gen, span.text, span.end_s, num_actors, seed, style=style, directing=directing)


def sequence_length(parts: list[Part], lengths: dict, spans: list[Span], duration_s: float | None) -> dict:
    """`meta["length"]` of a sequence: given (`duration_s`), stated (every part of its own length, one its
    words state), counted (of counted parts alone), else predicted when the estimator gave any part's length
    (`lengths`: `InferenceGenerator.duration_for` of each part's words), else the default's."""
    if duration_s is not None:
        return length_meta("given")
    if all(p.length_s for p in parts):
        return length_meta("stated" if any(p.stated for p in parts) else "counted")
    estimated = {p.text for p in parts if not p.length_s}
    predicted = [m for t, (_, m) in lengths.items() if t in estimated and m["source"] == "predicted"]
    return {
        "source": "predicted" if predicted else "default",
        "predicted_s": round(spans[-1].end_s, 4) if predicted else None,
        "estimator": predicted[0]["estimator"] if predicted else None,
    }


# how a later part of a sequence of several actors is made
ALL, FIRST, EACH = "all", "first", "each"
# a part that singles one actor out: its first words
_ONE_OF = re.compile(
    r"^(?:and\s+)?(?:one(?:\s+of\s+them)?|the\s+other(?:\s+one)?|the\s+(?:first|second)(?:\s+one)?|"
    r"(?:he|she|someone|somebody)\b|(?:a|the)\s+(?:person|man|woman|figure|character|boy|girl|child|kid))\b",
    re.I,
)
# a part is made by all the actors in one window when the memory's nearest clip of that many actors is at
# least this near to its caption, less the nearest one-actor clip's cosine similarity (small/pretrain's:
# "talk" +0.01, "they walk away together" +0.02, "shake hands" +0.25 against "bow to each other" -0.11,
# "the other one jumps" -0.14, "one waves goodbye" -0.30, "sit down" -0.45)
JOINT_MARGIN = 0.05
# what the other actors do while one of them does a part meant for one ("..., then one waves goodbye"), and
# what a motion does after its counted parts in the rest of a length asked for (`sequence_spans`): the
# idle action, and a caption the motion memory does not read as standing up ("a person stands still" read
# "stands up from a seat" as well as an idle clip: the waiting actor sat down on nothing in one draw of two)
WAITING = "a person stands in place, waiting"
WAITING_ACTION = "idle"


def span_modes(gen: InferenceGenerator, texts: list[str], actors: int, emb: dict | None = None) -> list[str]:
    """How each part (`texts`, in order) of a motion of `actors` actors is made: the first by all of them in
    one window (ALL), or actor by actor when it is several people doing what one does (EACH:
    `stickgen.generate.together`, "two people walk side by side, then ..."); each later one as `part_mode`
    says. `emb`: the texts' caption embeddings (1, D) when already encoded."""
    emb = emb if emb is not None else {t: gen.encode(t) for t in dict.fromkeys(texts[1:])}
    first = EACH if together_placement(texts[0], actors) else ALL
    return [first] + [part_mode(gen, t, emb[t], actors) for t in texts[1:]]


def timeline_in_turns(
    gen: InferenceGenerator,
    spans: list[Span],
    actors: int,
    seed: int | None,
    style: str | None,
    directing: Directing,
) -> Motion | None:
    """`directed.generate_timeline`'s motion of several actors when some span is made actor by actor: every
    span several people doing what one does, each actor's own timeline, placed
    (`together.directed_together`); else as a sequence prompt's parts are (`span_modes`, `_in_turns`: "0-3:
    two people shake hands; 3-5: two people wave goodbye"), recording each span's mode. None when every
    span is made by all in one window (`directed.window_timeline`)."""
    if actors < 2:
        return None
    if None not in (placements := [together_placement(s.text, actors) for s in spans]):
        # each made alone, from what each span says of one of them
        solo = [replace(s, text=solo_caption(s.text)) for s in spans]
        one = partial(generate_timeline, gen, solo, 1, style=style, directing=directing)
        return directed_together(
            gen, one, actors, placements[0], seed, style, directing, "timeline", prompt=format_timeline(spans)
        )
    modes = span_modes(gen, [s.text for s in spans], actors)
    if all(m == ALL for m in modes):
        return None
    return _in_turns(gen, spans, modes, actors, seed, style, directing, kind="timeline")


def part_mode(gen: InferenceGenerator, part: str, emb: torch.Tensor, actors: int) -> str:
    """How a later part (text `part`, caption embedding `emb` (1, D)) of a sequence of `actors` actors is
    made: FIRST when its first words single one
    out ("one waves goodbye", "the other one jumps", "someone ..."), EACH when it is several people doing
    in place what one does ("two people jump", "wave goodbye": `together.together_placement`, the action not
    `together.TRAVELLING`; the memory's margin reads a text that starts "two people ..." as a pair's), else
    ALL when the model knows it for
    that many actors (its motion memory holds a clip of `actors` actors nearly as near to the part's caption
    as the nearest one-actor clip, JOINT_MARGIN: a two-actor window of a solo action reads an interaction,
    and "one waves goodbye" for two walked the pair into each other), else EACH (every actor does it from
    its own frames: "then sit down"). One actor: ALL."""
    if actors == 1:
        return ALL
    if _ONE_OF.match(part.strip()):
        return FIRST
    if together_placement(part, actors) is not None and infer_action([part]) not in TRAVELLING:
        return EACH
    memory = gen.model.transformer.memory
    if len(memory) == 0:
        return ALL if infer_num_actors(part, gen.max_actors) >= actors else EACH
    query = torch.nn.functional.normalize(emb.float(), dim=-1)[0].to(memory.keys.device)
    sim = memory.keys.float() @ query  # cosine similarities: the memory's keys are unit vectors
    best = {
        n: float(sim[memory.actors == n].max()) if bool((memory.actors == n).any()) else -1.0
        for n in (1, actors)
    }
    return ALL if best[actors] >= best[1] - JOINT_MARGIN else EACH


def _in_turns(
    gen: InferenceGenerator,
    spans: list[Span],
    modes: list[str],
    actors: int,
    seed: int | None,
    style: str | None,
    directing: Directing,
    kind: str = "sequence",
) -> Motion:
    """A sequence's (or a timeline's, `kind`) motion when some part is made actor by actor: the spans before
    the first such one as one timeline, then each span continued from the motion so far
    (`continue_motion`), in one window (ALL) or actor by actor (`_apart`)."""
    from stickgen.generate.generator import safety_summary

    seed = motion_seed(seed)
    t0 = time.perf_counter()
    # the spans before the first made actor by actor, in windows of all the actors; a first part of several
    # people doing what one does is that timeline alone, made actor by actor and placed (`generate_timeline`)
    first = next(i for i, m in enumerate(modes) if m != ALL) or 1
    timeline = generate_timeline if modes[0] == EACH else window_timeline
    motion = timeline(gen, spans[:first], actors, seed, style, directing)
    together = {"together": motion.meta["together"]} if "together" in motion.meta else {}
    made = [{**r, "actors": modes[0] if first == 1 else ALL, **together} for r in motion.meta["timeline"]]
    for i in range(first, len(spans)):
        span, before = spans[i], motion.frames
        record = {"start_s": span.start_s, "end_s": span.end_s, "text": span.text, "actors": modes[i]}
        if modes[i] == ALL:
            motion = continue_motion(
                gen, motion, span.text, span.duration_s, seed + i, None, style, directing
            )
        else:
            each = solo_caption(span.text)  # made alone: one of them, in words
            texts = [each] + [each if modes[i] == EACH else WAITING] * (actors - 1)
            motion, draw, gap = _apart(gen, motion, span.duration_s, texts, seed + i, style, directing)
            record |= {"texts": texts, "draw": draw, "closest_m": round(gap, 4)}
        made.append({**record, "frames": [before, motion.frames]})
    # each part was checked as it was made; the actors side by side are checked once more, not regenerated
    verdict = safety_summary(gen.check_motion_safety(motion)) if gen.enable_safety_check else None
    motion.prompt = format_timeline(spans)
    history = [] if verdict is None else [{"seed": seed, **verdict}]
    outcome = (verdict, history, t0)
    motion.meta = gen.directed_meta(motion, kind, seed, actors, style, directing, outcome, timeline=made)
    return motion


# actors made apart must not walk into each other: their pelvises stay this far apart on the floor (a
# handshake's pair stands 0.45-0.7 m apart, a hugging one 0.25-0.35 m: neither is made apart)
APART_M = 0.35


def _apart(
    gen: InferenceGenerator,
    motion: Motion,
    duration_s: float,
    texts: list[str],
    seed: int,
    style: str | None,
    directing: Directing,
) -> tuple[Motion, int, float]:
    """`motion` continued for `duration_s` actor by actor, actor a from its own frames with `texts[a]` (noise
    `seed` + 101 a, so that actors doing the same do not move in step; a `WAITING` one held where it
    stands, `continue_motion`'s `in_place`). Actors made apart do not see each
    other, so a draw in which two pelvises come within APART_M on the floor in the new frames is made again
    with the next seed (as many times as the safety check regenerates), the farthest apart kept: (the
    motion, the draw kept (0: `seed`'s), its closest pelvis distance in metres)."""
    best, best_draw, best_gap = motion, 0, -1.0
    for k in range(1 + gen.max_regenerations):
        each = [
            continue_motion(
                gen,
                Motion(motion.joints[:, a : a + 1], motion.fps),
                text,
                duration_s,
                seed + k + 101 * a,
                WAITING_ACTION if text == WAITING else None,
                style,
                directing,
                in_place=text == WAITING,
            )
            for a, text in enumerate(texts)
        ]
        joints = np.concatenate([m.joints for m in each], axis=1)
        gap = closest(joints[motion.frames :])  # in the new frames
        if gap > best_gap:
            best, best_draw, best_gap = Motion(joints, gen.fps, "", each[0].meta), k, gap
        if gap >= APART_M:
            break
    return best, best_draw, best_gap
