"""StickFigureTransformer contracts: no target leak, masks, sizes, finite outputs."""

from __future__ import annotations

import pytest
import torch
from helpers import ROOT

from stickgen.config import load_params
from stickgen.dataset import Batch
from stickgen.model.motion_model import StickFigureModel, model_configs
from stickgen.model.transformer import TRAVEL_SCALE, StickFigureTransformer, TransformerConfig, style_id
from stickgen.train.objective import generate_features, motion_loss


def tiny(max_actors: int = 2, patch: int = 1) -> StickFigureTransformer:
    torch.manual_seed(0)
    cfg = TransformerConfig(16, 64, max_actors, 32, 2, 2, 48, 0.0, patch_frames=patch)
    return StickFigureTransformer(cfg).eval()


def _batch(features: torch.Tensor) -> Batch:
    b = features.shape[0]
    text = torch.randn(b, 16, generator=torch.Generator().manual_seed(1))
    return Batch(
        features=features,
        actor_mask=torch.tensor([[True, False]] * b),
        lengths=torch.tensor([20, 14]),
        text=text,
        action=torch.tensor([2, 0]),
        actors=torch.tensor([1, 1]),
    )


@pytest.mark.parametrize("patch", [1, 2])
def test_no_prediction_can_see_its_target(patch: int) -> None:
    """The objective's predictions are identical whatever the ground truth is; only the loss changes."""
    model = tiny(patch=patch)
    real = torch.randn(2, 20, 2, 66)
    other = real.clone()
    other[:, 7] += 5.0  # perturb the ground truth at frame 7 (and everything else below)
    other[:, 13:] = torch.randn_like(other[:, 13:])
    with torch.no_grad():
        p1, p2 = generate_features(model, _batch(real)), generate_features(model, _batch(other))
    torch.testing.assert_close(p1, p2, rtol=0, atol=0)
    assert float(motion_loss(p1, _batch(real))) != float(motion_loss(p2, _batch(other)))


@pytest.mark.parametrize("patch", [1, 2, 3])
def test_padding_does_not_change_valid_frames(patch: int) -> None:
    model = tiny(patch=patch)
    text = torch.randn(1, 16)
    with torch.no_grad():
        short = model(text, torch.tensor([12]), 12)
        padded = model(text, torch.tensor([12]), 30)
    torch.testing.assert_close(short, padded[:, :12], rtol=1e-4, atol=1e-5)


def test_patched_queries_give_smooth_motion_whatever_the_weights() -> None:
    """With `patch_frames` 2 the motion is a cubic B-spline through the queries' control points: even a
    random head gives far less frame-to-frame jerk than per-frame outputs (white-noise-like)."""
    jerk = {}
    for patch in (1, 2):
        model = tiny(patch=patch)
        torch.nn.init.normal_(model.head.weight, std=0.5)
        with torch.no_grad():
            out = model(torch.randn(4, 16), torch.full((4,), 60), 60)
        jerk[patch] = float(out.diff(n=3, dim=1).pow(2).mean() / out.var(dim=1).mean())
    assert jerk[2] < 0.1 * jerk[1], jerk


def test_output_depends_on_text_and_is_finite() -> None:
    model = tiny()
    with torch.no_grad():
        a = model(torch.randn(1, 16), torch.tensor([10]), 10)
        b = model(torch.randn(1, 16), torch.tensor([10]), 10)
    assert a.shape == (1, 10, 2, 66) and torch.isfinite(a).all()
    assert not torch.allclose(a, b)


def test_longer_than_max_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="max_frames"):
        tiny()(torch.randn(1, 16), torch.tensor([65]), 65)


@pytest.mark.parametrize(("variant", "published"), [("small", 5.6e6), ("medium", 15.8e6), ("large", 28e6)])
def test_variant_parameter_counts_match_the_published_sizes(variant: str, published: float) -> None:
    """The transformer alone, and with its diffusion refiner (what a checkpoint holds), within 10%."""
    p = load_params(ROOT / "params.yaml")
    model = StickFigureModel(*model_configs(p, variant, 384))
    for n in (model.transformer.num_parameters(), sum(q.numel() for q in model.parameters())):
        assert abs(n - published) / published < 0.10, f"{variant}: {n / 1e6:.2f}M vs {published / 1e6}M"


