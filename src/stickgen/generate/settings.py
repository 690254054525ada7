"""What `InferenceGenerator` is configured with, besides its checkpoint: three small frozen objects.

    gen = InferenceGenerator(
        "models/production",
        SamplingSettings(refinement=None, lock_feet=True),   # how a motion is made
        Checks(safety=True, max_regenerations=2),             # what is refused or made again
        Runtime(device="cpu"),                                # what the model runs with
    )

Every field has the default that applies outside the repository; `stickgen generate` and the stages
fill them from params.yaml (`sampling.*`, `diffusion.*`, `inference.*`, `safety`, `canonical.fps`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from stickgen.model.diffusion import Generation, Sampling
from stickgen.model.length import LengthEstimator

# defaults outside the repository; params.yaml `inference.*` sets them for `stickgen generate`
DEFAULT_MAX_REGENERATIONS = 2
DEFAULT_MAX_PROMPT_CHARS = 500


class TextEncoder(Protocol):
    """What the generator needs from a text encoder: its identity and `encode(texts) -> (N, dim)`."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class SamplingSettings:
    """How a motion is made.

    Args:
        generation: the transformer's sampler (DDIM steps, guidance scale; params `sampling.*`).
        refinement: the diffusion refiner's settings (params `diffusion.*`); None (the default, as params
            `diffusion.use_diffusion` and the CLI without params): no refinement, the transformer's sample
            as it is. A checkpoint whose refiner was not trained (the embedded default's) refuses refining.
        lock_feet: hold planted feet in place (`stickgen.generate.footlock`; params `inference.lock_feet`).
    """

    generation: Generation = field(default_factory=Generation)
    refinement: Sampling | None = None
    lock_feet: bool = True


@dataclass(frozen=True)
class Checks:
    """What is refused or made again.

    Args:
        safety: judge each motion with the critic and generate a rejected one again with the next seed.
        max_regenerations: new attempts after a rejection (params `inference.max_regenerations`).
        critic: the safety critic, called as `critic(joints)` (with `fps=` when it accepts one) and
            returning a result with `is_safe`; None: `stickgen.core.safety.SafetyCritic` with the
            checklist's thresholds at the model's frame rate (the CLI passes params `safety`).
        max_prompt_chars: the longest accepted prompt (params `inference.max_prompt_chars`).
    """

    safety: bool = True
    max_regenerations: int = DEFAULT_MAX_REGENERATIONS
    critic: Callable[..., Any] | None = None
    max_prompt_chars: int = DEFAULT_MAX_PROMPT_CHARS

    def __post_init__(self) -> None:
        if self.max_regenerations < 0:
            raise ValueError(f"max_regenerations must be >= 0, got {self.max_regenerations}")
        if self.max_prompt_chars < 1:
            raise ValueError(f"max_prompt_chars must be >= 1, got {self.max_prompt_chars}")


@dataclass(frozen=True)
class Runtime:
    """What the model runs with besides its checkpoint.

    Args:
        device: `auto`, `cpu`, `cuda`, `cuda:N` or `mps`.
        encoder: a text encoder to use instead of loading the checkpoint's by name; it must match.
        length_estimator: what predicts a motion's duration when none is given: an estimator, or its file
            (`stickgen.model.length`); None: a published folder's `length.json` when it has one, else none
            (`DEFAULT_DURATION_S`).
        fps: the frame rate of a checkpoint that does not record its own (a recorded one always wins; params
            `canonical.fps`).
        bf16: the denoiser's passes in bf16 autocast where the device computes bf16 natively (a CUDA GPU, a
            CPU with AMX or AVX512-BF16: `stickgen.core.device.native_bf16`), float32 elsewhere; the draws
            of side and template stay float32 (`StickFigureModel.generate`); False: float32 everywhere
            (params `inference.bf16`).
    """

    device: str = "auto"
    encoder: TextEncoder | None = None
    length_estimator: LengthEstimator | str | Path | None = None
    fps: float | None = None
    bf16: bool = True


# the defaults of `InferenceGenerator`'s three settings (frozen: one shared instance each)
DEFAULT_SAMPLING = SamplingSettings()
DEFAULT_CHECKS = Checks()
DEFAULT_RUNTIME = Runtime()
