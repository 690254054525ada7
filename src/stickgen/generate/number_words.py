"""Whole numbers written in words: "two", "twelve", "twenty-five", "forty five", "a dozen", "a hundred",
"three hundred and twenty".

    from stickgen.generate.number_words import CARDINAL, cardinal_value
    re.search(CARDINAL, "twenty-five people")  # matches "twenty-five"
    cardinal_value("twenty-five")              # 25

`CARDINAL` is a regular expression (no groups of its own, case to be ignored by the caller) that matches
the longest number at a place: "twenty-five" before "twenty", "two hundred" before "two". Words one to
nineteen, the tens twenty to ninety, a ten and a unit joined by a space or a hyphen, "a dozen" or "dozen"
(12), and hundreds ("a hundred", "one hundred", "nine hundred and ninety-nine"). The prompt parsers that
read counts (`stickgen.generate.headcount`: how many people) and lengths (`stickgen.generate.stated`:
"for twenty-five seconds") share it, so a number a prompt writes in words means what its digits would.
"""

from __future__ import annotations

import re

_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_VALUES = {w: i for i, w in enumerate(_UNITS, start=1)} | {w: 10 * i for i, w in enumerate(_TENS, 2)}
WORD_VALUES |= {"dozen": 12, "hundred": 100}

_UNIT = rf"(?:{'|'.join(sorted(_UNITS, key=len, reverse=True))})"
_TEN = rf"(?:{'|'.join(_TENS)})"
_BELOW_100 = rf"(?:{_TEN}(?:[\s-]+(?:{'|'.join(_UNITS[:9])}))?\b|{_UNIT}\b)"
_HUNDREDS = (
    rf"(?:(?:a|one|two|three|four|five|six|seven|eight|nine)\s+hundred\b(?:\s+(?:and\s+)?{_BELOW_100})?)"
)
CARDINAL = rf"(?:{_HUNDREDS}|(?:a\s+)?dozen\b|{_BELOW_100})"
# a number written in digits with commas between its thousands ("1,000", "36,000"); its value: the digits
# without the commas
GROUPED_DIGITS = r"[1-9]\d{0,2}(?:,\d{3})+"


def cardinal_value(words: str) -> int:
    """The value of a number `CARDINAL` matched ("twenty-five": 25, "a hundred and ten": 110); ValueError
    for words that are not one."""
    tokens = [t for t in re.split(r"[\s-]+", words.lower()) if t not in ("and", "")]
    if not tokens or not re.fullmatch(CARDINAL, words.strip(), re.IGNORECASE):
        raise ValueError(f"not a number in words: {words!r}")
    total = 0
    for t in tokens:
        if t == "hundred":
            total = max(total, 1) * 100
        elif t != "a":
            total += WORD_VALUES[t]
    return total
