"""The one action vocabulary shared by every source, the synthetic animator, curation and the models."""

from __future__ import annotations

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
)
ACTION_INDEX: dict[str, int] = {a: i for i, a in enumerate(ACTIONS)}


def action_id(action: str) -> int:
    """Index of `action` in the vocabulary; a clear error for a word outside it."""
    try:
        return ACTION_INDEX[action]
    except KeyError:
        raise ValueError(f"unknown action [{action}]; the vocabulary is {list(ACTIONS)}") from None
