"""The shape of the tree (docs/internals.md): who may import whom, and size limits."""

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


# ---------------------------------------------------------------- imports form no cycle

# Command-line entry points import a command's modules when that command runs, so
# `kejurda --help` and the agent start without loading the web app (or gpiozero).
LATE_IMPORTS_ALLOWED = {"scoreboard.cli", "scoreboard.demo", "hardware.cli"}
# ...and so do the command groups kept in their own modules, and the demo's parts
LATE_IMPORTS_ALLOWED_PREFIXES = ("scoreboard.cli_", "scoreboard.demo.")


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _project_imports(path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """The project modules `path` imports at its top level, and those it imports late."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found: tuple[set[str], set[str]] = (set(), set())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        found[0 if id(node) in top else 1].update(t for t in targets if t in known)
    return found


def _import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    paths = {_module_name(p): p for pkg in PACKAGES for p in _modules(pkg)}
    graph, late = {}, {}
    for name, path in paths.items():
        top, inner = _project_imports(path, set(paths))
        graph[name], late[name] = top | inner, inner
    return graph, late


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    # late (function-level) imports count too: they hide a cycle, they do not remove it
    graph, _late = _import_graph()
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_imports_are_at_the_top_of_modules():
    _graph, late = _import_graph()
    # the firmware is not held to this: MicroPython loads modules into the ESP32's RAM
    hidden = {name: sorted(inner) for name, inner in late.items()
              if inner and name not in LATE_IMPORTS_ALLOWED
              and not name.startswith(LATE_IMPORTS_ALLOWED_PREFIXES + ("firmware",))}
    assert hidden == {}
