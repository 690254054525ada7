"""dvc.yaml's code dependencies are complete: a stage depends on its script and on every library file its
script imports, directly or through other library modules (lazy imports inside functions included), so
`dvc repro` reruns a stage whenever code it runs changes. dvc.yaml names whole packages
(`src/stickgen/core`) where a stage uses one; this test expands them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from helpers import stickgen_imports

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
# every import runs the package's own __init__; it holds only the version string, which no stage writes
PACKAGE_INIT = SRC / "stickgen" / "__init__.py"


def _module_file(module: str) -> Path | None:
    base = SRC / module.replace(".", "/")
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    """The stickgen modules `path` imports, and `module.name` for each `from module import name` (the name
    may be a submodule)."""
    out = set()
    for _, module, names in stickgen_imports(path):
        out |= {module, *(f"{module}.{n}" for n in names)}
    return out


def code_closure(script: Path) -> set[Path]:
    """The library files that running `script` may execute: its stickgen imports, theirs, and every
    package `__init__` on the way."""
    seen: set[Path] = set()
    todo = [script]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imported_modules(path):
            parts = module.split(".")
            for i in range(1, len(parts) + 1):
                f = _module_file(".".join(parts[:i]))
                if f is not None and f not in seen:
                    todo.append(f)
    return {p for p in seen if SRC in p.parents and p != PACKAGE_INIT}


def _stages() -> dict[str, dict]:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    return {name: body.get("do", body) for name, body in stages.items()}


def uncovered(stage: dict) -> list[str]:
    """Library files the stage's script runs that none of its deps (file or folder) covers."""
    script = re.search(r"stages/\w+\.py", stage["cmd"]).group(0)
    deps = [ROOT / d for d in stage["deps"] if "${" not in d]
    assert ROOT / script in deps, f"{script} is not a dependency of its own stage"
    missing = []
    for f in sorted(code_closure(ROOT / script)):
        if not any(f == d or d in f.parents for d in deps):
            missing.append(str(f.relative_to(ROOT)))
    return missing


@pytest.mark.parametrize("name", sorted(_stages()))
def test_each_stage_depends_on_all_the_code_it_runs(name: str) -> None:
    assert uncovered(_stages()[name]) == []


def test_the_package_init_holds_only_the_version() -> None:
    body = ast.parse(PACKAGE_INIT.read_text(encoding="utf-8")).body
    assert [type(n).__name__ for n in body] == ["Expr", "Assign"]  # the docstring, __version__ = "..."
    assert [t.id for t in body[1].targets] == ["__version__"]


def test_a_missing_package_is_found() -> None:
    stage = {
        "cmd": "python stages/train.py --phase pretrain",
        "deps": ["stages/train.py", "src/stickgen/core"],
    }
    missing = uncovered(stage)
    assert "src/stickgen/train/loop.py" in missing and "src/stickgen/model/motion_model.py" in missing
    assert not any(m.startswith("src/stickgen/core/") for m in missing)
