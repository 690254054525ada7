"""The single-actor action registry and the rules for chaining two actions.

Every name is a word of `stickgen.core.vocab.ACTIONS`. `stand_up` starts seated and `sit_down` ends seated,
so a chain that starts with sitting down continues by standing up, and standing up is never second
otherwise. Kneeling, lying down, crouching, crawling, falling and typing (seated) end low (`ENDS_LOW`), so
a chain never starts with them; crawling and typing also start low (`STARTS_LOW`), so they are never second
either. Walking, running and sprinting ease out of / into the neighbouring action of a chain.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stickgen.core.vocab import ACTION_INDEX
from stickgen.synthetic.activities import (
    bow,
    celebrate,
    dodge,
    fight_stance,
    fly,
    look_around,
    point,
    sprint,
    stretch,
)
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.baseball import fielding, pitching, running_bases
from stickgen.synthetic.body_actions import dance, idle, kick, sit_down, stand_up
from stickgen.synthetic.everyday import pick_up, turn
from stickgen.synthetic.floor_actions import crawl, crouch, fall, kneel, lie_down
from stickgen.synthetic.gestures import clap, punch, wave
from stickgen.synthetic.hand_actions import drink, eat, read, throw, typing
from stickgen.synthetic.locomotion import jump, run, walk
from stickgen.synthetic.motion import Motion
from stickgen.synthetic.outdoor import climb, swim
from stickgen.synthetic.speech import cry, laugh, shout, sing, talk, whisper
from stickgen.synthetic.sports import bat, catch, dribble, shoot

ActionGenerator = Callable[[np.random.Generator, ActionContext], Motion]

ACTION_GENERATORS: dict[str, ActionGenerator] = {
    "idle": idle,
    "walk": walk,
    "run": run,
    "jump": jump,
    "wave": wave,
    "clap": clap,
    "sit_down": sit_down,
    "stand_up": stand_up,
    "kick": kick,
    "punch": punch,
    "dance": dance,
    "talk": talk,
    "shout": shout,
    "whisper": whisper,
    "sing": sing,
    "laugh": laugh,
    "cry": cry,
    "sprint": sprint,
    "kneel": kneel,
    "lie_down": lie_down,
    "crouch": crouch,
    "point": point,
    "celebrate": celebrate,
    "fight_stance": fight_stance,
    "look_around": look_around,
    "drink": drink,
    "eat": eat,
    "throw": throw,
    "bow": bow,
    "stretch": stretch,
    "crawl": crawl,
    "dodge": dodge,
    "fly": fly,
    "type": typing,
    "read": read,
    "dribbling": dribble,
    "shooting": shoot,
    "batting": bat,
    "catching": catch,
    "climb": climb,
    "swim": swim,
    "running_bases": running_bases,
    "pitching": pitching,
    "fielding": fielding,
    "turn": turn,
    "pick_up": pick_up,
    "fall": fall,
}
# how long a take of each action typically is, as a part of the configured duration range
# [synthesize.min_s, synthesize.max_s] (0: min_s, 1: max_s): a jump or a punch is short, a walk or a dance
# long, so a clip's length says something about its caption (the length estimator, `stickgen.model.length`)
ACTION_SPAN: dict[str, tuple[float, float]] = {
    "idle": (0.3, 1.0),
    "walk": (0.4, 1.0),
    "run": (0.3, 0.9),
    "jump": (0.0, 0.4),
    "wave": (0.0, 0.5),
    "clap": (0.0, 0.45),
    "sit_down": (0.1, 0.55),
    "stand_up": (0.1, 0.55),
    "kick": (0.0, 0.4),
    "punch": (0.0, 0.4),
    "dance": (0.45, 1.0),
    "handshake": (0.15, 0.6),
    "high_five": (0.0, 0.45),
    "hug": (0.2, 0.7),
    "fight": (0.3, 0.9),
    "talk": (0.3, 1.0),
    "shout": (0.1, 0.6),
    "whisper": (0.2, 0.8),
    "sing": (0.4, 1.0),
    "laugh": (0.1, 0.7),
    "cry": (0.3, 1.0),
    "sprint": (0.2, 0.7),
    "kneel": (0.2, 0.7),
    "lie_down": (0.45, 1.0),
    "crouch": (0.2, 0.8),
    "point": (0.1, 0.6),
    "celebrate": (0.1, 0.6),
    "fight_stance": (0.2, 0.8),
    "look_around": (0.3, 1.0),
    "drink": (0.1, 0.6),
    "eat": (0.3, 1.0),
    "throw": (0.0, 0.45),
    "bow": (0.1, 0.6),
    "stretch": (0.3, 1.0),
    "crawl": (0.3, 1.0),
    "dodge": (0.0, 0.45),
    "fly": (0.3, 0.9),
    "type": (0.3, 1.0),
    "read": (0.3, 1.0),
    "dribbling": (0.3, 1.0),
    "shooting": (0.0, 0.5),
    "batting": (0.0, 0.5),
    "catching": (0.0, 0.5),
    "climb": (0.35, 1.0),
    "swim": (0.35, 1.0),
    "running_bases": (0.3, 0.8),
    "pitching": (0.15, 0.6),
    "fielding": (0.2, 0.7),
    "turn": (0.1, 0.6),
    "pick_up": (0.15, 0.6),
    "fall": (0.1, 0.55),
}
# how often a single take draws an action against the others' 1: turning on the spot is the only motion that
# stands still facing a new way, and the walks and runs that turn along their paths (about 30% of them,
# captioned "turns ...") outnumbered it: at 1, the model's turns walked off at 0.3 m/s once turned
ACTION_DRAW_WEIGHT: dict[str, float] = {"turn": 2.0}
CHAIN_SPAN = (0.5, 1.0)  # two actions and a cross-fade: the longer half of the range
LOCOMOTION: frozenset[str] = frozenset({"walk", "run", "sprint", "running_bases"})
ENDS_SEATED: frozenset[str] = frozenset({"sit_down"})
STARTS_SEATED: frozenset[str] = frozenset({"stand_up"})
# on or near the floor, or seated, at the end: never first; from the first frame: never second
ENDS_LOW: frozenset[str] = frozenset({"kneel", "lie_down", "crouch", "crawl", "type", "fall"})
STARTS_LOW: frozenset[str] = frozenset({"crawl", "type"})
# off the floor (up a ladder) or in the water: never chained with another action
SOLO: frozenset[str] = frozenset({"climb", "swim"})

_unknown = sorted(set(ACTION_GENERATORS) - set(ACTION_INDEX))
assert not _unknown, f"synthetic actions outside the vocabulary: {_unknown}"
_unweighed = sorted(set(ACTION_DRAW_WEIGHT) - set(ACTION_GENERATORS))
assert not _unweighed, f"draw weights of actions the animator does not make: {_unweighed}"


def generate_action(name: str, rng: np.random.Generator, ctx: ActionContext) -> Motion:
    """Run the generator registered for `name`."""
    if name not in ACTION_GENERATORS:
        raise ValueError(f"unsupported synthetic action [{name}]; choose one of {sorted(ACTION_GENERATORS)}")
    return ACTION_GENERATORS[name](rng, ctx)


def draw_chain(rng: np.random.Generator) -> tuple[str, str]:
    """Two different actions that can follow each other (a seated end is followed by standing up)."""
    names = list(ACTION_GENERATORS)
    first = str(rng.choice([n for n in names if n not in ENDS_LOW | SOLO]))
    if first in ENDS_SEATED:
        return first, next(iter(STARTS_SEATED))
    options = [n for n in names if n != first and n not in STARTS_SEATED | STARTS_LOW | SOLO]
    return first, str(rng.choice(options))
