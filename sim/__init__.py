"""gridsim: try a grid-governance reform before rolling it out.

``sim.run(overrides=[...])`` runs a scenario and returns its KPIs and records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.util import jitcache

jitcache.configure()  # before anything imports numba: its cache is keyed on gridsim's sources

if TYPE_CHECKING:
    from sim.runs.api import RunResult


def run(overrides: list[str] | tuple[str, ...] | str = (), **kwargs: Any) -> RunResult:
    """Run a scenario (see ``sim.runs.api.run``): ``sim.run(["territory=township"])``, or one string read
    as a command line, ``sim.run("territory=township run.seed=7")``."""
    from sim.runs.api import run as _run  # on the first call: `import sim` stays light

    return _run(overrides, **kwargs)


__all__ = ["run"]
