"""The one place that turns `Params` (params.yaml) into the objects the library takes.

Stages and the `stickgen` command read params.yaml once (`stickgen.entry`) and build what they hand the
library here; no module of a library package imports `Params` (tests/unit/test_layers.py checks it), so
each package takes exactly the settings it uses and can be driven without a params file
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

from stickgen.core.config import Params
from stickgen.model.diffusion import Generation, RefinerConfig, Sampling
from stickgen.model.memory import MemorySettings
from stickgen.model.transformer import TransformerConfig


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
            memory_top_k=params.model.memory_top_k,
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


def memory_settings(params: Params) -> MemorySettings:
    """How training fills and reads the motion memory (params `model.memory_clips`, `memory_dropout`)."""
    return MemorySettings(max_clips=params.model.memory_clips, dropout=params.model.memory_dropout)


def refinement(params: Params) -> Sampling:
    """The refinement settings of params `diffusion.*` (used when refining, whatever `use_diffusion` says)."""
    d = params.diffusion
    return Sampling(steps=d.diffusion_steps, guidance_scale=d.guidance_scale, start_strength=d.start_strength)


def generation(params: Params) -> Generation:
    """The transformer's sampler of params `sampling.*`."""
    s = params.sampling
    return Generation(steps=s.steps, guidance_scale=s.guidance_scale, guidance_rescale=s.guidance_rescale)


def sampling_from(params: Params) -> Sampling | None:
    """The refinement that params ask for at generation time (None when `diffusion.use_diffusion` is off)."""
    return refinement(params) if params.diffusion.use_diffusion else None
