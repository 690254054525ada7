"""The leading side of a motion (stickgen.core.laterality) and the side prior p(side | text)
(stickgen.model.side_prior): the side measured from the animator's clips is the side it animated, a
caption's named side is read exactly, the fitted prior learns which captions are one-sided, and a
generation's side is the named one or a seeded draw."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from motions import animated

from stickgen.core.laterality import BOTH, LEFT, NONE, RIGHT, caption_side, leading_side, motion_side
from stickgen.core.skeleton import mirror
from stickgen.curate.augment import mirror_caption
from stickgen.model.side_prior import SidePrior, fit_side_prior

SEEDS = range(6)
EXPECTED = {"left": LEFT, "right": RIGHT, "both": BOTH, None: BOTH}


@pytest.mark.parametrize(
    "action", ["wave", "kick", "punch", "high_five", "handshake", "walk", "run", "jump", "clap", "sit_down"]
)
def test_the_measured_side_is_the_side_the_animator_used(action: str) -> None:
    """One-sided actions lead with the animator's side (actor 0's), sideless ones and two-handed waves and
    punches are symmetric, and the mirror image of a clip leads with the other side."""
    for seed in SEEDS:
        joints, side = animated(action, seed)
        if action == "handshake":
            side = "right"  # the animator shakes right hands
        assert motion_side(joints) == EXPECTED[side], (action, seed, side)
        flipped = {LEFT: RIGHT, RIGHT: LEFT, BOTH: BOTH}[EXPECTED[side]]
        assert motion_side(mirror(joints)) == flipped, (action, seed, "mirrored")


def test_a_caption_names_a_side_only_when_it_names_exactly_one() -> None:
    assert caption_side("a man waves his right hand") == RIGHT
    assert caption_side("Kicks with the LEFT leg, then stands") == LEFT
    assert caption_side(mirror_caption("a man waves his right hand")) == LEFT
    for text in ("a person waves", "raises the left hand, then the right", "walks to the leftmost door", ""):
        assert caption_side(text) == NONE, text


def test_the_side_condition_is_the_named_side_before_the_measured_one() -> None:
    """The animator's right-handed pitch raises the left knee and measures as leading left; the caption
    that names the arm decides the condition, as it does at generation; a caption naming none leaves the
    measure."""
    joints, side = animated("pitching", 0)
    measured = motion_side(joints)
    named = {"left": LEFT, "right": RIGHT}[side]
    assert measured != named  # the case the rule is for
    assert leading_side([f"a pitcher throws with the {side} arm"], joints) == named
    assert leading_side(["a person pitches a baseball"], joints) == measured
    assert leading_side(["a person pitches", f"pitches {side}-handed"], joints) == named  # a clip's captions
    assert leading_side([], joints) == measured


def test_the_fitted_prior_learns_which_captions_are_one_sided() -> None:
    """Fitted to embeddings of two kinds of captions, one always symmetric ("walk") and one half left,
    half right ("kick"), the prior gives walks "both" and kicks left or right evenly; fitting is
    deterministic."""
    rng = np.random.default_rng(0)
    walk, kick = rng.standard_normal(16), rng.standard_normal(16)
    emb = torch.tensor(np.stack([walk] * 40 + [kick] * 40) + 0.05 * rng.standard_normal((80, 16)))
    sides = torch.tensor([BOTH] * 40 + [LEFT, RIGHT] * 20)
    prior, again = SidePrior(16), SidePrior(16)
    nll = fit_side_prior(prior, emb, sides)
    assert nll == fit_side_prior(again, emb, sides)
    torch.testing.assert_close(prior.linear.weight, again.linear.weight, rtol=0, atol=0)
    p = prior(torch.tensor(np.stack([walk, kick]), dtype=torch.float32))
    assert p[0, 0] > 0.9  # walk: both
    assert p[1, 0] < 0.1 and abs(float(p[1, 1] - p[1, 2])) < 0.1  # kick: left or right
    assert not any(q.requires_grad for q in prior.parameters())  # the optimizer never touches it


def test_a_generation_uses_the_named_side_or_a_seeded_draw() -> None:
    prior = SidePrior(4)
    with torch.no_grad():
        prior.linear.bias.copy_(torch.tensor([-9.0, 0.0, 0.0]))  # one-sided, left or right evenly
    text = torch.zeros(200, 4)

    def choose(named, seed):
        return prior.choose(text, named, torch.Generator().manual_seed(seed))

    drawn = choose(None, 1)
    torch.testing.assert_close(drawn, choose(None, 1))  # the seed decides
    assert set(drawn.tolist()) == {LEFT, RIGHT} and 70 < int((drawn == LEFT).sum()) < 130
    assert not torch.equal(drawn, choose(None, 2))
    named = torch.full((200,), RIGHT)
    named[:50] = NONE
    out = choose(named, 1)
    assert (out[50:] == RIGHT).all() and torch.equal(out[:50], drawn[:50])
    with torch.no_grad():  # a symmetric caption ("turns left") keeps its symmetric motion
        prior.linear.bias.copy_(torch.tensor([9.0, 0.0, 0.0]))
    assert (choose(named, 1) == BOTH).all()
