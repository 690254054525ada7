"""The code stays readable in pieces (docs/architecture.md): no module over 500 lines and no function over 80
lines outside the tests, in the library, the stage scripts, the benchmarks and the tools."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("src", "stages", "bench", "tools")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _files() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))


def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES, root: Path = ROOT) -> list[str]:
    """'file:line name (N lines)' for every function or method longer than `limit`, decorators excluded."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > limit:
                out.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({n} lines)")
    return out


def test_the_checked_folders_hold_code() -> None:
    assert len(_files()) > 100


def test_no_module_is_over_500_lines() -> None:
    long = []
    for p in _files():
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            long.append(f"{p.relative_to(ROOT)} ({n} lines)")
    assert long == []


def test_no_function_is_over_80_lines() -> None:
    assert [f for p in _files() for f in long_functions(p)] == []


def test_a_long_function_is_found(tmp_path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def short():\n" + "    x = 1\n" * 79 + "\n\nclass A:\n    def long(self):\n" + "        x = 1\n" * 80
    )
    assert long_functions(probe, root=tmp_path) == ["probe.py:84 long (81 lines)"]


def test_comments_cite_sections_the_architecture_page_has() -> None:
    """Code cites docs/architecture.md by section name; every cited section exists, and nothing cites the
    founding design document, which the repository does not have."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (.+)$", page, re.M))
    cited, stale = set(), []
    for folder in (*FOLDERS, "tests"):
        for p in (ROOT / folder).rglob("*.py"):
            text = p.read_text(encoding="utf-8")
            cited |= set(re.findall(r'docs/architecture\.md, "([^"]+)"', text))
            if "design " + "\u00a7" in text:
                stale.append(str(p.relative_to(ROOT)))
    assert cited and cited <= sections, sorted(cited - sections)
    assert stale == []
