"""Where a run's matters come from: a replayed log or the scenario's own occurrence process.

The choice is made here, once, and passed down: the engines, the capacity check and the
quick check receive the matter inputs or the demand rates they need as arguments and never
ask themselves whether a log is replayed.
"""

from __future__ import annotations

import numpy as np

from sim.checks.capacity import CapacityReport, capacity_check, expected_rates_per_day
from sim.checks.quick import quick_capacity
from sim.engines.prepare import Prepared
from sim.logs.replay import check_replay, replay_inputs, replayed_rates_per_day
from sim.matters.occur import generate_inputs
from sim.records.inputs import MatterInputs
from sim.scenario.schema import Config, ReplayConfig
from sim.scenario.territory import Territory
from sim.scenario.validate import validate


def replays(cfg: Config) -> bool:
    """Whether the run replays a log's cases instead of generating matters."""
    return bool(cfg.scenario.replay.log)


def scenario_inputs(cfg: Config, terr: Territory, replication: int = 0) -> MatterInputs:
    """The matter inputs of one replication: the replayed log's if ``scenario.replay.log`` is set, else generated."""
    if replays(cfg):
        return replay_inputs(cfg, terr, replication)
    return generate_inputs(cfg, terr, replication)


def demand_rates_per_day(p: Prepared) -> np.ndarray:
    """Expected matters per day by category [K]: a replay's demand is its log's, not the configured rates."""
    if replays(p.cfg) and not p.cfg.textbook.enabled:
        return replayed_rates_per_day(p.cfg, p.inputs.category, p.catalog.n)
    return expected_rates_per_day(p)


def validate_run(cfg: Config) -> None:
    """``sim.scenario.validate.validate``, then the replayed log itself when a replay key is set."""
    validate(cfg)
    check_source(cfg)


def check_source(cfg: Config) -> None:
    """Check the replayed log (its file, mapping and window) when any replay key is set."""
    if cfg.scenario.replay != ReplayConfig():
        check_replay(cfg)


def capacity_of(p: Prepared) -> CapacityReport:
    """The capacity check of a prepared run, on the demand of its matter source."""
    return capacity_check(p, demand_rates_per_day(p))


def quick_capacity_of(cfg: Config, expected_matters: float, grids: int) -> tuple[CapacityReport, str]:
    """The capacity check without the run's inputs (``sim.checks.quick``), on this run's matter source."""
    return quick_capacity(cfg, expected_matters, grids, draw=scenario_inputs, rates=demand_rates_per_day)
