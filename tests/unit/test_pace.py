"""Pace words: what a caption asks for, how fast each memory clip moves (`model.pace`), and
the template a pace word reads (`MotionMemory.nearest`), through the generator as it ships."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from inferkit import FakeEncoder, cached_checkpoint
from trainkit import caption_vector

from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES
from stickgen.core.vocab import ACTION_INDEX
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.memory import GENERATION_MARGIN, PACE_WINDOW, MotionMemory, Named, named
from stickgen.model.pace import FAST, NORMAL, SLOW, caption_pace, clip_tempos, pace_classes

DIM = 16


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("a person walks quickly", FAST),
        ("A MAN WALKS BRISKLY", FAST),
        ("someone sprints as fast as they can", FAST),
        ("a person walks in a hurry", FAST),
        ("someone strolls through the park", SLOW),
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


def _moving_clip(frames: int, actors: int, step: float, swing: float = 0.0) -> np.ndarray:
    """A clip whose roots travel `step` a frame along x and whose joints swing by `swing` around them (std 1,
    so its features are metres)."""
    clip = np.zeros((frames, actors, STATE_FEATURES), dtype=np.float32)
    clip[:, :, 0] = (step * np.arange(frames))[:, None]
    clip[:, :, 3:FEATURES_PER_ACTOR] = (swing * (np.arange(frames) % 2))[:, None, None]
    return clip


def _memory(clips: list[np.ndarray], keys: list[np.ndarray], actions: list[str]) -> MotionMemory:
    memory = MotionMemory(DIM)
    groups = [f"take {i}" for i in range(len(clips))]
    memory.fill(torch.from_numpy(np.stack(keys)), clips, groups, np.zeros(2, np.float32), None, actions)
    return memory


def test_a_clips_tempo_is_how_fast_its_joints_move_and_its_pace_a_third_of_its_action() -> None:
    clips = [
        _moving_clip(10, 1, 0.05),
        _moving_clip(12, 2, 0.10),
        _moving_clip(1, 1, 0.3),  # one frame: nothing moves
        _moving_clip(10, 1, 0.0, swing=0.2),  # in place: every joint but the root 0.2 m on each axis a frame
    ]
    memory = _memory(clips, [caption_vector(str(i), DIM) for i in range(4)], ["walk"] * 4)
    tempos = clip_tempos(memory.states, memory.offsets, memory.actors, np.ones(FEATURES_PER_ACTOR))
    np.testing.assert_allclose(tempos.numpy(), [0.05, 0.10, 0.0, 0.2 * 3**0.5 * 21 / 22], rtol=1e-3)
    half = clip_tempos(memory.states, memory.offsets, memory.actors, np.full(FEATURES_PER_ACTOR, 0.5))
    np.testing.assert_allclose(half.numpy(), tempos.numpy() / 2, rtol=1e-3)  # in the statistics' metres
    kinds = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    paces = pace_classes(torch.tensor([5.0, 1.0, 3.0, 2.0, 6.0, 4.0, 1.0, 9.0]), kinds)
    assert paces.tolist() == [FAST, SLOW, NORMAL, SLOW, FAST, NORMAL, NORMAL, NORMAL]  # two: no thirds


def test_a_pace_word_reads_a_clip_of_that_pace_about_as_well_described() -> None:
    """ "walks quickly" reads a faster walk than "walks" when one is within PACE_WINDOW of the nearest
    walk, "walks slowly" a slower one; a walk of another pace far worse described, or none faster, leaves
    the nearest; the memory's paces must be measured first."""
    walk = caption_vector("a person walks", DIM)
    other = caption_vector("somewhere else", DIM)

    def key(weight: float) -> np.ndarray:  # a caption key about `weight` less similar than walk's own
        v = walk + weight * other
        return v / np.linalg.norm(v)

    speeds = [
        0.06,
        0.06,
        0.03,
        0.09,
        0.12,
        0.02,
    ]  # the nearest, its mirror, slower, faster, fastest, far slow
    keys = [key(0.0), key(0.0), key(0.3), key(0.35), key(0.45), key(2.0)]
    memory = _memory([_moving_clip(20, 1, s) for s in speeds], keys, ["walk"] * 6)
    q, one = torch.from_numpy(walk[None]), torch.ones(1, dtype=torch.long)
    sims = (torch.nn.functional.normalize(q, dim=-1) @ memory.keys.T)[0]
    assert float(sims[0] - sims[4]) <= PACE_WINDOW < float(sims[0] - sims[5])

    def read(text: str) -> list[int]:
        return memory.nearest(q, one, 4, margin=GENERATION_MARGIN, named=named([text]))[0]

    with pytest.raises(ValueError, match="measure_paces"):
        read("a person walks quickly")
    memory.measure_paces(np.ones(FEATURES_PER_ACTOR))
    assert sorted(read("a person walks")) == [0, 1]
    assert read("a person walks quickly") == [3]  # faster, the nearer of the two; the margin from it
    assert read("a person walks slowly") == [2]  # the slow walk far worse described is not read
    fastest = _memory([_moving_clip(20, 1, s) for s in (0.12, 0.06)], keys[:2], ["walk"] * 2)
    fastest.measure_paces(np.ones(FEATURES_PER_ACTOR))
    assert sorted(fastest.nearest(q, one, 4, named=named(["a person walks quickly"]))[0]) == [
        0,
        1,
    ]  # none faster
    wave = _memory([_moving_clip(20, 1, s) for s in speeds], keys, ["wave"] * 6)
    wave.measure_paces(np.ones(FEATURES_PER_ACTOR))
    walk_fast = Named(torch.tensor([ACTION_INDEX["walk"]]), torch.tensor([FAST]))
    assert wave.nearest(q, one, 4, margin=GENERATION_MARGIN, named=walk_fast)[0] == [3]  # no walk: the waves


def test_the_generator_reads_the_pace_its_prompt_names(tmp_path_factory) -> None:
    """The generator measures its memory's paces when it loads and hands each prompt's pace to the template's
    choice (which clips a pace reads: the test above)."""
    sampling = SamplingSettings(refinement=None)
    gen = InferenceGenerator(
        cached_checkpoint(tmp_path_factory, "fake"),
        sampling,
        Checks(safety=False),
        Runtime("cpu", FakeEncoder()),
    )
    memory = gen.model.transformer.memory
    asked, nearest = [], memory.nearest

    def spy(*a, **k):  # `choose` passes `named` ninth, by position
        asked.append((k.get("named", a[8] if len(a) > 8 else None), nearest(*a, **k)))
        return asked[-1][1]

    memory.nearest = spy
    for prompt, pace in (
        ("a person walks quickly", FAST),
        ("a person walks slowly", SLOW),
        ("a person walks", NORMAL),
    ):
        gen.generate(prompt, duration_s=1.0, seed=1)
        said, rows = asked[-2]  # the template's choice (the face lender's comes last)
        assert said.pace.tolist() == [pace] and rows[0]
