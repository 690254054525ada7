"""Mirror augmentation: a clip's left/right mirror image, with its captions edited to match.

Motion: `stickgen.core.skeleton.mirror` negates X (the figure's left-right axis in canonical coordinates)
and swaps every left joint with its right twin. On stored rows (float32 root + int16 millimetre
offsets from the root) that is exact: the root's X is negated and the offsets are permuted with
their X negated, so a mirrored clip costs no precision. Mirroring keeps the canonical frame (actor 0
still faces +Z at the origin on frame 0, the floor stays at y = 0).

Captions: "left" and "right" swap, keeping case ("Left" -> "Right"), including compounds
("left-handed", "leftward", "leftmost"), and so do "clockwise" / "counterclockwise" (also
"counter-clockwise", "anticlockwise", "anti-clockwise"). Idioms where "right" does not name a side
("right away", "all right", "right now", "right after", "a right angle", ...) and the verb "left"
("has left", "left the room", "left behind") are kept; see `mirror_caption`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from stickgen.core.skeleton import MIRROR

MIRROR_SUFFIX = "+mirror"
# actions whose mirror image is another motion, not the same one on the other side: a base runner always
# turns left (counter-clockwise round the diamond); mirrored, "runs the bases" would teach a right turn; a
# handshake is right hand in right hand, and its mirror image, left in left, is what "shake hands" does not
# mean (the mirrored takes made 7 in 10 of the suite's handshakes left-handed: docs/training.md)
UNMIRRORED_ACTIONS: frozenset[str] = frozenset({"running_bases", "handshake"})

# offsets hold joints 1..21; mirrored joint j takes the offset of joint MIRROR[j]
_OFFSET_PERM = np.array([MIRROR[j] - 1 for j in range(1, len(MIRROR))])


def mirror_rows(root: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror stored rows: root float (R, 3) and offsets int16 (R, 21, 3) -> the mirrored pair."""
    root_m = root.copy()
    root_m[:, 0] *= -1
    off_m = offsets[:, _OFFSET_PERM]  # fancy indexing copies
    off_m[..., 0] *= -1
    return root_m, off_m


def mirror_id(clip_id: str) -> str:
    """The stable id of a clip's mirror image."""
    return clip_id + MIRROR_SUFFIX


# "right" used as an adverb or interjection, not a side
_NOT_A_SIDE_AFTER = (
    r"(?:away|now|after|afterwards|before|there|here|angles?|on\s+time|at\s+the\s+(?:end|start|beginning))"
)
_SIDE = re.compile(
    r"(?P<all>\ball\s+right\b)"
    r"|(?P<word>\b(?P<side>left|right)(?P<tail>wards?|most|ward)?\b)"
    r"|(?P<clock>\b(?:counter-?|anti-?)?clockwise\b)",
    re.IGNORECASE,
)
_RIGHT_IDIOM = re.compile(rf"\s+{_NOT_A_SIDE_AFTER}\b", re.IGNORECASE)
# "left" as the past tense of "leave": "has left", "left the room", "left behind"
_LEFT_VERB_BEFORE = re.compile(r"\b(?:has|have|had)\s+$", re.IGNORECASE)
_LEFT_VERB_AFTER = re.compile(r"\s+(?:the\s+(?:room|scene|area|stage|building)|behind)\b", re.IGNORECASE)


def _match_case(src: str, word: str) -> str:
    if src.isupper() and len(src) > 1:
        return word.upper()
    if src[0].isupper():
        return word[0].upper() + word[1:]
    return word


@lru_cache(maxsize=1 << 16)
def mirror_caption(text: str) -> str:
    """The caption of the mirrored motion: sides and turning directions swapped (see module doc)."""
    lower = text.lower()
    if "left" not in lower and "right" not in lower and "clockwise" not in lower:
        return text

    def swap(m: re.Match[str]) -> str:
        whole = m.group(0)
        if m.group("all"):
            return whole
        if m.group("clock"):
            lower = whole.lower()
            return _match_case(whole, "clockwise" if lower != "clockwise" else "counterclockwise")
        side = m.group("side")
        tail = m.group("tail") or ""
        after, before = text[m.end() :], text[: m.start()]
        if side.lower() == "right" and not tail and _RIGHT_IDIOM.match(after):
            return whole
        if (
            side.lower() == "left"
            and not tail
            and (_LEFT_VERB_AFTER.match(after) or _LEFT_VERB_BEFORE.search(before))
        ):
            return whole
        other = "right" if side.lower() == "left" else "left"
        return _match_case(side, other) + tail

    return _SIDE.sub(swap, text)
