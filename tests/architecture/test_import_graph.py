"""The packages of ``sim`` import one way, down the pipeline: no circle, no upward arrow.

Every import is read from the source (those inside functions too), mapped to the
package it names (``sim.runs.api`` -> ``runs``) and checked against ``FLOORS``, the
pipeline from the entry points down to the domain-free helpers. A package may import
packages on lower floors only (and itself).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "sim"

#: the floors, top down; packages on one floor do not import each other
FLOORS: tuple[tuple[str, ...], ...] = (
    ("entry",),
    ("app", "sweep", "experiment"),
    ("calibrate",),
    ("runs",),
    ("logs", "report"),
    ("checks",),
    ("metrics",),
    ("engines",),
    ("matters",),
    ("rules",),
    ("records",),
    ("scenario",),
    ("util", "configs"),
)
FLOOR_OF = {pkg: i for i, floor in enumerate(FLOORS) for pkg in floor}
#: the package's own ``__init__`` (``sim.run``, the public API) sits above every floor
TOP = "__init__"


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return TOP if rel.parts == ("__init__.py",) else rel.parts[0]


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sim":
                names.update(f"sim.{a.name}" for a in node.names)
            else:
                names.add(node.module)
    return {n for n in names if n.startswith("sim.")}


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        src = _package_of(path)
        for name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            dst = name.split(".")[1]
            if dst != src:
                edges[src].add(dst)
    return edges


def test_every_package_has_a_floor() -> None:
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert packages <= set(FLOOR_OF), f"packages without a floor: {sorted(packages - set(FLOOR_OF))}"


def test_no_top_level_module_but_the_package_init() -> None:
    loose = sorted(p.name for p in ROOT.glob("*.py") if p.name != "__init__.py")
    assert not loose, f"modules loose at the top of sim/: {loose}"


def test_imports_only_run_down_the_floors() -> None:
    upward = [f"{src} -> {dst}" for src, dsts in _edges().items() for dst in sorted(dsts)
              if src != TOP and FLOOR_OF[dst] <= FLOOR_OF[src]]
    assert not upward, "imports that run up or sideways: " + ", ".join(sorted(upward))


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(edges):
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_import_circle_between_packages() -> None:
    found = _cycle(_edges())
    assert found is None, "import circle: " + " -> ".join(found or [])


@pytest.mark.parametrize("edges", [{"a": {"b"}, "b": {"a"}}, {"a": {"b"}, "b": {"c"}, "c": {"a"}}])
def test_the_circle_finder_finds_a_circle(edges: dict[str, set[str]]) -> None:
    assert _cycle(edges) is not None
