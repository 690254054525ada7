"""DDIM sampling and the diffusion refiner: the refiner refines the transformer's sample, and
`use_diffusion: false` leaves it alone; guidance and the sampler settings."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from helpers import ROOT
from trainkit import one_thread  # noqa: F401

from stickgen.core.config import load_params
from stickgen.core.face import FACE_SLICES
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES
from stickgen.model.diffusion import (
    RESCALE_HALF_WIDTH,
    DiffusionRefiner,
    Generation,
    RefinerConfig,
    Sampling,
    ddim,
    ddim_refine,
    local_mean,
    noise_like,
    rescale_guided,
)
from stickgen.model.motion_model import VOICE_COLUMNS, StickFigureModel, guidance_per_feature
from stickgen.model.noise import add_noise, alpha_bar
from stickgen.model.transformer import TransformerConfig
from stickgen.wiring import generation, refinement, sampling_from

pytestmark = pytest.mark.usefixtures("one_thread")
SAMPLING = Sampling(steps=5, guidance_scale=2.0, start_strength=0.7)


def tiny_model(seed: int = 0) -> StickFigureModel:
    torch.manual_seed(seed)
    model = StickFigureModel(
        TransformerConfig(16, 64, 2, 32, 2, 2, 48, 0.0), RefinerConfig(16, 64, 2, 16, 1, 2, 32)
    )
    torch.nn.init.normal_(model.refiner.head.weight, std=0.05)  # a refiner that does something
    return model.eval()


def conditions(seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "text_emb": torch.randn(2, 16, generator=g),
        "lengths": torch.tensor([18, 12]),
        "n_frames": 18,
        "actors": torch.tensor([1, 2]),
    }


def refine(model: StickFigureModel, sampling: Sampling | None, seed: int = 3) -> torch.Tensor:
    return model.generate(**conditions(), sampling=sampling, generator=torch.Generator().manual_seed(seed))


def test_use_diffusion_false_returns_the_transformer_sample_unchanged() -> None:
    """Without refinement, `generate` is DDIM over the transformer from the generator's noise, guided with
    `Generation()`'s scale: its conditional and unconditional branches in one batch."""
    model = tiny_model()
    c, g, gen = conditions(), torch.Generator().manual_seed(3), Generation()
    x = noise_like(torch.empty(2, 18, 2, STATE_FEATURES), g)
    side = model.transformer.side_prior.choose(c["text_emb"], None, g)  # drawn after the noise

    def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        text, lengths, actors = (torch.cat([c[k]] * 2) for k in ("text_emb", "lengths", "actors"))
        return model.transformer(x_, t, text, lengths, actors, drop_cond=drop, side=torch.cat([side] * 2))

    scale = guidance_per_feature(gen.guidance_scale)
    valid = torch.arange(18)[None, :] < c["lengths"][:, None]  # the rescale's statistics: each row's frames
    levels = torch.linspace(1.0, 0.0, gen.steps + 1)
    plain = ddim(denoise, x, levels, scale, gen.guidance_rescale, valid)
    assert not plain.requires_grad  # DDIM samples without autograd, whoever calls it
    torch.testing.assert_close(refine(model, None), plain, rtol=0, atol=0)
    assert not torch.equal(plain, ddim(denoise, x, levels, scale))  # rescaled, not plain guidance
    p = load_params(ROOT / "params.yaml")
    off = dataclasses.replace(p, diffusion=dataclasses.replace(p.diffusion, use_diffusion=False))
    on = dataclasses.replace(
        p, diffusion=dataclasses.replace(p.diffusion, use_diffusion=True, loss_weight=1.0)
    )
    assert sampling_from(off) is None
    assert (
        sampling_from(on)
        == refinement(p)
        == Sampling(p.diffusion.diffusion_steps, p.diffusion.guidance_scale, p.diffusion.start_strength)
    )
    # the dataclass's defaults mirror params.yaml's
    s = p.sampling
    assert generation(p) == Generation(s.steps, s.guidance_scale, s.guidance_rescale) == Generation()


