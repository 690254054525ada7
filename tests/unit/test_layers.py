"""The library's import rule (docs/architecture.md): a package imports only the packages below it.

    core < sources < synthetic < curate < embed < model < train < generate < evaluate < release < ops < cli

and the top-level modules (`entry`, `wiring`) sit beside `cli`, above all of the library. Every import
counts, also those inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

from pathlib import Path

from helpers import stickgen_imports

import stickgen

LAYERS = (
    "core",
    "sources",
    "synthetic",
    "curate",
    "embed",
    "model",
    "train",
    "generate",
    "evaluate",
    "release",
    "ops",
    "cli",
)
SRC = Path(stickgen.__file__).parent


def _package(module: str) -> str | None:
    """`stickgen.core.skeleton` -> `core`; a top-level module (`stickgen.entry`) -> None."""
    parts = module.split(".")
    if parts[0] != "stickgen" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each stickgen import; `from stickgen import x` counts as `stickgen.x`."""
    out = []
    for line, module, names in stickgen_imports(path):
        out += [(line, f"stickgen.{n}") for n in names] if module == "stickgen" else [(line, module)]
    return out


def layer_violations(src: Path = SRC) -> list[str]:
    """Every import of a package above the importing one, as 'file:line imports module (why)'."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src)
        own = rel.parts[0] if len(rel.parts) > 1 else None
        if own is None or own == "cli":  # entry.py, wiring.py and cli/: the top
            continue
        for line, module in _imports(path):
            if module == "stickgen" or module.startswith("stickgen.__"):  # the package's own __version__
                continue
            target = _package(module)
            if target is None:  # a top-level module (entry, wiring) from inside a package
                bad.append(f"{rel}:{line} imports {module} (a top-level module)")
            elif rank[target] > rank[own]:
                bad.append(f"{rel}:{line} imports {module} ({target} is above {own})")
    return bad


def test_every_package_is_a_layer():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_imports_run_only_downward():
    assert layer_violations() == []


def test_the_check_sees_an_upward_import(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "x.py").write_text("def f():\n    from stickgen.train.loop import train\n")
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "y.py").write_text("from stickgen.core import x\n")
    assert layer_violations(tmp_path) == ["core/x.py:2 imports stickgen.train.loop (train is above core)"]


def params_importers(src: Path = SRC) -> list[str]:
    """Library modules that import the whole `Params` (only `wiring`, `entry` and `cli/` may)."""
    out = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src)
        if rel.parts[0] in ("cli", "wiring.py", "entry.py") or rel == Path("core/config.py"):
            continue
        out += [
            f"{rel}:{line}"
            for line, module, names in stickgen_imports(path)
            if module == "stickgen.core.config" and "Params" in names
        ]
    return out


def test_only_the_wiring_turns_params_into_objects():
    """The library takes the settings it uses (config sections, plain values), never the whole params."""
    assert params_importers() == []
