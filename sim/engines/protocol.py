"""What an engine is to its callers: prepared inputs in, one replication's records out.

Both engines (``sim.engines.agent.engine.AgentEngine``, ``sim.engines.vector.engine.VectorEngine``)
implement ``Engine``; ``sim.engines.select.select_engine`` returns one, and the replication
pipeline (``sim.runs.replicate``) runs it without asking which it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from sim.engines.prepare import Prepared, prepare
from sim.records.inputs import MatterInputs
from sim.records.schema import Records
from sim.scenario.schema import Config
from sim.scenario.territory import Territory


@dataclass
class EngineRun:
    """One replication's records, and the agent engine's daily state (its DataCollector frame; None for vector)."""

    records: Records
    state: pd.DataFrame | None = None


class Engine(Protocol):
    """prepare -> run -> records."""

    name: str  # "agent" | "vector": what the records' meta and the run's outputs call it

    def prepare(self, cfg: Config, terr: Territory, inputs: MatterInputs) -> Prepared:
        """The run-ready inputs of one replication."""
        ...

    def run(self, p: Prepared, replication: int = 0, *, progress: bool = False,
            spend_inputs: bool = False) -> EngineRun:
        """Run one replication. ``spend_inputs``: the caller will not read ``p`` again, so the
        engine may give back the memory of the rows it has run (the vector engine does)."""
        ...


class Preparing:
    """The preparation both engines share (``sim.engines.prepare.prepare``)."""

    def prepare(self, cfg: Config, terr: Territory, inputs: MatterInputs) -> Prepared:
        return prepare(cfg, terr, inputs)
