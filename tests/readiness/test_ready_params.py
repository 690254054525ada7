"""Every parameter a stage's code reads is declared in that stage's `params` in dvc.yaml, so that changing
it reruns the stage (`dvc repro`, `dvc exp run -S key=value`).

The readiness pipeline runs each dvc.yaml stage on the readiness profile with the params reads recorded
(`stickgen.core.config.recording`: each field read on the loaded config, by key path). A key counts as
declared
when dvc.yaml names it or a section above it (`train.pretrain` declares `train.pretrain.lr`). The other
direction, every declared key exists, is tests/unit/test_config.py's.
"""

from __future__ import annotations

from pathlib import Path

from readykit import PARAMS_READ, dvc_params, with_variant


def _undeclared(read: set[str], declared: list[str]) -> list[str]:
    return sorted(k for k in read if not any(k == d or k.startswith(f"{d}.") for d in declared))


def test_each_stage_declares_every_params_key_its_code_reads(workdir: Path, selected: Path) -> None:
    declared = dvc_params(workdir)
    for variant in ("medium", "large"):  # the profile fans out over small; these ran with its command
        declared[f"pretrain@{variant}"] = with_variant(declared["pretrain@small"], variant)
    assert set(declared) <= set(PARAMS_READ), f"stages that did not run: {set(declared) - set(PARAMS_READ)}"
    assert all(PARAMS_READ[name] for name in declared), "a stage read no params: is recording on?"
    missing = {name: _undeclared(PARAMS_READ[name], keys) for name, keys in declared.items()}
    missing = {name: keys for name, keys in missing.items() if keys}
    assert not missing, f"keys a stage reads but dvc.yaml does not declare for it: {missing}"


def test_undeclared_reads_are_found() -> None:
    """The check itself: a key is declared by itself or by a section above it, not by a sibling."""
    declared = ["train.pretrain", "model.variants.small.d_model", "datasets"]
    read = {"train.pretrain.lr", "model.variants.small.d_model", "model.variants.small.n_heads", "datasets"}
    assert _undeclared(read, declared) == ["model.variants.small.n_heads"]
    assert _undeclared({"train.pretrain_x"}, declared) == ["train.pretrain_x"]
