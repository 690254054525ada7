"""Caption words for speech and emotion: the phrases of talk, shout, whisper, sing, laugh and cry, and
how a caption names a take's emotion ("a sad person walks forward", "someone happily waves",
"two figures shake hands, looking angry").

Every side a phrase names comes from `Motion.info` (`speech`), as in `captions`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# emotion -> (adverbs, adjectives); each word names only its emotion, so a caption's emotion can be read back
EMOTION_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "happy": (("happily", "cheerfully", "joyfully"), ("happy", "cheerful", "joyful")),
    "sad": (("sadly", "sorrowfully", "gloomily"), ("sad", "unhappy", "gloomy")),
    "angry": (("angrily", "furiously"), ("angry", "furious", "annoyed")),
    "surprised": (("in surprise", "with surprise"), ("surprised", "astonished", "startled")),
    "fearful": (("fearfully", "in fear", "nervously"), ("frightened", "scared", "fearful")),
    "disgusted": (("in disgust", "with disgust"), ("disgusted", "repulsed")),
}
_NOUNS = ("person", "figure", "stick figure", "character", "human")
_PAIR_NOUNS = ("two {adj} people", "two {adj} figures", "a pair of {adj} people", "two {adj} persons")


def _talk(info: dict[str, Any]) -> list[str]:
    out = [
        "talks",
        "talks while gesturing with the hands",
        "speaks, moving the hands",
        "says something",
        "chats, gesturing while speaking",
        "talks to someone in front of them",
        "explains something with hand gestures",
    ]
    if info.get("hands") in ("left", "right"):
        out.append(f"talks, gesturing with the {info['hands']} hand")
    return out


def _shout(info: dict[str, Any]) -> list[str]:
    out = ["shouts", "yells", "shouts loudly", "yells at the top of their lungs", "shouts, leaning forward"]
    if "side" in info:
        side = info["side"]
        return out[:3] + [
            f"shouts and thrusts the {side} arm forward",
            f"yells, pointing with the {side} hand",
        ]
    return out + ["raises the shoulders and shouts"]


def _whisper(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        "whispers",
        "whispers something",
        "leans over and whispers",
        f"whispers with the {side} hand beside the mouth",
        "speaks in a whisper",
        f"leans to the {side} and whispers",
    ]


def _sing(info: dict[str, Any]) -> list[str]:
    out = ["sings", "sings a song", "sings, swaying gently", "sings out loud", "sings a slow tune"]
    if info.get("arms") == "open":
        out += ["sings with the arms open wide", "sings and opens the arms"]
    return out


def _laugh(info: dict[str, Any]) -> list[str]:
    out = ["laughs", "laughs out loud", "bursts out laughing", "laughs heartily", "cracks up laughing"]
    if info.get("variant") == "belly":
        return out + ["laughs, holding the belly", "laughs with the hands on the stomach"]
    return out + ["laughs with the head thrown back", "throws the head back and laughs"]


def _cry(info: dict[str, Any]) -> list[str]:
    out = ["cries", "weeps", "sobs", "stands and cries", "cries, shoulders shaking"]
    if info.get("variant") == "hands_face":
        return out + [
            "cries with the hands over the face",
            "sobs into the hands",
            "covers the face and weeps",
        ]
    return out + ["cries with the head hanging down", "weeps, head bowed"]


SPEECH_PHRASES = {
    "talk": _talk,
    "shout": _shout,
    "whisper": _whisper,
    "sing": _sing,
    "laugh": _laugh,
    "cry": _cry,
}


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def emote(subject: str, sentence: str, emotion: str | None, k: int, rng: np.random.Generator) -> str:
    """`sentence` (starting with `subject`) naming `emotion`; k picks the form, so captions vary.

    Forms: an adjective in the subject ("a sad person ..."), an adverb after it ("someone sadly ..."; a
    phrase adverb such as "in surprise" goes last), or a closing ", looking sad".
    """
    if emotion is None:
        return sentence
    if emotion not in EMOTION_WORDS:
        raise ValueError(f"unsupported emotion [{emotion}]; choose one of {sorted(EMOTION_WORDS)}")
    adverbs, adjectives = EMOTION_WORDS[emotion]
    adverb, adjective = str(rng.choice(adverbs)), str(rng.choice(adjectives))
    assert sentence.startswith(subject), (subject, sentence)
    rest = sentence[len(subject) :]
    form = k % 3
    if form == 0:
        noun = str(rng.choice(_NOUNS))
        return f"{_article(adjective)} {adjective} {noun}{rest}"
    if form == 1:
        return f"{subject} {adverb}{rest}" if " " not in adverb else f"{sentence} {adverb}"
    return f"{sentence}, looking {adjective}"


def emote_pair(template: str, emotion: str | None, k: int, rng: np.random.Generator) -> str:
    """A pair caption template (`{p}` the pair) naming `emotion` in the pair's subject or at the end."""
    if emotion is None:
        return template
    adjective = str(rng.choice(EMOTION_WORDS[emotion][1]))
    if "{p}" in template and k % 2 == 0:
        return template.replace("{p}", str(rng.choice(_PAIR_NOUNS)).format(adj=adjective))
    return f"{template}, both looking {adjective}"
