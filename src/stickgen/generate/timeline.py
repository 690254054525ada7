"""Timelines: what happens when, as spans of seconds with a text each, parsed and checked.

    spans = parse_timeline("0-3: a person walks forward; 3-5: jumps over a puddle; 5-9: waves to a friend")
    spans = read_timeline_file(Path("spans.json"))   # [{"start": 0, "end": 3, "text": "..."}, ...]
    frames = span_frames(spans, fps=20.0)             # [(0, 60), (60, 100), (100, 180)]

A timeline starts at 0 and its spans follow each other without gaps or overlaps; each is at least one
frame long and the whole at most `MAX_SECONDS`. Every problem is a `ValueError` of one line that names the
span and the values. Nothing here imports numpy or torch (the CLI checks a timeline before loading).
`stickgen.generate.directed` generates the motion.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

MAX_SECONDS = 600.0  # the longest directed motion (timeline or --seconds): 10 minutes
MAX_SPANS = 1000
# a span that starts this close to where the one before ends starts there (spans built in code, 1/3 then
# 0.3333333333 or 0.1 + 0.2 then 0.3, were refused as a gap or an overlap; frames are 50 ms apart)
JOIN_TOLERANCE_S = 1e-6
MAX_FILE_BYTES = 2**20
SPAN_KEYS = ("start", "end", "text")
_SPAN = re.compile(
    r"^\s*(?P<start>[0-9.eE+-]+?)\s*s?\s*(?:-|–|\.\.)\s*(?P<end>[0-9.eE+-]+?)\s*s?\s*:(?P<text>.*)$"
)
EXAMPLE = '"0-3: a person walks forward; 3-5: jumps over a puddle"'


@dataclass(frozen=True)
class Span:
    """One action of a timeline: `text` from `start_s` to `end_s` seconds."""

    start_s: float
    end_s: float
    text: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def label(self) -> str:
        return f"{self.start_s:g}-{self.end_s:g}: {self.text}"


def parse_timeline(text: str, max_seconds: float = MAX_SECONDS) -> list[Span]:
    """`"START-END: text; START-END: text"` (seconds; `;` or new lines between spans) -> checked spans."""
    if not isinstance(text, str):
        raise ValueError(f"timeline must be a string, got {type(text).__name__}")
    items = [s for s in re.split(r"[;\n]", text) if s.strip()]
    if not items:
        raise ValueError(f"timeline is empty: give spans such as {EXAMPLE}")
    spans = []
    for i, item in enumerate(items, 1):
        m = _SPAN.match(item)
        if m is None:
            raise ValueError(
                f"timeline span {i} {item.strip()!r}: expected 'START-END: text' in seconds, e.g. {EXAMPLE}"
            )
        start, end = _seconds(m["start"], i, "start"), _seconds(m["end"], i, "end")
        spans.append(Span(start, end, m["text"].strip()))
    return check_timeline(spans, max_seconds)


def timeline_from_json(doc: Any, where: str = "timeline", max_seconds: float = MAX_SECONDS) -> list[Span]:
    """A JSON list of `{"start": s, "end": s, "text": "..."}` objects -> checked spans."""
    if not isinstance(doc, list) or not doc:
        raise ValueError(f"{where}: expected a non-empty JSON list of {{start, end, text}} objects")
    spans = []
    for i, item in enumerate(doc, 1):
        if not isinstance(item, dict):
            raise ValueError(f"{where}: span {i} is not an object with start, end and text")
        unknown, missing = sorted(set(item) - set(SPAN_KEYS)), [k for k in SPAN_KEYS if k not in item]
        if unknown or missing:
            what = f"unknown keys {unknown}" if unknown else f"missing {missing}"
            raise ValueError(f"{where}: span {i}: {what}; a span holds {', '.join(SPAN_KEYS)}")
        for key in ("start", "end"):
            v = item[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{where}: span {i}: {key} must be a finite number of seconds, got {v!r}")
        if not isinstance(item["text"], str):
            raise ValueError(f"{where}: span {i}: text must be a string, got {item['text']!r}")
        spans.append(Span(float(item["start"]), float(item["end"]), item["text"].strip()))
    return check_timeline(spans, max_seconds, where)


def read_timeline_file(path: Path, max_seconds: float = MAX_SECONDS) -> list[Span]:
    """The spans of a JSON file (`timeline_from_json`)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"timeline file not found: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES // 2**10} KiB")
    try:  # ValueError: not UTF-8, not JSON, thousands of digits; RecursionError: nested deep
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{path}: not a JSON file ({str(exc)[:200]})") from None
    return timeline_from_json(doc, str(path), max_seconds)


