"""Training batches: distributed sharding equals one process's global batch; draws are per sample."""

from __future__ import annotations

import json

import pytest
import torch
from trainkit import phase_config, walking_set, write_sets

from stickgen.dataset import StickFigureDataset
from stickgen.features import FeatureStats
from stickgen.train.data import TrainingSet, collate_train, epoch_plan, steps_per_epoch
from stickgen.train.optim import lr_at


@pytest.mark.parametrize(("n", "batch", "accum", "world"), [(37, 4, 1, 2), (40, 3, 2, 2), (50, 2, 3, 4)])
def test_processes_together_take_the_single_process_global_batches(n, batch, accum, world) -> None:
    single = epoch_plan(n, batch * world, accum, 1, 0, seed=5, epoch=3)
    ranks = [epoch_plan(n, batch, accum, world, r, seed=5, epoch=3) for r in range(world)]
    assert all(len(r) == len(single) == steps_per_epoch(n, batch, accum, world) for r in ranks)
    for s, step in enumerate(single):
        for m, micro in enumerate(step):
            assert micro == sum((ranks[r][s][m] for r in range(world)), [])
            assert all(len(ranks[r][s][m]) == batch for r in range(world))
    seen = [i for step in single for micro in step for i in micro]
    assert len(seen) == len(set(seen)) == (n // (batch * world)) * batch * world
    assert single != epoch_plan(n, batch * world, accum, 1, 0, seed=5, epoch=4)  # a new order each epoch


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
