"""Whether the motion memory knows a prompt: a note where it holds nothing close to it.

    from stickgen.generate.familiar import unfamiliar_note
    unfamiliar_note(gen, "a person does push-ups")
    # "the motion memory holds nothing close to 'a person does push-ups' (its nearest clip's captions 0.55,
    #  under 0.6): the motion follows clips of climb; ..."

The generator follows a template drawn from its motion memory (`stickgen.model.memory`). Where the memory's
nearest clip lies under `KNOWN_SIM` from a prompt, the data held nothing like it: the template is the
clips of the action the prompt names in the vocabulary's words ("a person limps": walk), or, naming none,
whatever clip shares a word with it ("a person does push-ups" climbed: the embedded default holds no
push-up). `stickgen generate` says so on stderr and the web demo under the motion (`prompt_notes`, with
why a motion has fewer people than its words count), so that a motion unlike its words is not taken for
the model's reading of them (docs/inference.md, "Words the memory does not know").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from stickgen.core.vocab import ACTIONS
from stickgen.generate.motion import Motion
from stickgen.generate.together import made_from, people_note, together_placement
from stickgen.model.memory import GENERATION_MARGIN
from stickgen.model.named import KNOWN_SIM, named

if TYPE_CHECKING:
    from stickgen.generate.generator import InferenceGenerator


def template_read(gen: InferenceGenerator, text: str) -> tuple[str, int]:
    """The caption and the actor count a generation of `text` reads the memory with: where one actor is made
    alone (one person, or each of several doing what one does: `stickgen.generate.together`) what is said of
    one person (`headcount.solo_caption`) and 1, else the prompt's own."""
    actors = gen.actors_for(text, None)
    placement = together_placement(text, actors)
    return made_from(text, actors, placement), 1 if placement is not None else actors


def unfamiliar_note(gen: InferenceGenerator, text: str) -> str | None:
    """A note when the memory's nearest clip to `text` as a generation reads it (`template_read`) lies under
    `KNOWN_SIM` (None when it knows the text, or holds no such clip): how near it is, and the actions of the
    clips its template is drawn among (`MotionMemory.nearest`, as a generation asks, with no side)."""
    said, n = template_read(gen, text)
    memory, emb = gen.model.transformer.memory, gen.encode(said)
    actors = torch.tensor([n])
    k = gen.model.cfg.memory_top_k
    rows = memory.nearest(emb, actors, k, margin=GENERATION_MARGIN, named=named([said]))
    if not rows[0]:
        return None
    query = torch.nn.functional.normalize(emb.float().to(memory.keys.device), dim=-1)
    sims = (query @ memory.keys.T)[0].masked_fill(memory.actors != actors.to(memory.keys.device), -1.0)
    if (best := float(sims.max())) >= KNOWN_SIM:
        return None
    reads = ", ".join(dict.fromkeys(ACTIONS[int(memory.actions[c])] for c in rows[0]))
    shown = repr(text) if said == text else f"{said!r} (each of the people of {text!r})"
    return (
        f"the motion memory holds nothing close to {shown} (its nearest clip's captions {best:.2f}, under "
        f"{KNOWN_SIM}): the motion follows clips of {reads}; docs/inference.md, 'Words the memory does not "
        "know'"
    )


def prompt_notes(gen: InferenceGenerator, prompt: str, motion: Motion, actors_given: bool) -> list[str]:
    """What to tell a user besides `motion` of `prompt`: why it has fewer people than the words count
    (`together.people_note`; not when the actor count was given), each of its texts (a sequence's parts,
    a timeline's spans, else the prompt) that the memory holds nothing close to (`unfamiliar_note`), and a
    length its words state that the motion does not last (`meta["length"]["asked_s"]`: over a bound)."""
    meta = motion.meta
    texts = meta.get("sequence", {}).get("parts") or [s["text"] for s in meta.get("timeline", [])] or [prompt]
    notes = [None if actors_given else people_note(gen, prompt, motion.actors)]
    notes += [unfamiliar_note(gen, t) for t in dict.fromkeys(texts)]
    asked = (meta.get("length") or {}).get("asked_s")
    if asked is not None and abs(asked - motion.duration_s) > 0.5 / motion.fps:
        notes.append(f"the text asks for {asked:g} s; the motion lasts {motion.duration_s:g} s")
    return [n for n in notes if n]
