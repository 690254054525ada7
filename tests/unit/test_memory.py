"""The motion memory (stickgen.model.memory): which clip a motion reads, what the template holds, that a
training sample never reads its own take, and that the memory travels with the model."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pytest
import torch
from helpers import walking_clip
from trainkit import caption_vector, write_sets

from stickgen.core.face import FaceTrack
from stickgen.core.features import FEATURES_PER_ACTOR, ROOT_XZ, STATE_FEATURES, FeatureStats
from stickgen.core.laterality import BOTH, LEFT, NONE, RIGHT, motion_side
from stickgen.core.vocab import ACTION_INDEX
from stickgen.embed.dataset import StickFigureDataset
from stickgen.model.diffusion import RefinerConfig
from stickgen.model.memory import (
    GENERATION_MARGIN,
    NO_CLIP,
    TAKES_ALIKE,
    TAKES_WINDOW,
    MotionMemory,
    check_memory_state,
    fill_memory_from,
    group_id,
)
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.named import ACTION_WINDOW, BOTH_WINDOW, KNOWN_SIM, Named, named, named_side
from stickgen.model.pace import clip_pace
from stickgen.model.transformer import TransformerConfig
from stickgen.model.warp import MAX_WARP, smooth_path, warp_path, warp_paths
from stickgen.train.checkpoint import load_weights
from stickgen.train.data import TrainingSet, collate_train

DIM = 16


def _memory(
    keys: list[np.ndarray],
    clips: list[np.ndarray],
    groups: list[str],
    sides: list[int] | None = None,
    actions: list[str] | None = None,
) -> MotionMemory:
    memory = MotionMemory(DIM)
    origin = np.zeros(2, dtype=np.float32)
    memory.fill(torch.from_numpy(np.stack(keys)), clips, groups, origin, sides, actions)
    return memory


def _clip(frames: int, actors: int, value: float) -> np.ndarray:
    return np.full((frames, actors, STATE_FEATURES), value, dtype=np.float32)


def test_choose_takes_the_nearest_caption_with_the_actor_count_and_not_the_excluded_group() -> None:
    walk, wave = caption_vector("walk", DIM), caption_vector("wave", DIM)
    memory = _memory(
        [walk, wave, walk, wave],
        [_clip(10, 1, 0), _clip(10, 1, 1), _clip(10, 2, 2), _clip(10, 1, 3)],
        ["a", "b", "c", "d"],
    )
    q = torch.from_numpy(np.stack([walk, wave, walk]))
    one = torch.tensor([1, 1, 2])
    u = torch.zeros(3)
    assert memory.choose(q, one, 1, u).tolist() == [0, 1, 2]  # the two-actor walk for a two-actor row
    # top 2 of the wave: clips 1 and 3, the draw picks among them
    assert memory.choose(q[1:2], one[1:2], 2, torch.tensor([0.99])).tolist() == [3]
    excluded = torch.tensor([group_id("b"), group_id("b"), group_id("c")])
    assert memory.choose(q, one, 1, u, excluded).tolist()[:2] == [0, 3]
    assert memory.choose(q[2:], one[2:], 1, u[2:], excluded[2:]).tolist() == [NO_CLIP]  # none left
    assert MotionMemory(DIM).choose(q, one, 4, u).tolist() == [NO_CLIP] * 3


def test_a_one_sided_motion_reads_a_clip_of_its_side() -> None:
    """A left kick reads the left kick even where a right kick's caption is nearer (the side condition and
    the template agree); a motion leading with both sides, or none named, reads the nearest; a side no
    clip near the caption has falls back to the nearest clip of any side."""
    kick = caption_vector("a person kicks", DIM)
    memory = _memory(
        [kick, 0.9 * kick + 0.1 * caption_vector("left", DIM), caption_vector("wave", DIM)],
        [_clip(10, 1, 0), _clip(10, 1, 1), _clip(10, 1, 2)],
        ["right kick", "left kick", "both"],
        [RIGHT, LEFT, BOTH],
    )
    q, one = torch.from_numpy(np.stack([kick] * 4)), torch.ones(4, dtype=torch.long)
    u = torch.zeros(4)
    assert memory.choose(q, one, 1, u).tolist() == [0] * 4  # no side given: the nearest
    sides = torch.tensor([LEFT, RIGHT, BOTH, NONE])
    assert memory.choose(q, one, 1, u, side=sides).tolist() == [1, 0, 0, 0]
    assert memory.nearest(q[:1], one[:1], 2, side=sides[:1]) == [[1]]  # only clips of its side
    only_right = _memory([kick], [_clip(10, 1, 0)], ["right kick"], [RIGHT])
    assert only_right.choose(q[:1], one[:1], 1, u[:1], side=sides[:1]).tolist() == [0]  # none of its side


def test_the_memory_records_each_clips_measured_side_and_generation_reads_by_side(sets) -> None:
    train = _training_set(sets)
    model = _tiny_model()
    memory = model.transformer.memory
    held = fill_memory_from(memory, train.data, max_clips=100, seed=0)
    assert memory.sides.tolist() == [motion_side(train.data.state(i)[2]) for i in held]
    texts = train.data.store.data["captions"]
    captions = [[texts[c] for c in train.data.caption_indices(i)] for i in held]
    assert memory.paces.tolist() == [clip_pace(c) for c in captions]  # the pace its captions name
    asked = []
    nearest = memory.nearest
    memory.nearest = lambda *a, **k: asked.append(a[5] if len(a) > 5 else k.get("side")) or nearest(*a, **k)
    text = torch.from_numpy(np.stack([caption_vector("a person kicks with the left leg", DIM)]))
    gen = torch.Generator().manual_seed(3)
    model.generate(
        text, torch.tensor([20]), 20, actors=torch.tensor([1]), generator=gen, side=torch.tensor([LEFT])
    )
    assert asked[0].tolist() == [LEFT] and asked[1] is None  # the body's clip by side, the face's lender not


def test_a_caption_that_names_a_side_gives_the_side_condition(tmp_path) -> None:
    """The side a training sample is conditioned on, the side prior's examples and a memory clip's side are
    the side its caption names, else the side its motion leads with (as at generation: the named side,
    else a draw from the prior)."""
    texts = [["a person walks, waving the left hand"], ["a person walks"], ["walks", "walks on the right"]]
    clips = [walking_clip(f"t/w{k}#0-30", frames=30, texts=t) for k, t in enumerate(texts)]
    paths = write_sets(tmp_path, clips, clips[:1])
    train = _training_set(paths)
    measured = motion_side(train.data.state(1)[2])
    assert measured == BOTH  # a walk
    assert [train[i]["side"] for i in range(2)] == [LEFT, measured]
    assert train.data.side_examples()[1].tolist() == [LEFT, measured, measured, RIGHT]
    memory = MotionMemory(DIM)
    fill_memory_from(memory, train.data, max_clips=10, seed=0)
    assert memory.sides.tolist() == [LEFT, measured, RIGHT]


def test_a_training_sample_reads_a_clip_of_its_own_side(sets) -> None:
    """A training sample's body template is drawn by the sample's measured side, as a generation's by the
    side it leads with; the face's lender by any side."""
    train = _training_set(sets)
    memory = MotionMemory(DIM)
    fill_memory_from(memory, train.data, max_clips=100, seed=0)
    asked = []
    nearest = memory.nearest
    memory.nearest = lambda *a: asked.append((a[4], None if a[5] is None else a[5].tolist())) or nearest(*a)
    train.read_memory(memory, top_k=2, dropout=0.0)
    for i in range(len(train)):
        asked.clear()
        train.read_memory(memory, top_k=2, dropout=0.0)  # an empty cache: every draw asks the memory
        item = train[i]
        assert asked == [(False, [item["side"]]), (True, None)]


