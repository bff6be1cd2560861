"""Which engine runs a scenario (``engine=agent|vector|auto``), and the engine itself."""

from __future__ import annotations

from sim.engines.protocol import Engine
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


def engine_named(name: str) -> Engine:
    """The engine called ``name`` (``agent`` or ``vector``).

    Each engine's module is imported here, when it is chosen, not with this module: mesa and
    simpy (agent) and the compiled kernel (vector) take seconds to load, which ``gridsim --help``,
    the capacity check alone and the pre-flight estimate should not pay.
    """
    if name == "agent":
        from sim.engines.agent.engine import AgentEngine

        return AgentEngine()
    if name == "vector":
        from sim.engines.vector.engine import VectorEngine

        return VectorEngine()
    raise AssertionError(f"unknown engine {name}")  # the config's schema admits only these


def select_engine(cfg: Config, terr: Territory) -> tuple[Engine, str]:
    """The engine that runs ``cfg`` on ``terr`` and the one-line reason (``pick_engine``)."""
    name, why = pick_engine(cfg, terr)
    return engine_named(name), why
