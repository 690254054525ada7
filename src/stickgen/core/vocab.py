"""The one action vocabulary shared by every source, the synthetic animator, curation and the models."""

from __future__ import annotations

import re
from collections.abc import Sequence

ACTIONS: tuple[str, ...] = (
    "unknown",
    "idle",
    "walk",
    "run",
    "jump",
    "wave",
    "clap",
    "sit_down",
    "stand_up",
    "kick",
    "punch",
    "dance",
    "handshake",
    "high_five",
    "hug",
    "push",
    "throw",
    "pick_up",
    "bow",
    "turn",
    "crouch",
    "stretch",
    "fall",
    "point",
    "drink",
    "other",
    # the rest of the original system's vocabulary (docs/vocabulary.md maps its 46 names onto these)
    "sprint",
    "talk",
    "shout",
    "whisper",
    "sing",
    "laugh",
    "cry",
    "batting",
    "pitching",
    "catching",
    "running_bases",
    "fielding",
    "dribbling",
    "shooting",
    "fight",
    "fight_stance",
    "dodge",
    "kneel",
    "lie_down",
    "eat",
    "read",
    "type",
    "look_around",
    "climb",
    "crawl",
    "swim",
    "fly",
    "celebrate",
)
ACTION_INDEX: dict[str, int] = {a: i for i, a in enumerate(ACTIONS)}

# The original system's 46 action names -> this vocabulary (docs/vocabulary.md). Its "kick" and "kicking"
# (a fight's and a footballer's) are one motion here, as are "throwing" and "throw", "sit" and "sit_down".
ORIGINAL_ACTIONS: dict[str, str] = {
    "idle": "idle",
    "walk": "walk",
    "run": "run",
    "sprint": "sprint",
    "jump": "jump",
    "wave": "wave",
    "talk": "talk",
    "shout": "shout",
    "whisper": "whisper",
    "sing": "sing",
    "point": "point",
    "clap": "clap",
    "batting": "batting",
    "pitching": "pitching",
    "catching": "catching",
    "running bases": "running_bases",
    "fielding": "fielding",
    "throwing": "throw",
    "kicking": "kick",
    "dribbling": "dribbling",
    "shooting": "shooting",
    "fight": "fight",
    "punch": "punch",
    "kick": "kick",
    "dodge": "dodge",
    "sit": "sit_down",
    "stand": "stand_up",
    "kneel": "kneel",
    "lie down": "lie_down",
    "eating": "eat",
    "drinking": "drink",
    "reading": "read",
    "typing": "type",
    "looking around": "look_around",
    "climbing": "climb",
    "crawling": "crawl",
    "swimming": "swim",
    "flying": "fly",
    "celebrate": "celebrate",
    "dance": "dance",
    "cry": "cry",
    "laugh": "laugh",
    "handshake": "handshake",
    "hug": "hug",
    "high five": "high_five",
    "fight stance": "fight_stance",
}


def action_id(action: str) -> int:
    """Index of `action` in the vocabulary; a clear error for a word outside it."""
    try:
        return ACTION_INDEX[action]
    except KeyError:
        raise ValueError(f"unknown action [{action}]; the vocabulary is {list(ACTIONS)}") from None


# Keyword rules for `infer_action`: (action, pattern), matched case-insensitively on word boundaries.
# The table order only breaks ties between rules that match at the same character of a caption.
# "box" alone is not a rule: in captions it is mostly the object ("picks up a box"), not boxing.
_ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("sit_down", r"\b(?:sit|sits|sitting|sat)\s+down\b|\bsits\b"),
    ("stand_up", r"\b(?:stand|stands|standing|stood)\s+up\b|\b(?:get|gets|getting|got)\s+up\b"),
    ("pick_up", r"\b(?:pick|picks|picked|picking)\s+(?:\w+\s+){0,3}?up\b"),
    ("handshake", r"\b(?:shake|shakes|shaking|shook)\s+hands?\b|\bhand\s?shak\w*"),
    ("high_five", r"\bhigh[\s-]?fiv(?:e|es|ed|ing)\b"),
    ("walk", r"\b(?:walk|walks|walked|walking|stroll|strolls|strolled|strolling)\b"),
    ("run", r"\b(?:run|runs|running|ran|jog|jogs|jogged|jogging|sprint|sprints|sprinted|sprinting)\b"),
    ("jump", r"\b(?:jump|jumps|jumped|jumping|hop|hops|hopped|hopping|leap|leaps|leaped|leapt|leaping)\b"),
    ("wave", r"\b(?:wave|waves|waved|waving)\b"),
    ("clap", r"\b(?:clap|claps|clapped|clapping)\b"),
    ("kick", r"\b(?:kick|kicks|kicked|kicking)\b"),
    ("punch", r"\b(?:punch|punches|punched|punching|boxing|shadowbox\w*)\b"),
    ("dance", r"\bdanc\w*"),
    ("hug", r"\b(?:hug|hugs|hugged|hugging)\b"),
    ("push", r"\b(?:push|pushes|pushed|pushing)\b(?![\s-]?ups?\b)"),
    ("throw", r"\b(?:throw|throws|threw|thrown|throwing|toss|tosses|tossed|tossing)\b"),
    ("bow", r"\b(?:bow|bows|bowed|bowing)\b"),
    ("turn", r"\b(?:turn|turns|turned|turning)\b"),
    ("crouch", r"\b(?:crouch|crouches|crouched|crouching|squat|squats|squatted|squatting)\b"),
    ("stretch", r"\b(?:stretch|stretches|stretched|stretching)\b"),
    ("fall", r"\b(?:fall|falls|fell|fallen|falling)\b"),
    ("point", r"\b(?:point|points|pointed|pointing)\b"),
    ("drink", r"\b(?:drink|drinks|drank|drinking)\b"),
)
_ACTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (action, re.compile(pattern, re.IGNORECASE)) for action, pattern in _ACTION_RULES
)
assert all(a in ACTION_INDEX for a, _ in _ACTION_RULES), "an action rule names a word outside ACTIONS"


def _first_action(caption: str) -> str | None:
    """The action mentioned first in one caption (earliest match; table order breaks a tie), or None."""
    best: tuple[int, int, str] | None = None  # (position, rule index, action)
    for rank, (action, pattern) in enumerate(_ACTION_PATTERNS):
        match = pattern.search(caption)
        if match is not None and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, action)
    return None if best is None else best[2]


def infer_action(texts: Sequence[str]) -> str:
    """Infer one vocabulary action from free-text captions by keyword matching.

    Rule (deterministic): each caption votes for the action it mentions first (the earliest keyword
    match; if two rules match at the same character, the earlier rule of `_ACTION_RULES` wins). The
    action with the most votes wins; a tie goes to the tied action whose vote came from the earliest
    caption. Captions without any keyword do not vote; no vote at all gives "unknown".

    Args:
        texts: captions of one motion, in the order the dataset lists them.

    Returns:
        A name from `ACTIONS`.
    """
    votes: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    for i, caption in enumerate(texts):
        action = _first_action(caption)
        if action is not None:
            votes[action] = votes.get(action, 0) + 1
            first_seen.setdefault(action, i)
    if not votes:
        return "unknown"
    return min(votes, key=lambda a: (-votes[a], first_seen[a]))
