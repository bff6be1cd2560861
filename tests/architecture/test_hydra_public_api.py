"""gridsim stands on Hydra's public API: nothing of ``hydra._internal`` but the parser of its command line.

``@hydra.main`` parses ``sys.argv`` and runs at once; gridsim reads the flags and overrides
first (the multirun's pre-check, the plain-run shortcut) with the parser ``@hydra.main``
itself uses (the comment in sim/entry/hydra_app.py says so). Anything else private is a
failure here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: (file, name) pairs allowed from hydra._internal
ALLOWED = {("sim/entry/hydra_app.py", "hydra._internal.utils.get_args_parser")}


def _private_uses() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in [*(ROOT / "sim").rglob("*.py"), *(ROOT / "hydra_plugins").rglob("*.py")]:
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hydra._internal"):
                found.update((rel, f"{node.module}.{a.name}") for a in node.names)
            elif isinstance(node, ast.Import):
                found.update((rel, a.name) for a in node.names if a.name.startswith("hydra._internal"))
    return found


def test_only_the_command_line_parser_is_private() -> None:
    assert _private_uses() <= ALLOWED


def test_the_app_carries_no_failures_in_module_state() -> None:
    tree = ast.parse((ROOT / "sim" / "entry" / "hydra_app.py").read_text(encoding="utf-8"))
    lists = [t.id for node in tree.body if isinstance(node, ast.AnnAssign | ast.Assign)
             for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(t, ast.Name) and isinstance(node.value, ast.List)]
    assert lists == []
