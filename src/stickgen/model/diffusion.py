"""Diffusion refinement: a conditional denoiser over the transformer's motion, and its DDIM sampler.

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
classifier-free guidance), and `coarse` the transformer's own (detached) output: the condition never
contains the ground truth, only the diffusion state does, exactly as at sampling time.

Sampling (`ddim_refine`): start at noise level `start_strength` from the noised transformer motion
(SDEdit-style: strength 1 starts from pure noise) and take `steps` deterministic DDIM steps to t = 0,
guiding each x0 prediction with scale s: x0 = x0_uncond + s (x0_cond - x0_uncond).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from stickgen.features import FEATURES_PER_ACTOR
from stickgen.model.spline import n_patches, spline_basis
from stickgen.model.transformer import Block, RMSNorm, Rotary, padding_mask

N_COND_TOKENS = 3  # text (or the null token), noise level, actor count
_COSINE_S = 0.008
_ABAR_MIN = 1e-4


@dataclass(frozen=True)
class RefinerConfig:
    """Everything needed to rebuild the refiner; saved with every checkpoint."""

    text_dim: int
    max_frames: int
    max_actors: int
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    dropout: float = 0.0
    patch_frames: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


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


def alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """Cosine schedule: the signal fraction abar(t) for noise levels t in [0, 1]."""
    f = torch.cos((t + _COSINE_S) / (1 + _COSINE_S) * math.pi / 2) ** 2
    return f.clamp(min=_ABAR_MIN, max=1.0)


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_t for clean x0 (B, ...), standard normal noise of the same shape and levels t (B,)."""
    ab = alpha_bar(t).view(-1, *([1] * (x0.dim() - 1)))
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def _level_features(t: torch.Tensor, n: int = 16) -> torch.Tensor:
    """(B,) noise levels -> (B, 2n) sinusoids (periods from 1 to ~1000 in units of 1/1000)."""
    freqs = torch.exp(-math.log(1000.0) * torch.arange(n, device=t.device).float() / n)
    ang = (t.float() * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([ang.sin(), ang.cos()], dim=-1)


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
        self.level_proj = nn.Sequential(nn.Linear(32, d), nn.SiLU(), nn.Linear(d, d))
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
        drop_text: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Predict the clean motion.

        Args:
            x_t: (B, T, A, 66) diffusion state.
            t: (B,) noise levels in [0, 1].
            coarse: (B, T, A, 66) the transformer's motion (the condition).
            text_emb: (B, text_dim) caption embeddings.
            lengths: (B,) valid frames; None: every clip is T frames long (no padding mask).
            actors: (B,) actor counts (default 1).
            drop_text: (B,) bool, True where the caption is replaced by the null token.

        Returns:
            (B, T, A, 66) predicted clean normalised features.
        """
        b, n_frames = x_t.shape[:2]
        assert x_t.shape == coarse.shape, (x_t.shape, coarse.shape)
        dev = x_t.device
        actors = torch.ones(b, dtype=torch.long, device=dev) if actors is None else actors
        text = self.text_proj(text_emb)  # (B, d)
        if drop_text is not None:
            text = torch.where(drop_text[:, None], self.null_text.to(text.dtype).expand_as(text), text)
        cond = torch.stack([text, self.level_proj(_level_features(t)), self.actors_emb(actors)], dim=1)
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
    """Refine `coarse` (B, T, A, 66) in `sampling.steps` deterministic DDIM steps with text guidance."""
    b = coarse.shape[0]
    levels = torch.linspace(sampling.start_strength, 0.0, sampling.steps + 1, device=coarse.device)
    noise = torch.randn(coarse.shape, generator=generator, device="cpu").to(coarse.device, coarse.dtype)
    x = add_noise(coarse, noise, levels[0].expand(b))
    guided = sampling.guidance_scale != 1.0
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)]).to(coarse.device)
    actors_ = None if actors is None else actors.repeat(2)
    x0 = coarse
    for i in range(sampling.steps):
        t = levels[i].expand(b)
        if guided:  # conditional and unconditional branches in one batch
            both = refiner(
                x.repeat(2, 1, 1, 1),
                t.repeat(2),
                coarse.repeat(2, 1, 1, 1),
                text_emb.repeat(2, 1),
                lengths.repeat(2),
                actors_,
                drop,
            )
            x0_c, x0_u = both[:b], both[b:]
            x0 = x0_u + sampling.guidance_scale * (x0_c - x0_u)
        else:
            x0 = refiner(x, t, coarse, text_emb, lengths, actors)
        ab_t, ab_next = alpha_bar(levels[i]), alpha_bar(levels[i + 1])
        eps = (x - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
        x = ab_next.sqrt() * x0 + (1 - ab_next).sqrt() * eps
    return x0
