"""Workbench response times: what the page does between a click and its answer (issue 11 item 5).

Run: ``pytest benchmarks/test_workbench.py --benchmark-enable``. Each benchmark runs the
page's own code path (``sim.app.workbench``: the store, ``sim.run``, the chart the page
draws), with the compiled cache warm (a first run compiles it) and the baseline already in
the store, as it is once a planner has opened the page. Goals on the 2-core machine: a
county what-if with 3 replications under 5 s (issue 17; the page itself:
benchmarks/test_page_answer.py), a township year under 3 s, the capacity check under 0.5 s
after a lever moves, a repeated run from the store under 1 s.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from benchmarks.goals import check_goal
from sim.app import workbench as wb

_fresh = itertools.count(2)  # a new lever value per round, so no round is answered from the store


def _base(territory: str, results: Path) -> list[str]:
    return wb.base_overrides(territory, "baseline", None, str(results))


def _click(base: list[str], run_levers: list[str], levers: list[str]) -> wb.Outcome:
    o = wb.what_if("bench", base, run_levers, levers)
    wb.chart(o, "cdf", "en", [o])  # the page draws the chart on show before its answer is complete
    return o


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-workbench")


def test_county_what_if_three_replications(benchmark: Any, results: Path) -> None:
    base, reps = _base("county", results), ["run.replications=3"]
    wb.what_if("warm", base, reps, ["staffing.platform_per_township=5"])  # compile; the baseline into the store

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (base, reps, [f"staffing.platform_per_township={4 + next(_fresh)}"]), {}

    o = benchmark.pedantic(_click, setup=setup, rounds=2, iterations=1)
    assert o.baseline is not None and o.baseline.from_store and not o.from_store and len(o.runs) == 3
    check_goal(benchmark, "workbench: county what-if, 3 replications (median)", benchmark.stats.stats.median, 5.0, "s")


def test_township_year(benchmark: Any, results: Path) -> None:
    base = _base("township", results)
    wb.what_if("warm", base, [], ["staffing.platform_per_township=5"])

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (base, [], [f"staffing.platform_per_township={4 + next(_fresh)}"]), {}

    o = benchmark.pedantic(_click, setup=setup, rounds=2, iterations=1)
    assert not o.from_store and o.cfg.run.horizon_days == 365
    check_goal(benchmark, "workbench: township year (median)", benchmark.stats.stats.median, 3.0, "s")


def test_capacity_check_after_a_lever_moves(benchmark: Any, results: Path) -> None:
    base_dc, _cfg = wb.base_config(_base("county", results))
    wb.capacity_for(base_dc, [])

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (base_dc, [f"staffing.fulltime_per_grid={next(_fresh) % 5 + 1}"]), {}

    rep = benchmark.pedantic(wb.capacity_for, setup=setup, rounds=5, iterations=1)
    assert rep.loads
    check_goal(benchmark, "workbench: capacity check after a lever moves (median)", benchmark.stats.stats.median,
               0.5, "s")


def test_repeated_run_from_the_store(benchmark: Any, results: Path) -> None:
    base, reps, levers = _base("county", results), ["run.replications=3"], ["staffing.platform_per_township=5"]
    wb.what_if("warm", base, reps, levers)
    o = benchmark.pedantic(_click, args=(base, reps, levers), rounds=3, iterations=1)
    assert o.from_store and o.baseline is not None and o.baseline.from_store
    check_goal(benchmark, "workbench: repeated run from the store (median)", benchmark.stats.stats.median, 1.0, "s")
