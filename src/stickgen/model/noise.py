"""The diffusion process both networks share: the cosine noise schedule, noising, and level features.

A noise level t in [0, 1] keeps the signal fraction abar(t) (cosine schedule, Nichol & Dhariwal 2021):
x_t = sqrt(abar(t)) x0 + sqrt(1 - abar(t)) eps. At t = 1 abar is `_ABAR_MIN` (1e-4): x_t is pure noise to
within 1%, which is where generation starts.
"""

from __future__ import annotations

import math

import torch

_COSINE_S = 0.008
_ABAR_MIN = 1e-4
LEVEL_FEATURES = 32  # width of `level_features`


def alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """Cosine schedule: the signal fraction abar(t) for noise levels t in [0, 1]."""
    f = torch.cos((t + _COSINE_S) / (1 + _COSINE_S) * math.pi / 2) ** 2
    return f.clamp(min=_ABAR_MIN, max=1.0)


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_t for clean x0 (B, ...), standard normal noise of the same shape and levels t (B,)."""
    ab = alpha_bar(t).view(-1, *([1] * (x0.dim() - 1)))
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def level_features(t: torch.Tensor) -> torch.Tensor:
    """(B,) noise levels -> (B, LEVEL_FEATURES) sinusoids (periods from 1 to ~1000 in units of 1/1000)."""
    n = LEVEL_FEATURES // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(n, device=t.device).float() / n)
    ang = (t.float() * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([ang.sin(), ang.cos()], dim=-1)
