"""The code keeps the shape the project holds it to: small files, short argument lists.

Files stay under about 500 lines (``MAX_LINES``, a little room), and no function of
the package takes more than about eight positional arguments: related values travel as
one named record (``KernelParams``, a ``NamedTuple`` of columns) or as keywords.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 510
MAX_POSITIONAL = 9


def _sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def test_every_file_stays_under_about_five_hundred_lines() -> None:
    files = _sources("sim", "tests", "benchmarks", "hydra_plugins", "experiments")
    assert len(files) > 100
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines()))
            > MAX_LINES}
    assert long == {}


def test_no_function_takes_more_than_about_eight_positional_arguments() -> None:
    wide = []
    for path in _sources("sim", "hydra_plugins"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = [a.arg for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in ("self", "cls")]
                if len(args) > MAX_POSITIONAL:
                    wide.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({len(args)})")
    assert wide == []