def test_a_template_plays_its_clip_from_the_start_at_the_origin_and_holds_the_last_frame() -> None:
    clip = np.zeros((12, 1, STATE_FEATURES), dtype=np.float32)
    clip[:, 0, ROOT_XZ[0]] = np.arange(12)  # walks along x
    clip[:, 0, 5] = np.arange(12) * 10  # any other feature is copied as it is
    memory = _memory([caption_vector("x", DIM)], [clip], ["g"])
    memory.origin = torch.tensor([-1.0, 0.5])
    out, valid = memory.template(0, 8, 2)  # from the clip's first frame, though 4 more would fit
    assert out.shape == (8, 2, STATE_FEATURES) and valid.all()
    assert out[:, 0, ROOT_XZ[0]].tolist() == [-1.0 + k for k in range(8)]
    assert out[:, 0, ROOT_XZ[1]].tolist() == [0.5] * 8
    assert out[:, 0, 5].tolist() == [10.0 * k for k in range(8)]
    assert not out[:, 1].any()  # a one-actor clip leaves the second slot empty
    longer, valid = memory.template(0, 20, 1)  # longer than the clip: its last frame is held
    assert valid.all() and longer[:, 0, 5].tolist() == [10.0 * k for k in range(12)] + [110.0] * 8
    # frame by frame as recorded: whatever the seed, never read between frames (a contact stays sharp)
    model = _tiny_model()
    model.transformer.memory = memory
    q, one = torch.from_numpy(caption_vector("x", DIM)[None]), torch.ones(1, dtype=torch.long)
    for seed in range(4):
        read, _ = model.retrieve(q, 8, one, torch.Generator().manual_seed(seed))
        assert read[0, :, 0, 5].tolist() == [10.0 * k for k in range(8)]
    # a continuation's kept frames: the clip waits at its start, then plays from the first generated frame
    waiting, _ = memory.template(0, 8, 1, lead_in=3)
    assert waiting[:, 0, 5].tolist() == [0.0] * 4 + [10.0 * k for k in range(1, 5)]
    none, valid = memory.template(NO_CLIP, 5, 1)
    assert not none.any() and not valid.any()


