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
# The table order only breaks ties between rules that match at the same character of a caption, so a
# phrase that starts with another rule's verb comes before that rule: "runs the bases" (running_bases)
# and "runs at full speed" (sprint) before "runs" (run), "fighting stance" before "fighting", "boxing
# stance" before "boxing" (punch), "cries out" (shout) before "cries" (cry), "throws a pitch" before
# "throws". "box" alone is not a rule: in captions it is mostly the object ("picks up a box"), not
# boxing; nor is "field" (the place) or "pitch" after "the" (a football pitch). docs/vocabulary.md lists
# every rule with examples (tests/unit/test_vocabulary.py runs them).
_RUN = r"(?:run|runs|ran|running|sprint|sprints|sprinted|sprinting)"
_POSS = r"(?:his|her|their|the|a|both|one's)"
_ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("sit_down", r"\b(?:sit|sits|sitting|sat)\s+down\b|\bsits\b"),
    ("stand_up", r"\b(?:stand|stands|standing|stood)\s+up\b|\b(?:get|gets|getting|got)\s+up\b"),
    (
        "pick_up",
        r"\b(?:pick|picks|picked|picking)\s+(?:\w+\s+){0,3}?up\b"
        r"|\b(?:lift|lifts|lifted|lifting)\s+(?:\w+\s+){0,3}?(?:up\s+)?(?:off|from)\s+(?:the\s+)?(?:floor|ground)\b",
    ),
    ("handshake", r"\b(?:shake|shakes|shaking|shook)\s+hands?\b|\bhand\s?shak\w*"),
    ("high_five", r"\bhigh[\s-]?fiv(?:e|es|ed|ing)\b"),
    (
        "running_bases",
        rf"\b(?:{_RUN}|round|rounds|rounded|rounding)\s+(?:around\s+|to\s+|towards?\s+)?(?:the\s+)?"
        r"(?:(?:first|second|third|next|home)\s+base|home\s+plate|bases|base(?!\s+of\b))\b"
        r"|\b(?:steal|steals|stole|stealing)\s+(?:a\s+)?(?:base|second|third|home)\b"
        r"|\b(?:slide|slides|slid|sliding)\s+(?:into|to)\s+(?:a\s+|the\s+)?(?:base|second|third|home)\b",
    ),
    (
        "sprint",
        r"\b(?:sprint|sprints|sprinted|sprinting|dash|dashes|dashed|race|races|raced|racing)\b"
        r"|\b(?:run|runs|ran|running)\s+(?:at\s+(?:full|top)\s+speed|as\s+fast\s+as)",
    ),
    (
        "walk",
        r"\b(?:walk|walks|walked|walking|stroll|strolls|strolled|strolling|amble|ambles|ambled|ambling"
        r"|saunter|saunters|sauntered|sauntering|march|marches|marched|marching|limp|limps|limped|limping"
        r"|hobble|hobbles|hobbled|hobbling|trudge|trudges|trudged|trudging|plod|plods|plodded|plodding"
        r"|tiptoe|tiptoes|tiptoed|tiptoeing|waddle|waddles|waddled|waddling|stride|strides|strode|striding)\b",
    ),
    ("run", r"\b(?:run|runs|running|ran|jog|jogs|jogged|jogging|trot|trots|trotted|trotting)\b"),
    (
        "celebrate",
        r"\bcelebrat\w*|\b(?:cheer|cheers|cheered|cheering)\b|\bfist[\s-]?pump\w*"
        r"|\b(?:jump|jumps|jumped|jumping|leap|leaps|leapt|leaping)\s+for\s+joy\b",
    ),
    (
        "jump",
        r"\b(?:jump|jumps|jumped|jumping|hop|hops|hopped|hopping|leap|leaps|leaped|leapt|leaping"
        r"|skip|skips|skipped|skipping)\b",
    ),
    ("wave", r"\b(?:wave|waves|waved|waving)\b"),
    ("clap", r"\b(?:clap|claps|clapped|clapping)\b"),
    ("kick", r"\b(?:kick|kicks|kicked|kicking)\b"),
    (
        "fight_stance",
        r"\b(?:fighting|fighter's|fight|boxing|boxer's|combat|defensive|martial\s+arts?)\s+"
        r"(?:stances?|poses?|positions?)\b|\b(?:on|en)\s+gu?arde?\b|\bready\s+to\s+fight\b"
        r"|\bsquar(?:e|es|ed|ing)\s+up\b"
        r"|\b(?:raise|raises|raised|raising|put|puts|putting|hold|holds|held|holding"
        r"|keep|keeps|kept|keeping)\s+"
        rf"(?:up\s+)?(?:{_POSS}\s+)?(?:guard|fists\s+(?:up|in(?:to)?\s+a\s+guard))\b"
        rf"|\b(?:put|puts|putting)\s+up\s+(?:{_POSS}\s+)?(?:fists|dukes)\b",
    ),
    ("punch", r"\b(?:punch|punches|punched|punching|boxing|shadowbox\w*)\b"),
    ("fight", r"\b(?:fight|fights|fought|fighting|fistfight\w*|brawl\w*|spar|spars|sparred|sparring)\b"),
    ("dance", r"\bdanc\w*"),
    ("hug", r"\b(?:hug|hugs|hugged|hugging)\b"),
    ("push", r"\b(?:push|pushes|pushed|pushing)\b(?![\s-]?ups?\b)"),
    (
        "laugh",
        r"\b(?:laugh\w*|giggl\w*|chuckl\w*)"
        r"|\b(?:throw|throws|threw|throwing)\s+(?:the|his|her|their)\s+head\s+back\s+(?:and\s+)?laugh",
    ),
    (
        "pitching",
        r"\b(?:throw|throws|threw|throwing)\s+a\s+pitch\b|\b(?:pitches|pitching|pitcher)\b"
        r"|(?<![-\w])(?<!\bthe\s)pitch(?:ed)?\b(?!\s+black)",
    ),
    ("throw", r"\b(?:throw|throws|threw|thrown|throwing|toss|tosses|tossed|tossing)\b"),
    ("bow", r"\b(?:bow|bows|bowed|bowing)\b"),
    (
        "look_around",
        r"\b(?:look|looks|looked|looking|glance|glances|glanced|glancing|peer|peers|peered|peering)"
        r"\s+(?:\w+\s+)?around\b|\b(?:look|looks|looked|looking)\s+(?:left\s+and\s+right|right\s+and\s+left"
        r"|from\s+side\s+to\s+side|back\s+and\s+forth)\b"
        r"|\bscan\w*\s+(?:the\s+)?(?:room|area|surroundings|horizon)\b"
        r"|\b(?:turn|turns|turned|turning)\s+(?:(?:the|his|her|their)\s+head\s+(?:and\s+shoulders\s+)?)?"
        r"to\s+look\b"
        r"|\b(?:turn|turns|turned|turning)\s+(?:the|his|her|their)\s+head\b",
    ),
    (
        "turn",
        r"(?<!\btake\s)(?<!\btakes\s)(?<!\btook\s)(?<!\btaking\s)\b(?:turn|turns|turned|turning)\b",
    ),
    ("crouch", r"\b(?:crouch|crouches|crouched|crouching|squat|squats|squatted|squatting)\b"),
    ("stretch", r"\b(?:stretch|stretches|stretched|stretching)\b"),
    ("fall", r"\b(?:fall|falls|fell|fallen|falling|collapse|collapses|collapsed|collapsing)\b"),
    ("point", r"\b(?:point|points|pointed|pointing)\b"),
    ("drink", r"\b(?:drink|drinks|drank|drinking)\b"),
    (
        "whisper",
        r"\bwhisper\w*|\b(?:speak|speaks|spoke|speaking|talk|talks|talking)\s+(?:\w+\s+)?in\s+a\s+whisper\b",
    ),
    (
        "talk",
        r"\b(?:talk|talks|talked|talking|chat|chats|chatted|chatting|speak|speaks|spoke|speaking"
        r"|converse|converses|conversed|conversing|conversation|phone\s+call"
        r"|explain|explains|explained|explaining)\b"
        r"|\b(?:say|says|said|saying)\s+(?:something|hello|hi|goodbye|a\s+few\s+words)\b",
    ),
    (
        "shout",
        r"\b(?:shout|shouts|shouted|shouting|yell|yells|yelled|yelling|scream|screams|screamed"
        r"|screaming|holler\w*)\b|\b(?:call|calls|called|calling|cry|cries|cried|crying)\s+out\b",
    ),
    ("sing", r"\b(?:sing|sings|sang|sung|singing|serenad\w*)\b"),
    ("cry", r"\b(?:cry|cries|cried|crying|weep|weeps|wept|weeping|sob|sobs|sobbed|sobbing)\b|\bin\s+tears\b"),
    (
        "batting",
        r"\b(?:bat|bats|batted|batting|batter)\b"
        rf"|\b(?:swing|swings|swung|swinging)\s+(?:{_POSS}\s+)?(?:baseball\s+|cricket\s+)?bat\b",
    ),
    ("catching", r"\b(?:catch|catches|caught|catching)\b(?!\s+(?:up\b|\w+\s+breath\b))"),
    (
        "fielding",
        r"\b(?:fielded|fielding|fielder|fielders)\b|(?<!\bthe\s)\bfields\s+(?:a|the)\b"
        r"|\bground(?:\s+|-)?balls?\b|\bgrounders?\b",
    ),
    ("dribbling", r"\bdribbl\w*"),
    (
        "shooting",
        r"\b(?:shoot|shoots|shooting)\b|\b(?:take|takes|took|taking)\s+a\s+shot\b(?!\s+of\b)"
        r"|\bshot\s+(?:at|on|towards?)\s+(?:the\s+)?(?:goal|net|basket|hoop)\b",
    ),
    (
        "dodge",
        r"\b(?:dodg\w*|evade|evades|evaded|evading|evasive|sidestep\w*|side-step\w*)"
        r"|(?<!\ba\s)(?<!\bthe\s)(?<!\blike\s)\b(?:duck|ducks|ducked|ducking)\b",
    ),
    (
        "crawl",
        r"\b(?:crawl|crawls|crawled|crawling)\b|\bon\s+all\s+fours\b"
        rf"|\bon\s+(?:{_POSS}\s+)?hands\s+and\s+knees\b",
    ),
    (
        "kneel",
        r"\b(?:kneel|kneels|kneeled|knelt|kneeling)\b|\bon\s+(?:one|both)\s+knees?\b"
        r"|\b(?:get|gets|got|getting|go|goes|went|going|drop|drops|dropped|dropping"
        r"|sink|sinks|sank|sinking)\s+"
        r"(?:down\s+)?(?:on|to|onto)\s+(?:one|both|a|his|her|their|the)\s+(?:left\s+|right\s+)?knees?\b"
        r"|\b(?:lower|lowers|lowered|lowering)\s+(?:\w+\s+){0,2}knees?\s+to\s+the\s+(?:floor|ground)\b",
    ),
    (
        "lie_down",
        r"\b(?:lie|lies|lay|lays|laid|lying|laying)\s+(?:\w+\s+)?down\b"
        r"|\b(?:lie|lies|lay|lays|lying|laying)\s+(?:flat|prone|supine|face\s+(?:up|down)"
        r"|on\s+(?:the|his|her|their|a)"
        r"\s+(?:back|stomach|belly|side|floor|ground|bed|couch|sofa|mat))\b",
    ),
    ("eat", r"\b(?:eat|eats|ate|eaten|eating)\b|\b(?:take|takes|took|taking)\s+a\s+bite\b"),
    ("read", r"\b(?:read|reads|reading)\b(?!\s+glasses\b)"),
    (
        "type",
        r"(?<!\ba\s)(?<!\bthe\s)(?<!\bthis\s)(?<!\bthat\s)(?<!\bsame\s)\b(?:type|types|typed|typing)\b"
        r"(?!\s+of\b)",
    ),
    ("climb", r"\b(?:climb|climbs|climbed|climbing|clamber\w*)\b"),
    ("swim", r"\b(?:swim|swims|swam|swum|swimming|breaststroke|backstroke|front\s+crawl|doggy\s+paddle)\b"),
    (
        "fly",
        r"\b(?:fly|flies|flew|flying)\b(?!\s+(?:kicks?|balls?)\b)|\b(?:flap|flaps|flapped|flapping)\b"
        r"|\blike\s+an?\s+(?:bird|airplane|aeroplane|plane)\b",
    ),
    (
        "idle",
        r"\bidle\b|\b(?:stand|stands|standing|stood)\s+(?:still|in\s+place)\b|\b(?:wait|waits|waited|waiting)\b",
    ),
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
