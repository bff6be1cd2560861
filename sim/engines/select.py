"""Which engine runs a scenario (``engine=agent|vector|auto``)."""

from __future__ import annotations

from sim.errors import ConfigError
from sim.scenario.schema import Config
from sim.scenario.territory import Territory

AVAILABLE = ("agent", "vector")


def pick_engine(cfg: Config, terr: Territory) -> tuple[str, str]:
    """The engine name and a one-line reason for the choice."""
    name = cfg.engine.name
    if name == "auto":
        if terr.n_grids <= cfg.engine.auto_max_grids:
            return "agent", f"auto: {terr.n_grids} grids <= engine.auto_max_grids={cfg.engine.auto_max_grids}"
        if "vector" in AVAILABLE:
            return "vector", f"auto: {terr.n_grids} grids > engine.auto_max_grids={cfg.engine.auto_max_grids}"
        return "agent", f"auto: {terr.n_grids} grids, but this version has no vector engine yet"
    if name not in AVAILABLE:
        raise ConfigError("engine.name", f"the {name} engine is not available in this version "
                                         f"(available: {', '.join(AVAILABLE)})")
    return name, "chosen by engine.name"
