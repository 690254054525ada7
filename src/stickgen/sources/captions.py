"""Templated captions for sources without their own text: labels -> a few varied sentences.

A dataset without captions still has labels (an action class, a style, a dance genre, a file name).
`templated` turns a third-person verb phrase built from those labels ("walks forwards in a proud
style") into `n` different sentences ("a person walks forwards in a proud style", "someone walks
...", ...). The choice of phrasings depends only on a key (the take's path), through a stable hash,
so captions never change between runs or worker processes.
"""

from __future__ import annotations

import math
import re
import zlib

# Subjects for one actor; `{vp}` is a third-person singular verb phrase.
_SINGLE: tuple[str, ...] = (
    "a person {vp}",
    "someone {vp}",
    "the person {vp}",
    "a human figure {vp}",
    "an individual {vp}",
    "the figure {vp}",
)
# Subjects for two actors; `{vp}` is a plural verb phrase ("shake hands").
_PAIR: tuple[str, ...] = (
    "two people {vp}",
    "a pair of people {vp}",
    "two persons {vp}",
    "both people {vp}",
)

# A verb phrase for every vocabulary action: (one actor, two actors).
ACTION_PHRASES: dict[str, tuple[str, str]] = {
    "unknown": ("moves around", "move around together"),
    "idle": ("stands in place", "stand together"),
    "walk": ("walks", "walk together"),
    "run": ("runs", "run together"),
    "jump": ("jumps", "jump"),
    "wave": ("waves a hand", "wave at each other"),
    "clap": ("claps", "clap"),
    "sit_down": ("sits down", "sit down"),
    "stand_up": ("stands up", "stand up"),
    "kick": ("kicks", "kick at each other"),
    "punch": ("punches", "trade punches"),
    "dance": ("dances", "dance together"),
    "handshake": ("shakes hands with someone", "shake hands"),
    "high_five": ("gives someone a high five", "give each other a high five"),
    "hug": ("hugs someone", "hug each other"),
    "push": ("pushes something", "push each other"),
    "throw": ("throws something", "throw something"),
    "pick_up": ("picks something up", "pick something up"),
    "bow": ("bows", "bow to each other"),
    "turn": ("turns around", "turn around"),
    "crouch": ("crouches down", "crouch down"),
    "stretch": ("stretches", "stretch"),
    "fall": ("falls down", "fall down"),
    "point": ("points", "point"),
    "drink": ("drinks", "drink"),
    "other": ("performs an action", "interact"),
    "sprint": ("sprints", "sprint together"),
    "talk": ("talks", "talk to each other"),
    "shout": ("shouts", "shout at each other"),
    "whisper": ("whispers", "whisper to each other"),
    "sing": ("sings", "sing together"),
    "laugh": ("laughs", "laugh together"),
    "cry": ("cries", "cry"),
    "batting": ("swings a baseball bat", "practise batting"),
    "pitching": ("pitches a baseball", "practise pitching"),
    "catching": ("catches a ball", "play catch"),
    "running_bases": ("runs the bases", "run the bases"),
    "fielding": ("fields a ground ball", "practise fielding"),
    "dribbling": ("dribbles a ball", "dribble a ball between them"),
    "shooting": ("shoots at the goal", "practise shooting at the goal"),
    "fight": ("fights", "fight each other"),
    "fight_stance": ("stands in a fighting stance", "face each other in fighting stances"),
    "dodge": ("dodges", "dodge each other"),
    "kneel": ("kneels down", "kneel down"),
    "lie_down": ("lies down", "lie down"),
    "eat": ("eats", "eat together"),
    "read": ("reads", "read together"),
    "type": ("types on a keyboard", "type on keyboards"),
    "look_around": ("looks around", "look around"),
    "climb": ("climbs", "climb"),
    "crawl": ("crawls", "crawl"),
    "swim": ("swims", "swim"),
    "fly": ("flaps their arms as if flying", "flap their arms as if flying"),
    "celebrate": ("celebrates", "celebrate together"),
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def stable_index(key: str, n: int) -> int:
    """A deterministic index in [0, n) from a string (crc32: same in every process and run)."""
    return zlib.crc32(key.encode("utf-8")) % n


def templated(verb_phrase: str, key: str, n: int = 3, pair: bool = False) -> list[str]:
    """`n` distinct captions for one verb phrase, phrasings chosen by `key`.

    Args:
        verb_phrase: third-person singular ("walks forwards") or, with `pair`, plural ("shake hands").
        key: what the choice of phrasings depends on (the take's path in its dataset).
        n: number of captions (at most the number of phrasings).
        pair: two actors: plural subjects.
    """
    phrase = " ".join(verb_phrase.split())
    if not phrase:
        raise ValueError("templated: empty verb phrase")
    table = _PAIR if pair else _SINGLE
    n = max(1, min(n, len(table)))
    start = stable_index(key, len(table))
    steps = [s for s in range(1, len(table)) if math.gcd(s, len(table)) == 1] or [1]
    step = steps[stable_index(key + "#step", len(steps))]  # coprime: the walk visits every phrasing
    picks = [(start + k * step) % len(table) for k in range(n)]
    return [table[i].format(vp=phrase) for i in picks]


def action_phrase(action: str, pair: bool = False) -> str:
    """The verb phrase of a vocabulary action (a generic one for a name outside the table)."""
    single, plural = ACTION_PHRASES.get(action, ACTION_PHRASES["unknown"])
    return plural if pair else single


def label_words(label: str) -> str:
    """Readable lowercase words of a label: `HandsInPockets_FW-03` -> `hands in pockets fw 03`."""
    text = _CAMEL.sub(" ", label)
    return " ".join(re.split(r"[^A-Za-z0-9]+", text)).strip().lower()
