"""LoRA: low-rank adapters on chosen `nn.Linear` layers, adapter-only state, merge for export.

`inject_lora_adapters(model, rank, alpha, dropout, target_modules)` replaces every matching linear layer
by a `LoRALinear` (same `weight` / `bias` keys, plus `lora_A` (r, in) and `lora_B` (out, r)) and freezes
every other parameter. B starts at zero, so the model's output is unchanged at injection; the update is
`(alpha / r) * B @ A`. A target matches a linear layer whose qualified name equals it or ends with
`.<target>` (so `qkv` matches `transformer.blocks.0.attn.qkv`); a target that matches nothing is an error.

    model = inject_lora_adapters(model, rank=8, alpha=16, dropout=0.05, target_modules=["qkv", "proj"])
    adapters = lora_state_dict(model)        # only lora_A / lora_B tensors
    load_lora_state_dict(model, adapters)    # strict: missing or unexpected keys are an error
    merge_lora(model)                        # fold B @ A into the weights (idempotent)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LORA_KEYS = ("lora_A", "lora_B")


class LoRALinear(nn.Linear):
    """A linear layer with a low-rank adapter. `merge()` folds the adapter into `weight` once."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float) -> None:
        if rank < 1:
            raise ValueError(f"LoRA rank must be >= 1, got {rank}")
        if alpha <= 0:
            raise ValueError(f"LoRA alpha must be > 0, got {alpha}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"LoRA dropout must be in [0, 1), got {dropout}")
        super().__init__(
            base.in_features,
            base.out_features,
            bias=base.bias is not None,
            device=base.weight.device,
            dtype=base.weight.dtype,
        )
        self.weight = base.weight  # the same Parameter objects: state dict keys are unchanged
        self.bias = base.bias
        self.rank, self.alpha, self.scaling = rank, alpha, alpha / rank
        like = {"device": base.weight.device, "dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, **like))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, **like))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(dropout)
        self.merged = False

    def delta_weight(self) -> torch.Tensor:
        return (self.lora_B @ self.lora_A) * self.scaling  # (out, in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight, self.bias)
        if self.merged:
            return y
        return y + F.linear(F.linear(self.lora_dropout(x), self.lora_A), self.lora_B) * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        if not self.merged:
            self.weight.add_(self.delta_weight().to(self.weight.dtype))
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged:
            self.weight.sub_(self.delta_weight().to(self.weight.dtype))
            self.merged = False

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, rank={self.rank}, alpha={self.alpha}, merged={self.merged}"


def _matches(name: str, target: str) -> bool:
    return name == target or name.endswith(f".{target}")


def inject_lora_adapters(
    model: nn.Module, rank: int, alpha: float, dropout: float, target_modules: list[str]
) -> nn.Module:
    """Put LoRA adapters on the matching linear layers (in place) and freeze everything else.

    Raises:
        ValueError: a target matches no linear layer (the message lists the linear layers there are),
            or the model already has adapters.
    """
    if not target_modules:
        raise ValueError("target_modules is empty: name at least one linear layer to adapt")
    if any(isinstance(m, LoRALinear) for m in model.modules()):
        raise ValueError("the model already has LoRA adapters")
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    unmatched = [t for t in target_modules if not any(_matches(n, t) for n, _ in linears)]
    if unmatched:
        names = sorted({n.rsplit(".", 1)[-1] for n, _ in linears})
        raise ValueError(
            f"LoRA target_modules {unmatched} match no linear layer; linear layer names: {names}"
        )
    for name, module in linears:
        if any(_matches(name, t) for t in target_modules):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, LoRALinear(module, rank, alpha, dropout))
    mark_only_lora_as_trainable(model)
    return model


def is_lora_name(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in LORA_KEYS


def mark_only_lora_as_trainable(model: nn.Module) -> None:
    for name, p in model.named_parameters():
        p.requires_grad_(is_lora_name(name))


def lora_parameters(model: nn.Module) -> list[nn.Parameter]:
    return [p for n, p in model.named_parameters() if is_lora_name(n)]


def lora_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Only the adapter tensors (never the base weights, merged or not)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if is_lora_name(k)}


def load_lora_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load adapter tensors into an injected (unmerged) model; missing or unexpected keys are an error."""
    own = {k for k in model.state_dict() if is_lora_name(k)}
    missing, unexpected = sorted(own - set(state)), sorted(set(state) - own)
    if missing or unexpected:
        raise ValueError(
            f"LoRA adapter keys do not match the model: missing {missing}, unexpected {unexpected}"
        )
    if any(m.merged for m in model.modules() if isinstance(m, LoRALinear)):
        raise ValueError("cannot load adapters into a merged model; unmerge it first")
    model.load_state_dict(state, strict=False)


def merge_lora(model: nn.Module) -> nn.Module:
    """Fold every adapter into its base weight (idempotent: merging twice changes nothing)."""
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.merge()
    return model


def merged_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Merge, then the state dict without adapter tensors: it loads into the plain (un-injected) model."""
    merge_lora(model)
    return {k: v for k, v in model.state_dict().items() if not is_lora_name(k)}
