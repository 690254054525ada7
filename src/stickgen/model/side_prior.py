"""p(side | text): which side a caption's motion leads with, and the side a generation uses.

The denoiser takes the leading side (`stickgen.core.laterality`: both, left, right) as a condition, so it
never
has to average a left and a right kick. At generation the side is chosen before the first denoising
step: the one the caption names, when the prior says its motion is one-sided, else a draw from the prior
with the generation's seeded generator ("a person kicks": left or right by seed; "a person walks": both).

The prior is a linear softmax over the frozen caption embedding, fitted once per training run by
maximum likelihood on the training clips' captions and the sides measured from their motions
(`fit_side_prior`, full-batch L-BFGS from zero: deterministic), then frozen: it is not a parameter the
optimizer or LoRA adapters touch, and it travels in the checkpoint with the denoiser.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from stickgen.core.laterality import BOTH, NONE

N_SIDES = 3  # BOTH, LEFT, RIGHT: the prior's classes are side ids - BOTH
NAMED_SIDE_MAX_BOTH = 0.5  # a named side is used unless the prior gives "both" at least this probability
L2 = 1e-3
FIT_ITERATIONS = 100


class SidePrior(nn.Module):
    def __init__(self, text_dim: int) -> None:
        super().__init__()
        self.linear = nn.Linear(text_dim, N_SIDES)
        nn.init.zeros_(self.linear.weight)  # uniform until fitted
        nn.init.zeros_(self.linear.bias)
        self.requires_grad_(False)

    def forward(self, text_emb: torch.Tensor) -> torch.Tensor:
        """(B, text_dim) -> (B, 3) probabilities of BOTH, LEFT, RIGHT."""
        return F.softmax(self.linear(text_emb.to(self.linear.weight.dtype)), dim=-1)

    @torch.no_grad()
    def choose(
        self, text_emb: torch.Tensor, named: torch.Tensor | None, generator: torch.Generator | None
    ) -> torch.Tensor:
        """(B,) side ids for a generation: `named` (B,) (the side the caption names,
        `stickgen.model.named.named_side`; None: none named) where `named_side_used`, else drawn from the
        prior with `generator`."""
        p = self(text_emb).float().cpu()
        u = torch.rand(p.shape[0], 1, generator=generator, device="cpu")
        drawn = BOTH + (u > p.cumsum(-1)).sum(-1).clamp(max=N_SIDES - 1)
        if named is not None:
            named = named.cpu()
            drawn = torch.where(named_side_used(p, named), named, drawn)
        return drawn.to(text_emb.device)


def named_side_used(p: torch.Tensor, named: torch.Tensor) -> torch.Tensor:
    """(B,) bool: where a generation leads with the side its caption names (`named` (B,) side ids, NONE: none
    named), its prior `p` (B, 3) (`SidePrior`) calling the motion one-sided (BOTH under
    `NAMED_SIDE_MAX_BOTH`); elsewhere the side is drawn from the prior."""
    return (named != NONE) & (p[:, 0] < NAMED_SIDE_MAX_BOTH)


def fit_side_prior(prior: SidePrior, text_emb: torch.Tensor, sides: torch.Tensor) -> float:
    """Fit `prior` to (N, text_dim) caption embeddings and their motions' (N,) side ids (BOTH, LEFT,
    RIGHT) by L2-regularised maximum likelihood; returns the final mean negative log-likelihood."""
    x = text_emb.detach().double().cpu()
    y = sides.long().cpu() - BOTH
    w = torch.zeros(N_SIDES, x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(N_SIDES, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=FIT_ITERATIONS, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(x @ w.T + b, y) + L2 * w.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        prior.linear.weight.copy_(w.to(prior.linear.weight.dtype))
        prior.linear.bias.copy_(b.to(prior.linear.bias.dtype))
        return float(F.cross_entropy(x @ w.T + b, y))
