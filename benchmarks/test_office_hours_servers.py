"""A calibrated model's year: every matter goes to a department whose thousands of servers work office hours.

Run: ``pytest benchmarks/test_office_hours_servers.py --benchmark-enable -s`` (two minutes). The scenario is
built the way ``gridsim calibrate`` builds one (``sim.calibrate.model``) from known values like Boston's
fit: 340 matters a day over three departments, most of the work short, a third of the queue's matters a
long work of hundreds of hours, so that a department needs thousands of servers. At night and at weekends
every matter that arrives finds them off shift; the engine's cost then used to grow with the servers, not the
matters (each arrival looked at every idle server of its department again). Figures: the engine's seconds for
the year (the median of three) and the same year with the departments on duty round the clock, whose ratio
says what office hours cost.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.goals import check_goal
from sim.calibrate.model import Handling, build_config, scenario_values, write_units
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.scenario.territory import build_territory

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "validation"))
from generated_logs import truth_fit  # noqa: E402

T0 = pd.Timestamp("2015-01-01")
EXTRACTED = pd.Timestamp("2016-01-01")
#: category -> (department, share, spot share, quick share, long share of the queue's matters)
CATEGORIES = {"bins": ("works", 0.4, 0.0, 0.3, 0.1), "lights": ("works", 0.2, 0.0, 0.1, 0.3),
              "permits": ("buildings", 0.2, 0.0, 0.1, 0.5), "parks": ("parks", 0.2, 0.0, 0.2, 0.4)}
#: the same matters over 60 times as many categories, each a sixtieth of one above: a calibrated catalogue
#: (Boston's has 217), most of whose categories have nothing waiting when a server frees up
MANY_CATEGORIES = {f"{name} {i}": (dept, share / 60.0, spot, quick, long)
                   for name, (dept, share, spot, quick, long) in CATEGORIES.items() for i in range(60)}
#: about utilisation 0.8: work a week over (servers x 45 office hours)
HANDLING = {"works": Handling(servers=2500, work_hours=2.0, cv=1.0, long_work_hours=400.0, long_cv=1.0,
                              long_share=0.17),
            "buildings": Handling(servers=1500, work_hours=3.0, cv=1.0, long_work_hours=500.0, long_cv=1.0,
                                  long_share=0.5),
            "parks": Handling(servers=1200, work_hours=2.0, cv=1.0, long_work_hours=500.0, long_cv=1.0,
                              long_share=0.4)}


def _year_seconds(tmp: Path, always: bool, categories: dict[str, tuple[str, float, float, float, float]] = CATEGORIES
                  ) -> float:
    fit = truth_fit(T0, EXTRACTED, 340.0, categories)
    values = scenario_values(fit, HANDLING, write_units(fit, tmp / "bench.units.csv", "bench"), "bench", 7)
    cfg = build_config(values)
    if always:
        cfg = replace(cfg, staffing=replace(cfg.staffing, shifts={**cfg.staffing.shifts, "department": "always"}))
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    run_vector(p, 0)  # compiled and warm
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        run_vector(p, 0)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def test_a_calibrated_year_on_office_hours(benchmark: Any, tmp_path: Path) -> None:
    office = benchmark.pedantic(_year_seconds, args=(tmp_path, False), rounds=1, iterations=1)
    always = _year_seconds(tmp_path, True)
    benchmark.extra_info.update({"office_hours_s": office, "round_the_clock_s": always, "ratio": office / always})
    print(f"\nengine, a year of ~124,000 matters: office hours {office:.2f} s, round the clock {always:.2f} s "
          f"({office / always:.1f}x)")


def test_many_categories_on_office_hours(benchmark: Any, tmp_path: Path) -> None:
    """A freed server looks only at the categories with a queue: 240 categories cost about what 4 do."""
    many = benchmark.pedantic(_year_seconds, args=(tmp_path, False, MANY_CATEGORIES), rounds=1, iterations=1)
    few = _year_seconds(tmp_path, False)
    benchmark.extra_info.update({"many_categories_s": many, "few_categories_s": few, "ratio": many / few})
    print(f"\nengine, a year of ~124,000 matters on office hours: {len(MANY_CATEGORIES)} categories {many:.2f} s, "
          f"{len(CATEGORIES)} categories {few:.2f} s ({many / few:.1f}x)")
    # before the list of categories with a queue: 0.57-0.60 s against 0.16-0.17 s, 3.4-3.5x
    check_goal(benchmark, "engine, 240 categories against 4 (office hours)", many / few, 2.0, "x")
