"""Deterministic, group-aware train/val/test assignment.

A clip's split is a pure function of (seed, group): the SHA-256 of `"{seed}:{group}"` read as a number
in [0, 1) is compared with the test and val fractions. Every window of one original take shares its
group, so no take is ever in two splits, and adding clips never moves existing ones.
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "val", "test")


def unit_hash(seed: int, key: str) -> float:
    """A stable number in [0, 1) for (seed, key)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_split(group: str, seed: int, val_fraction: float, test_fraction: float) -> str:
    """The split ("train", "val" or "test") of every clip of `group`."""
    u = unit_hash(seed, group)
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


def assign_splits(groups: list[str], seed: int, val_fraction: float, test_fraction: float) -> list[str]:
    """`assign_split` for many clips, hashing each distinct group once."""
    memo: dict[str, str] = {}
    out = []
    for g in groups:
        s = memo.get(g)
        if s is None:
            s = memo[g] = assign_split(g, seed, val_fraction, test_fraction)
        out.append(s)
    return out
