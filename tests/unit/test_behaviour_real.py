"""tools/behaviour_real.py: a data set's own clips judged by their action's body check."""

from __future__ import annotations

import dataclasses

from helpers import load_tool

from stickgen.core import canonical
from stickgen.core.config import CanonicalConfig, SynthesizeConfig
from stickgen.synthetic import generate

tool = load_tool("behaviour_real")


def test_each_action_is_judged_by_its_own_check_on_the_side_its_captions_name() -> None:
    """The animator's walks and jumps pass their checks; a walk labelled a jump fails the jump's, and a
    clip of no checked action is left out."""
    cfg = SynthesizeConfig(clips=120, min_s=3.0, max_s=4.0, two_actor_fraction=0.0, chain_fraction=0.0)
    made = generate(cfg, CanonicalConfig(20.0, 2, 10.0, 5.0), 3)
    walks = [c for c in made if c.action == "walk"][:2]
    jumps = [c for c in made if c.action == "jump"][:2]
    assert len(walks) == 2 and len(jumps) == 2
    clips = [
        *walks,
        *jumps,
        dataclasses.replace(walks[0], id="mislabelled", action="jump"),
        dataclasses.replace(walks[1], id="unlabelled", action="unknown"),
    ]
    store = canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="curated"))
    assert tool.real_rates(store) == {
        "walk": {"clips": 2, "pass_rate": 1.0},
        "jump": {"clips": 3, "pass_rate": 2 / 3},
    }


def test_a_clip_is_judged_on_the_side_training_reads_from_its_captions() -> None:
    assert tool.named_side(["waves the left hand", "a left-handed wave"]) == "left"
    assert tool.named_side(["a kick", "kicks with the right leg"]) == "right"
    # the first caption that names one side, as `leading_side` conditions the model on
    assert tool.named_side(["waves the left hand", "waves the right hand"]) == "left"
    assert tool.named_side(["waves with the left and the right hand", "a person waves"]) is None
    assert tool.named_side(["a person waves"]) is None
