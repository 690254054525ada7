"""tools/retrieval_probe.py: its prompt file, and that the clips it lists are the ones a generation reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load_tool
from inferkit import fake_generator

from stickgen.core.vocab import ACTIONS

tool = load_tool("retrieval_probe")


def test_the_shipped_prompt_file_reads_and_bad_lines_are_named(tmp_path) -> None:
    rows = tool.read_prompts(Path(tool.__file__).with_name("everyday_prompts.txt"))
    assert len(rows) >= 90 and all(actions <= set(ACTIONS) and prompt for actions, prompt in rows)
    assert ({"walk"}, "a person limps") in rows
    bad = tmp_path / "p.txt"
    bad.write_text("# a comment\nwalk|a person walks\na person waves\n")
    with pytest.raises(ValueError, match=r"p\.txt:3: expected 'action"):
        tool.read_prompts(bad)
    bad.write_text("hover|a person hovers\n")
    with pytest.raises(ValueError, match=r"p\.txt:1: \['hover'\] not in the vocabulary"):
        tool.read_prompts(bad)


def test_the_share_counts_the_accepted_actions_among_the_drawn() -> None:
    assert tool.share_accepted(["walk", "run", "walk", "fall"], {"walk", "run"}) == 0.75
    assert tool.share_accepted([], {"walk"}) == 0.0


def test_a_generation_reads_its_template_among_the_clips_the_probe_lists(tmp_path_factory) -> None:
    gen = fake_generator(tmp_path_factory)
    memory = gen.model.transformer.memory
    read, templates = [], memory.templates

    def spy(clips, *a, **k):
        read.extend(ACTIONS[int(memory.actions[c])] for c in clips.tolist())
        return templates(clips, *a, **k)

    memory.templates = spy
    for prompt in ("a person walks", "a person waves", "someone limps along"):
        drawn = tool.drawn_actions(gen, prompt)
        assert sum(q for q, _ in drawn) == pytest.approx(1.0)
        listed = {a for _, actions in drawn for a in actions}
        assert listed
        read.clear()
        for seed in range(4):
            gen.generate(prompt, duration_s=1.0, seed=seed)
        assert set(read) <= listed, prompt
