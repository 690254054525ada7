"""How long a prompt says its motion lasts: "a person walks for 8 seconds", "waves for two seconds".

    from stickgen.generate.stated import stated_length
    stated_length("a person walks for 8 seconds")  # ("a person walks", 8.0)
    stated_length("a person walks")                # ("a person walks", None)

No training caption says how long its clip lasts: the length estimator predicted 5.6 s for "a person walks
for 8 seconds", and the model read "for 8 seconds" as more caption. A stated length is taken out of the
words and becomes the length of the motion, or of its part (`stickgen.generate.sequence`): "for 8
seconds", "for about 3 s", "for half a minute", "for a minute and a half", "for one and a half seconds",
"for a few seconds" (3), "for a couple of seconds" (2), "a 5-second walk", "waits 5 seconds", "ten
seconds of jogging" ("jogging"). Numbers are digits (a decimal point allowed), whole numbers in words
("twenty-five", "forty five", "a hundred": `stickgen.generate.number_words`), "a" and "an"; units are
seconds (s, sec, secs, second, seconds), minutes (min, mins, minute, minutes) and hours (h, hr, hrs, hour,
hours). "A second" or "an hour" is a length only after "for", "lasting" or "during" ("takes a second to
look around" keeps its words).

A time that is a moment, not a length, stays in the words: "after 3 seconds", "in about 5 seconds",
"within a minute", "every 2 seconds", "at 4 s", "3 seconds later", "two seconds apart", "the 80s". A
zero length is no length. The first stated length of a text counts (a second one stays in its words).
"""

from __future__ import annotations

import re

from stickgen.generate.number_words import CARDINAL, GROUPED_DIGITS, cardinal_value

# the words of a number besides whole numbers (`stickgen.generate.number_words.CARDINAL`)
NUMBER_WORDS = {
    "a": 1.0, "an": 1.0, "a few": 3.0, "a couple of": 2.0, "a couple": 2.0, "half a": 0.5, "half an": 0.5,
}  # fmt: skip
UNIT_S = dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1.0)
UNIT_S |= dict.fromkeys(("min", "mins", "minute", "minutes"), 60.0)
UNIT_S |= dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600.0)
# a length stated longer is read as this long (a number of 309 digits is infinite as a float): a motion
# is at most 600 s anyway (`stickgen.generate.sequence` fits it and says what the text asked for)
MAX_STATED_S = 1e9

_WORD_NUMBERS = sorted((w.replace(" ", r"\s+") for w in NUMBER_WORDS), key=len, reverse=True)
# digits ("1,000", "2.5") not in a longer number ("-5", "5.5.5", "1,00": no length, the words kept)
_TIME = re.compile(
    rf"\b(?P<number>(?<![-.,\d])(?:{GROUPED_DIGITS}|\d+)(?:\.\d+)?(?![.,]\d)|{CARDINAL}|{'|'.join(_WORD_NUMBERS)})(?P<half>\s+and\s+a\s+half)?"
    rf"(?P<gap>[\s-]*)(?P<unit>{'|'.join(sorted(UNIT_S, key=len, reverse=True))})\b"
    r"(?P<half_after>\s+and\s+a\s+half)?",
    re.IGNORECASE,
)
# words that lead a length in ("for about", "lasting", "for the next"): taken out with it
_LEAD_WORD = r"(?:for|lasting|during)\s"
_LEAD = re.compile(
    rf"(?:\b{_LEAD_WORD}\s*)?(?:\b(?:about|around|roughly|approximately|nearly|almost|just|"
    r"exactly|over|some|another|the\s+next|the\s+first|a\s+full|a\s+good)\s+)?$",
    re.IGNORECASE,
)
_LED = re.compile(_LEAD_WORD, re.IGNORECASE)
# a word before the time (and its lead) or after it that makes it a moment
_MOMENT_BEFORE = re.compile(r"\b(?:after|in|within|every|each|per|at|by|the|until|till)\s+$", re.IGNORECASE)
_MOMENT_AFTER = re.compile(r"^\s*(?:later|after|before|ago|earlier|apart|into)\b", re.IGNORECASE)
_OF_VERB = re.compile(r"^\s+of(?=\s+\w+ing\b)", re.IGNORECASE)  # "ten seconds of jogging"


def _seconds(m: re.Match) -> float | None:
    """The length of a time match in seconds; None for one that is no length ("a s", "1990s")."""
    raw, unit = m.group("number").lower(), m.group("unit").lower()
    if not raw[0].isdigit():
        words = " ".join(raw.split())
        number = NUMBER_WORDS[words] if words in NUMBER_WORDS else float(cardinal_value(words))
        if unit in ("s", "h") and not m.group("gap").strip(" "):
            return None  # "a s", "an h": a letter, no unit
    elif unit in ("s", "h") and not m.group("gap") and len(raw) > 2:
        return None  # "the 1990s": a decade
    else:
        number = float(raw.replace(",", ""))
    number += 0.5 if (m.group("half") or m.group("half_after")) else 0.0
    return min(number * UNIT_S[unit], MAX_STATED_S) if number > 0 else None


def stated_length(text: str) -> tuple[str, float | None]:
    """(the words without the length they state, the length in seconds), or (`text`, None) when the text
    states none (the module docstring says what counts)."""
    for m in _TIME.finditer(text):
        seconds = _seconds(m)
        lead = _LEAD.search(text[: m.start()])
        start = lead.start() if lead else m.start()
        if seconds is None or _MOMENT_BEFORE.search(text[:start]) or _MOMENT_AFTER.match(text[m.end() :]):
            continue
        if m.group("number").lower() in ("a", "an") and not _LED.match(text[start:]):
            continue  # "takes a second to look": an idiom; "for a second" is a length
        end = m.end() + (of.end() if (of := _OF_VERB.match(text[m.end() :])) else 0)
        words = re.sub(r"\s+", " ", f"{text[:start]} {text[end:]}").strip()
        return re.sub(r"\s+([,;.!?])", r"\1", words).strip(" ,;"), seconds
    return text, None
