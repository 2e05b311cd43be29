"""The shape of the tree (DEVELOPERS.md, DESIGN.md): who may import whom, and size limits."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("judging", "scoreboard", "hardware", "firmware")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", _modules("judging"), ids=lambda p: str(p.relative_to(ROOT)))
def test_judging_imports_only_the_standard_library(path):
    outside = {name for name in _imports(path)
               if name != "judging" and name not in sys.stdlib_module_names}
    assert outside == set(), f"{path.relative_to(ROOT)} imports {sorted(outside)}"


@pytest.mark.parametrize("path", _modules("hardware"), ids=lambda p: str(p.relative_to(ROOT)))
def test_hardware_never_imports_the_scoreboard(path):
    assert "scoreboard" not in _imports(path), path.relative_to(ROOT)


@pytest.mark.parametrize("path", [p for pkg in PACKAGES for p in _modules(pkg)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) < MAX_MODULE_LINES, f"{path.relative_to(ROOT)} is too long"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"{path.relative_to(ROOT)}: {long}"
