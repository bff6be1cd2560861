"""A run in county blocks, merged, gives the whole run's KPIs and matters (no Ray: the blocks in this process).

The blocks end in any order (here: the last first); the driver adds each in county order.
The product-limit KPIs come from the blocks' sketches: each lies in its stated interval
around the whole run's exact value (``sim.metrics.sketch``); the rest are the same floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import fields

import numpy as np
import pytest

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import county_counts, generate_inputs
from sim.metrics.kpis import compute_kpis
from sim.runs.config import load_config
from sim.runs.stream import BlockResult, BlockTask, run_block, stream
from sim.scenario.territory import build_territory

#: the KPIs made of the blocks' sums (the order of the additions differs from np.mean's): equal to 1e-12 relative
SUMMED_MEANS = frozenset({"wait_hours_mean", "wait_hours_mean_served", "discovery_hours_mean"})
CITY = ["territory=city", "territory.counties=3", "territory.townships_per_county=2", "run.horizon_days=20",
        "scenario=flood", "scenario.surges.0.start_day=5", "engine.block_matters=7000", "run.replications=2"]


def assert_merged_kpis(exact: dict[str, float], got: dict[str, float], bounds: dict[str, tuple[float, float]],
                       where: object = None) -> None:
    """``got`` (merged) against ``exact`` (in process): a sketched KPI is the middle of its interval, which
    holds the exact value; a summed mean within 1e-12 relative; every other KPI the same float."""
    assert exact.keys() == got.keys() - {"engine_seconds"}, where
    maybe_above = {f"{k}_above_horizon" for k, (_, high) in bounds.items() if math.isinf(high)}
    for k, x in exact.items():
        if k in bounds:
            low, high = bounds[k]
            if math.isnan(low):  # above the horizon for certain
                assert math.isnan(x) and math.isnan(got[k]), (where, k)
            elif math.isinf(high):  # perhaps above the horizon, else at least low
                assert math.isnan(got[k]) and (math.isnan(x) or x >= low), (where, k, x, low)
            else:
                assert low <= x <= high and got[k] == (low + high) / 2, (where, k, x, low, high)
        elif k in SUMMED_MEANS:
            assert got[k] == pytest.approx(x, rel=1e-12), (where, k)
        elif k not in maybe_above:
            assert x == got[k] or (math.isnan(x) and math.isnan(got[k])), (where, k, x, got[k])


def _backwards(tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
    for t in reversed(tasks):
        yield run_block(t)


def test_blocks_merged_give_the_whole_runs_kpis() -> None:
    cfg = load_config(CITY)
    terr = build_territory(cfg)
    s = stream(cfg, None, lambda _s: None, _backwards)
    assert len(s.blocks) == 6 and [b.first for b in s.blocks[:3]] == [0, 1, 2]
    for r in range(2):
        whole = compute_kpis(run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, r)), r))
        assert {k for k in s.bounds[r] if "_p" in k} == {f"{name}_p{q}" for name in ("resolution_hours",
                                                       "report_to_close_hours") for q in (50, 90, 95)}
        assert_merged_kpis(whole, s.kpis[r], s.bounds[r], r)


def test_a_block_of_counties_draws_its_rows_of_the_whole_table() -> None:
    cfg = load_config(CITY)
    terr = build_territory(cfg)
    whole = generate_inputs(cfg, terr, 1)
    counts = county_counts(cfg, terr, 1)
    assert counts.sum() == whole.n and np.array_equal(np.bincount(terr.grid_county[whole.grid]), counts)
    part = generate_inputs(cfg, terr, 1, counties=[1, 2])
    assert (part.surge >= 0).any()  # the surge's matters are among them
    for f in fields(whole):
        assert np.array_equal(getattr(whole, f.name)[counts[0]:], getattr(part, f.name)), f.name
