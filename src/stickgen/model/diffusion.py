"""DDIM sampling for both networks, and the diffusion refiner over the transformer's motion.

`ddim` is the one sampler: deterministic DDIM steps over the shared schedule (`stickgen.model.noise`),
with classifier-free guidance. The StickFigureTransformer samples with it from pure noise (`Generation`,
params `sampling.*`); the optional refiner from the noised transformer sample (`Sampling`, params
`diffusion.*`).

The refiner is an x0-predicting denoiser D(x_t, t | coarse, text): x_t is the diffusion state (normalised
features, (B, T, A, 66)), t in [0, 1] the noise level, `coarse` the StickFigureTransformer's motion and
`text` the caption embedding. It predicts the clean motion as `coarse + correction`, so at
initialisation (zero head) it returns the transformer's motion.

The correction is smooth by construction: the refiner reads the motion in patches of `patch_frames`
frames (one token per patch, so attention is `patch_frames`^2 times cheaper) and predicts one control
point per patch; a fixed cubic B-spline basis turns the control points into a per-frame correction
(`spline_basis`). A per-frame head would pass the residual noise of the diffusion state straight into the
motion as frame-to-frame jitter (white noise of a few millimetres is hundreds of m/s^3 of jerk at 20 fps);
a spline cannot, whatever the refiner has learnt.

Training (see `stickgen.train.objective`): x_t = sqrt(abar(t)) x0 + sqrt(1 - abar(t)) eps with the REAL
motion x0, t ~ U(0, 1), the caption dropped with probability `cond_dropout` (the unconditional branch of
classifier-free guidance), and `coarse` the transformer's (detached) clean-motion prediction from the same
diffusion state: the conditions never contain the ground truth, only the diffusion state does.

Sampling (`ddim_refine`): start at noise level `start_strength` from the noised transformer motion
(SDEdit-style: strength 1 starts from pure noise) and take `steps` deterministic DDIM steps to t = 0,
guiding each x0 prediction with scale s: x0 = x0_uncond + s (x0_cond - x0_uncond).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from stickgen.core.config import MAX_DDIM_STEPS, MAX_GUIDANCE_SCALE
from stickgen.core.features import FEATURES_PER_ACTOR
from stickgen.model.noise import LEVEL_FEATURES, add_noise, alpha_bar, level_features
from stickgen.model.spline import n_patches, spline_basis
from stickgen.model.transformer import Block, RMSNorm, Rotary, padding_mask

N_COND_TOKENS = 3  # text (or the null token), noise level, actor count
# frames on either side whose mean is a feature's slow course under the guidance rescale (`rescale_guided`):
# 0.3 s at the embedded default's 20 fps, a window of 0.65 s: a dribble's bounce (2-3 Hz) and a wave's sway
# are faster, a sip held at the mouth for a second slower. Half-widths 3, 5, 6, 7 and 10 frames on the
# committed small/sft: the suite over seeds 101-108 0.976, 0.982, 0.982, 0.981, 0.979 (dribbling 0.39, 0.65,
# 0.66, 0.68, 0.63; drinking 0.9 or more from 3), against 0.974 with the mean over the whole motion
RESCALE_HALF_WIDTH = 6


@dataclass(frozen=True)
class RefinerConfig:
    """Everything needed to rebuild the refiner; saved with every checkpoint. `trained`: whether its weights
    were trained (by this model's training or its `--init_from` base's; params `diffusion.loss_weight` 0
    leaves them at their initialisation, and such a refiner may not refine: `check_refinable`)."""

    text_dim: int
    max_frames: int
    max_actors: int
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    dropout: float = 0.0
    patch_frames: int = 1
    trained: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def check_refinable(cfg: RefinerConfig) -> None:
    """`ValueError` when a refinement is asked of a refiner that was never trained."""
    if not cfg.trained:
        raise ValueError(
            "this model's diffusion refiner was not trained (its training had params diffusion.loss_weight "
            "0): generate without refining (--no-diffusion, params diffusion.use_diffusion: false) or train "
            "it with diffusion.loss_weight > 0"
        )


@dataclass(frozen=True)
class Sampling:
    """How to refine at generation time (params `diffusion.diffusion_steps`, `guidance_scale`, ...)."""

    steps: int = 20
    guidance_scale: float = 1.5
    start_strength: float = 0.6

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"Sampling.steps must be >= 1, got {self.steps}")
        if not 0.0 < self.start_strength <= 1.0:
            raise ValueError(f"Sampling.start_strength must be in (0, 1], got {self.start_strength}")


@dataclass(frozen=True)
class Generation:
    """How the transformer samples a motion (params `sampling.*`): DDIM steps from pure noise, the
    classifier-free guidance scale (1: conditional prediction alone) and how far each guided prediction's
    motion is rescaled to the conditional prediction's spread (`rescale_guided`; 0: plain guidance)."""

    steps: int = 3
    guidance_scale: float = 1.25
    guidance_rescale: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.steps <= MAX_DDIM_STEPS:
            raise ValueError(f"Generation.steps must be in 1..{MAX_DDIM_STEPS}, got {self.steps}")
        if not 0.0 <= self.guidance_scale <= MAX_GUIDANCE_SCALE:
            raise ValueError(
                f"Generation.guidance_scale must be in 0..{MAX_GUIDANCE_SCALE:g}, got {self.guidance_scale}"
            )
        if not 0.0 <= self.guidance_rescale <= 1.0:
            raise ValueError(f"Generation.guidance_rescale must be in 0..1, got {self.guidance_rescale}")