@pytest.fixture
def sets(tmp_path):
    """A training set of two takes cut into windows and mirrored (so a take has several clips), captions
    shared between the takes, and a validation set."""
    train = []
    for take, speed in (("walkA", 0.8), ("walkB", 1.6)):
        for start in (0, 10):
            for suffix in ("", "+mirror"):
                clip_id = f"t/{take}#{start}-{start + 30}{suffix}"
                train.append(
                    walking_clip(clip_id, frames=30, speed=speed + start / 100, texts=["a person walks"])
                )
    val = [walking_clip("v/walkC#0-30", frames=30, texts=["a person walks"])]
    return write_sets(tmp_path, train, val)


def _training_set(paths, crop=None) -> TrainingSet:
    stats = FeatureStats.from_dict(json.loads(paths["stats"].read_text()))
    data = StickFigureDataset(paths["train"], stats, 2, crop, seed=3)
    return TrainingSet(data, seed=3, n_styles=8, action_dropout=0.5, cond_dropout=0.0)


def test_a_training_sample_reads_a_clip_of_another_take_never_its_own(sets) -> None:
    train = _training_set(sets)
    memory = MotionMemory(DIM)
    held = fill_memory_from(memory, train.data, max_clips=100, seed=0)
    assert held == list(range(len(train))) and len(memory) == 8
    read = []
    aligned = memory.aligned_templates
    memory.aligned_templates = lambda jobs: read.extend(clip for clip, _ in jobs) or aligned(jobs)
    train.read_memory(memory, top_k=8, dropout=0.0)
    groups = train.data.store.data["groups"]
    for epoch in range(3):
        train.set_epoch(epoch)
        for i in range(len(train)):
            item = train[i]
            assert item["template_valid"].all() and item["template"].shape == item["features"].shape
            assert groups[read[-1]] != groups[i]
    assert len(set(read)) > 4  # clips of both takes are read (each by the other take's samples)


def test_the_template_of_a_training_sample_follows_the_samples_timing() -> None:
    """A clip that claps at frames 10 and 30, read for a target that claps at 5 and 35, is warped so that
    its claps fall on the target's."""
    t = np.arange(48)
    source = np.zeros((48, 1, STATE_FEATURES), dtype=np.float32)
    target = np.zeros((40, 2, STATE_FEATURES), dtype=np.float32)
    source[:, 0, 10] = np.exp(-(((t - 10) / 2.0) ** 2)) + np.exp(-(((t - 30) / 2.0) ** 2))
    target[:, 0, 10] = np.exp(-(((t[:40] - 5) / 2.0) ** 2)) + np.exp(-(((t[:40] - 35) / 2.0) ** 2))
    source[:, 0, ROOT_XZ[1]] = t * 0.1  # walks forward while it claps
    memory = _memory([caption_vector("clap", DIM)], [source], ["g"])
    [(template, valid)] = memory.aligned_templates([(0, torch.from_numpy(target))])
    assert valid.all() and template.shape == (40, 2, STATE_FEATURES) and not template[:, 1].any()
    peaks = [int(k) for k in np.flatnonzero(template[:, 0, 10].numpy() > 0.9)]
    assert 5 in peaks and 35 in peaks
    assert (
        float(template[0, 0, ROOT_XZ[1]]) == 0.0 and (np.diff(template[:, 0, ROOT_XZ[1]].numpy()) >= 0).all()
    )


def test_warp_path_is_monotone_bounded_and_finds_the_matching_part() -> None:
    rng = np.random.default_rng(0)
    source = rng.standard_normal((60, 3))
    assert warp_path(source[20:40], source).tolist() == list(range(20, 40))  # the part that matches
    slow = np.repeat(source[:20], 2, axis=0)  # the target plays the source at half speed
    path = warp_path(slow, source)
    assert (np.abs(source[path] - slow).max()) < 1e-9
    fast = source[:60:2]  # twice as fast: the path advances 2 per frame, its bound
    assert warp_path(fast, source).tolist() == list(range(0, 60, 2))
    steps = np.diff(warp_path(rng.standard_normal((30, 3)), source))
    assert steps.min() >= 0 and steps.max() <= MAX_WARP


def test_samples_made_together_are_the_samples_made_one_by_one(sets) -> None:
    """`TrainingSet.samples` finds the templates' time warps of many samples together (`warp_paths`,
    `aligned_templates`); every sample, its template and lent face included, is the one `__getitem__` makes
    alone, bit for bit, whatever the samples beside it."""
    train = _training_set(sets, crop=24)
    memory = MotionMemory(DIM)
    fill_memory_from(memory, train.data, max_clips=100, seed=0)
    train.read_memory(memory, top_k=4, dropout=0.3)
    order = [5, 0, 3, 3, 7, 1, 2, 6, 4]
    for epoch in range(2):
        train.set_epoch(epoch)
        together = train.samples(order)
        for i, sample in zip(order, together, strict=True):
            alone = train[i]
            assert sample.keys() == alone.keys()
            for key, value in alone.items():
                if isinstance(value, torch.Tensor):
                    assert torch.equal(sample[key], value), (epoch, i, key)
                else:
                    assert sample[key] == value, (epoch, i, key)
    assert any(s["template_valid"].any() for s in together) and not all(
        s["template_valid"].any() for s in together
    )


