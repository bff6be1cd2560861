"""Which engine runs a scenario (``engine=agent|vector|auto``)."""

from __future__ import annotations

from sim.scenario.schema import Config
from sim.scenario.territory import Territory


def pick_engine(cfg: Config, terr: Territory) -> tuple[str, str]:
    """The engine name (``agent`` or ``vector``) and a one-line reason for the choice."""
    name = str(cfg.engine.name)
    if name != "auto":
        return name, "chosen by engine.name"
    if terr.n_grids <= cfg.engine.auto_max_grids:
        return "agent", f"auto: {terr.n_grids} grids <= engine.auto_max_grids={cfg.engine.auto_max_grids}"
    return "vector", f"auto: {terr.n_grids} grids > engine.auto_max_grids={cfg.engine.auto_max_grids}"
