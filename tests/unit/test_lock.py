"""requirements.lock (tools/lock.py, `make lock`): it parses, pins every line exactly, pins every requirement
of requirements.txt at a version inside its range (torch as requirements.txt pins it), and is exactly what
requirements.txt resolves to in the environment the tests run in (installed metadata only, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, load_tool
from packaging.requirements import Requirement

LOCK = ROOT / "requirements.lock"
REQUIREMENTS = ROOT / "requirements.txt"


lock_tool = load_tool("lock")


def locked() -> dict[str, str]:
    """canonical name -> pinned version, checking that every line is a bare `name==version`."""
    pins: dict[str, str] = {}
    for req in lock_tool.read_requirements(LOCK):
        (spec,) = req.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"{LOCK}: {req} is not an exact pin"
        assert not req.extras and req.marker is None and not req.url, f"{LOCK}: {req} has extras or a marker"
        name = lock_tool.canonical(req.name)
        assert name == req.name, f"{LOCK}: write {req.name} as {name}"
        assert name not in pins, f"{LOCK}: {name} pinned twice"
        pins[name] = spec.version
    return pins


def test_the_lock_parses_and_pins_every_line_exactly() -> None:
    pins = locked()
    assert len(pins) > 100, len(pins)  # the whole resolution, not requirements.txt's 30 names
    assert list(pins) == sorted(pins)


@pytest.mark.parametrize("req", lock_tool.read_requirements(REQUIREMENTS), ids=str)
def test_every_requirement_is_pinned_inside_its_range(req: Requirement) -> None:
    pins = locked()
    name = lock_tool.canonical(req.name)
    assert name in pins, f"{req} is not in {LOCK.name}: run `make lock`"
    assert req.specifier.contains(pins[name], prereleases=True), f"{LOCK.name} pins {name}=={pins[name]}"


def test_torch_is_pinned_as_requirements_txt_pins_it() -> None:
    """The CPU build: the lock keeps `torch==2.13.0` as requirements.txt has it (no `+cpu` label)."""
    (torch,) = [str(r) for r in lock_tool.read_requirements(REQUIREMENTS) if r.name == "torch"]
    assert f"torch=={locked()['torch']}" == torch == "torch==2.13.0"


def test_the_lock_is_what_requirements_txt_resolved_to_here() -> None:
    """Every distribution requirements.txt needs (extras such as dvc[s3] included) is locked, nothing else
    is, and this environment has each at its locked version: `make setup` installed the lock."""
    resolved = lock_tool.closure(lock_tool.read_requirements(REQUIREMENTS))
    pins = locked()
    assert sorted(resolved) == sorted(pins), {
        "missing": sorted(set(resolved) - set(pins)),
        "extra": sorted(set(pins) - set(resolved)),
    }
    off = {n: (v, pins[n]) for n, v in resolved.items() if lock_tool.public(v) != pins[n]}
    assert not off, f"installed vs locked (`make setup`; `make lock` after editing requirements.txt): {off}"


def test_the_lock_text_is_what_the_tool_writes(tmp_path: Path) -> None:
    """The committed file is the tool's own output (header, order, local labels dropped)."""
    pins = {"torch": "2.13.0+cpu", "numpy": "2.4.6"}
    text = lock_tool.lock_text(pins)
    assert text.endswith("numpy==2.4.6\ntorch==2.13.0\n") and text.startswith(lock_tool.HEADER)
    assert LOCK.read_text().startswith(lock_tool.HEADER)
    bad = tmp_path / "requirements.txt"
    bad.write_text("numpy>=2\n-e .\n")
    with pytest.raises(ValueError, match=r"requirements.txt:2: not a requirement"):
        lock_tool.read_requirements(bad)
