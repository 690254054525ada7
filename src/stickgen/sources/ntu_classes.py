"""The NTU RGB+D 60/120 action classes: official names, caption phrases and vocabulary actions.

`A001`-`A060` are NTU RGB+D 60, `A061`-`A120` the additions of NTU RGB+D 120. Classes 50-60 and
106-120 are mutual actions of two people. Each class maps to the nearest word of the shared
vocabulary (`stickgen.core.vocab`), `other` when none is near; its caption phrase is a third-person verb
phrase (plural for two people) for `sources.captions.templated`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NTUClass:
    number: int
    name: str  # the official class name
    phrase: str  # caption verb phrase: singular, or plural for two people
    action: str  # vocabulary action
    mutual: bool  # two people

    @property
    def code(self) -> str:
        return f"A{self.number:03d}"


_ROWS: tuple[tuple[str, str, str], ...] = (
    ("drink water", "drinks water", "drink"),
    ("eat meal/snack", "eats a snack", "eat"),
    ("brushing teeth", "brushes their teeth", "other"),
    ("brushing hair", "brushes their hair", "other"),
    ("drop", "drops something", "other"),
    ("pickup", "picks something up", "pick_up"),
    ("throw", "throws something", "throw"),
    ("sitting down", "sits down", "sit_down"),
    ("standing up (from sitting position)", "stands up from a seat", "stand_up"),
    ("clapping", "claps their hands", "clap"),
    ("reading", "reads", "read"),
    ("writing", "writes", "other"),
    ("tear up paper", "tears up a piece of paper", "other"),
    ("wear jacket", "puts on a jacket", "other"),
    ("take off jacket", "takes off a jacket", "other"),
    ("wear a shoe", "puts on a shoe", "other"),
    ("take off a shoe", "takes off a shoe", "other"),
    ("wear on glasses", "puts on glasses", "other"),
    ("take off glasses", "takes off glasses", "other"),
    ("put on a hat/cap", "puts on a hat", "other"),
    ("take off a hat/cap", "takes off a hat", "other"),
    ("cheer up", "cheers with raised arms", "celebrate"),
    ("hand waving", "waves a hand", "wave"),
    ("kicking something", "kicks something", "kick"),
    ("reach into pocket", "reaches into a pocket", "other"),
    ("hopping (one foot jumping)", "hops on one foot", "jump"),
    ("jump up", "jumps up", "jump"),
    ("make a phone call/answer phone", "answers a phone call", "talk"),
    ("playing with phone/tablet", "plays with a phone", "other"),
    ("typing on a keyboard", "types on a keyboard", "type"),
    ("pointing to something with finger", "points at something with a finger", "point"),
    ("taking a selfie", "takes a selfie", "other"),
    ("check time (from watch)", "checks the time on a watch", "other"),
    ("rub two hands together", "rubs their hands together", "other"),
    ("nod head/bow", "nods and bows", "bow"),
    ("shake head", "shakes their head", "other"),
    ("wipe face", "wipes their face", "other"),
    ("salute", "salutes", "other"),
    ("put the palms together", "puts the palms together", "other"),
    ("cross hands in front (say stop)", "crosses the hands in front to say stop", "other"),
    ("sneeze/cough", "sneezes or coughs", "other"),
    ("staggering", "staggers", "walk"),
    ("falling", "falls down", "fall"),
    ("touch head (headache)", "touches their head as if it aches", "other"),
    ("touch chest (stomachache/heart pain)", "touches their chest in pain", "other"),
    ("touch back (backache)", "touches their aching back", "other"),
    ("touch neck (neckache)", "touches their aching neck", "other"),
    ("nausea or vomiting condition", "bends over feeling sick", "other"),
    ("use a fan (with hand or paper)/feeling warm", "fans themselves", "other"),
    ("punching/slapping other person", "fight, one punching or slapping the other", "punch"),
    ("kicking other person", "fight, one kicking the other", "kick"),
    ("pushing other person", "scuffle, one pushing the other", "push"),
    ("pat on back of other person", "stand together, one patting the other on the back", "other"),
    ("point finger at the other person", "face each other, one pointing a finger at the other", "point"),
    ("hugging other person", "hug each other", "hug"),
    ("giving something to other person", "meet, one handing something to the other", "other"),
    ("touch other person's pocket", "stand close, one touching the other's pocket", "other"),
    ("handshaking", "shake hands", "handshake"),
    ("walking towards each other", "walk towards each other", "walk"),
    ("walking apart from each other", "walk away from each other", "walk"),
    ("put on headphone", "puts on headphones", "other"),
    ("take off headphone", "takes off headphones", "other"),
    ("shoot at the basket", "shoots a ball at a basket", "shooting"),
    ("bounce ball", "bounces a ball", "dribbling"),
    ("tennis bat swing", "swings a tennis racket", "batting"),
    ("juggling table tennis balls", "juggles small balls", "other"),
    ("hush (quite)", "makes a hush gesture", "other"),
    ("flick hair", "flicks their hair", "other"),
    ("thumb up", "gives a thumbs up", "other"),
    ("thumb down", "gives a thumbs down", "other"),
    ("make ok sign", "makes an ok sign", "other"),
    ("make victory sign", "makes a victory sign", "other"),
    ("staple book", "staples a book", "other"),
    ("counting money", "counts money", "other"),
    ("cutting nails", "cuts their nails", "other"),
    ("cutting paper (using scissors)", "cuts paper with scissors", "other"),
    ("snapping fingers", "snaps their fingers", "other"),
    ("open bottle", "opens a bottle", "other"),
    ("sniff (smell)", "sniffs something", "other"),
    ("squat down", "squats down", "crouch"),
    ("toss a coin", "tosses a coin", "throw"),
    ("fold paper", "folds paper", "other"),
    ("ball up paper", "balls up a piece of paper", "other"),
    ("play magic cube", "plays with a puzzle cube", "other"),
    ("apply cream on face", "applies cream to their face", "other"),
    ("apply cream on hand back", "applies cream to the back of a hand", "other"),
    ("put on bag", "puts on a bag", "other"),
    ("take off bag", "takes off a bag", "other"),
    ("put something into a bag", "puts something into a bag", "other"),
    ("take something out of a bag", "takes something out of a bag", "other"),
    ("open a box", "opens a box", "other"),
    ("move heavy objects", "moves a heavy object", "push"),
    ("shake fist", "shakes a fist", "other"),
    ("throw up cap/hat", "throws a cap up in the air", "throw"),
    ("hands up (both hands)", "raises both hands", "other"),
    ("cross arms", "crosses their arms", "other"),
    ("arm circles", "circles their arms", "stretch"),
    ("arm swings", "swings their arms", "stretch"),
    ("running on the spot", "runs on the spot", "run"),
    ("butt kicks (kick backward)", "kicks backwards while jogging in place", "run"),
    ("cross toe touch", "touches the opposite toes", "stretch"),
    ("side kick", "kicks to the side", "kick"),
    ("yawn", "yawns", "other"),
    ("stretch oneself", "stretches", "stretch"),
    ("blow nose", "blows their nose", "other"),
    ("hit other person with something", "fight, one hitting the other with something", "punch"),
    ("wield knife towards other person", "face off, one threatening the other with a knife", "fight"),
    ("knock over other person (hit with body)", "collide, one knocking the other over", "push"),
    ("grab other person's stuff", "meet, one grabbing the other's things", "other"),
    ("shoot at other person with a gun", "face off, one aiming a gun at the other", "point"),
    ("step on foot", "stand close, one stepping on the other's foot", "other"),
    ("high-five", "give each other a high five", "high_five"),
    ("cheers and drink", "toast and drink", "drink"),
    ("carry something with other person", "carry something together", "other"),
    ("take a photo of other person", "pose, one taking a photo of the other", "other"),
    ("follow other person", "walk one behind the other", "walk"),
    ("whisper in other person's ear", "stand close, one whispering in the other's ear", "whisper"),
    ("exchange things with other person", "exchange things", "other"),
    ("support somebody with hand", "walk together, one supporting the other with a hand", "other"),
    ("finger-guessing game (playing rock-paper-scissors)", "play rock-paper-scissors", "other"),
)
_MUTUAL = set(range(50, 61)) | set(range(106, 121))

CLASSES: dict[int, NTUClass] = {
    k: NTUClass(k, name, phrase, action, k in _MUTUAL)
    for k, (name, phrase, action) in enumerate(_ROWS, start=1)
}
assert len(CLASSES) == 120, len(CLASSES)


def ntu_class(number: int) -> NTUClass:
    """The class of action number `number` (1-120); `KeyError` with the valid range otherwise."""
    if number not in CLASSES:
        raise KeyError(f"NTU action A{number:03d} is not one of A001-A120")
    return CLASSES[number]


# The class a motion of a vocabulary action is written as (sample writers), by number of people.
# Actions whose nearest class describes a different motion (walk -> staggering, run -> running on
# the spot) have none.
WRITER_CLASSES: dict[tuple[str, bool], int] = {
    ("drink", False): 1,
    ("pick_up", False): 6,
    ("throw", False): 7,
    ("sit_down", False): 8,
    ("stand_up", False): 9,
    ("clap", False): 10,
    ("wave", False): 23,
    ("kick", False): 24,
    ("jump", False): 27,
    ("point", False): 31,
    ("bow", False): 35,
    ("fall", False): 43,
    ("crouch", False): 80,
    ("stretch", False): 104,
    ("eat", False): 2,
    ("read", False): 11,
    ("celebrate", False): 22,
    ("type", False): 30,
    ("shooting", False): 63,
    ("dribbling", False): 64,
    ("punch", True): 50,
    ("kick", True): 51,
    ("push", True): 52,
    ("hug", True): 55,
    ("handshake", True): 58,
    ("high_five", True): 112,
    ("whisper", True): 117,
}


def class_for_action(action: str, mutual: bool) -> NTUClass | None:
    """The class a sample writer uses for a motion of `action` (None: no class fits it)."""
    number = WRITER_CLASSES.get((action, mutual))
    return None if number is None else CLASSES[number]