def test_style_and_action_condition_the_output() -> None:
    model = tiny()
    text = torch.randn(2, 16)
    with torch.no_grad():
        plain = model(text, torch.tensor([10, 10]), 10)
        styled = model(text, torch.tensor([10, 10]), 10, style=torch.tensor([style_id("happy", 32), 0]))
        acted = model(text, torch.tensor([10, 10]), 10, action=torch.tensor([2, 0]))
    assert not torch.allclose(styled[0], plain[0]) and torch.equal(styled[1], plain[1])
    assert not torch.allclose(acted[0], plain[0]) and torch.equal(acted[1], plain[1])
    assert style_id("", 32) == 0 and style_id("Happy ", 32) == style_id("happy", 32)
    assert 1 <= style_id("x", 32) < 32


def test_actors_beyond_the_first_are_generated_per_slot() -> None:
    model = tiny()
    text = torch.randn(1, 16)
    with torch.no_grad():
        one = model(text, torch.tensor([10]), 10, actors=torch.tensor([1]))
        two = model(text, torch.tensor([10]), 10, actors=torch.tensor([2]))
    assert one.shape == two.shape == (1, 10, 2, 66) and not torch.allclose(one, two)


def test_unpadded_batches_run_without_a_mask_and_give_the_same_motion() -> None:
    """`lengths=None` (a dense batch: no padding mask, so a GPU may take the flash attention kernel) is the
    computation of full lengths, for the transformer and the refiner alike."""
    torch.manual_seed(0)
    model = StickFigureModel(*model_configs(load_params(ROOT / "params.yaml"), "small", 16)).eval()
    torch.nn.init.normal_(model.refiner.head.weight, std=0.02)  # a refiner that corrects something
    g = torch.Generator().manual_seed(2)
    text, x_t, level = torch.randn(3, 16, generator=g), torch.randn(3, 37, 2, 66, generator=g), torch.rand(3)
    with torch.no_grad():
        masked = model(text, torch.full((3,), 37), 37, x_t=x_t, t=level)
        dense = model(text, None, 37, x_t=x_t, t=level)
    for a, b in zip(masked, dense, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_rotary_tables_are_built_once_and_not_saved() -> None:
    model = tiny(patch=2)
    assert not any("rotary" in k for k in model.state_dict())  # checkpoints stay as they were
    assert model.rotary.cos.shape == (4 + 32, 8)  # condition tokens + ceil(64 / 2) queries, head_dim / 2
    with pytest.raises(ValueError, match="37 positions > the 36 of the rotary tables"):
        model.rotary(37)


def test_the_root_travels_by_predicted_steps_at_the_same_speed_for_any_length() -> None:
    """The root's floor-plane position is its start plus per-frame steps: a fresh model stands still, and
    a constant step (the travel head's bias) moves it linearly by the same amount per frame in a short and
    a long clip, leaving every other feature as it was."""
    model = tiny(patch=2)
    text = torch.randn(1, 16)
    step = TRAVEL_SCALE * torch.tensor([[1.0, -2.0], [0.5, 0.0]])  # (actor, x/z) per frame
    with torch.no_grad():
        still = {n: model(text, torch.tensor([n]), n) for n in (20, 60)}
        model.travel.bias.copy_(step.flatten() / TRAVEL_SCALE)
        moving = {n: model(text, torch.tensor([n]), n) for n in (20, 60)}
    for n in (20, 60):
        xz = still[n][:, :, :, [0, 2]]
        torch.testing.assert_close(xz, xz[:, :1].expand(-1, n, -1, -1))  # standing still
        frames = torch.arange(n, dtype=torch.float32)[None, :, None, None]
        torch.testing.assert_close(moving[n][:, :, :, [0, 2]], xz[:, :1] + frames * step, rtol=0, atol=1e-5)
        others = [i for i in range(66) if i not in (0, 2)]
        torch.testing.assert_close(moving[n][..., others], still[n][..., others], rtol=0, atol=0)
