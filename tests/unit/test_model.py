"""StickFigureTransformer contracts: the denoiser sees its target only through the diffusion state, masks,
sizes, conditions, finite outputs."""

from __future__ import annotations

import pytest
import torch
from helpers import ROOT

from stickgen.core.config import load_params
from stickgen.core.features import FEATURES_PER_ACTOR
from stickgen.core.features import STATE_FEATURES as S
from stickgen.embed.dataset import Batch
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.noise import alpha_bar
from stickgen.model.transformer import (
    N_COND_TOKENS,
    TRAVEL_SCALE,
    VOICE_COLUMNS,
    VOICE_SKIP,
    Rotary,
    StickFigureTransformer,
    TransformerConfig,
    apply_rotary,
    style_id,
)
from stickgen.train.data import TrainBatch
from stickgen.train.objective import forward_train, motion_loss
from stickgen.wiring import model_configs


def tiny(max_actors: int = 2, patch: int = 1) -> StickFigureTransformer:
    torch.manual_seed(0)
    cfg = TransformerConfig(16, 64, max_actors, 32, 2, 2, 48, 0.0, patch_frames=patch)
    return StickFigureTransformer(cfg).eval()


def run(model: StickFigureTransformer, text: torch.Tensor, lengths: torch.Tensor | None, n: int, **kw):
    """The model's prediction from a fixed diffusion state (seeded noise at level 0.5) unless given."""
    b = text.shape[0]
    x_t = kw.pop("x_t", None)
    if x_t is None:
        x_t = torch.randn(b, n, model.cfg.max_actors, S, generator=torch.Generator().manual_seed(9))
    t = kw.pop("t", torch.full((b,), 0.5))
    return model(x_t, t, text, lengths, **kw)


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
        side=torch.tensor([1, 3]),
        face_mask=torch.zeros(b, features.shape[1], 2, dtype=torch.bool),
    )


def _train_batch(features: torch.Tensor, noise: torch.Tensor, level: torch.Tensor) -> TrainBatch:
    b = features.shape[0]
    zeros = torch.zeros(b, dtype=torch.long)
    return TrainBatch(_batch(features), zeros, zeros.bool(), zeros.bool(), level, noise)


def test_the_target_reaches_a_prediction_only_through_the_diffusion_state() -> None:
    """Two different ground truths noised to the SAME diffusion state give identical predictions (only the
    loss differs): the clean motion is never an input. At level 1, where generation starts, the state is
    pure noise to within 1% of signal."""
    net = StickFigureModel(*model_configs(load_params(ROOT / "params.yaml"), "small", 16)).eval()
    real = torch.randn(2, 20, 2, S)
    other = real.clone()
    other[:, 7] += 5.0
    other[:, 13:] = torch.randn_like(other[:, 13:])
    level = torch.tensor([0.3, 0.8])
    noise = torch.randn_like(real)
    ab = alpha_bar(level).view(-1, 1, 1, 1)
    x_t = ab.sqrt() * real + (1 - ab).sqrt() * noise
    other_noise = (x_t - ab.sqrt() * other) / (1 - ab).sqrt()  # the noise that gives `other` the same x_t
    with torch.no_grad():
        p1, _ = forward_train(net, _train_batch(real, noise, level), with_refiner=False)
        p2, _ = forward_train(net, _train_batch(other, other_noise, level), with_refiner=False)
    torch.testing.assert_close(p1, p2, rtol=0, atol=1e-5)
    assert float(motion_loss(p1, _batch(real))) != float(motion_loss(p2, _batch(other)))
    assert float(alpha_bar(torch.tensor(1.0)).sqrt()) <= 0.01


def test_generation_needs_only_text_and_the_seed_picks_the_motion() -> None:
    """`generate` takes conditions and a noise source, never a motion: the same seed gives the same motion,
    another seed another one, and the rows of one batch differ."""
    net = StickFigureModel(*model_configs(load_params(ROOT / "params.yaml"), "small", 16)).eval()
    torch.nn.init.normal_(net.transformer.head.weight, std=0.05)  # a denoiser whose output depends on x_t
    text = torch.randn(1, 16).expand(2, -1)

    def sample(seed: int) -> torch.Tensor:
        return net.generate(text, torch.tensor([20, 20]), 20, generator=torch.Generator().manual_seed(seed))

    a, b = sample(1), sample(2)
    torch.testing.assert_close(a, sample(1), rtol=0, atol=0)
    assert not torch.allclose(a, b) and not torch.allclose(a[0], a[1])


