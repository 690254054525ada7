"""Caption phrases of the body actions in `activities`, `floor_actions` and `hand_actions` (sprint,
kneel, lie_down, crouch, point, celebrate, fight_stance, look_around, drink, eat, throw, bow, stretch,
crawl, dodge, fly, type, read, fall), in `everyday` (turn, pick_up) and in `sports` (dribbling, shooting,
batting, catching), merged into `captions`' table.

As in `captions`, each is a list of verb phrases in the third person singular, and every side a phrase
names comes from `Motion.info`: a right-knee kneel is never called a left one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_COUNT = {1: "once", 2: "twice", 3: "three times", 4: "four times"}
_WORDS = {2: "two", 3: "three", 4: "four"}


def _sprint(info: dict[str, Any]) -> list[str]:
    side = info.get("turn", "")
    if info["path"] == "turn":
        return [
            f"sprints forward and veers {side}",
            f"sprints, curving to the {side}",
            f"dashes ahead while turning to the {side}",
            f"runs at full speed and bends to the {side}",
        ]
    return [
        "sprints forward",
        "sprints as fast as possible",
        "dashes ahead at full speed",
        "breaks into a sprint",
        "sprints straight ahead, pumping the arms",
        "races forward at top speed",
    ]


def _kneel(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        f"kneels down on the {side} knee",
        f"goes down on the {side} knee",
        "kneels on one knee",
        f"steps back and kneels on the {side} knee",
        "drops to one knee",
        f"lowers the {side} knee to the floor",
    ]


def _lie_down(info: dict[str, Any]) -> list[str]:
    return [
        "lies down on the floor {adv}",
        "lies down on the back",
        "gets down and lies flat on the ground",
        "sits down on the floor and lies back",
        "lies down {adv}",
        "lowers onto the ground and lies on the back",
    ]


def _crouch(info: dict[str, Any]) -> list[str]:
    if info["rises"]:
        return [
            "crouches down and stands back up",
            "squats down, then rises again",
            "crouches low for a moment and gets up",
            "bends the knees deeply and stands up again",
        ]
    return [
        "crouches down",
        "squats down low",
        "crouches and stays low",
        "bends the knees into a deep crouch",
        "gets down into a squat",
    ]


def _point(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    if info["direction"] == "up":
        return [
            f"points up with the {side} hand",
            f"points upwards with the {side} arm",
            "points at something up high",
            f"raises the {side} arm and points to the sky",
        ]
    return [
        f"points forward with the {side} hand",
        f"points at something with the {side} arm",
        "points straight ahead",
        f"extends the {side} arm and points ahead",
        "points at something in front",
    ]


def _celebrate(info: dict[str, Any]) -> list[str]:
    hops = info["hops"]
    return [
        "celebrates with both arms up",
        "jumps for joy with the arms raised",
        "cheers, throwing both arms in the air",
        "celebrates a victory",
        f"raises both fists and hops {_COUNT.get(hops, 'several times')}",
        "celebrates, jumping with the hands up",
    ]


def _fight_stance(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        "takes a fighting stance",
        "raises the fists into a guard",
        "gets ready to fight with the fists up",
        f"stands in a boxing stance, {side} foot forward",
        "holds a guard and bounces on the feet",
        "squares up, ready to fight",
    ]


def _look_around(info: dict[str, Any]) -> list[str]:
    return [
        "looks around",
        "turns to look from side to side",
        "glances around, turning the upper body",
        "looks left and right",
        "looks around, searching for something",
        "turns the head and shoulders to look around",
        "turns to look over one shoulder, then the other",
        "turns the head to look right and left, the feet still",
    ]


def _drink(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        f"drinks from a cup with the {side} hand",
        f"raises a glass to the lips with the {side} hand and drinks",
        "takes a sip of water",
        "drinks something, tipping the head back",
        f"lifts a cup in the {side} hand and takes a drink",
        "has a drink",
    ]


def _eat(info: dict[str, Any]) -> list[str]:
    side, n = info["side"], info["bites"]
    return [
        f"eats with the {side} hand",
        "eats a meal at a table",
        f"brings food to the mouth with the {side} hand",
        f"takes {_WORDS.get(n, 'several')} bites",
        "eats, lifting food from the plate to the mouth",
        f"eats with a spoon in the {side} hand",
    ]


def _throw(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        f"throws a ball overhand with the {side} arm",
        f"throws something with the {side} hand",
        "throws a ball",
        f"winds up and throws with the {side} arm",
        "throws an object as far as possible",
        f"makes an overhand throw with the {side} hand",
    ]


def _bow(info: dict[str, Any]) -> list[str]:
    if info["depth"] == "deep":
        return [
            "bows deeply",
            "takes a deep bow",
            "bends far forward at the waist in a deep bow",
            "bows low and straightens up again",
            "bows",
        ]
    return [
        "bows",
        "bows politely",
        "gives a short bow",
        "bends forward at the waist in a polite bow",
        "bows slightly and stands up straight again",
    ]


def _stretch(info: dict[str, Any]) -> list[str]:
    out = [
        "stretches the arms above the head",
        "reaches both hands up high and stretches",
        "stretches, arms straight up overhead",
        "raises both arms and stretches",
        "stretches upwards with the hands together",
    ]
    if info["lean"]:
        out += [
            "stretches, leaning from side to side with the arms up",
            "does a side stretch with the arms raised",
        ]
    return out


def _crawl(info: dict[str, Any]) -> list[str]:
    return [
        "crawls forward on hands and knees",
        "crawls {adv} on all fours",
        "crawls across the floor",
        "moves forward on hands and knees",
        "crawls ahead {adv}",
        "crawls like a baby",
    ]


def _dodge(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    out = [
        f"dodges to the {side}",
        f"quickly leans to the {side} to dodge something",
        f"ducks aside to the {side}",
        "dodges out of the way",
        f"evades a blow by leaning {side}",
    ]
    if info["count"] > 1:
        out += [f"dodges to the {side} twice", "dodges twice"]
    return out


def _fly(info: dict[str, Any]) -> list[str]:
    return [
        "pretends to fly, flapping the arms like wings",
        "spreads both arms and flaps them like a bird",
        "flaps the arms as if flying",
        "imitates a bird, flapping both arms",
        "leans forward and flaps the arms like wings",
    ]


def _type(info: dict[str, Any]) -> list[str]:
    return [
        "types on a keyboard",
        "sits at a desk, typing on a computer",
        "types something on a computer",
        "sits and types with both hands",
        "works at a keyboard, typing",
        "is typing an email",
    ]


def _read(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    out = [
        "reads a book",
        "holds a book in both hands and reads",
        "stands reading a book",
        "reads, looking down at a book",
        "stands reading a newspaper",
    ]
    if info["pages"] > 0:
        out += [f"reads a book, turning a page with the {side} hand", "reads and turns the pages"]
    return out


def _dribbling(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        f"dribbles a basketball with the {side} hand",
        "bounces a basketball on the spot",
        f"dribbles a ball with the {side} hand, knees bent",
        "dribbles a basketball",
        "keeps bouncing a ball with one hand",
    ]


def _shooting(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        "shoots a basketball",
        f"takes a jump shot with the {side} hand",
        "shoots the ball at the hoop",
        f"raises the ball over the head and shoots it with the {side} hand",
        "jumps and shoots a basketball",
    ]


def _batting(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        "swings a baseball bat",
        "hits a ball with a bat",
        f"swings a bat {side}-handed",
        "swings at a pitch",
        "takes a full swing with a baseball bat",
    ]


def _catching(info: dict[str, Any]) -> list[str]:
    if info["height"] == "overhead":
        return [
            "reaches up and catches a ball overhead",
            "catches a high ball with both hands",
            "stretches up and catches a ball above the head",
            "catches a ball thrown high",
        ]
    return [
        "catches a ball with both hands",
        "catches a pass at chest height",
        "reaches out and catches a ball",
        "catches a ball and pulls it in to the chest",
    ]


def _turn(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    if info["turn"] == "around":
        return [
            "turns around",
            "turns around to face the other way",
            f"turns around to the {side}",
            f"turns round over the {side} shoulder",
            "turns around on the spot",
            "turns to face the opposite direction",
        ]
    # the whole body, said so: "turns to the left" alone sat as near "turns to look left and right" (looking
    # around) as the turns did, and the model turned round for it
    return [
        f"turns to face {side}",
        f"turns the whole body to the {side}",
        f"makes a quarter turn to the {side}",
        f"turns ninety degrees to the {side}",
        f"turns on the spot to face {side}",
    ]


def _pick_up(info: dict[str, Any]) -> list[str]:
    how = "bends down" if info["style"] == "squat" else "bends over"
    if info["hands"] == "both":
        return [
            "picks up a box from the floor",
            f"{how} and picks up a box",
            "picks something up with both hands",
            "lifts a box off the floor with both hands",
            f"{how} and picks something up",
        ]
    side = info["side"]
    return [
        f"picks up something with the {side} hand",
        "picks something up off the floor",
        f"{how} and picks up a small object with the {side} hand",
        "reaches down and picks up something from the ground",
        f"{how} to pick up a pen",
    ]


def _fall(info: dict[str, Any]) -> list[str]:
    if info["direction"] == "forwards":
        return [
            "falls down",
            "trips and falls forward",
            "stumbles and falls to the ground",
            "loses balance and falls face down",
            "falls forward onto the floor",
        ]
    return [
        "falls backwards",
        "slips and falls on the back",
        "loses balance and falls backwards",
        "falls down backwards onto the floor",
        "falls over",
    ]


ACTIVITY_PHRASES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "sprint": _sprint,
    "kneel": _kneel,
    "lie_down": _lie_down,
    "crouch": _crouch,
    "point": _point,
    "celebrate": _celebrate,
    "fight_stance": _fight_stance,
    "look_around": _look_around,
    "drink": _drink,
    "eat": _eat,
    "throw": _throw,
    "bow": _bow,
    "stretch": _stretch,
    "crawl": _crawl,
    "dodge": _dodge,
    "fly": _fly,
    "type": _type,
    "read": _read,
    "dribbling": _dribbling,
    "shooting": _shooting,
    "batting": _batting,
    "catching": _catching,
    "turn": _turn,
    "pick_up": _pick_up,
    "fall": _fall,
}