def test_more_guidance_moves_the_sample_further_from_the_unconditional_one() -> None:
    """Classifier-free guidance (`ddim`): scale 0 is the unconditional sample (text ignored), scale 1 the
    conditional one, and a larger scale extrapolates away from the unconditional branch. The model guides
    every feature but the root's position (floor-plane path and height) and the voice (the mouth's level,
    speaking flag, cycle rate and peak), which follow the conditional branch (scale 1): the pose and the
    expression are guided; where the figure stands, whether and how loud it speaks are not."""
    model = tiny_model()
    torch.nn.init.normal_(model.transformer.head.weight, std=0.05)
    c = conditions()
    x = noise_like(torch.empty(2, 18, 2, STATE_FEATURES), torch.Generator().manual_seed(4))

    def sample(scale: float, text: torch.Tensor) -> torch.Tensor:
        def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
            k = x_.shape[0] // 2
            texts, lengths, actors = (torch.cat([v] * k) for v in (text, c["lengths"], c["actors"]))
            return model.transformer(x_, t, texts, lengths, actors, drop_cond=drop)

        return ddim(denoise, x, torch.linspace(1.0, 0.0, 5), scale)

    other_text = torch.randn(2, 16)
    torch.testing.assert_close(sample(0.0, c["text_emb"]), sample(0.0, other_text), rtol=0, atol=1e-6)
    d1 = (sample(1.0, c["text_emb"]) - sample(0.0, c["text_emb"])).abs().mean()
    d3 = (sample(3.0, c["text_emb"]) - sample(0.0, c["text_emb"])).abs().mean()
    assert d1 > 0 and d3 > 1.5 * d1
    scale = guidance_per_feature(3.0)
    voice = list(VOICE_COLUMNS)
    assert scale[:3].tolist() == [1.0, 1.0, 1.0] and scale[voice].tolist() == [1.0] * 4
    guided = torch.ones(STATE_FEATURES, dtype=torch.bool)
    guided[[0, 1, 2, *voice]] = False
    assert bool((scale[guided] == 3.0).all())
    # the voice's columns are the mouth's level, speaking flag, cycle rate and peak of the face that follows
    # the motion
    names = ("mouth_open", "speaking", "voice_rate", "voice_peak")
    assert voice == [FEATURES_PER_ACTOR + FACE_SLICES[n].start for n in names]


def test_refined_output_differs_from_the_transformer_output_and_is_reproducible() -> None:
    model = tiny_model()
    refined = refine(model, SAMPLING)
    assert refined.shape == (2, 18, 2, STATE_FEATURES) and torch.isfinite(refined).all()
    assert not torch.allclose(refined, refine(model, None))
    torch.testing.assert_close(refine(model, SAMPLING), refined, rtol=0, atol=0)


def test_refined_output_depends_on_the_transformer_output() -> None:
    """Same refiner, same noise, same text: another transformer gives another refined motion."""
    model, other = tiny_model(), tiny_model()
    with torch.no_grad():
        for p in other.transformer.head.parameters():
            p.add_(0.5)
    assert torch.equal(model.refiner.head.weight, other.refiner.head.weight)
    delta_in = (refine(other, None) - refine(model, None)).abs().mean()
    delta_out = (refine(other, SAMPLING) - refine(model, SAMPLING)).abs().mean()
    assert delta_in > 0.1 and delta_out > 0.1 * delta_in


def test_refined_output_depends_on_the_coarse_motion_directly() -> None:
    refiner = tiny_model().refiner
    c = conditions()
    a = torch.randn(2, 18, 2, 66)
    out = [
        ddim_refine(
            refiner,
            coarse,
            c["text_emb"],
            c["lengths"],
            c["actors"],
            SAMPLING,
            torch.Generator().manual_seed(0),
        )
        for coarse in (a, a + 1.0)
    ]
    assert (out[1] - out[0]).abs().mean() > 0.1


def test_an_untrained_refiner_is_the_identity_on_the_transformer_motion() -> None:
    """The refiner predicts coarse + correction with a zero-initialised head: DDIM returns `coarse`."""
    torch.manual_seed(0)
    model = StickFigureModel(
        TransformerConfig(16, 64, 2, 32, 1, 2, 48, 0.0), RefinerConfig(16, 64, 2, 16, 1, 2, 32)
    )
    torch.testing.assert_close(refine(model, SAMPLING), refine(model, None), rtol=1e-5, atol=1e-5)


def test_guidance_uses_the_text() -> None:
    model = tiny_model()
    g1 = refine(model, dataclasses.replace(SAMPLING, guidance_scale=1.0))
    g3 = refine(model, dataclasses.replace(SAMPLING, guidance_scale=3.0))
    assert not torch.allclose(g1, g3)


def test_noise_schedule_runs_from_signal_to_noise() -> None:
    ab = alpha_bar(torch.linspace(0, 1, 11))
    assert ab[0] > 0.999 and ab[-1] < 1e-3 and bool((ab[1:] <= ab[:-1]).all())
    x0, eps = torch.ones(2, 3), torch.zeros(2, 3)
    torch.testing.assert_close(add_noise(x0, eps, torch.zeros(2)), x0 * ab[0].sqrt())