@pytest.mark.parametrize("patch", [1, 2, 3])
def test_padding_does_not_change_valid_frames(patch: int) -> None:
    model = tiny(patch=patch)
    text = torch.randn(1, 16)
    x_t = torch.randn(1, 30, 2, S)
    with torch.no_grad():
        short = run(model, text, torch.tensor([12]), 12, x_t=x_t[:, :12])
        padded = run(model, text, torch.tensor([12]), 30, x_t=x_t)
    torch.testing.assert_close(short, padded[:, :12], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("patch", [2, 4])
def test_each_token_decodes_every_frame_of_its_patch(patch: int) -> None:
    """The decoder keeps frame-level detail: a head whose output is the same for every token (bias only)
    but differs between the frames of a patch gives exactly that pattern, repeated per patch, in every
    feature but the root's floor-plane position (which is the sum of the travel head's steps). A spline
    through one control point per patch (model format 2) could only give a constant."""
    model = tiny(patch=patch)
    torch.nn.init.zeros_(model.head.weight)
    pattern = torch.randn(patch, 2 * S, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        model.head.bias.copy_(pattern.flatten())
        out = run(model, torch.randn(2, 16), torch.tensor([patch * 5, patch * 3]), patch * 5)
    want = pattern.repeat(5, 1).view(patch * 5, 2, S)
    keep = [i for i in range(S) if i not in (0, 2)]
    torch.testing.assert_close(out[0][..., keep], want[..., keep])
    n = patch * 3  # the shorter clip: its own frames are decoded the same way
    torch.testing.assert_close(out[1, :n][..., keep], want[:n][..., keep])


def test_output_depends_on_text_and_is_finite() -> None:
    model = tiny()
    with torch.no_grad():
        a = run(model, torch.randn(1, 16), torch.tensor([10]), 10)
        b = run(model, torch.randn(1, 16), torch.tensor([10]), 10)
    assert a.shape == (1, 10, 2, S) and torch.isfinite(a).all()
    assert not torch.allclose(a, b)


def test_dropped_conditions_hide_text_action_and_style() -> None:
    """The unconditional branch of guidance: with `drop_cond` the prediction is the same whatever the text,
    action and style are; without it they matter."""
    model = tiny()
    torch.nn.init.normal_(model.null_text, std=0.1)
    drop = torch.tensor([True])
    with torch.no_grad():
        a = run(model, torch.randn(1, 16), None, 10, action=torch.tensor([3]), drop_cond=drop)
        b = run(model, torch.randn(1, 16), None, 10, style=torch.tensor([5]), drop_cond=drop)
        c = run(model, torch.randn(1, 16), None, 10, drop_cond=~drop)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.allclose(a, c)


def test_longer_than_max_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="max_frames"):
        run(tiny(), torch.randn(1, 16), torch.tensor([65]), 65)


@pytest.mark.parametrize(("variant", "published"), [("small", 5.6e6), ("medium", 15.8e6), ("large", 28e6)])
def test_variant_parameter_counts_match_the_published_sizes(variant: str, published: float) -> None:
    """The transformer (the generator) within 10% of the published size; the diffusion refiner is counted
    and reported on its own (`stickgen info`), the same small network for every variant."""
    p = load_params(ROOT / "params.yaml")
    model = StickFigureModel(*model_configs(p, variant, 384))
    n = model.transformer.num_parameters()
    assert abs(n - published) / published < 0.10, f"{variant}: {n / 1e6:.2f}M vs {published / 1e6}M"
    assert model.refiner.num_parameters() < 0.1 * n


def test_style_and_action_condition_the_output() -> None:
    model = tiny()
    text = torch.randn(2, 16)
    with torch.no_grad():
        plain = run(model, text, torch.tensor([10, 10]), 10)
        styled = run(model, text, torch.tensor([10, 10]), 10, style=torch.tensor([style_id("happy", 32), 0]))
        acted = run(model, text, torch.tensor([10, 10]), 10, action=torch.tensor([2, 0]))
    assert not torch.allclose(styled[0], plain[0]) and torch.equal(styled[1], plain[1])
    assert not torch.allclose(acted[0], plain[0]) and torch.equal(acted[1], plain[1])
    assert style_id("", 32) == 0 and style_id("Happy ", 32) == style_id("happy", 32)
    assert 1 <= style_id("x", 32) < 32


def test_actors_beyond_the_first_are_generated_per_slot() -> None:
    model = tiny()
    text = torch.randn(1, 16)
    with torch.no_grad():
        one = run(model, text, torch.tensor([10]), 10, actors=torch.tensor([1]))
        two = run(model, text, torch.tensor([10]), 10, actors=torch.tensor([2]))
    assert one.shape == two.shape == (1, 10, 2, S) and not torch.allclose(one, two)


def test_unpadded_batches_run_without_a_mask_and_give_the_same_motion() -> None:
    """`lengths=None` (a dense batch: no padding mask, so a GPU may take the flash attention kernel) is the
    computation of full lengths, for the transformer and the refiner alike."""
    torch.manual_seed(0)
    model = StickFigureModel(*model_configs(load_params(ROOT / "params.yaml"), "small", 16)).eval()
    torch.nn.init.normal_(model.refiner.head.weight, std=0.02)  # a refiner that corrects something
    g = torch.Generator().manual_seed(2)
    text, x_t, level = torch.randn(3, 16, generator=g), torch.randn(3, 37, 2, S, generator=g), torch.rand(3)
    with torch.no_grad():
        masked = model(x_t, level, text, torch.full((3,), 37), with_refiner=True)
        dense = model(x_t, level, text, None, with_refiner=True)
    for a, b in zip(masked, dense, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_rotary_tables_are_built_once_and_not_saved() -> None:
    model = tiny(patch=2)
    assert not any("rotary" in k for k in model.state_dict())  # checkpoints stay as they were
    assert model.rotary.cos.shape == (N_COND_TOKENS + 32, 16)  # + ceil(64 / 2) tokens, head_dim
    with pytest.raises(ValueError, match="39 positions > the 38 of the rotary tables"):
        model.rotary(39)


def test_the_root_travels_by_predicted_steps_at_the_same_speed_for_any_length() -> None:
    """The root's floor-plane position is its start plus per-frame steps: a fresh model stands still, and
    a constant step (the travel head's bias) moves it linearly by the same amount per frame in a short and
    a long clip, leaving every other feature as it was."""
    model = tiny(patch=2)
    text = torch.randn(1, 16)
    x_t = torch.randn(1, 60, 2, S)
    step = TRAVEL_SCALE * torch.tensor([[1.0, -2.0], [0.5, 0.0]])  # (actor, x/z) per frame
    with torch.no_grad():
        still = {n: run(model, text, torch.tensor([n]), n, x_t=x_t[:, :n]) for n in (20, 60)}
        model.travel.bias.copy_(step.flatten() / TRAVEL_SCALE)
        moving = {n: run(model, text, torch.tensor([n]), n, x_t=x_t[:, :n]) for n in (20, 60)}
    for n in (20, 60):
        xz = still[n][:, :, :, [0, 2]]
        torch.testing.assert_close(xz, xz[:, :1].expand(-1, n, -1, -1))  # standing still
        frames = torch.arange(n, dtype=torch.float32)[None, :, None, None]
        torch.testing.assert_close(moving[n][:, :, :, [0, 2]], xz[:, :1] + frames * step, rtol=0, atol=1e-5)
        others = [i for i in range(S) if i not in (0, 2)]
        torch.testing.assert_close(moving[n][..., others], still[n][..., others], rtol=0, atol=0)


def test_the_template_reaches_the_prediction_directly_and_only_where_shown() -> None:
    """The prediction is the head's correction plus the template's motion (its root's start and steps for
    the floor position): with the head and travel silenced a model returns the template's motion where it
    is shown, stands each actor where the template's starts and walks its root's path, and returns nothing
    of it where it is hidden (the unconditional branch) or past its end, and of its face only the voice
    (mouth level, speaking flag, cycle rate, peak), none of its codes."""
    model = tiny()
    torch.nn.init.zeros_(model.head.weight)
    torch.nn.init.zeros_(model.head.bias)
    n, text = 12, torch.randn(2, 16)
    template = torch.randn(2, n, 2, S, generator=torch.Generator().manual_seed(3))
    template[:, :, :, 2] = torch.arange(n, dtype=torch.float32)[None, :, None] * 0.3  # walks along z
    valid = torch.ones(2, n, dtype=torch.bool)
    valid[1, 8:] = False  # the second template ends after 8 frames
    with torch.no_grad():
        out = run(model, text, None, n, template=template, template_valid=valid)
        hidden = run(
            model,
            text,
            None,
            n,
            template=template,
            template_valid=valid,
            drop_cond=torch.tensor([True, True]),
        )
    others = [i for i in range(FEATURES_PER_ACTOR) if i not in (0, 2)]
    face, voice = out[..., FEATURES_PER_ACTOR:], list(VOICE_SKIP)
    codes = [i for i in range(face.shape[-1]) if i not in voice]
    assert not face[..., codes].any()  # expression, viseme and eyes are the head's alone
    torch.testing.assert_close(face[0][..., voice], template[0][..., FEATURES_PER_ACTOR:][..., voice])
    assert not face[1, 8:].any()
    torch.testing.assert_close(out[0][..., others], template[0][..., others])
    torch.testing.assert_close(out[1, :8][..., others], template[1, :8][..., others])
    assert not out[1, 8:][..., others].any()
    torch.testing.assert_close(
        out[0, :, :, 2], torch.arange(n, dtype=torch.float32)[:, None].expand(n, 2) * 0.3
    )
    torch.testing.assert_close(out[:, 0][..., [0, 2]], template[:, 0][..., [0, 2]])  # a pair's spacing
    assert not hidden[..., others].any() and not hidden[..., [0, 2]].any()
    with torch.no_grad():  # the motion's gain is learnt, the voice's and the place's are 1
        model.template_skip.zero_()
        silenced = run(model, text, None, n, template=template, template_valid=valid)
    assert not silenced[..., others].any()
    # where each actor stands passes as it is (its steps at the learnt gain, here none): standing still
    torch.testing.assert_close(silenced[..., [0, 2]], template[:, :1, :, [0, 2]].expand(-1, n, -1, -1))
    torch.testing.assert_close(silenced[..., FEATURES_PER_ACTOR:], out[..., FEATURES_PER_ACTOR:])


def test_where_a_template_is_shown_the_voice_is_the_templates_alone() -> None:
    """Model format 14: a head that says otherwise changes the voice (mouth level, speaking flag, cycle
    rate, peak) only in the frames where no template is shown (past its end, or hidden with the
    conditions), and changes the rest of the face and the motion everywhere."""
    model = tiny()
    torch.nn.init.normal_(model.head.weight, std=0.5, generator=torch.Generator().manual_seed(5))
    n, text = 12, torch.randn(2, 16)
    template = torch.randn(2, n, 2, S, generator=torch.Generator().manual_seed(3))
    valid = torch.ones(2, n, dtype=torch.bool)
    valid[1, 8:] = False
    voice = list(VOICE_COLUMNS)
    with torch.no_grad():
        out = run(model, text, None, n, template=template, template_valid=valid)
        hidden = run(
            model, text, None, n, template=template, template_valid=valid, drop_cond=torch.ones(2).bool()
        )
    torch.testing.assert_close(out[0][..., voice], template[0][..., voice])
    torch.testing.assert_close(out[1, :8][..., voice], template[1, :8][..., voice])
    assert out[1, 8:][..., voice].abs().min() > 0  # past the template's end: the head's voice
    assert hidden[..., voice].abs().min() > 0 and not torch.allclose(hidden[..., voice], template[..., voice])
    codes = [
        FEATURES_PER_ACTOR + i for i in range(S - FEATURES_PER_ACTOR) if FEATURES_PER_ACTOR + i not in voice
    ]
    assert not torch.allclose(out[0][..., codes], template[0][..., codes])


def test_rotary_turns_each_pair_by_its_positions_angle() -> None:
    """`apply_rotary` on whole rows gives the bits of rotating each (even, odd) pair on its own, in float32
    and in bf16 (training's autocast), keeps each pair's length, and leaves position 0 unturned."""
    n, hd = 12, 8
    cos, sin = Rotary(n, hd)(n)
    inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    ang = torch.arange(n).float()[:, None] * inv[None, :]
    x = torch.randn(2, 3, n, hd, generator=torch.Generator().manual_seed(0))
    for dtype in (torch.float32, torch.bfloat16):
        xd, c, s = x.to(dtype), ang.cos().to(dtype), ang.sin().to(dtype)
        x1, x2 = xd[..., 0::2], xd[..., 1::2]
        pairwise = torch.stack([x1 * c - x2 * s, x1 * s + x2 * c], -1).flatten(-2)
        assert torch.equal(apply_rotary(xd, cos.to(dtype), sin.to(dtype)), pairwise)
    turned = apply_rotary(x, cos, sin)
    assert torch.allclose(turned.unflatten(-1, (-1, 2)).norm(dim=-1), x.unflatten(-1, (-1, 2)).norm(dim=-1))
    assert torch.equal(turned[:, :, 0], x[:, :, 0])
