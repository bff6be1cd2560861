"""The capacity check without the run's inputs (``run.simulate=false``): instant for any territory.

The capacity check needs the territory and its stations, and one number read off drawn
inputs: the share of matters that the 12345 hotline finds first (a race between
channels). A full run draws every matter anyway; the check alone draws a sample of
``SAMPLE_MATTERS`` (the same streams at a lower rate: the race does not depend on the
rate), so the city takes a fraction of a second instead of drawing 9 million matters.

A generated territory of more than ``DETAILED_MAX_GRIDS`` grids is checked on as many
of its counties as stay under that size, and the totals scaled to all counties: every
generated county is drawn from the same distribution and staffed alike, so the loads per
station type scale with the number of counties (utilisation stays as it is).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from sim.checks.capacity import CapacityReport, StationLoad, capacity_check
from sim.engines.prepare import Prepared, prepare
from sim.records.inputs import MatterInputs
from sim.scenario.schema import Config
from sim.scenario.territory import Territory, build_territory

#: draws one replication's matter inputs (``sim.runs.source.scenario_inputs``)
DrawInputs = Callable[[Config, Territory, int], MatterInputs]
#: the expected matters per day by category of a prepared run (``sim.runs.source.demand_rates_per_day``)
DemandRates = Callable[[Prepared], np.ndarray]

#: matters drawn to read the hotline share off (standard error about 0.2 percentage points)
SAMPLE_MATTERS = 20_000
#: the most grids built for the check; larger generated territories are checked on some counties
DETAILED_MAX_GRIDS = 12_000


def _thinned(cfg: Config, expected: float) -> Config:
    """The config with its rates lowered so that about SAMPLE_MATTERS matters occur (if more would)."""
    if expected <= SAMPLE_MATTERS:
        return cfg
    f = SAMPLE_MATTERS / expected
    if cfg.textbook.enabled:
        tb = dataclasses.replace(cfg.textbook, arrival_rate_per_hour=cfg.textbook.arrival_rate_per_hour * f)
        return dataclasses.replace(cfg, textbook=tb)
    demand = dataclasses.replace(cfg.demand, rate_per_1000_per_day=cfg.demand.rate_per_1000_per_day * f)
    return dataclasses.replace(cfg, demand=demand)


def quick_capacity(cfg: Config, expected_matters: float, grids: int, *,
                   draw: DrawInputs, rates: DemandRates) -> tuple[CapacityReport, str]:
    """The capacity check of ``cfg`` and a note on how it was made ("" when on the whole territory).

    ``draw`` and ``rates`` are the run's matter source (``sim.runs.source``): a replay's sample is
    the log's own cases and its demand the log's.
    """
    t = cfg.territory
    counties = t.counties
    note = ""
    if grids > DETAILED_MAX_GRIDS and not cfg.textbook.enabled and not t.units_file and counties > 1:
        part = max(1, math.floor(counties * DETAILED_MAX_GRIDS / grids))
        cfg = dataclasses.replace(cfg, territory=dataclasses.replace(t, counties=part))
        expected_matters *= part / counties
        note = (f"capacity check made on {part:,} of the {counties:,} counties and scaled to all of them "
                "(generated counties are drawn and staffed alike)")
    terr = build_territory(cfg)
    sample = draw(_thinned(cfg, expected_matters), terr, 0)  # a replay: the log's own cases
    p = prepare(cfg, terr, sample)
    report = capacity_check(p, rates(p))
    if note:
        report = scaled(report, counties / cfg.territory.counties)
    return report, note


def scaled(rep: CapacityReport, f: float) -> CapacityReport:
    """The report of ``f`` times as many identical counties."""
    def n(x: int) -> int:
        return int(round(x * f))

    loads = [StationLoad(name=s.name, level=s.level, stations=n(s.stations), servers=s.servers * f,
                         arrivals_per_day=s.arrivals_per_day * f, work_hours_per_day=s.work_hours_per_day * f,
                         capacity_hours_per_day=s.capacity_hours_per_day * f, kept_open=s.kept_open)
             for s in rep.loads]
    return CapacityReport(units={k: n(v) for k, v in rep.units.items()}, residents=rep.residents * f,
                          households=n(rep.households), staff={k: n(v) for k, v in rep.staff.items()},
                          matters_per_day=rep.matters_per_day * f,
                          per_level_per_day={k: v * f for k, v in rep.per_level_per_day.items()}, loads=loads,
                          never_found_share=rep.never_found_share)
