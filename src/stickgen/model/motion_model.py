"""StickFigureModel: the StickFigureTransformer and its diffusion refiner, trained and saved together.

`forward` is the training computation (what DDP wraps): the transformer's motion from conditions only
and, when a diffusion state is given, the refiner's clean-motion prediction from that state, the
transformer's DETACHED motion and the text. `generate` is inference: the transformer's motion, refined
by DDIM when a `Sampling` is given and returned untouched otherwise.
"""

from __future__ import annotations

import torch
from torch import nn

from stickgen.config import Params
from stickgen.model.diffusion import DiffusionRefiner, RefinerConfig, Sampling, ddim_refine
from stickgen.model.transformer import StickFigureTransformer, TransformerConfig


def model_configs(params: Params, variant: str, text_dim: int) -> tuple[TransformerConfig, RefinerConfig]:
    """The transformer and refiner configs of `variant` (params `model.variants.<variant>`, `diffusion`)."""
    if variant not in params.model.variants:
        raise ValueError(f"unknown variant [{variant}]; params has {sorted(params.model.variants)}")
    v, d = params.model.variants[variant], params.diffusion
    shared = {
        "text_dim": text_dim,
        "max_frames": params.model.max_frames,
        "max_actors": params.canonical.max_actors,
    }
    return (
        TransformerConfig(
            **shared,
            d_model=v.d_model,
            n_layers=v.n_layers,
            n_heads=v.n_heads,
            ffn_hidden=v.ffn_hidden,
            dropout=v.dropout,
            patch_frames=params.model.patch_frames,
        ),
        RefinerConfig(
            **shared,
            d_model=d.d_model,
            n_layers=d.n_layers,
            n_heads=d.n_heads,
            ffn_hidden=d.ffn_hidden,
            dropout=v.dropout,
            patch_frames=d.patch_frames,
        ),
    )


def refinement(params: Params) -> Sampling:
    """The refinement settings of params `diffusion.*` (used when refining, whatever `use_diffusion` says)."""
    d = params.diffusion
    return Sampling(steps=d.diffusion_steps, guidance_scale=d.guidance_scale, start_strength=d.start_strength)


def sampling_from(params: Params) -> Sampling | None:
    """The refinement that params ask for at generation time (None when `diffusion.use_diffusion` is off)."""
    return refinement(params) if params.diffusion.use_diffusion else None


class StickFigureModel(nn.Module):
    """Transformer generator + diffusion refiner. State dict keys: `transformer.*`, `refiner.*`."""

    def __init__(self, cfg: TransformerConfig, refiner_cfg: RefinerConfig) -> None:
        super().__init__()
        for key in ("text_dim", "max_frames", "max_actors"):
            a, b = getattr(cfg, key), getattr(refiner_cfg, key)
            if a != b:
                raise ValueError(f"transformer and refiner disagree on {key}: {a} vs {b}")
        self.cfg = cfg
        self.refiner_cfg = refiner_cfg
        self.transformer = StickFigureTransformer(cfg)
        self.refiner = DiffusionRefiner(refiner_cfg)

    def forward(
        self,
        text_emb: torch.Tensor,
        lengths: torch.Tensor | None,
        n_frames: int,
        actors: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
        style: torch.Tensor | None = None,
        x_t: torch.Tensor | None = None,
        t: torch.Tensor | None = None,
        drop_text: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Training outputs: (transformer motion (B, T, A, 66), refiner x0 prediction or None).

        The refiner runs only when `x_t` (the noised real motion) and its levels `t` are given.
        """
        motion = self.transformer(text_emb, lengths, n_frames, actors=actors, action=action, style=style)
        if x_t is None:
            return motion, None
        assert t is not None, "a diffusion state needs its noise levels"
        x0 = self.refiner(x_t, t, motion.detach(), text_emb, lengths, actors, drop_text)
        return motion, x0

    @torch.no_grad()
    def generate(
        self,
        text_emb: torch.Tensor,
        lengths: torch.Tensor,
        n_frames: int,
        actors: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
        style: torch.Tensor | None = None,
        sampling: Sampling | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Motion from conditions only: (B, T, A, 66) normalised features.

        Args:
            sampling: refine with the diffusion refiner (DDIM); None returns the transformer's motion
                unchanged (params `diffusion.use_diffusion: false`).
            generator: the noise source of the refinement (seed it for reproducible output).
        """
        was_training = self.training
        self.eval()
        motion = self.transformer(text_emb, lengths, n_frames, actors=actors, action=action, style=style)
        if sampling is not None:
            motion = ddim_refine(self.refiner, motion, text_emb, lengths, actors, sampling, generator)
        self.train(was_training)
        return motion