class DiffusionRefiner(nn.Module):
    """x0-predicting denoiser over (diffusion state, coarse motion), conditioned on text and actors."""

    def __init__(self, cfg: RefinerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        if cfg.patch_frames < 1:
            raise ValueError(f"RefinerConfig.patch_frames must be >= 1, got {cfg.patch_frames}")
        d, feat = cfg.d_model, cfg.max_actors * FEATURES_PER_ACTOR
        self.in_proj = nn.Linear(2 * feat * cfg.patch_frames, d)  # [x_t, coarse] of one patch of frames
        self.text_proj = nn.Sequential(nn.Linear(cfg.text_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.null_text = nn.Parameter(torch.zeros(d))  # the unconditional branch of guidance
        self.level_proj = nn.Sequential(nn.Linear(LEVEL_FEATURES, d), nn.SiLU(), nn.Linear(d, d))
        self.actors_emb = nn.Embedding(cfg.max_actors + 1, d)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, feat)
        self.rotary = Rotary(N_COND_TOKENS + n_patches(cfg.max_frames, cfg.patch_frames), d // cfg.n_heads)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(self.head.weight)  # starts as the identity on `coarse`

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        coarse: torch.Tensor,
        text_emb: torch.Tensor,
        lengths: torch.Tensor | None,
        actors: torch.Tensor | None = None,
        drop_cond: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Predict the clean motion.

        Args:
            x_t: (B, T, A, 66) diffusion state.
            t: (B,) noise levels in [0, 1].
            coarse: (B, T, A, 66) the transformer's motion (the condition).
            text_emb: (B, text_dim) caption embeddings.
            lengths: (B,) valid frames; None: every clip is T frames long (no padding mask).
            actors: (B,) actor counts (default 1).
            drop_cond: (B,) bool, True where the caption is replaced by the null token.

        Returns:
            (B, T, A, 66) predicted clean normalised features.
        """
        b, n_frames = x_t.shape[:2]
        assert x_t.shape == coarse.shape, (x_t.shape, coarse.shape)
        dev = x_t.device
        actors = torch.ones(b, dtype=torch.long, device=dev) if actors is None else actors
        text = self.text_proj(text_emb)  # (B, d)
        if drop_cond is not None:
            text = torch.where(drop_cond[:, None], self.null_text.to(text.dtype).expand_as(text), text)
        cond = torch.stack([text, self.level_proj(level_features(t)), self.actors_emb(actors)], dim=1)
        patch = self.cfg.patch_frames
        n_tok = n_patches(n_frames, patch)
        frames = torch.cat([x_t, coarse], dim=-1).flatten(2)  # (B, T, 2F)
        if lengths is not None:
            frames = frames * (torch.arange(n_frames, device=dev)[None, :, None] < lengths[:, None, None])
        frames = nn.functional.pad(frames, (0, 0, 0, n_tok * patch - n_frames))
        tokens = self.in_proj(frames.reshape(b, n_tok, -1))  # (B, n_tok, d)
        x = torch.cat([cond, tokens], dim=1)  # (B, 3 + n_tok, d)
        mask = padding_mask(b, N_COND_TOKENS, n_tok, patch, lengths)
        rope = self.rotary(x.shape[1])
        for block in self.blocks:
            x = block(x, mask, rope)
        control = self.head(self.norm(x[:, N_COND_TOKENS:]))  # (B, n_tok, A*66)
        basis = spline_basis(n_frames, patch, lengths, device=dev).to(control.dtype)  # (B or 1, T, n_tok)
        correction = torch.matmul(basis, control)
        return coarse + correction.view_as(coarse)


Denoiser = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor]


def local_mean(v: torch.Tensor, w: torch.Tensor, half_width: int) -> torch.Tensor:
    """`v` (B, T, ...) averaged over the frames within `half_width` of each frame that `w` (B, T, 1, ...,
    0 or 1) marks valid (a frame with none near keeps 0)."""
    t = v.shape[1]
    we = w.expand_as(v)
    sums = torch.cat([torch.zeros_like(v[:, :1]), (v * we).cumsum(1)], 1)
    counts = torch.cat([torch.zeros_like(we[:, :1]), we.cumsum(1)], 1)
    frames = torch.arange(t, device=v.device)
    hi, lo = (frames + half_width + 1).clamp(max=t), (frames - half_width).clamp(min=0)
    return (sums[:, hi] - sums[:, lo]) / (counts[:, hi] - counts[:, lo]).clamp(min=1.0)


def rescale_guided(
    guided: torch.Tensor, cond: torch.Tensor, rescale: float, valid: torch.Tensor | None = None
) -> torch.Tensor:
    """Guided x0 predictions (B, T, ...) whose every feature's fast motion (its deviation from its mean over
    the `RESCALE_HALF_WIDTH` frames about each frame) is scaled to the conditional prediction's (`cond`)
    fast motion's spread, by `rescale` (0: `guided` unchanged, 1: fully); `valid` (B, T) marks the frames
    the statistics are over (None: every frame).

    Guidance extrapolates away from the unconditional prediction, which holds little of any motion, so it
    inflates whatever the conditional one oscillates by: a dribbling hand bounces 1.25 times as far at scale
    1.25 and peaks 2-4 cm nearer its shoulder than the data's hands (docs/training.md, "Guidance that moves
    the pose, not the motion's amplitude"). Rescaled, guidance still moves each feature's slow course (a
    raised arm stays raised, a cup brought to the mouth reaches it) and its timing, with the conditional
    prediction's amplitude of what oscillates faster: in the spirit of Lin et al. 2024's rescaled guidance,
    which matches a whole sample's spread, but per feature over time. Until 2026-12-08 the slow course was
    the mean over the whole motion, and the rescale shrank a sip's reach with the bounces ("Guidance for the
    pose's course, not its bounce"). Features guided at scale 1 are the conditional prediction already and
    stay it."""
    if rescale == 0.0:
        return guided
    w = torch.ones(guided.shape[:2], device=guided.device) if valid is None else valid
    w = w.to(guided.dtype).reshape(*guided.shape[:2], *([1] * (guided.dim() - 2)))
    n = w.sum(1, keepdim=True).clamp(min=1.0)

    def spread(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = (v * w).sum(1, keepdim=True) / n
        return mean, (((v - mean) ** 2) * w).sum(1, keepdim=True).div(n).sqrt()

    course = local_mean(guided, w, RESCALE_HALF_WIDTH)
    fast, fast_cond = guided - course, cond - local_mean(cond, w, RESCALE_HALF_WIDTH)
    mean, amplitude = spread(fast)
    matched = course + mean + (fast - mean) * spread(fast_cond)[1] / amplitude.clamp(min=1e-6)
    return rescale * matched + (1.0 - rescale) * guided


@torch.no_grad()
def ddim(
    denoise: Denoiser,
    x: torch.Tensor,
    levels: torch.Tensor,
    guidance_scale: float | torch.Tensor,
    rescale: float = 0.0,
    valid: torch.Tensor | None = None,
) -> torch.Tensor:
    """Deterministic DDIM from state `x` at `levels[0]` down to `levels[-1]`; returns the last x0 prediction.

    `denoise(x, t, drop)` predicts the clean motion from the state x (B, ...) at levels t (B,), with the
    conditions hidden where `drop` (B,) is True (None: none hidden). With guidance, both branches run as
    one batch of 2B and x0 = x0_uncond + s (x0_cond - x0_uncond); `guidance_scale` may be a tensor that
    broadcasts over x's trailing dimensions (a scale per feature). `rescale` > 0 scales each guided
    prediction's motion to the conditional one's spread over the frames `valid` (B, T) marks
    (`rescale_guided`; x is then (B, T, ...)).
    """
    b = x.shape[0]
    guided = bool((torch.as_tensor(guidance_scale) != 1.0).any())
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)]).to(x.device)
    x0 = x
    for i in range(len(levels) - 1):
        t = levels[i].expand(b)
        if guided:
            both = denoise(torch.cat([x, x]), t.repeat(2), drop)
            x0_c, x0_u = both[:b], both[b:]
            x0 = rescale_guided(x0_u + guidance_scale * (x0_c - x0_u), x0_c, rescale, valid)
        else:
            x0 = denoise(x, t, None)
        ab_t, ab_next = alpha_bar(levels[i]), alpha_bar(levels[i + 1])
        eps = (x - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
        x = ab_next.sqrt() * x0 + (1 - ab_next).sqrt() * eps
    return x0


def repeat_batch(v: torch.Tensor | None, k: int) -> torch.Tensor | None:
    """`v` stacked k times along the batch (the guided branches of `ddim`); None stays None."""
    return v if v is None or k == 1 else torch.cat([v] * k)


def noise_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise of x's shape, drawn on the CPU from `generator` (the same on every device)."""
    return torch.randn(x.shape, generator=generator, device="cpu").to(x.device, x.dtype)


@torch.no_grad()
def ddim_refine(
    refiner: DiffusionRefiner,
    coarse: torch.Tensor,
    text_emb: torch.Tensor,
    lengths: torch.Tensor,
    actors: torch.Tensor | None,
    sampling: Sampling,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Refine `coarse` (B, T, A, 66) in `sampling.steps` deterministic DDIM steps with text guidance,
    starting from `coarse` noised to `sampling.start_strength` (SDEdit)."""
    b = coarse.shape[0]
    levels = torch.linspace(sampling.start_strength, 0.0, sampling.steps + 1, device=coarse.device)
    x = add_noise(coarse, noise_like(coarse, generator), levels[0].expand(b))

    def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        k = x_.shape[0] // b
        c, text, lens, act = (repeat_batch(v, k) for v in (coarse, text_emb, lengths, actors))
        return refiner(x_, t, c, text, lens, act, drop)

    return ddim(denoise, x, levels, sampling.guidance_scale)
