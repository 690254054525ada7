"""Training batches: distributed sharding equals one process's global batch; draws are per sample."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from trainkit import phase_config, walking_set, write_sets

from stickgen.core.features import FeatureStats
from stickgen.embed.dataset import StickFigureDataset
from stickgen.train.data import TrainingSet, collate_train, epoch_plan, padding_fraction, steps_per_epoch
from stickgen.train.optim import lr_at


def clip_lengths(n: int) -> np.ndarray:
    return np.random.default_rng(9).integers(20, 121, n)


@pytest.mark.parametrize("bucketed", [False, True])
@pytest.mark.parametrize(("n", "batch", "accum", "world"), [(37, 4, 1, 2), (40, 3, 2, 2), (50, 2, 3, 4)])
def test_processes_together_take_the_single_process_global_batches(n, batch, accum, world, bucketed) -> None:
    lengths = clip_lengths(n) if bucketed else None
    single = epoch_plan(n, batch * world, accum, 1, 0, seed=5, epoch=3, lengths=lengths)
    ranks = [epoch_plan(n, batch, accum, world, r, seed=5, epoch=3, lengths=lengths) for r in range(world)]
    assert all(len(r) == len(single) == steps_per_epoch(n, batch, accum, world) for r in ranks)
    for s, step in enumerate(single):
        for m, micro in enumerate(step):
            assert micro == sum((ranks[r][s][m] for r in range(world)), [])
            assert all(len(ranks[r][s][m]) == batch for r in range(world))
    seen = [i for step in single for micro in step for i in micro]
    assert len(seen) == len(set(seen)) == (n // (batch * world)) * batch * world
    assert single != epoch_plan(n, batch * world, accum, 1, 0, seed=5, epoch=4, lengths=lengths)  # new order


def steps_of(plan: list[list[list[int]]]) -> list[set[int]]:
    return [{i for micro in step for i in micro} for step in plan]


def test_bucketing_batches_similar_lengths_and_keeps_steps_whole() -> None:
    n, lengths = 600, clip_lengths(600)
    plain = epoch_plan(n, 8, 1, 1, 0, seed=1, epoch=0)
    bucketed = epoch_plan(n, 8, 1, 1, 0, seed=1, epoch=0, lengths=lengths)

    def padding(plan) -> float:  # the padded fraction of every micro-batch's (clip, frame) slots
        micros = [m for step in plan for m in step]
        return 1 - sum(lengths[m].sum() for m in micros) / sum(len(m) * lengths[m].max() for m in micros)

    assert sorted(i for s in steps_of(bucketed) for i in s) == sorted(i for s in steps_of(plain) for i in s)
    assert padding(plain) > 0.2 and padding(bucketed) < 0.02
    # the steps are shuffled: neither sorted by length nor in the same order every epoch
    firsts = [lengths[step[0]].min() for step in bucketed]
    assert firsts != sorted(firsts)
    assert bucketed != epoch_plan(n, 8, 1, 1, 0, seed=1, epoch=1, lengths=lengths)
    # a step holds the same clips whatever its split into micro-batches and processes
    assert steps_of(epoch_plan(n, 4, 2, 1, 0, seed=1, epoch=0, lengths=lengths)) == steps_of(bucketed)
    with pytest.raises(ValueError, match="3 lengths for 600 clips"):
        epoch_plan(n, 8, 1, 1, 0, seed=1, epoch=0, lengths=lengths[:3])


def test_a_set_smaller_than_one_global_batch_is_refused() -> None:
    with pytest.raises(ValueError, match=r"has 5 clips, fewer than one global batch \(4 x 2 processes\)"):
        steps_per_epoch(5, 4, 1, 2)


def test_per_sample_draws_do_not_depend_on_the_batch(tmp_path) -> None:
    sets = write_sets(tmp_path, walking_set(12, "a"), walking_set(4, "v"))
    stats = FeatureStats.from_dict(json.loads(sets["stats"].read_text()))
    data = TrainingSet(StickFigureDataset(sets["train"], stats, 2, 30, seed=1), 1, 32, 0.5, 0.3)
    data.set_epoch(2)
    alone = collate_train([data[7]])
    together = collate_train([data[3], data[7], data[0]])
    n = int(alone.batch.lengths[0])
    torch.testing.assert_close(together.noise[1, :n], alone.noise[0], rtol=0, atol=0)
    assert float(together.level[1]) == float(alone.level[0])
    assert bool(together.keep_action[1]) == bool(alone.keep_action[0])
    assert not together.noise[1, n:].any()  # padding carries no noise
    data.set_epoch(3)
    assert float(data[7]["level"]) != float(alone.level[0])


def test_a_batch_without_padding_is_dense(tmp_path) -> None:
    """`dense` (no padding mask in the networks) is decided on the CPU at collation."""
    sets = write_sets(tmp_path, walking_set(12, "a"), walking_set(4, "v"))
    stats = FeatureStats.from_dict(json.loads(sets["stats"].read_text()))
    data = TrainingSet(StickFigureDataset(sets["train"], stats, 2, 30, seed=1), 1, 32, 0.5, 0.3)
    items = [data[i] for i in range(12)]
    by_length: dict[int, list[dict]] = {}
    for it in items:
        by_length.setdefault(it["features"].shape[0], []).append(it)
    assert len(by_length) > 1, "the set needs clips of several lengths"
    same = max(by_length.values(), key=len)
    assert collate_train(same[:2]).dense and collate_train(same[:1]).dense
    assert not collate_train(items).dense
    assert padding_fraction([collate_train(same[:2])]) == 0.0
    t = max(it["features"].shape[0] for it in items)
    expected = 1 - sum(it["features"].shape[0] for it in items) / (len(items) * t)
    assert padding_fraction([collate_train(items)]) == pytest.approx(expected)
    assert collate_train(same[:2]).to("cpu").dense


def test_hidden_actions_become_unknown(tmp_path) -> None:
    sets = write_sets(tmp_path, walking_set(12, "a"), walking_set(4, "v"))
    stats = FeatureStats.from_dict(json.loads(sets["stats"].read_text()))
    base = StickFigureDataset(sets["train"], stats, 2, 30, seed=1)
    assert not collate_train([TrainingSet(base, 1, 32, 1.0, 0.0)[i] for i in range(12)]).action.any()
    assert collate_train([TrainingSet(base, 1, 32, 0.0, 0.0)[i] for i in range(12)]).action.all()


def test_learning_rate_warms_up_then_decays_to_a_tenth() -> None:
    cfg = phase_config(lr=1.0, warmup_steps=4)
    lrs = [lr_at(s, 20, cfg) for s in range(21)]
    assert lrs[:4] == [0.25, 0.5, 0.75, 1.0]
    assert all(a >= b for a, b in zip(lrs[3:], lrs[4:], strict=False))
    assert lrs[20] == pytest.approx(0.1)
