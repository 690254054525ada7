"""The train/val/test split: deterministic, group-aware, stable when data is added, close to its fractions;
and in the curated sets no original take ever reaches two splits (mirrors and sft included)."""

from __future__ import annotations

import random

import numpy as np
from helpers import EQUAL_QUALITY as QUALITY
from helpers import curate_config
from motions import clean_motion, clip_of

from stickgen.core import canonical
from stickgen.core.config import CurateConfig
from stickgen.curate.curation import plan, quality_weights, scan
from stickgen.curate.splits import assign_split, assign_splits

GROUPS = [f"ds/take{k:05d}" for k in range(5000)]


def test_split_is_a_pure_function_of_seed_and_group() -> None:
    first = assign_splits(GROUPS, 7, 0.1, 0.1)
    shuffled = GROUPS[:]
    random.Random(0).shuffle(shuffled)
    again = dict(zip(shuffled, assign_splits(shuffled, 7, 0.1, 0.1), strict=True))
    assert first == [again[g] for g in GROUPS]
    assert first != assign_splits(GROUPS, 8, 0.1, 0.1)  # the seed matters


def test_adding_groups_never_moves_existing_ones() -> None:
    before = assign_splits(GROUPS[:3000], 7, 0.1, 0.1)
    after = assign_splits(GROUPS, 7, 0.1, 0.1)
    assert after[:3000] == before


def test_fractions_are_honoured_on_many_groups() -> None:
    splits = np.array(assign_splits(GROUPS, 7, 0.15, 0.1))
    assert abs((splits == "val").mean() - 0.15) < 0.015 and abs((splits == "test").mean() - 0.1) < 0.015
    assert assign_split("any", 7, 0.0, 0.0) == "train"


def _cfg(**over) -> CurateConfig:
    return curate_config(**{"val_fraction": 0.25, "test_fraction": 0.25, **over})


def test_no_take_is_in_two_curated_splits() -> None:
    """Takes windowed into several overlapping clips (as converters do) stay whole across the splits."""
    clips = []
    for take in range(40):
        long = clean_motion(120, seed=take)
        for start in (0, 30, 60):  # three windows of one take: one group
            clips.append(
                clip_of(
                    long[start : start + 60],
                    f"ds/take{take:03d}#{start}-{start + 60}",
                    group=f"ds/take{take:03d}",
                    texts=[f"take {take} turns left"],
                )
            )
    store = canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="canonical"))
    table = scan([store], quality_weights(QUALITY))
    result = plan(table, _cfg(), seed=3, fps=20.0, max_actors=2, weights=quality_weights(QUALITY))
    group_sets = {}
    for name, sp in result.sets.items():
        for row in sp.rows:
            group_sets.setdefault(table.groups[row], set()).add(
                "train" if name in ("pretrain", "sft") else name
            )
    assert all(len(s) == 1 for s in group_sets.values()), group_sets
    assert {s for v in group_sets.values() for s in v} == {"train", "val", "test"}
    # the same inputs in another order give the same assignment
    again = plan(
        scan(
            [canonical.CanonicalStore(canonical.encode_clips(clips[::-1], 20.0, 2))], quality_weights(QUALITY)
        ),
        _cfg(),
        3,
        20.0,
        2,
        quality_weights(QUALITY),
    )
    ids = {n: sorted(table.ids[r] for r in sp.rows) for n, sp in result.sets.items()}
    ids_again = {n: sorted([c.id for c in clips[::-1]][r] for r in sp.rows) for n, sp in again.sets.items()}
    assert ids == ids_again