def test_the_refiner_learns_to_denoise() -> None:
    """A few steps on one batch lower the denoising loss well below where it started."""
    torch.manual_seed(0)
    refiner = DiffusionRefiner(RefinerConfig(16, 64, 1, 32, 1, 2, 64))
    x0 = torch.sin(torch.linspace(0, 6, 20))[None, :, None, None].expand(4, 20, 1, 66).contiguous()
    coarse, text, lengths = torch.zeros_like(x0), torch.randn(4, 16), torch.full((4,), 20)
    opt = torch.optim.AdamW(refiner.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(60):
        t = torch.rand(4, generator=g)
        pred = refiner(add_noise(x0, torch.randn(x0.shape, generator=g), t), t, coarse, text, lengths)
        loss = (pred - x0).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-10:]) / 10 < 0.3 * sum(losses[:5]) / 5, losses


@pytest.mark.parametrize(
    ("cls", "kwargs", "msg"),
    [
        (Sampling, {"steps": 0}, "steps must be >= 1"),
        (Sampling, {"start_strength": 0.0}, r"start_strength must be in \(0, 1\]"),
        (Generation, {"steps": 0}, r"steps must be in 1\.\.1000"),
        (Generation, {"steps": 100_000}, r"steps must be in 1\.\.1000"),
        (Generation, {"guidance_scale": -1.0}, "guidance_scale must be in"),
    ],
)
def test_bad_sampling_settings_name_the_value(cls: type, kwargs: dict, msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        cls(**kwargs)


def test_spline_basis_is_a_smooth_partition_of_unity() -> None:
    from stickgen.model.diffusion import spline_basis

    for n_frames, patch in [(18, 4), (250, 4), (7, 1), (5, 8)]:
        w = spline_basis(n_frames, patch)[0]
        assert w.shape == (n_frames, -(-n_frames // patch)) and bool((w >= 0).all())
        torch.testing.assert_close(w.sum(1), torch.ones(n_frames))
    w = spline_basis(64, 4)[0]
    ctrl = torch.randn(w.shape[1], 3, generator=torch.Generator().manual_seed(0))
    curve = w @ ctrl
    # a cubic spline's third difference is piecewise constant and small next to the control points' own
    assert curve.diff(n=3, dim=0).abs().max() < 0.5 * ctrl.diff(n=3, dim=0).abs().max()


def test_the_refiner_correction_is_smooth_even_from_a_noisy_state() -> None:
    """With a random (non-zero) head and a pure-noise diffusion state, the correction the refiner adds to
    `coarse` has far less frame-to-frame jerk than the noise it reads: it cannot pass noise through."""
    torch.manual_seed(0)
    refiner = DiffusionRefiner(RefinerConfig(16, 64, 1, 32, 1, 2, 64, patch_frames=4)).eval()
    torch.nn.init.normal_(refiner.head.weight, std=0.5)
    g = torch.Generator().manual_seed(1)
    x_t, coarse = torch.randn(2, 40, 1, 66, generator=g), torch.zeros(2, 40, 1, 66)
    with torch.no_grad():
        corr = refiner(
            x_t, torch.full((2,), 0.5), coarse, torch.randn(2, 16, generator=g), torch.tensor([40, 33])
        )
    jerk = lambda x: x.diff(n=3, dim=1).pow(2).mean() / x.pow(2).mean()  # noqa: E731
    assert corr.abs().mean() > 0.01
    assert jerk(corr) < 0.05 * jerk(x_t), (jerk(corr), jerk(x_t))


def test_a_clips_refinement_does_not_depend_on_the_padding_of_its_batch() -> None:
    """Batch composition must not change a clip's motion (gradient accumulation and DDP rely on it)."""
    torch.manual_seed(0)
    refiner = DiffusionRefiner(RefinerConfig(16, 64, 1, 16, 1, 2, 32, patch_frames=4)).eval()
    torch.nn.init.normal_(refiner.head.weight, std=0.05)
    x, text = torch.randn(1, 30, 1, 66), torch.randn(1, 16)
    with torch.no_grad():
        alone = refiner(x[:, :13], torch.full((1,), 0.3), x[:, :13], text, torch.tensor([13]))
        padded = refiner(x, torch.full((1,), 0.3), x, text, torch.tensor([13]))
    torch.testing.assert_close(padded[:, :13], alone, rtol=1e-5, atol=1e-5)


def test_patches_shorten_the_refiner_sequence_and_keep_every_length_working() -> None:
    torch.manual_seed(0)
    for patch in (1, 3, 4):
        refiner = DiffusionRefiner(RefinerConfig(16, 64, 2, 16, 1, 2, 32, patch_frames=patch))
        torch.nn.init.normal_(refiner.head.weight, std=0.05)
        x = torch.randn(2, 17, 2, 66)
        out = refiner(x, torch.rand(2), x, torch.randn(2, 16), torch.tensor([17, 5]))
        assert out.shape == x.shape and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="patch_frames must be >= 1"):
        DiffusionRefiner(RefinerConfig(16, 64, 2, 16, 1, 2, 32, patch_frames=0))


def test_rescaled_guidance_keeps_the_guided_course_with_the_conditional_bounce() -> None:
    """A feature the conditional prediction moves slowly (a hand brought to the mouth) and bounces fast on
    the way (a dribble), where the unconditional one holds still: guided at 1.25 both come out 1.25 times as
    large; rescaled, the slow course stays the guided one (the hand reaches as far) and the bounce swings
    as far as the conditional prediction's; a feature the two branches agree on, and one guided at scale 1
    (the root), stay what they were; frames outside `valid` count for nothing."""
    w = RESCALE_HALF_WIDTH
    t = torch.arange(80.0)
    period = 2 * w + 1  # a bounce the local mean averages out exactly, away from the ends
    reach = 0.5 * (1 - torch.cos(torch.pi * t / 79))  # 0 -> 0.5 over the motion
    bounce = 0.1 * torch.sin(2 * torch.pi * t / period)
    cond = torch.zeros(2, 80, 1, 3)
    cond[..., 0] = (reach + bounce)[None, :, None]
    cond[..., 1] = 0.7  # the branches agree
    cond[..., 2] = (0.2 * torch.cos(t / 5))[None, :, None]
    uncond = torch.zeros_like(cond)
    uncond[..., 1] = 0.7
    scale = torch.tensor([1.25, 1.25, 1.0])
    guided = uncond + scale * (cond - uncond)
    assert rescale_guided(guided, cond, 0.0) is guided
    out = rescale_guided(guided, cond, 1.0)
    ones = torch.ones(2, 80, 1, 1)
    inner = slice(2 * w, 80 - 2 * w)  # frames whose windows, and their neighbours', hold whole periods
    course = local_mean(out, ones, w)[:, inner, 0, 0]
    torch.testing.assert_close(course, local_mean(guided, ones, w)[:, inner, 0, 0], atol=5e-3, rtol=0)
    assert float(course[0, -1]) > 0.55  # the reach guided farther, as guidance put it
    fast = (out - local_mean(out, ones, w))[:, inner, 0, 0]
    torch.testing.assert_close(fast.abs().amax(1), torch.full((2,), 0.1), atol=0.01, rtol=0)  # cond's bounce
    torch.testing.assert_close(out[..., 1:], guided[..., 1:])
    half = rescale_guided(guided, cond, 0.5)
    torch.testing.assert_close(half, 0.5 * (out + guided))
    valid = torch.ones(2, 80, dtype=torch.bool)
    valid[1, 60:] = False  # the second row is 60 frames long
    noisy_g, noisy_c = guided.clone(), cond.clone()
    noisy_g[1, 60:], noisy_c[1, 60:] = 50.0, -50.0  # what a padded frame holds does not matter
    short = rescale_guided(noisy_g, noisy_c, 1.0, valid)
    torch.testing.assert_close(short[1, :60], rescale_guided(guided[1:, :60], cond[1:, :60], 1.0)[0])
    torch.testing.assert_close(short[0], out[0])


def test_the_local_mean_is_over_the_valid_frames_within_the_half_width() -> None:
    v = torch.arange(6.0).reshape(1, 6, 1)
    ones = torch.ones(1, 6, 1)
    torch.testing.assert_close(local_mean(v, ones, 1)[0, :, 0], torch.tensor([0.5, 1, 2, 3, 4, 4.5]))
    torch.testing.assert_close(local_mean(v, ones, 0), v)
    first_four = torch.tensor([1.0, 1, 1, 1, 0, 0]).reshape(1, 6, 1)
    torch.testing.assert_close(local_mean(v, first_four, 1)[0, :4, 0], torch.tensor([0.5, 1, 2, 2.5]))


def test_the_guidance_rescale_is_a_share() -> None:
    with pytest.raises(ValueError, match="guidance_rescale must be in 0..1"):
        Generation(guidance_rescale=1.5)
    assert Generation(guidance_rescale=0.0).guidance_rescale == 0.0