def _reference_path(target: np.ndarray, source: np.ndarray) -> list[int]:
    """Dynamic time warping with open ends and at most `MAX_WARP` frames a step, written out cell by cell;
    of equal totals the path that advances least."""
    cost = ((target[:, None, :] - source[None, :, :]) ** 2).sum(-1)
    totals = cost.copy()
    for i in range(1, len(target)):
        for j in range(len(source)):
            totals[i, j] = cost[i, j] + totals[i - 1, max(j - MAX_WARP, 0) : j + 1].min()
    path = [int(totals[-1].argmin())]
    for i in range(len(target) - 1, 0, -1):
        j = path[-1]
        path.append(j - int(totals[i - 1, max(j - MAX_WARP, 0) : j + 1][::-1].argmin()))
    return path[::-1]


def test_warp_paths_warp_each_pair_as_alone() -> None:
    """Pairs of other lengths and widths warped together (`warp_paths`: one pass over the rows of all)
    give each pair's own path; integer frames, so that every distance is exact and ties abound."""
    rng = np.random.default_rng(1)
    pairs = [
        (rng.integers(0, 3, (t, d)).astype(np.float32), rng.integers(0, 3, (n, d)).astype(np.float32))
        for t, n, d in ((30, 50, 3), (1, 7, 3), (45, 20, 8), (12, 90, 2), (60, 60, 1))
    ]
    for (target, source), path in zip(pairs, warp_paths(pairs), strict=True):
        assert path.tolist() == _reference_path(target, source)
    assert warp_paths([]) == []


def test_no_memory_and_dropped_templates_read_nothing(sets) -> None:
    train = _training_set(sets)
    batch = collate_train([train[i] for i in range(4)])
    assert not batch.template.any() and not batch.template_valid.any()
    memory = MotionMemory(DIM)
    fill_memory_from(memory, train.data, max_clips=100, seed=0)
    train.read_memory(memory, top_k=2, dropout=0.999)
    assert not any(train[i]["template_valid"].any() for i in range(len(train)))


def test_a_memory_larger_than_its_cap_holds_a_seeded_draw(sets) -> None:
    train = _training_set(sets)
    a, b, c = (MotionMemory(DIM) for _ in range(3))
    held = fill_memory_from(a, train.data, max_clips=3, seed=1)
    assert held == fill_memory_from(b, train.data, max_clips=3, seed=1) and len(held) == 3 == len(a)
    assert held == sorted(held) and fill_memory_from(c, train.data, max_clips=0, seed=1) == []
    assert len(c) == 0


def _tiny_model() -> StickFigureModel:
    shared = {"text_dim": DIM, "max_frames": 40, "max_actors": 2}
    cfg = TransformerConfig(
        **shared, d_model=32, n_layers=1, n_heads=2, ffn_hidden=64, dropout=0.0, patch_frames=4
    )
    refiner = RefinerConfig(**shared, d_model=16, n_layers=1, n_heads=2, ffn_hidden=32, patch_frames=4)
    torch.manual_seed(0)
    return StickFigureModel(cfg, refiner).eval()


