"""The agent engine's modules depend one way (engine -> agents -> queueing -> recorder -> visitqueue)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2] / "sim" / "engines" / "agent"
# what each module of the package may import from it (the rest of gridsim is not limited here)
ALLOWED = {
    "visitqueue": set(),
    "recorder": {"visitqueue"},
    "queueing": {"recorder", "visitqueue"},
    "agents": {"queueing", "recorder", "visitqueue"},
    "engine": {"agents", "queueing", "recorder", "visitqueue"},
}


def _package_imports(path: Path) -> set[str]:
    """Modules of sim.engines.agent that a file imports anywhere, TYPE_CHECKING blocks included."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for n in names:
            if n.startswith("sim.engines.agent."):
                out.add(n.split(".")[3])
    return out


def test_the_package_imports_run_one_way() -> None:
    files = {p.stem: p for p in AGENT.glob("*.py") if p.stem != "__init__"}
    assert set(files) == set(ALLOWED)  # a new module must be placed in the order
    for name, path in files.items():
        assert _package_imports(path) <= ALLOWED[name], name


def test_importing_the_agents_does_not_import_the_engine() -> None:
    code = ("import sys; import sim.engines.agent.agents, sim.engines.agent.queueing; "
            "print('sim.engines.agent.engine' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