def check_timeline(
    spans: list[Span], max_seconds: float = MAX_SECONDS, where: str = "timeline"
) -> list[Span]:
    """The spans when they start at 0 and follow each other (each started where the one before ends when
    within `JOIN_TOLERANCE_S` of it); else a `ValueError` naming the span."""
    if not spans:
        raise ValueError(f"{where} has no spans")
    if len(spans) > MAX_SPANS:
        raise ValueError(f"{where} has {len(spans)} spans; the limit is {MAX_SPANS}")
    for i, s in enumerate(spans, 1):
        name = f"{where} span {i} ({s.start_s:g}-{s.end_s:g})"
        if s.start_s < 0:
            raise ValueError(f"{name}: starts before 0")
        if s.end_s < s.start_s:
            raise ValueError(f"{name}: reversed, it ends before it starts")
        if s.end_s == s.start_s:
            raise ValueError(f"{name}: empty, it ends where it starts")
        if not s.text:
            raise ValueError(
                f"{name}: no text; say what happens, e.g. '{s.start_s:g}-{s.end_s:g}: a person waves'"
            )
        if s.duration_s > max_seconds:
            raise ValueError(f"{name}: too long, {s.duration_s:g} s; the limit is {max_seconds:g} s")
        if i == 1 and s.start_s != 0:
            raise ValueError(f"{name}: a timeline starts at 0; the first span starts at {s.start_s:g}")
        if i > 1:
            before = spans[i - 2]
            if abs(s.start_s - before.end_s) <= JOIN_TOLERANCE_S:
                continue
            if s.start_s > before.end_s:
                raise ValueError(
                    f"{name}: gap after span {i - 1}, which ends at {before.end_s:g}; start it there"
                )
            if s.start_s < before.end_s:
                raise ValueError(f"{name}: overlaps span {i - 1}, which ends at {before.end_s:g}")
    if spans[-1].end_s > max_seconds:
        raise ValueError(f"{where} is {spans[-1].end_s:g} s long; the limit is {max_seconds:g} s")
    return [spans[0], *(replace(s, start_s=b.end_s) for b, s in zip(spans, spans[1:], strict=False))]


def span_frames(spans: list[Span], fps: float) -> list[tuple[int, int]]:
    """Each span's frames [first, end) at `fps` (edges rounded to the nearest frame; they tile the motion)."""
    edges = [round(spans[0].start_s * fps)] + [round(s.end_s * fps) for s in spans]
    for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False), 1):
        if b <= a:
            s = spans[i - 1]
            raise ValueError(
                f"timeline span {i} ({s.start_s:g}-{s.end_s:g}): shorter than a frame at {fps:g} fps"
            )
    if edges[-1] < 2:
        raise ValueError(f"the timeline is {spans[-1].end_s:g} s, under two frames at {fps:g} fps")
    return list(zip(edges, edges[1:], strict=False))


def format_timeline(spans: list[Span]) -> str:
    """The timeline as one string `parse_timeline` reads back."""
    return "; ".join(s.label() for s in spans)


def _seconds(raw: str, i: int, key: str) -> float:
    try:
        v = float(raw)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise ValueError(f"timeline span {i}: {key} {raw!r} is not a number of seconds")
    return v


# ---------------------------------------------------------------------------------------------
# The other directed inputs of the command line: kept time ranges (--keep) and floor paths (--path).

MAX_PATH_POINTS = 1000
MAX_PATH_M = 1000.0  # a path point's largest |x| or |z|


def parse_ranges(text: str, seconds: float, flag: str = "--keep") -> list[tuple[float, float]]:
    """Time ranges "A-B, C-D" (seconds; `,` or `;` between them) inside a motion of `seconds`, in order."""
    out: list[tuple[float, float]] = []
    for i, part in enumerate((p for p in re.split(r"[,;]", text) if p.strip()), 1):
        m = re.fullmatch(r"\s*([0-9.eE+]+)\s*s?\s*(?:-|–|\.\.)\s*([0-9.eE+]+)\s*s?\s*", part)
        if m is None:
            raise ValueError(f"{flag} range {i} {part.strip()!r}: expected START-END in seconds, e.g. 0-1.5")
        try:
            a, b = float(m[1]), float(m[2])
        except ValueError:
            a = b = math.nan
        if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
            raise ValueError(f"{flag} range {i} ({part.strip()}): needs 0 <= start < end")
        if b > seconds + 1e-6:
            raise ValueError(f"{flag} range {i} ({part.strip()}): ends after the motion's {seconds:g} s")
        if out and a < out[-1][1]:
            raise ValueError(f"{flag} range {i} ({part.strip()}): starts before range {i - 1} ends")
        out.append((a, b))
    if not out:
        raise ValueError(f"{flag} names no time range; e.g. {flag} 0-1,4-5")
    return out


def range_frames(ranges: list[tuple[float, float]], frames: int, fps: float) -> list[bool]:
    """Per frame of a motion of `frames` at `fps`: whether one of the ranges holds it (edges rounded to the
    nearest frame, as `span_frames`)."""
    keep = [False] * frames
    for a, b in ranges:
        for i in range(round(a * fps), min(frames, round(b * fps))):
            keep[i] = True
    return keep


def parse_path(text: str, flag: str = "--path") -> list[tuple[float, float]]:
    """Floor points "x,z; x,z; ..." in metres (at least two, `;` between points)."""
    points: list[tuple[float, float]] = []
    parts = [p for p in text.split(";") if p.strip()]
    if not 2 <= len(parts) <= MAX_PATH_POINTS:
        raise ValueError(f"{flag} needs 2 to {MAX_PATH_POINTS} points 'x,z; x,z', got {len(parts)}")
    for i, part in enumerate(parts, 1):
        xz = part.split(",")
        try:
            x, z = (float(v) for v in xz) if len(xz) == 2 else (math.nan, math.nan)
        except ValueError:
            x = z = math.nan
        if not (math.isfinite(x) and math.isfinite(z)) or max(abs(x), abs(z)) > MAX_PATH_M:
            raise ValueError(
                f"{flag} point {i} {part.strip()!r}: expected x,z in metres within +-{MAX_PATH_M:g}"
            )
        points.append((x, z))
    return points
