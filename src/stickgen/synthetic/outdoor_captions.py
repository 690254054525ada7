"""Caption phrases of the climbing, swimming and baseball actions (`outdoor`, `baseball`), merged into
`captions` like `activity_captions`. Every phrase names its action in words `stickgen.core.vocab.infer_action`
reads back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _climb(info: dict[str, Any]) -> list[str]:
    return [
        "climbs a ladder",
        "climbs up, hand over hand",
        "is climbing up a ladder, one rung at a time",
        "climbs a ladder, reaching up with each hand in turn",
        "climbs steadily upwards",
    ]


def _swim(info: dict[str, Any]) -> list[str]:
    return [
        "swims freestyle",
        "swims the front crawl",
        "is swimming, arms circling in turn",
        "swims forward with alternating arm strokes",
        "swims, kicking the legs",
    ]


def _running_bases(info: dict[str, Any]) -> list[str]:
    return [
        "runs the bases",
        "rounds first base and heads for second",
        "runs around the bases, curving to the left",
        "sprints around the bases",
        "rounds second base and heads for third",
    ]


def _pitching(info: dict[str, Any]) -> list[str]:
    side = info["side"]
    return [
        "pitches a baseball",
        f"throws a pitch with the {side} arm",
        "winds up and pitches",
        f"pitches {side}-handed, lifting the front knee",
        "pitches a fastball overhand from the mound",
    ]


def _fielding(info: dict[str, Any]) -> list[str]:
    return [
        "fields a ground ball",
        "fields the ball from a crouch, shuffling sideways",
        "is fielding, scooping up a grounder with both hands",
        "fields a ball low to the ground",
        "shuffles to the side and fields a grounder",
    ]


OUTDOOR_PHRASES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "climb": _climb,
    "swim": _swim,
    "running_bases": _running_bases,
    "pitching": _pitching,
    "fielding": _fielding,
}
