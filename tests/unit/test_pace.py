"""Pace words: what a caption asks for (`model.pace`), the pace the memory records for each clip, and the
template a pace word reads (`MotionMemory.nearest`), through the generator as it ships."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from inferkit import FakeEncoder, cached_checkpoint
from trainkit import caption_vector

from stickgen.core.features import STATE_FEATURES
from stickgen.core.vocab import ACTION_INDEX
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.memory import GENERATION_MARGIN, MotionMemory
from stickgen.model.named import PACE_WINDOW, Named, named
from stickgen.model.pace import FAST, NORMAL, SLOW, caption_pace, clip_pace

DIM = 16


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("a person walks quickly", FAST),
        ("A MAN WALKS BRISKLY", FAST),
        ("someone sprints as fast as they can", FAST),
        ("a person walks in a hurry", FAST),
        ("someone strolls through the park", SLOW),
        ("a person jogs at a gentle pace", SLOW),
        ("a person slowly sits down", SLOW),
        ("in slow motion, a man jumps", SLOW),
        ("a person walks", NORMAL),
        ("a person eats breakfast", NORMAL),  # a word, not a part of one
        ("a person walks, not too fast", NORMAL),
        ("he doesn't walk slowly", NORMAL),
        ("he doesn\u2019t run fast", NORMAL),  # a typographic apostrophe
        ("a person runs slowly as fast as possible", NORMAL),  # both: neither
        ("", NORMAL),
    ],
)
def test_a_caption_names_its_pace_in_words(text: str, pace: int) -> None:
    assert caption_pace(text) == pace


def _memory(keys: list[np.ndarray], actions: list[str], paces: list[int]) -> MotionMemory:
    """One-actor clips of these caption keys, actions and paces, clip i's every feature i."""
    memory = MotionMemory(DIM)
    clips = [np.full((20, 1, STATE_FEATURES), i, dtype=np.float32) for i in range(len(keys))]
    groups = [f"take {i}" for i in range(len(keys))]
    memory.fill(torch.from_numpy(np.stack(keys)), clips, groups, np.zeros(2), None, actions, paces)
    return memory


def test_a_clips_pace_is_the_one_most_of_its_captions_name() -> None:
    assert clip_pace(["a human walks ahead quickly", "walks fast", "a person walks"]) == FAST
    assert clip_pace(["jogs at a gentle pace", "runs slowly", "runs"]) == SLOW
    assert clip_pace(["walks slowly", "walks fast"]) == NORMAL  # as many of each
    assert clip_pace(["a person walks at a steady pace"]) == NORMAL and clip_pace([]) == NORMAL


def test_a_pace_word_reads_a_clip_described_at_that_pace_about_as_well() -> None:
    """The sentence encoder puts "walks quickly" nearer a normal walk's captions than a fast walk's: a
    caption naming a pace reads the clips of that pace of its nearest clip's action within PACE_WINDOW of
    that clip, nearest first; one far worse described, or none at all, leaves the nearest clip."""
    walk = caption_vector("a person walks", DIM)
    other = caption_vector("somewhere else", DIM)

    def key(weight: float) -> np.ndarray:  # a caption key about `weight` less similar than walk's own
        v = walk + weight * other
        return v / np.linalg.norm(v)

    paces = [NORMAL, NORMAL, SLOW, FAST, FAST, SLOW]  # the nearest, its mirror, slow, fast, fast, far slow
    keys = [key(0.0), key(0.0), key(0.3), key(0.35), key(0.45), key(2.0)]
    memory = _memory(keys, ["walk"] * 6, paces)
    q, one = torch.from_numpy(walk[None]), torch.ones(1, dtype=torch.long)
    sims = (torch.nn.functional.normalize(q, dim=-1) @ memory.keys.T)[0]
    assert float(sims[0] - sims[4]) <= PACE_WINDOW < float(sims[0] - sims[5])

    def read(text: str, m: MotionMemory = memory) -> list[int]:
        return m.nearest(q, one, 4, margin=GENERATION_MARGIN, named=named([text]))[0]

    # not the slow walk, though described alike and near: another take is of the nearest clip's pace too
    assert sorted(read("a person walks")) == [0, 1]
    # the nearer fast walk (the margin counts from it) and the other take of its motion (`TAKES_WINDOW`)
    assert read("a person walks quickly") == [3, 4]
    assert read("a person walks slowly") == [2]  # the slow walk far worse described is not read
    quick = named(["a person walks quickly"])
    assert memory.nearest(q, one, 4, named=quick)[0] == [3, 4]  # without a margin: both fast walks
    assert sorted(read("a person walks quickly", _memory(keys[:2], ["walk"] * 2, paces[:2]))) == [0, 1]
    both = named(["a person walks", "a person walks quickly"])
    beside = memory.nearest(q.repeat(2, 1), one.repeat(2), 2, margin=GENERATION_MARGIN, named=both)
    assert beside == [
        memory.nearest(q, one, 2, margin=GENERATION_MARGIN, named=named(["a person walks"]))[0],
        [3, 4],
    ]
    walk_fast = Named(torch.tensor([ACTION_INDEX["walk"]]), torch.tensor([FAST]))
    waves = _memory(keys, ["wave"] * 6, paces)  # no walk: the pace among the nearest clip's action
    assert waves.nearest(q, one, 4, margin=GENERATION_MARGIN, named=walk_fast)[0] == [3, 4]
    with pytest.raises(ValueError, match="paces must be"):
        _memory(keys[:1], ["walk"], [2])


def test_the_generator_hands_each_prompts_pace_to_the_templates_choice(tmp_path_factory) -> None:
    """Which clips a pace reads: the test above; the memory's paces: tests/unit/test_memory.py."""
    sampling = SamplingSettings(refinement=None)
    ckpt = cached_checkpoint(tmp_path_factory, "fake")
    gen = InferenceGenerator(ckpt, sampling, Checks(safety=False), Runtime("cpu", FakeEncoder()))
    memory = gen.model.transformer.memory
    asked, nearest = [], memory.nearest

    def spy(*a, **k):  # `choose` passes `named` ninth, by position
        asked.append(k.get("named", a[8] if len(a) > 8 else None))
        return nearest(*a, **k)

    memory.nearest = spy
    for prompt, pace in (
        ("a person walks quickly", FAST),
        ("a person walks slowly", SLOW),
        ("a person walks", NORMAL),
    ):
        gen.generate(prompt, duration_s=1.0, seed=1)
        assert asked[-2].pace.tolist() == [pace]  # the template's choice (the face lender's comes last)
