"""Profiles (docs/architecture.md, "Profiles"): conf/ composes params.yaml the way `dvc exp run -S
profile=NAME` does.

conf/config.yaml is the base (the embedded default), conf/profile/<name>.yaml overrides it. With Hydra
composition on (.dvc/config), every `dvc exp run` rewrites params.yaml from conf/, so the committed
params.yaml must be the default composition, written exactly as DVC writes it (`make params`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import yaml
from configobj import ConfigObj
from helpers import ROOT, compose_profile

from stickgen.core.config import Params, load_params, to_dict
from stickgen.sources import known_datasets

PROFILES = sorted(p.stem for p in (ROOT / "conf/profile").glob("*.yaml"))


def _diff_keys(a: object, b: object, path: str = "") -> list[str]:
    """Key paths where two parsed YAML documents differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        return [d for k in keys for d in _diff_keys(a.get(k), b.get(k), f"{path}{k}.")]
    return [] if a == b else [path.rstrip(".")]


def _load(params: dict, tmp_path: Path) -> Params:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return load_params(path)


def test_hydra_composition_is_enabled_for_dvc() -> None:
    cfg = ConfigObj(str(ROOT / ".dvc/config"))
    assert cfg.get("hydra", {}).get("enabled", "").lower() == "true", dict(cfg)


def test_committed_params_yaml_is_the_default_composition() -> None:
    composed = compose_profile()
    committed = yaml.safe_load((ROOT / "params.yaml").read_text())
    differ = _diff_keys(composed, committed)
    assert not differ, f"params.yaml differs from conf/ at {differ}: edit conf/, then `make params`"
    assert compose_profile("demo") == composed  # demo is the default profile


def test_params_yaml_is_written_exactly_as_dvc_writes_it(tmp_path: Path) -> None:
    """So `dvc exp run` on the default leaves params.yaml byte for byte as committed (no spurious diff)."""
    from dvc.utils.hydra import compose_and_dump

    out = tmp_path / "params.yaml"
    compose_and_dump(out, str(ROOT / "conf"), None, "config", os.fspath(tmp_path), [])
    assert out.read_text() == (ROOT / "params.yaml").read_text(), "run `make params`"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_composes_to_params_the_strict_loader_accepts(profile: str, tmp_path: Path) -> None:
    composed = compose_profile(profile)
    assert to_dict(_load(composed, tmp_path)) == composed


def test_full_profile_is_the_production_run(tmp_path: Path) -> None:
    demo, full = _load(compose_profile(), tmp_path), _load(compose_profile("full"), tmp_path)
    assert full.raw_root == "data/raw"
    assert sorted(full.datasets) == sorted(known_datasets())
    assert full.variants == ["small", "medium", "large"] and full.phases == ["pretrain", "sft", "lora"]
    assert full.embed.model == "BAAI/bge-large-en-v1.5"
    assert full.train.launcher.split()[:2] == ["torchrun", "--standalone"]
    assert "--nproc-per-node=gpu" in full.train.launcher.split()
    for phase in full.phases:
        f, d = getattr(full.train, phase), getattr(demo.train, phase)
        assert f.bf16 and f.compile, phase
        assert f.epochs > d.epochs and f.batch_size > d.batch_size, phase
    assert full.evaluate.max_clips > demo.evaluate.max_clips
    assert full.evaluate.replications > demo.evaluate.replications
    # the refiner, trained for real epochs there, refines by default; the demo's CPU budget does not train it
    assert full.diffusion.use_diffusion and full.diffusion.loss_weight > 0
    assert not demo.diffusion.use_diffusion and demo.diffusion.loss_weight == 0
    assert dataclasses.replace(full.diffusion, use_diffusion=False, loss_weight=0.0) == demo.diffusion
    # the rest is the base: same canonical data contract, model shapes, selection rules
    for section in ("base", "canonical", "curate", "quality", "model", "select", "safety"):
        assert getattr(full, section) == getattr(demo, section), section


def _key_paths(d: dict, prefix: str = "") -> set[str]:
    return {f"{prefix}{k}" for k in d} | {
        p for k, v in d.items() if isinstance(v, dict) for p in _key_paths(v, f"{prefix}{k}.")
    }


def test_profiles_only_override_keys_the_base_has() -> None:
    """A misspelt key in a profile would be added, not override (the strict loader catches it too)."""
    base = _key_paths(yaml.safe_load((ROOT / "conf/config.yaml").read_text()))
    for profile in PROFILES:
        text = (ROOT / f"conf/profile/{profile}.yaml").read_text()
        assert text.startswith("# @package _global_\n"), f"conf/profile/{profile}.yaml: package line"
        extra = sorted(_key_paths(yaml.safe_load(text) or {}) - base)
        assert not extra, f"conf/profile/{profile}.yaml: keys the base lacks: {extra}"
