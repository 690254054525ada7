"""How many people a prompt describes, when the user does not say (`--num-actors`).

Two when the prompt's action needs a partner (handshake, high five, hug) or its words name more than one
person: a count or "both" before people ("two people", "both dancers", "2 old men", "a group of friends"),
people as the subject ("people dance", "the kids run"), a pair or couple as the subject ("a couple
dances"), two people joined by "and" ("a man and a woman", "a boy and his friend"), a partner ("with a
partner", "with his opponent"), words that take two ("each other", "one another", "the two of them",
"someone else", "another person", "side by side", "hand in hand", "one person fights another"), or a
plural pronoun as the subject ("they walk together").
The same words before anything else do not count: "waves with both hands", "claps his hands together",
"takes 2 steps", "a couple of steps", "a pair of shoes" are one person. One otherwise. A number before
people counts them ("three people dance": 3, "twenty-five kids", "a dozen dancers", "12 runners"; numbers
in words as `stickgen.generate.number_words` reads them; "a group of friends", "several kids": 3):
`InferenceGenerator` makes that many when each does what one person does (`stickgen.generate.together`),
and at most the model's actor count otherwise.
"""

from __future__ import annotations

import re

from stickgen.core.vocab import infer_action
from stickgen.generate.number_words import CARDINAL, GROUPED_DIGITS, cardinal_value

# actions that need a partner: a prompt naming one asks for two actors when num_actors is not given
TWO_ACTOR_ACTIONS = ("handshake", "high_five", "hug")

_PEOPLE = (
    r"(?:people|persons|humans|men|women|guys|girls|boys|kids|children|friends|players|dancers|partners|"
    r"figures|characters|fighters|boxers|wrestlers|adults|teens|teenagers|opponents|actors|individuals|"
    r"lovers|brothers|sisters|twins|athletes|soldiers|students|couples|of them|of us)"
)
_ONE = (
    r"(?:person|human|man|woman|guy|lady|girl|boy|kid|child|friend|partner|opponent|figure|character|"
    r"player|dancer|someone|somebody|wife|husband|brother|sister|mother|father|son|daughter|stranger)"
)
# what "one ... the other" may count besides people
_THING = r"(?:hand|arm|foot|feet|leg|side|knee|shoulder|elbow|wrist|way|direction|time|round|step)s?\b"
_TWO_PEOPLE = re.compile(
    "|".join(
        (
            # a count before people, with up to two words between: "two old men", "both stick figures"
            rf"\b(?:two|2|both|a few|several|three|four|some|many|a pair of|a couple of|a group of|a crowd "
            rf"of)\s+(?:[\w-]+\s+){{0,2}}?{_PEOPLE}\b",
            # people as the subject: "people dance at a party", "the kids run around"
            rf"^\s*(?:the\s+)?(?:[\w-]+\s+)?{_PEOPLE}\b",
            # a pair or couple that acts: "a couple dances", "the pair spar" (not "a couple of steps")
            r"\b(?:a|the)\s+(?:couple|pair)\b(?!\s+of\b)",
            # two people joined: "a man and a woman", "the boy and his friend"
            rf"\b{_ONE}\s+and\s+(?:a|an|the|his|her|their|another)\s+(?:[\w-]+\s+)?{_ONE}\b",
            # a partner: "dances with a partner", "spars with his opponent", "hugs a friend"
            r"\bwith\s+(?:a|an|the|his|her|their|another)\s+(?:[\w-]+\s+)?(?:friend|partner|opponent|buddy|mate)\b",
            # one ... another: "one person fights another", "one talks and the other listens" (not "one
            # arm, then the other", "one hand and then the other hand")
            rf"\bone\b(?!\s+{_THING})[^.;]*\b(?:another|the other)\b(?!\s+{_THING})",
            r"^\s*(?:they|we)\b",  # a plural subject: "they walk side by side", "we dance"
            r"\b(?:each other|one another|the two(?: of them)?|someone else|somebody else|side by side|"
            r"hand in hand|another (?:person|man|woman|guy|girl|boy|figure|character|player|one))\b",
        )
    ),
    re.IGNORECASE,
)


# a count of people: "three people", "twenty-five kids", "5 kids", "a group of friends" (a group with no
# number: GROUP people); numbers in words as `stickgen.generate.number_words` reads them
GROUP = 3
_GROUPS = "a few|several|some|many|a group of|a crowd of|a team of"
_COUNTS = rf"{CARDINAL}|{GROUPED_DIGITS}|[2-9]|[1-9]\d+|{_GROUPS}"  # people in digits or words
_COUNT = re.compile(rf"(?<![-.,\d])\b({_COUNTS})\s+(?:[\w-]+\s+){{0,2}}?{_PEOPLE}\b", re.IGNORECASE)
# a count of no one or less before people ("0 people wave", "zero people", "-3 people"): a motion has one
NO_ONE = re.compile(rf"(?:(?<![\w.,])(?:-\s*\d[\d.,]*|0+)|\bzero)\s+(?:[\w-]+\s+){{0,2}}?{_PEOPLE}\b", re.I)


