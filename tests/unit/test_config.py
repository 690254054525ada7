"""params.yaml, the config dataclasses and dvc.yaml agree; bad keys fail with their key path."""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest
import yaml
from helpers import ROOT

from stickgen.core.config import ConfigError, Params, build, load_params, to_dict


def _raw() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())


def test_params_yaml_loads_and_round_trips() -> None:
    p = load_params(ROOT / "params.yaml")
    assert to_dict(p) == _raw()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda r: r["train"]["pretrain"].update(lr_typo=0.1), "train.pretrain.lr_typo: unknown key"),
        (lambda r: r["canonical"].pop("fps"), "canonical.fps: missing key"),
        (lambda r: r.update(extra_section={}), "extra_section: unknown key"),
        (
            lambda r: r["model"]["variants"]["small"].pop("n_heads"),
            "model.variants.small.n_heads: missing key",
        ),
        (lambda r: r["train"]["pretrain"].update(epochs="ten"), "train.pretrain.epochs: expected int"),
        (lambda r: r["train"]["pretrain"].update(lr=-1.0), "train.pretrain.lr: must be > 0"),
        (lambda r: r["canonical"].update(max_actors=True), "canonical.max_actors: expected int"),
        (lambda r: r.update(variants=["huge"]), "variants: ['huge'] have no entry"),
        (lambda r: r.update(variants=[]), "variants: must name at least one"),
        (lambda r: r.update(phases=[]), "phases: must name at least one"),
        (lambda r: r.update(variants=["small", "small"]), "variants: has duplicates"),
        (
            lambda r: r["diffusion"].update(use_diffusion=True, loss_weight=0.0),
            "diffusion.use_diffusion: refines",
        ),
    ],
)
def test_bad_params_name_the_key_path(mutate, path: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(ConfigError) as err:
        build(Params, raw, "")
    assert str(err.value).startswith(path), str(err.value)


def _leaf_paths(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        p = f"{prefix}{k}"
        out |= _leaf_paths(v, p + ".") if isinstance(v, dict) else {p}
    return out


def _dvc_param_keys() -> set[str]:
    """Every params key that dvc.yaml declares, with foreach ${item} and the stage's own `vars` expanded."""
    raw = _raw()
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    keys = set()
    for stage in dvc["stages"].values():
        body = stage.get("do", stage)
        items: list = [None]
        if "foreach" in stage:
            items = raw[stage["foreach"].strip("${}")]
        own = {k: v for d in body.get("vars", []) for k, v in d.items()}
        for key in body.get("params", []):
            for name, value in own.items():
                key = key.replace(f"${{{name}}}", value)
            for item in items:
                keys.add(key.replace("${item}", item) if item else key)
    return keys


def test_every_dvc_params_key_exists_in_params_yaml() -> None:
    leaves = _leaf_paths(_raw())
    prefixes = {p.rsplit(".", i)[0] for p in leaves for i in range(p.count(".") + 1)}
    missing = sorted(k for k in _dvc_param_keys() if k not in prefixes)
    assert not missing, f"dvc.yaml declares params that params.yaml lacks: {missing}"


def test_every_params_key_is_read_somewhere() -> None:
    """No dead keys: each dataclass field is used in src/ or stages/, or declared in dvc.yaml."""
    code = "\n".join(p.read_text() for d in ("src", "stages") for p in (ROOT / d).rglob("*.py"))
    for own in ("config.py", "config_use.py"):  # the definitions are not reads
        code = code.replace((ROOT / "src/stickgen/core" / own).read_text(), "")
    dvc_text = (ROOT / "dvc.yaml").read_text()
    unread = []

    def walk(tp, path):
        for f in dataclasses.fields(tp):
            hint = typing.get_type_hints(tp)[f.name]
            inner = typing.get_args(hint)[-1] if typing.get_origin(hint) is dict else hint
            if dataclasses.is_dataclass(inner):
                walk(inner, f"{path}{f.name}.")
            elif not re.search(rf"\.{f.name}\b", code) and f"${{{f.name}}}" not in dvc_text:
                unread.append(path + f.name)

    walk(Params, "")
    assert not unread, f"params keys nothing reads: {unread}"


def test_numbers_read_as_dvc_reads_them_and_a_key_given_twice_is_refused(tmp_path) -> None:
    """YAML 1.2 numbers, as DVC's reader: `lr: 2e-3` is 0.002 (PyYAML's 1.1 rules read the text "2e-3" and
    the file was refused as `expected float, got str`); a quoted one stays text. A key given twice in one
    mapping is an error naming its line (PyYAML kept the last: a second `sampling:` section won silently)."""
    text = (ROOT / "params.yaml").read_text()
    path = tmp_path / "p.yaml"
    path.write_text(text.replace("    lr: 0.002\n", "    lr: 2e-3\n", 1))
    assert load_params(path).train.pretrain.lr == 0.002
    path.write_text(text + "sampling:\n  steps: 50\n")
    with pytest.raises(yaml.YAMLError, match="the key 'sampling' is given twice"):
        load_params(path)
