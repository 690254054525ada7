"""A LoRA checkpoint's adapters in PEFT's format: `adapter_config.json` + `adapter_model.safetensors`.

stickgen's `LoRALinear` (stickgen.model.lora) keeps `lora_A` (r, in) and `lora_B` (out, r) beside the
linear layer's weight and adds `(alpha / r) * B @ A`: PEFT's LoRA on an `nn.Linear`, without rsLoRA or
DoRA. Only the names differ, so a published folder can be loaded on the base model with PEFT:

    from peft import PeftModel
    base = model_from_checkpoint(checkpoint_from_folder(Path("stick-gen-small-pretrain")))
    model = PeftModel.from_pretrained(base, "stick-gen-small")   # the LoRA model's folder

PEFT saves an adapter of module `<m>` as `base_model.model.<m>.lora_A.weight` / `.lora_B.weight` (its
`PeftModel` wraps a `LoraModel` that wraps the model); `target_modules` match a module whose name equals
a target or ends with `.<target>`, as `inject_lora_adapters` matches them.
"""

from __future__ import annotations

from typing import Any

import torch

PEFT_PREFIX = "base_model.model."
LORA_SUFFIXES = ("lora_A", "lora_B")


def peft_state_dict(adapters: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """stickgen adapter tensors (`<module>.lora_A`, `<module>.lora_B`) under PEFT's names."""
    out = {}
    for key, value in adapters.items():
        module, _, kind = key.rpartition(".")
        if kind not in LORA_SUFFIXES or not module:
            raise ValueError(f"not a LoRA adapter tensor: {key!r} (expected <module>.lora_A / .lora_B)")
        out[f"{PEFT_PREFIX}{module}.{kind}.weight"] = value
    return out


def stickgen_state_dict(peft_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inverse of `peft_state_dict`: PEFT-named adapter tensors back under stickgen's names."""
    out = {}
    for key, value in peft_state.items():
        name = key.removeprefix(PEFT_PREFIX)
        module, _, rest = name.rpartition(".lora_")
        kind = f"lora_{rest.removesuffix('.weight')}"
        if name == key or kind not in LORA_SUFFIXES or not rest.endswith(".weight"):
            raise ValueError(f"not a PEFT LoRA tensor name: {key!r}")
        out[f"{module}.{kind}"] = value
    return out


def peft_config(lora: dict[str, Any], base_model: str) -> dict[str, Any]:
    """adapter_config.json: PEFT's `LoraConfig` fields for stickgen's LoRA settings (the checkpoint's
    config `lora`: rank, alpha, dropout, target_modules). `base_model` is the base's Hub id."""
    return {
        "peft_type": "LORA",
        "task_type": None,
        "base_model_name_or_path": base_model,
        "r": int(lora["rank"]),
        "lora_alpha": float(lora["alpha"]),
        "lora_dropout": float(lora["dropout"]),
        "target_modules": sorted(lora["target_modules"]),
        "bias": "none",
        "fan_in_fan_out": False,
        "use_rslora": False,
        "use_dora": False,
        "init_lora_weights": True,
        "modules_to_save": None,
        "layers_to_transform": None,
        "layers_pattern": None,
        "rank_pattern": {},
        "alpha_pattern": {},
        "inference_mode": True,
    }
