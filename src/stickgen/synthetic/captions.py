"""Natural-language captions for synthetic takes, built from templates and the generator's facts.

Single actions are described by verb phrases in the third person singular ("waves with the right
hand"), so a sentence is a subject plus one phrase, and a chain joins two phrases with "then"-style
connectives. Every word about sides, direction, speed or counts comes from `Motion.info`, so captions
never contradict the motion: a right-hand wave is never called a left-hand one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stickgen.synthetic.activity_captions import ACTIVITY_PHRASES
from stickgen.synthetic.outdoor_captions import OUTDOOR_PHRASES
from stickgen.synthetic.speech_captions import SPEECH_PHRASES, emote, emote_pair

SUBJECTS: tuple[str, ...] = (
    "a person",
    "someone",
    "the person",
    "a figure",
    "a stick figure",
    "the character",
    "a human",
)
PAIR_SUBJECTS: tuple[str, ...] = ("two people", "two figures", "two persons", "a pair of people")
CHAIN_FORMS: tuple[str, ...] = (
    "{s} {a}, then {b}",
    "{s} {a} and then {b}",
    "{s} first {a}, then {b}",
    "{s} {a}, and after that {b}",
    "{s} {a} and afterwards {b}",
)
_COUNT = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}
_ADVERBS = {
    "slow": ("slowly", "at a slow pace", "leisurely", "unhurriedly"),
    "normal": ("", "", "at a steady pace", "at a normal pace"),
    "fast": ("quickly", "briskly", "fast", "at a brisk pace"),
}
_RUN_ADVERBS = {
    "slow": ("at a gentle pace", "slowly", ""),
    "normal": ("", "", "steadily"),
    # never "at full speed" nor "sprints": those name the sprint action (`activities.sprint`, >= 5 m/s), and a
    # fast run (<= 4.65 m/s) captioned so taught the model a sprint at a run's pace (the suite's sprints
    # measured 4.2-4.6 m/s)
    "fast": ("fast", "quickly", "hard"),
}
_POSTURE_ADVERBS = {"slow": ("slowly", "carefully", "gently"), "normal": ("", "")}
_ADVERB_TABLES = {"run": _RUN_ADVERBS, "sit_down": _POSTURE_ADVERBS, "stand_up": _POSTURE_ADVERBS}


def _walk(info: dict[str, Any]) -> list[str]:
    path, side = info["path"], info.get("turn", "")
    if path == "backwards":
        return [
            "walks backwards {adv}",
            "steps backward {adv}",
            "walks backward a few steps",
            "moves backwards on foot {adv}",
            "takes several steps back {adv}",
        ]
    if path == "turn":
        return [
            f"walks forward {{adv}} and turns {side}",
            f"walks {{adv}} while turning to the {side}",
            f"walks along a curve to the {side}",
            f"walks {{adv}}, veering to the {side}",
            f"makes a {side} turn while walking {{adv}}",
        ]
    if path == "circle":
        return [
            "walks in a circle {adv}",
            "walks {adv} around in a circle",
            "circles around on foot",
            f"walks in a full circle, turning {side}",
            f"walks {{adv}} in a loop to the {side}",
        ]
    return [
        "walks forward {adv}",
        "walks {adv} straight ahead",
        "takes several steps forward {adv}",
        "walks ahead {adv}",
        "goes forward on foot {adv}",
        "walks in a straight line {adv}",
    ]


def _run(info: dict[str, Any]) -> list[str]:
    verb = {"slow": "jogs", "normal": "runs", "fast": "runs"}[info["speed"]]
    side = info.get("turn", "")
    if info["path"] == "turn":
        return [
            f"{verb} forward and turns {side}",
            f"runs {{adv}}, curving to the {side}",
            f"{verb} {{adv}} while turning to the {side}",
            f"runs and makes a {side} turn",
            f"{verb} along a curve to the {side}",
        ]
    if info["path"] == "circle":
        return [
            f"{verb} in a circle",
            "runs {adv} around in a circle",
            f"{verb} in a loop to the {side}",
            "runs in a full circle {adv}",
        ]
    return [
        f"{verb} forward {{adv}}",
        "runs forward {adv}",
        f"{verb} straight ahead",
        "runs ahead {adv}",
        f"{verb} {{adv}} in a straight line",
    ]


def _jump(info: dict[str, Any]) -> list[str]:
    count, ahead = info["count"], info["forward_m"] > 0
    high = "high " if info["height_m"] >= 0.38 else ""
    if ahead:
        out = ["jumps forward", "leaps forward", "hops forward", "does a forward jump", "jumps ahead"]
    else:
        out = [
            "jumps in place",
            "jumps up",
            "hops up on the spot",
            "bends the knees and jumps",
            f"jumps {high}into the air",
        ]
    if count > 1:
        out = [
            f"jumps {_COUNT[count]}",
            f"jumps {_COUNT[count]} in a row",
            "jumps repeatedly",
            f"does {count} jumps",
            *(p + " " + _COUNT[count] for p in out[:2]),
        ]
    return out


def _wave(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    if side == "both":
        return [
            "waves with both hands",
            "waves both arms in the air",
            "raises both hands and waves",
            "waves enthusiastically with both arms",
            "waves both hands above the shoulders",
        ]
    return [
        f"waves with the {side} hand",
        f"waves their {side} hand",
        f"raises the {side} arm and waves",
        f"waves hello with the {side} hand",
        "waves",
        "greets someone with a wave",
        f"lifts the {side} hand and waves it",
    ]


def _clap(info: dict[str, Any]) -> list[str]:
    n = info["claps"]
    counted = [f"claps {_COUNT[n]}"] if n in _COUNT else ["claps several times"]
    if info["place"] == "overhead":
        return [
            "claps above the head",
            "raises the hands and claps overhead",
            "claps with hands raised high",
            "applauds with the hands above the head",
            *counted,
        ]
    return [
        "claps",
        "claps their hands",
        "applauds",
        "claps the hands together",
        "gives a round of applause",
        *counted,
    ]


def _punch(info: dict[str, Any]) -> list[str]:
    side, n = info["side"], info["count"]
    if side == "both":
        return [
            "punches with alternating fists",
            "throws a series of left and right punches",
            "boxes, punching with both hands",
            "throws punches with both fists",
            f"punches {_COUNT[n]}",
            "throws a combination of punches",
        ]
    out = [
        f"punches with the {side} fist",
        f"throws a {side} punch",
        f"punches forward with the {side} hand",
        f"jabs forward with the {side} arm",
        "punches",
        "throws a punch",
    ]
    if n > 1:
        out = [
            f"punches {_COUNT[n]} with the {side} fist",
            f"throws {n} {side} punches",
            "punches repeatedly",
            f"jabs {_COUNT[n]} with the {side} hand",
            "throws several punches",
        ]
    return out


def _kick(info: dict[str, Any]) -> list[str]:
    side, n = info["side"], info["count"]
    high = "high " if info["height"] == "high" else ""
    out = [
        f"kicks {high}with the {side} leg",
        f"kicks forward with the {side} foot",
        f"does a {high}front kick with the {side} leg",
        "kicks",
        f"throws a {high}kick",
        "kicks the air",
    ]
    if n > 1:
        out = [
            f"kicks {_COUNT[n]} with the {side} leg",
            f"kicks {_COUNT[n]}",
            "kicks repeatedly",
            f"does {n} {high}front kicks with the {side} leg",
            f"kicks forward {_COUNT[n]} with the {side} foot",
        ]
    return out


def _dance(info: dict[str, Any]) -> list[str]:
    base = ["dances", "dances in place", "dances to the music", "grooves to the beat", "moves to a rhythm"]
    extra = {
        "arms_up": ["dances with the arms raised", "dances with the hands in the air"],
        "pump": ["dances and pumps the fists in the air", "dances, punching the air with alternating fists"],
        "swing": ["dances, swinging the arms", "sways from side to side, swinging the arms"],
    }[info["style"]]
    if info["bpm"] >= 120:
        base.append("dances energetically")
    return base + extra


def _idle(info: dict[str, Any]) -> list[str]:
    return {
        "still": [
            "stands still",
            "stands in place",
            "stands idle",
            "waits in place",
            "stands quietly",
            "stands without moving much",
        ],
        "look": [
            "stands and looks around",
            "looks around while standing",
            "stands still, turning the head",
            "looks from side to side",
            "stands in place and glances around",
        ],
        "hips": [
            "stands with the hands on the hips",
            "stands still with hands on hips",
            "waits with the hands on the hips",
            "puts the hands on the hips and stands",
            "stands in place, hands on hips",
        ],
    }[info["variant"]]


def _sit_down(info: dict[str, Any]) -> list[str]:
    return [
        "sits down {adv}",
        "sits down on a chair {adv}",
        "takes a seat",
        "lowers into a seated position {adv}",
        "bends the knees and sits down",
        "sits down",
    ]


def _stand_up(info: dict[str, Any]) -> list[str]:
    return [
        "stands up {adv}",
        "gets up from a chair",
        "rises from a seated position {adv}",
        "stands up from sitting",
        "gets up {adv}",
    ]


_PHRASES = {
    "walk": _walk,
    "run": _run,
    "jump": _jump,
    "wave": _wave,
    "clap": _clap,
    "punch": _punch,
    "kick": _kick,
    "dance": _dance,
    "idle": _idle,
    "sit_down": _sit_down,
    "stand_up": _stand_up,
    **SPEECH_PHRASES,
    **ACTIVITY_PHRASES,
    **OUTDOOR_PHRASES,
}

_PAIR = {
    "handshake": [
        "{p} shake hands",
        "{p} face each other and shake hands",
        "{p} greet each other with a handshake",
        "one person shakes hands with another",
        "{p} shake right hands",
        "{p} meet and shake hands",
    ],
    "high_five": [
        "{p} give each other a high five",
        "{p} high five",
        "{p} slap a high five with their {side} hands",
        "one person high-fives another",
        "{p} raise their {side} hands and high five",
        "{p} celebrate with a high five",
    ],
    "hug": [
        "{p} hug",
        "{p} step in and hug each other",
        "{p} embrace in a warm hug",
        "one person hugs another",
        "{p} give each other a big hug",
        "{p} wrap their arms around each other in a hug",
    ],
    "fight": [
        "{p} fight",
        "{p} spar, trading punches",
        "{p} fight each other with their fists",
        "one person fights another, throwing punches and dodging",
        "{p} are sparring like boxers",
        "{p} get into a fistfight",
    ],
    "talk": [
        "{p} talk to each other",
        "{p} have a conversation",
        "{p} face each other and chat",
        "{p} take turns speaking",
        "one person talks and another answers",
        "{p} stand facing each other, talking",
    ],
}


def verb_phrases(action: str, info: dict[str, Any]) -> list[str]:
    """Phrase templates for one action (`{adv}` marks an optional speed adverb)."""
    if action not in _PHRASES:
        raise ValueError(f"unsupported action [{action}] for captions; known: {sorted(_PHRASES)}")
    return _PHRASES[action](info)


def _fill(template: str, action: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    table = _ADVERB_TABLES.get(action, _ADVERBS)
    adverb = str(rng.choice(table[info.get("speed", "normal")])) if "{adv}" in template else ""
    return template.replace("{adv}", adverb)


def _tidy(text: str) -> str:
    text = " ".join(text.split()).replace(" ,", ",")
    return text[0].upper() + text[1:] + "."


def _distinct(make: Callable[[int], str], count: int, tries: int = 40) -> list[str]:
    """Up to `count` distinct tidy sentences from make(0), make(1), ... (each call may be random)."""
    out: list[str] = []
    for k in range(tries):
        text = _tidy(make(k))
        if text not in out:
            out.append(text)
        if len(out) == count:
            break
    return out


def _cycle(rng: np.random.Generator, options: list[str]) -> Callable[[int], str]:
    """The k-th item of a random permutation of `options` (repeating), so sentences differ in wording."""
    order = [options[i] for i in rng.permutation(len(options))]
    return lambda k: order[k % len(order)]


def describe(
    actions: list[str],
    infos: list[dict[str, Any]],
    rng: np.random.Generator,
    count: int = 3,
    emotion: str | None = None,
) -> list[str]:
    """`count` distinct captions for one actor doing `actions` in order (one or two actions).

    Args:
        actions: action names from stickgen.core.vocab.ACTIONS.
        infos: each action's `Motion.info`.
        rng: the take's generator.
        count: how many captions to return.
        emotion: the emotion every caption names (`speech_captions.EMOTION_WORDS`); None: none.
    """
    phrases = [_cycle(rng, verb_phrases(a, i)) for a, i in zip(actions, infos, strict=True)]
    forms = _cycle(rng, list(CHAIN_FORMS))

    def make(k: int) -> str:
        subject = str(rng.choice(SUBJECTS))
        parts = [_fill(p(k), a, i, rng) for p, a, i in zip(phrases, actions, infos, strict=True)]
        if len(parts) == 1:
            sentence = f"{subject} {parts[0]}"
        else:
            sentence = forms(k).format(s=subject, a=parts[0], b=parts[1])
        return emote(subject, " ".join(sentence.split()), emotion, k, rng)

    return _distinct(make, count)


def describe_pair(
    action: str, info: dict[str, Any], rng: np.random.Generator, count: int = 3, emotion: str | None = None
) -> list[str]:
    """`count` distinct captions for a two-actor interaction (naming `emotion` when given)."""
    if action not in _PAIR:
        raise ValueError(f"unsupported interaction [{action}]; known: {sorted(_PAIR)}")
    templates = _cycle(rng, _PAIR[action])

    def make(k: int) -> str:
        template = emote_pair(templates(k), emotion, k, rng)
        return template.format(p=rng.choice(PAIR_SUBJECTS), side=info.get("side", "right"))

    return _distinct(make, count)