def people_count(prompt: str) -> int:
    """How many people the prompt describes: the number it names before people, in digits or words
    ("three people dance": 3, "twelve people": 12; "a group of friends", "several kids": `GROUP`), else 2
    when it names an interaction or more than one person in the module docstring's words, else 1 (also
    where it counts no one, `NO_ONE`: a motion has someone in it)."""
    if NO_ONE.search(prompt):
        return 1
    for m in _COUNT.finditer(prompt):  # "one person" counts no more than one: read on
        word = m.group(1).lower().replace(",", "")
        if word.isdigit():
            count = int(word)
        else:
            count = GROUP if re.fullmatch(_GROUPS, word) else cardinal_value(word)
        if count >= 2:
            return count
    two = infer_action([prompt]) in TWO_ACTOR_ACTIONS or bool(_TWO_PEOPLE.search(prompt))
    return 2 if two else 1


def infer_num_actors(prompt: str, max_actors: int) -> int:
    """`people_count` of the prompt, at most `max_actors`."""
    return min(people_count(prompt), max_actors)


# the subject of several people: a count or group before people ("two old men", "a group of friends"),
# people opening the prompt ("the kids", "people"), two joined by "and" opening it ("a man and a woman": the
# first), a plural pronoun ("they"), "the two (of them)", "both of them"; or one of them singled out
_COUNTED = rf"(?:{_COUNTS}|both|a pair of|a couple of)"
_SUBJECT = re.compile(
    rf"\b{_COUNTED}\s+(?P<adj>(?:[\w-]+\s+){{0,2}}?)(?P<noun>{_PEOPLE})\b"
    rf"|^\s*(?:the\s+)?(?P<adj0>(?:[\w-]+\s+)?)(?P<noun0>{_PEOPLE})\b"
    rf"|^\s*(?:a|an|the)\s+(?P<adj1>(?:[\w-]+\s+)?)(?P<one>{_ONE})\s+and\s+"
    rf"(?:a|an|the|his|her|their|another)\s+(?:[\w-]+\s+)?{_ONE}\b"
    r"|^\s*(?:they|we|the two(?: of them)?)\b"
    # one of several singled out before a verb: "one waves goodbye", "the other one jumps", "he nods" (not
    # "one more jump", "one hand waves")
    rf"|^\s*(?:(?:one|the\s+other|the\s+(?:first|second))(?:\s+one)?|he|she)\b(?!\s+(?:{_ONE}|{_THING}))"
    r"(?=\s+[a-z']+s\b)",
    re.IGNORECASE,
)
# words between a subject and its verb that are not the verb ("two people slowly walk", "they all dance")
_NOT_VERB = re.compile(r"^(?:\w+ly|all|both|each|together|also|then|now|just|still|again)$", re.IGNORECASE)
_IRREGULAR_VERBS = {"are": "is", "were": "was", "have": "has"}
_NOT_VERBS = frozenset("and or in on at of with to from who that which side by as while near".split())


def solo_caption(prompt: str) -> str:
    """`prompt` said of one person: the caption an actor made alone is made from (each of several people
    doing what one does, `stickgen.generate.together`; one of them singled out; one person). A counted
    subject becomes one person, its adjectives kept ("two old men" -> "an old person"; "five kids", "the
    dancers", "they", "the two of them", "a man and a woman" -> "a person"), as does one singled out before
    its verb ("one waves", "the other one jumps", "he nods"), and where the subject opens the prompt its verb
    agrees ("dance" -> "dances", "are" -> "is"). The one-person captions the model learnt from read so and
    mostly name "a person": "five kids jump" lies 0.35 from the motion memory's nearest one-person clip, "a
    kid jumps" 0.67, "a person jumps" 0.91; "four dancers clap" 0.74 as "a dancer claps", 0.91 as "a person
    claps" (cosine similarity; a stick figure shows no age or sex). A prompt that counts no one is returned
    as it is."""
    m = _SUBJECT.search(prompt)
    if m is None:
        return prompt
    adj = (m.group("adj") or m.group("adj0") or m.group("adj1") or "").strip()
    adj = "" if re.fullmatch(r"-?\s*[\d.,]+|zero", adj, re.IGNORECASE) else adj  # a count of no one
    counted = (m.group("noun") or m.group("noun0") or "").lower().startswith("of ")  # "two of them": no kind
    said = "person" if counted else f"{adj} person".strip()
    subject = f"{'an' if said[0].lower() in 'aeiou' else 'a'} {said}"
    rest = prompt[m.end() :]
    if prompt[: m.start()].strip().lower() in ("", "the"):  # the subject opens the prompt: its verb agrees
        rest = _agree(rest)
    return f"{prompt[: m.start()]}{subject}{rest}".strip()


def _agree(rest: str) -> str:
    """The words after a plural subject with its verb (the first word that is not an adverb) made singular."""
    words = re.split(r"(\s+)", rest)
    for i, w in enumerate(words):
        if not w.strip() or _NOT_VERB.match(w):
            continue
        low = w.lower()
        if not w.isalpha() or low in _NOT_VERBS or low.endswith("s") and not low.endswith("ss"):
            return rest
        if low in _IRREGULAR_VERBS:
            words[i] = _IRREGULAR_VERBS[low]
        elif re.search(r"(?:ss|sh|ch|x|z|o)$", low):
            words[i] = w + "es"
        elif re.search(r"[^aeiou]y$", low):
            words[i] = w[:-1] + "ies"
        else:
            words[i] = w + "s"
        return "".join(words)
    return rest
