"""The note for a prompt the motion memory knows poorly (`stickgen.generate.familiar`): how near its nearest
clip of the prompt's actor count lies, and the actions its template is really drawn among."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch

from stickgen.core.features import STATE_FEATURES
from stickgen.generate.familiar import prompt_notes, template_read, unfamiliar_note
from stickgen.generate.motion import Motion
from stickgen.model.memory import MotionMemory
from stickgen.model.named import KNOWN_SIM

DIM = 8


def _at(sim: float) -> np.ndarray:
    """A key whose cosine similarity with the first axis (every prompt's embedding here) is `sim`."""
    key = np.zeros(DIM, dtype=np.float32)
    key[0], key[1] = sim, np.sqrt(1.0 - sim**2)
    return key


def _gen(sims: list[float], actions: list[str], actors: list[int], people: int = 1) -> SimpleNamespace:
    """What `unfamiliar_note` uses of an `InferenceGenerator`: a memory of clips at `sims` from every prompt,
    `encode`, `actors_for` (`people`) and the template's top_k."""
    memory = MotionMemory(DIM)
    clips = [np.zeros((10, a, STATE_FEATURES), dtype=np.float32) for a in actors]
    keys = torch.from_numpy(np.stack([_at(v) for v in sims]))
    memory.fill(keys, clips, [f"g{k}" for k in range(len(sims))], np.zeros(2, np.float32), None, actions)
    query = torch.from_numpy(_at(1.0)[None])
    model = SimpleNamespace(transformer=SimpleNamespace(memory=memory), cfg=SimpleNamespace(memory_top_k=2))
    return SimpleNamespace(
        model=model,
        encode=lambda text: query,
        actors_for=lambda text, n: people,
    )


def test_a_prompt_the_memory_knows_gets_no_note() -> None:
    gen = _gen([KNOWN_SIM + 0.1, 0.3], ["climb", "walk"], [1, 1])
    assert unfamiliar_note(gen, "a person climbs a ladder") is None


def test_a_prompt_it_knows_poorly_is_told_how_near_and_what_it_reads() -> None:
    """The nearest clip of the prompt's actor count decides (a nearer two-actor clip does not), and the note
    names the actions actually drawn: the named action's clips where there are ("limps": walk), else the
    nearest clips ("push-ups" names none)."""
    gen = _gen([0.9, 0.55, 0.3], ["push", "climb", "walk"], [2, 1, 1])
    note = unfamiliar_note(gen, "a person does push-ups")
    assert note.startswith("the motion memory holds nothing close to 'a person does push-ups' (its nearest ")
    assert "captions 0.55, under 0.6): the motion follows clips of climb;" in note
    assert "follows clips of walk;" in unfamiliar_note(gen, "a person limps")
    assert "follows clips of climb;" in unfamiliar_note(gen, "a man pushes a heavy cart")  # no one-actor push


def test_several_people_doing_what_one_does_read_one_actor_clips_as_one_of_them() -> None:
    assert template_read(_gen([0.5], ["jump"], [1], people=3), "three people jump") == ("a person jumps", 1)
    assert template_read(_gen([0.5], ["hug"], [2], people=2), "two people hug") == ("two people hug", 2)


def test_the_notes_name_each_text_of_a_sequence_or_timeline_once() -> None:
    gen = _gen([0.55], ["climb"], [1])
    motion = Motion(np.zeros((4, 1, 22, 3), np.float32), 20.0, "x", {})
    motion.meta = {"timeline": [{"text": "does push-ups"}, {"text": "does push-ups"}]}
    (note,) = prompt_notes(gen, "0-1: does push-ups; 1-2: does push-ups", motion, actors_given=True)
    assert "nothing close to 'does push-ups'" in note
    motion.meta = {"sequence": {"parts": ["a person limps", "does push-ups"]}}
    assert len(prompt_notes(gen, "a person limps, then does push-ups", motion, actors_given=False)) == 2


def test_the_note_of_several_people_doing_what_one_does_names_what_each_is_made_from() -> None:
    gen = _gen([0.55], ["climb"], [1], people=3)
    note = unfamiliar_note(gen, "three people climb a wall")
    assert (
        "nothing close to 'a person climbs a wall' (each of the people of 'three people climb a wall')"
        in note
    )
