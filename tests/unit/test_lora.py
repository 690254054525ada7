"""LoRA contracts (peft / litgpt style) on a tiny StickFigureModel."""

from __future__ import annotations

import pytest
import torch
from trainkit import one_thread, phase_config  # noqa: F401

from stickgen.core.features import STATE_FEATURES
from stickgen.model.diffusion import RefinerConfig
from stickgen.model.lora import (
    LoRALinear,
    inject_lora_adapters,
    load_lora_state_dict,
    lora_parameters,
    lora_state_dict,
    merge_lora,
    merged_state_dict,
)
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.transformer import TransformerConfig
from stickgen.train.optim import build_optimizer

pytestmark = pytest.mark.usefixtures("one_thread")
TARGETS = ["qkv", "proj", "gate", "up", "down"]


def tiny_model(seed: int = 0) -> StickFigureModel:
    torch.manual_seed(seed)
    return StickFigureModel(
        TransformerConfig(16, 64, 2, 32, 2, 2, 48, 0.0), RefinerConfig(16, 64, 2, 16, 1, 2, 32)
    )


def inputs(seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "text_emb": torch.randn(2, 16, generator=g),
        "lengths": torch.tensor([20, 14]),
        "actors": torch.tensor([1, 2]),
        "x_t": torch.randn(2, 20, 2, STATE_FEATURES, generator=g),
        "t": torch.tensor([0.3, 0.8]),
        "with_refiner": True,
    }


def outputs(model: StickFigureModel) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        motion, x0 = model(**inputs())
    return torch.cat([motion.flatten(), x0.flatten()])


def adapted(rank: int = 4, seed: int = 0) -> StickFigureModel:
    return inject_lora_adapters(tiny_model(seed), rank=rank, alpha=8.0, dropout=0.0, target_modules=TARGETS)


def perturb_adapters(model: StickFigureModel) -> None:
    with torch.no_grad():
        for p in lora_parameters(model):
            p.add_(torch.randn_like(p) * 0.1)


def test_output_is_unchanged_at_injection() -> None:
    before = outputs(tiny_model())
    torch.testing.assert_close(outputs(adapted()), before, rtol=0, atol=0)


def test_injection_freezes_the_base_and_reaches_transformer_and_refiner() -> None:
    model = adapted()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.endswith(("lora_A", "lora_B")) for n in trainable)
    wrapped = [n for n, m in model.named_modules() if isinstance(m, LoRALinear)]
    assert any(n.startswith("transformer.") for n in wrapped) and any(
        n.startswith("refiner.") for n in wrapped
    )
    assert "transformer.blocks.0.attn.qkv.weight" in model.state_dict()  # base keys are unchanged


def test_only_adapter_parameters_change_after_a_step() -> None:
    model = adapted()
    opt = build_optimizer(model, phase_config(lr=1e-2))
    assert {id(p) for g in opt.param_groups for p in g["params"]} == {id(p) for p in lora_parameters(model)}
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    motion, x0 = model(**inputs())
    (motion.pow(2).mean() + x0.pow(2).mean()).backward()
    opt.step()
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.endswith(("lora_A", "lora_B")) for k in changed), sorted(changed)
    assert any(k.endswith("lora_B") for k in changed)  # B leaves zero: the adapter now does something


def test_merged_and_unmerged_outputs_agree_and_merge_is_idempotent() -> None:
    model = adapted()
    perturb_adapters(model)
    unmerged = outputs(model)
    assert not torch.allclose(unmerged, outputs(tiny_model()))
    merge_lora(model)
    merged = outputs(model)
    torch.testing.assert_close(merged, unmerged, rtol=1e-5, atol=1e-5)
    merge_lora(model)
    torch.testing.assert_close(outputs(model), merged, rtol=0, atol=0)


def test_merged_state_dict_loads_into_the_plain_model() -> None:
    model = adapted()
    perturb_adapters(model)
    expected = outputs(model)
    plain = tiny_model(seed=5)
    plain.load_state_dict(merged_state_dict(model))
    torch.testing.assert_close(outputs(plain), expected, rtol=1e-5, atol=1e-5)


def test_adapter_only_save_and_load_round_trip(tmp_path) -> None:
    model = adapted()
    perturb_adapters(model)
    state = lora_state_dict(model)
    assert state and all(k.endswith(("lora_A", "lora_B")) for k in state)
    torch.save(state, tmp_path / "adapters.pth")
    fresh = adapted()  # same base, fresh adapters
    load_lora_state_dict(fresh, torch.load(tmp_path / "adapters.pth", weights_only=True))
    torch.testing.assert_close(outputs(fresh), outputs(model), rtol=0, atol=0)
    with pytest.raises(ValueError, match="missing"):
        load_lora_state_dict(adapted(rank=2), {k: v for k, v in state.items() if "refiner" not in k})


def test_a_target_that_matches_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"\['qkvv'\] match no linear layer.*qkv"):
        inject_lora_adapters(tiny_model(), rank=4, alpha=8.0, dropout=0.0, target_modules=["qkvv"])
    with pytest.raises(ValueError, match="already has LoRA"):
        inject_lora_adapters(adapted(), rank=4, alpha=8.0, dropout=0.0, target_modules=TARGETS)


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"rank": 0}, "rank must be >= 1, got 0"),
        ({"alpha": -1.0}, "alpha must be > 0"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
    ],
)
def test_bad_lora_settings_name_the_value(kwargs: dict, msg: str) -> None:
    args = {"rank": 4, "alpha": 8.0, "dropout": 0.0, **kwargs}
    with pytest.raises(ValueError, match=msg):
        inject_lora_adapters(tiny_model(), target_modules=TARGETS, **args)
