"""The package declares what its code imports: the installed metadata (pyproject.toml's `dependencies` and
extras) covers every third-party import of src/stickgen, `stickgen generate` runs with the core dependencies
alone (every extra-only package hidden), and requirements.txt pins what pyproject.toml declares. No network:
the installed metadata and the source tree are compared."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from helpers import ROOT
from inferkit import cached_checkpoint
from packaging.requirements import Requirement

SRC = ROOT / "src" / "stickgen"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imports(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return {m for m in out if m not in sys.stdlib_module_names and m not in ("stickgen", "__future__")}


def third_party_imports() -> dict[str, list[str]]:
    """Top-level module -> the src/stickgen files that import it (anywhere in the file)."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for module in _imports(ast.parse(path.read_text())):
            found.setdefault(module, []).append(str(path.relative_to(ROOT)))
    return found


@cache
def packages() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def distribution_of(module: str) -> str:
    """The distribution that provides `module` (installed), else the module's name as a distribution."""
    dists = packages().get(module)
    return _norm(dists[0]) if dists else _norm(module)


def declared() -> tuple[set[str], dict[str, set[str]]]:
    """(core distributions, extra -> distributions) from the installed stickgen metadata."""
    core: set[str] = set()
    extras: dict[str, set[str]] = {}
    for line in metadata.requires("stickgen") or []:
        req = Requirement(line)
        extra = re.search(r'extra == "([^"]+)"', str(req.marker)) if req.marker else None
        if extra:
            extras.setdefault(extra.group(1), set()).add(_norm(req.name))
        else:
            core.add(_norm(req.name))
    return core, extras


def test_the_installed_metadata_is_pyproject_tomls() -> None:
    """A stale install (pyproject.toml edited since) would make the other checks meaningless."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = {str(Requirement(r)) for r in metadata.requires("stickgen") or []}
    written = {str(Requirement(r)) for r in project["dependencies"]}
    assert written <= installed, f"reinstall the package (pip install --no-deps -e .): {written - installed}"
    assert metadata.metadata("stickgen")["Requires-Python"] == project["requires-python"] == ">=3.11"


def test_every_third_party_import_is_a_declared_dependency() -> None:
    core, extras = declared()
    every = core | set().union(*extras.values())
    missing = {m: files for m, files in third_party_imports().items() if distribution_of(m) not in every}
    assert not missing, f"imported but not in pyproject.toml's dependencies or extras: {missing}"
    # torch pinned exactly: an unpinned torch pulls a multi-GB CUDA build
    assert "torch==2.13.0" in (metadata.requires("stickgen") or [])


def test_requirements_txt_pins_what_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared_reqs = {
        _norm(r.name): r
        for r in map(
            Requirement, [*project["dependencies"], *sum(project["optional-dependencies"].values(), [])]
        )
        if _norm(r.name) != "stickgen"
    }
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pinned[_norm(req.name)] = req
    assert set(pinned) <= set(declared_reqs), f"pinned but not declared: {set(pinned) - set(declared_reqs)}"
    core = {_norm(Requirement(r).name) for r in project["dependencies"]}
    assert core <= set(pinned), f"declared but not in requirements.txt: {core - set(pinned)}"
    for name, req in pinned.items():
        assert req.specifier == declared_reqs[name].specifier, (name, str(req), str(declared_reqs[name]))


# hides every module of the distributions that only an extra brings, as if they were not installed (a None in
# sys.modules: `import` fails, `importlib.util.find_spec` says "absent"); the rest must not need them
_BLOCKER = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None
sys.argv = ["stickgen", *sys.argv[2:]]
from stickgen.cli import main
sys.exit(main())
"""


def _extra_only_modules() -> set[str]:
    core, extras = declared()
    core.add("stickgen")
    only = set().union(*extras.values()) - core
    modules = {m for m, dists in packages().items() if {_norm(d) for d in dists} & only}
    # an extra's own dependencies that the core also needs (e.g. pyyaml under dvc) stay visible
    needed = {m for m, dists in packages().items() if {_norm(d) for d in dists} & core}
    return (modules | {m for m in third_party_imports() if distribution_of(m) in only}) - needed


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["generate", "--help"], ["info", "--help"]],
)
def test_the_command_starts_with_the_core_dependencies_alone(argv: list[str]) -> None:
    hidden = _extra_only_modules()
    assert {"dvc", "dvclive", "hydra", "vl_convert"} <= hidden
    proc = subprocess.run(
        [sys.executable, "-c", _BLOCKER, ",".join(sorted(hidden)), *argv], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_generate_works_with_the_core_dependencies_alone(tmp_path_factory, tmp_path: Path) -> None:
    ckpt = cached_checkpoint(tmp_path_factory, "minilm")
    hidden = _extra_only_modules()
    argv = ["generate", "a person waves", "--checkpoint", str(ckpt), "--out", str(tmp_path / "w.gif")]
    argv += [
        "--seconds",
        "1",
        "--steps",
        "2",
        "--samples",
        "2",
        "--seed",
        "3",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _BLOCKER, ",".join(sorted(hidden)), *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
        cwd=tmp_path,  # no params.yaml here: the built-in settings
    )
    assert proc.returncode == 0, proc.stderr
    # the safety critic is on: sample 2 starts at seed 3 + 3 attempts (a rejection moves to the next seed)
    names = sorted(p.name for p in tmp_path.glob("w-*.gif"))
    assert (
        len(names) == 2
        and re.fullmatch(r"w-seed[345]\.gif", names[0])
        and re.fullmatch(r"w-seed[678]\.gif", names[1])
    )