def test_the_memory_travels_in_the_weights_and_the_template_steers_generation(sets) -> None:
    train = _training_set(sets)
    model = _tiny_model()
    fill_memory_from(model.transformer.memory, train.data, max_clips=100, seed=0)
    torch.nn.init.normal_(model.transformer.template_proj.weight, std=0.5)
    fresh = _tiny_model()
    assert len(fresh.transformer.memory) == 0
    load_weights(fresh, model.state_dict(), "test")
    assert len(fresh.transformer.memory) == 8
    for name, buf in model.transformer.memory.named_buffers():
        assert torch.equal(buf, getattr(fresh.transformer.memory, name)), name
    text = torch.from_numpy(np.stack([caption_vector("a person walks", DIM)] * 2))

    def sample(net: StickFigureModel, seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return net.generate(text, torch.tensor([30, 30]), 30, actors=torch.tensor([1, 1]), generator=gen)

    torch.testing.assert_close(sample(model, 5), sample(fresh, 5), rtol=0, atol=0)  # same memory, same draws
    empty = _tiny_model()
    empty.load_state_dict({k: v for k, v in model.state_dict().items() if ".memory." not in k}, strict=False)
    assert len(empty.transformer.memory) == 0
    assert not torch.allclose(sample(model, 5), sample(empty, 5))  # the template is read
    assert torch.isfinite(sample(empty, 5)).all()  # and a model without one still generates


def test_a_damaged_memory_is_refused_with_what_does_not_fit() -> None:
    memory = _memory(
        [caption_vector("a", DIM), caption_vector("b", DIM)], [_clip(5, 1, 0), _clip(3, 2, 1)], ["a", "b"]
    )
    good = memory.state_dict()
    check_memory_state(good, DIM, 2)
    bad_offsets = {**good, "offsets": good["offsets"] + 1}
    damaged = {
        "lacks \\['groups'\\]": {k: v for k, v in good.items() if k != "groups"},
        "lacks \\['sides'\\]": {k: v for k, v in good.items() if k != "sides"},
        "sides other than BOTH": {**good, "sides": torch.tensor([BOTH, 7])},
        "sides, actions or paces of another clip count": {**good, "sides": torch.tensor([BOTH])},
        "lacks \\['actions'\\]": {k: v for k, v in good.items() if k != "actions"},
        "action ids outside 0..53": {**good, "actions": torch.tensor([0, 54])},
        "keys \\(2, 16\\) for 2 clips of width 8": None,
        "offsets do not match": bad_offsets,
        "actors outside 1..1": None,
        "NaN or infinite": {**good, "states": good["states"].clone().fill_(float("nan"))},
        "states \\(11, 3\\)": {**good, "states": good["states"][:, :3]},
    }
    for reason, state in damaged.items():
        dim, actors = (8 if "width 8" in reason else DIM), (1 if "1..1" in reason else 2)
        with pytest.raises(ValueError, match=reason):
            check_memory_state(state if state is not None else good, dim, actors)


def test_a_warp_path_is_smoothed_into_steady_fractional_frames() -> None:
    """A DTW path that holds a frame and then jumps two reads the template smoothly: the smoothed path
    stays monotone, keeps a steady path as it is, and its steps are closer to even than the raw path's."""
    steady = np.arange(20)
    np.testing.assert_allclose(smooth_path(steady)[2:-2], steady[2:-2])
    jerky = np.array([0, 0, 2, 3, 3, 5, 6, 6, 8, 9, 9, 11, 12, 12, 14])
    smooth = smooth_path(jerky)
    assert (np.diff(smooth) >= 0).all() and smooth.shape == jerky.shape
    assert np.diff(smooth).std() < 0.5 * np.diff(jerky).std()
    assert smooth_path(np.array([4])).tolist() == [4.0]


def test_a_clip_without_a_face_reads_the_face_of_the_nearest_clip_that_has_one() -> None:
    """Motion capture has no face: a caption whose nearest clip is motion capture reads that clip's body
    and the face of the nearest clip with a face (of its actor count), in generation and in training alike;
    a clip with its own face keeps it."""
    talk, shout = caption_vector("talk", DIM), caption_vector("shout", DIM)
    mocap = _clip(10, 1, 0.0)
    mocap[..., :FEATURES_PER_ACTOR] = 2.0
    faced = _clip(10, 1, 0.0)
    faced[..., FEATURES_PER_ACTOR:] = 0.5
    pair = _clip(10, 2, 0.25)  # another actor count: never lends to a one-actor clip
    memory = _memory([talk, 0.6 * talk + shout, talk], [mocap, faced, pair], ["m", "f", "p"])
    assert memory.faced().tolist() == [False, True, True]
    q, one = torch.from_numpy(np.stack([talk])), torch.tensor([1])
    assert memory.choose(q, one, 1, torch.zeros(1)).tolist() == [0]
    lenders = memory.choose(q, one, 1, torch.zeros(1), faced=True)
    assert lenders.tolist() == [1]
    template, valid = memory.templates(torch.tensor([0]), lenders, 8, 2)
    assert valid.all()
    body, face = template[0, :, 0, :FEATURES_PER_ACTOR], template[0, :, 0, FEATURES_PER_ACTOR:]
    assert (body[:, [c for c in range(FEATURES_PER_ACTOR) if c not in ROOT_XZ]] == 2.0).all()
    assert (face == 0.5).all() and not template[0, :, 1].any()
    own, _ = memory.templates(torch.tensor([1]), torch.tensor([1]), 8, 2)
    assert torch.equal(own, memory.template(1, 8, 2)[0][None])
    unlent, _ = memory.templates(torch.tensor([0]), torch.tensor([NO_CLIP]), 8, 2)
    assert not unlent[..., FEATURES_PER_ACTOR:].any()
    reloaded = MotionMemory(DIM)
    reloaded.adopt_shapes(memory.state_dict(), "")
    reloaded.load_state_dict(memory.state_dict())
    assert reloaded.faced().tolist() == [False, True, True]


def test_a_training_sample_whose_nearest_clip_has_no_face_reads_a_lent_face(tmp_path) -> None:
    """Training serves the same templates as generation: a speaking sample whose nearest clip is motion
    capture reads that clip's body and the face of the nearest clip, of another take, that has one."""
    speaking = FaceTrack.unknown(30, 1)
    speaking.expression[:], speaking.mouth_open[:], speaking.speaking[:] = 1, 0.3, True
    mocap = walking_clip("m/talkM#0-30", frames=30, texts=["a person talks"])
    own = walking_clip("s/talkS#0-30", frames=30, texts=["a person talks"])
    lender = walking_clip("s/talkL#0-30", frames=30, speed=0.5, texts=["someone talks loudly"])
    own.face, lender.face = speaking, speaking
    train = _training_set(write_sets(tmp_path, [mocap, own, lender], [mocap]))
    memory = MotionMemory(DIM)
    fill_memory_from(memory, train.data, max_clips=10, seed=0)
    assert memory.faced().tolist() == [False, True, True]
    train.read_memory(memory, top_k=1, dropout=0.0)
    item = train[1]  # the speaking sample: its nearest other take is the motion capture
    (body, _), (face, _) = memory.aligned_templates([(0, item["features"]), (2, item["features"])])
    torch.testing.assert_close(item["template"][..., :FEATURES_PER_ACTOR], body[..., :FEATURES_PER_ACTOR])
    torch.testing.assert_close(item["template"][..., FEATURES_PER_ACTOR:], face[..., FEATURES_PER_ACTOR:])
    assert item["template"][..., FEATURES_PER_ACTOR:].any()


def test_a_generation_also_reads_the_other_takes_of_the_best_clips_motion() -> None:
    """Beyond the margin, a generation draws among the clips of the best clip's action within TAKES_WINDOW
    of its similarity whose captions describe them alike (keys within TAKES_ALIKE of the best's key): the
    seed picks the take. A chain of that action described as near (its key further from the best's), a
    clip of another action and a take beyond the window are not drawn; training draws among the top_k."""

    def unit(**axes: float) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        for name, x in axes.items():
            v[int(name[1:])] = x
        return v / np.linalg.norm(v)

    best = unit(e0=0.9, e1=0.436)
    take = unit(e0=0.87, e1=0.268, e2=0.414)
    chain = unit(e0=0.87, e1=-0.076, e3=0.487)
    other = unit(e0=0.87, e1=0.268, e4=0.414)
    far = unit(e0=0.83, e1=0.32, e5=0.457)
    q = torch.from_numpy(unit(e0=1.0)[None])
    sim = [float(q[0] @ torch.from_numpy(k)) for k in (best, take, chain, other, far)]
    alike = [float(best @ k) for k in (take, chain, other, far)]
    assert sim[0] - GENERATION_MARGIN > max(sim[1:]) and sim[0] - TAKES_WINDOW < min(sim[1:4])
    assert sim[4] < sim[0] - TAKES_WINDOW and min(alike[0], alike[2], alike[3]) >= TAKES_ALIKE > alike[1]
    memory = _memory(
        [best, take, chain, other, far],
        [_clip(10, 1, k) for k in range(5)],
        ["a", "b", "c", "d", "e"],
        actions=["sprint", "sprint", "sprint", "dodge", "sprint"],
    )
    one = torch.ones(1, dtype=torch.long)
    assert sorted(memory.nearest(q, one, 5)[0]) == [0, 1, 2, 3, 4]  # training: the top_k
    assert memory.nearest(q, one, 5, margin=GENERATION_MARGIN) == [[0, 1]]
    assert memory.nearest(q, one, 1, margin=GENERATION_MARGIN) == [[0]]  # at most top_k


def test_a_generation_reads_only_the_clips_its_caption_describes_about_as_well_as_the_best() -> None:
    """Training draws a template among the top_k nearest clips; a generation drops those whose similarity
    to the caption is more than GENERATION_MARGIN below the best's ("a person sprints forward" read a
    sprint-then-dodge chain half the time, its top 4 being two sprints and that chain, mirrored)."""
    sprint = caption_vector("a person sprints", DIM)
    other = caption_vector("a dodge", DIM)
    chain = sprint + 0.4 * other  # the chain's caption also names the dodge
    twin = sprint + 0.01 * other  # another sprint, described about as well
    memory = _memory([sprint, chain, twin], [_clip(10, 1, k) for k in range(3)], ["a", "b", "c"])
    q, one = torch.from_numpy(sprint[None]), torch.ones(1, dtype=torch.long)
    assert memory.nearest(q, one, 3) == [[0, 2, 1]]  # training: the top 3, best first
    assert memory.nearest(q, one, 3, margin=GENERATION_MARGIN) == [[0, 2]]
    model = _tiny_model()
    model.transformer.memory = memory
    read = set()
    for seed in range(12):
        template, valid = model.retrieve(q, 10, one, torch.Generator().manual_seed(seed))
        assert valid.all()
        read.add(int(template[0, 0, 0, 5].round()))
    assert read == {0, 2}  # both near clips, never the chain


def test_a_generation_naming_an_action_reads_a_clip_of_that_action_when_one_is_about_as_near() -> None:
    """The sentence encoder put "a person stands still" nearer a stand-up clip ("the person stands up from
    a seat") than it should; a generation whose caption names an action draws among the clips of that
    action within ACTION_WINDOW of the nearest clip, and by the caption alone when none is (or none is
    named). Training, which names no action, draws as before."""
    still, up = caption_vector("a person stands still", DIM), caption_vector("stands up from a seat", DIM)
    keys = [still + 0.15 * up, still + 0.27 * up, still + 0.2 * up]  # the stand-up nearest the caption
    memory = _memory(
        keys, [_clip(10, 1, k) for k in range(3)], list("abc"), actions=["stand_up", "idle", "idle"]
    )
    q, one = torch.from_numpy(still[None]), torch.ones(1, dtype=torch.long)
    sims = (torch.nn.functional.normalize(q, dim=-1) @ memory.keys.T)[0]
    assert 0 < float(sims[0] - sims[1]) <= ACTION_WINDOW  # the idle clips are about as near
    said, none = named(["a person stands still"]), torch.tensor([0])
    assert said.action.tolist() == [ACTION_INDEX["idle"]] and said.pace.tolist() == [0]
    assert named(["a person does something"]).action.tolist() == [0]  # no action named
    near = partial(memory.nearest, q, one, 3, margin=GENERATION_MARGIN)
    assert memory.nearest(q, one, 3) == [[0, 2, 1]]  # training: by the caption alone
    assert near() == [[0, 2]]
    assert near(named=said) == [[2, 1]]
    assert near(named=Named(none, none)) == [[0, 2]]
    walk = torch.tensor([ACTION_INDEX["walk"]])
    assert near(named=Named(walk, none)) == [[0, 2]]  # no clip of the action: by the caption
    far = _memory(  # an idle clip far worse described than the stand-up: not read for a named action
        [still + 0.1 * up, still + 2.0 * up], [_clip(10, 1, 0), _clip(10, 1, 1)], ["a", "b"],
        actions=["stand_up", "idle"],
    )  # fmt: skip
    assert far.nearest(q, one, 3, margin=GENERATION_MARGIN, named=said) == [[0]]


def _at(sim: float) -> np.ndarray:
    """A key whose cosine similarity with the first axis (the query of the tests below) is `sim`."""
    key = np.zeros(DIM, dtype=np.float32)
    key[0], key[1] = sim, np.sqrt(1.0 - sim**2)
    return key


def test_a_caption_the_memory_knows_poorly_reads_the_action_it_names_however_far() -> None:
    """Where the memory holds nothing like a caption (its nearest clip under KNOWN_SIM), the nearest clip is
    whatever shares a word ("a person limps" read a fall); the action the caption names in words then
    chooses among all the clips of that action, nearest first, even beyond the nearest few that a row
    reads otherwise (top_k x SIDE_POOL). A caption the memory knows keeps ACTION_WINDOW, and one naming
    no action reads by the caption alone."""
    falls = [0.55 - 0.002 * k for k in range(20)]  # more than a row's pool, all nearer than any walk
    walks = [0.30, 0.29, 0.20]
    sims = falls + walks
    memory = _memory(
        [_at(v) for v in sims],
        [_clip(10, 1, k) for k in range(len(sims))],
        [f"g{k}" for k in range(len(sims))],
        actions=["fall"] * len(falls) + ["walk"] * len(walks),
    )
    assert max(sims) < KNOWN_SIM
    q, one = torch.from_numpy(_at(1.0)[None]), torch.ones(1, dtype=torch.long)
    near = partial(memory.nearest, q, one, 2, margin=GENERATION_MARGIN)
    limps, nothing = named(["a person limps"]), named(["a person does something"])
    assert limps.action.tolist() == [ACTION_INDEX["walk"]]
    assert near(named=limps) == [[20, 21]]  # the walks, nearest first, within the margin of the nearest
    assert near(named=nothing) == [[0, 1]]  # no action named: the caption's nearest clips
    assert near() == [[0, 1]]
    known = _memory(  # the same order, the nearest clip well described: the walks lie beyond the window
        [_at(v + 0.4) for v in sims], [_clip(10, 1, k) for k in range(len(sims))],
        [f"g{k}" for k in range(len(sims))], actions=["fall"] * len(falls) + ["walk"] * len(walks),
    )  # fmt: skip
    assert known.nearest(q, one, 2, margin=GENERATION_MARGIN, named=limps) == [[0, 1]]


@pytest.mark.parametrize(
    ("caption", "side"),
    [
        ("a person waves with both hands", BOTH),
        ("punches with both of his fists", BOTH),
        ("a kid jumps with two feet", BOTH),
        ("a two-handed overhead throw", BOTH),
        ("a person waves with the right hand", RIGHT),
        ("waves the left hand, then both hands", LEFT),  # a side named alone wins
        ("a person waves", NONE),
        ("both people wave", NONE),
    ],
)
def test_the_side_a_caption_names_may_be_both(caption, side) -> None:
    assert named_side(caption) == side
    assert named([caption]).side.tolist() == [side]


def test_a_generation_naming_both_sides_reads_a_clip_of_both_sides_when_one_is_near_enough() -> None:
    """ "a person waves with both hands" lay nearer one-handed waves than two-handed ones: a generation whose
    caption names both sides draws among the clips of the action that lead with both within BOTH_WINDOW of
    the nearest clip, even beyond the nearest few (`Named.reads_all`); one naming no side reads the nearest,
    and where no clip of both sides is near enough, so does a caption naming both."""
    one_handed = [0.9 - 0.001 * k for k in range(40)]  # more than a row's pool, all nearer
    sims = [*one_handed, 0.84, 0.6]
    memory = _memory(
        [_at(v) for v in sims],
        [_clip(10, 1, k) for k in range(len(sims))],
        [f"g{k}" for k in range(len(sims))],
        sides=[RIGHT] * len(one_handed) + [BOTH, BOTH],
        actions=["wave"] * len(sims),
    )
    q, one = torch.from_numpy(_at(1.0)[None]), torch.ones(1, dtype=torch.long)
    near = partial(memory.nearest, q, one, 2, margin=GENERATION_MARGIN)
    assert 0.9 - 0.84 <= BOTH_WINDOW < 0.9 - 0.6
    assert near(named=named(["a person waves with both hands"])) == [[40]]
    assert near(named=named(["a person waves"])) == [[0, 1]]
    far = _memory(
        [_at(v) for v in [0.9, 0.6]], [_clip(10, 1, 0), _clip(10, 1, 1)], ["a", "b"], sides=[RIGHT, BOTH],
        actions=["wave", "wave"],
    )  # fmt: skip
    assert far.nearest(q, one, 2, margin=GENERATION_MARGIN, named=named(["waves with both hands"])) == [[0]]


def test_a_generation_given_an_action_reads_a_clip_of_it_however_far() -> None:
    """An action given (`--action`) is the user's word, not a guess from the caption: the template is a clip
    of that action, the nearest ones first, however worse its caption matches; an action the memory holds
    no clip of (of the motion's actor count) leaves the caption to choose. `generate` hands the action given
    and the one its caption names to `retrieve`."""
    still, up = caption_vector("a person stands still", DIM), caption_vector("stands up from a seat", DIM)
    keys = [still + 0.1 * up, still + 2.0 * up, still + 3.0 * up]
    memory = _memory(
        keys, [_clip(10, 1, k) for k in range(3)], list("abc"), actions=["idle", "stand_up", "stand_up"]
    )
    q, one = torch.from_numpy(still[None]), torch.ones(1, dtype=torch.long)
    up_id, walk = torch.tensor([ACTION_INDEX["stand_up"]]), torch.tensor([ACTION_INDEX["walk"]])
    assert memory.nearest(q, one, 3, margin=GENERATION_MARGIN, action=up_id) == [[1]]
    assert memory.nearest(q, one, 3, action=up_id) == [[1, 2]]
    assert memory.nearest(q, one, 3, margin=GENERATION_MARGIN, action=walk) == [[0]]
    said = named(["a person stands still"])
    assert memory.nearest(q, one, 3, action=up_id, named=said) == [[1, 2]]  # the given one wins
    model = _tiny_model()
    model.transformer.memory = memory
    retrieve, asked = model.retrieve, []
    model.retrieve = lambda *a, **k: (asked.append(k), retrieve(*a, **k))[1]
    for given, read in ((None, {0}), (up_id, {1})):
        seen = set()
        for seed in range(8):
            model.generate(q, torch.tensor([10]), 10, action=given, named=said,
                           generator=torch.Generator().manual_seed(seed))  # fmt: skip
            assert asked[-1]["action"] is given and asked[-1]["named"] is said
            template, _ = retrieve(q, 10, one, torch.Generator().manual_seed(seed), **asked[-1])
            seen.add(int(template[0, 0, 0, 5].round()))
        assert seen == read


def test_a_generation_reads_a_well_described_clip_of_no_side_before_a_worse_one_of_its_side() -> None:
    """The side a generation leads with may be the side prior's draw ("a person sprints forward" leads with
    either foot); a sprint that leads with neither is read, not the sprint-then-dodge-left chain that leads
    with the drawn side. A caption's mirror twins are described alike, so a named side still reads its own."""
    sprint, dodge = caption_vector("a person sprints", DIM), caption_vector("a dodge", DIM)
    memory = _memory(
        [sprint, sprint + 0.4 * dodge], [_clip(10, 1, 0), _clip(10, 1, 1)], ["a", "b"], [BOTH, LEFT]
    )
    q, one, left = torch.from_numpy(sprint[None]), torch.ones(1, dtype=torch.long), torch.tensor([LEFT])
    assert memory.nearest(q, one, 4, side=left) == [[1]]  # training: the clip of the sample's side
    assert memory.nearest(q, one, 4, side=left, margin=GENERATION_MARGIN) == [[0]]
    kick, named = caption_vector("a person kicks", DIM), caption_vector("left", DIM)
    twins = _memory(
        [kick, kick + 0.01 * named], [_clip(10, 1, 0), _clip(10, 1, 1)], ["r", "l"], [RIGHT, LEFT]
    )
    q = torch.from_numpy(kick[None])
    assert twins.nearest(q, one, 4, side=left, margin=GENERATION_MARGIN) == [[1]]
    assert twins.nearest(q, one, 4, side=torch.tensor([RIGHT]), margin=GENERATION_MARGIN) == [[0]]
