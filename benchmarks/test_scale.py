"""How cost grows with size, replications side by side, and the first run on a machine (issue 21 items 3-5).

Run: ``pytest benchmarks/test_scale.py --benchmark-enable -s`` (several minutes: a city
year on one thread, compiling from an empty cache). Figures are stored in ``extra_info``:

* matters per second of the vector engine, one thread, a year of the township, county
  and city presets (is the cost per matter flat as the territory grows?);
* the county command with ``run.replications=3``, start to exit, one replication at a
  time (``engine.workers=1``) and side by side (the default: one per core), alternating;
* the default county command on an empty compiled-code cache (``GRIDSIM_CACHE_DIR``): what
  a first run after installing costs (goal: under 60 s), and the same in a fresh process
  with the cache warm;
* a city command's time besides its engine (start-up, inputs, KPIs, league tables, files;
  goal: at most 2 s), with its CPU seconds, which move less than wall seconds on a shared
  machine.
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.goals import check_goal
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def _command(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (every thread) and the output of one ``gridsim`` command, start to exit."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sim.entry.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=True)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, done.stdout


def _command_seconds(args: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one ``gridsim`` command, start to exit."""
    return _command(args, env)[0]


@pytest.mark.parametrize("territory", ["township", "county", "city"])
def test_matters_per_second_by_scale(benchmark: Any, territory: str) -> None:
    cfg = load_config([f"territory={territory}", "engine=vector", "engine.workers=1"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    run_vector(p)  # compiled code loaded
    rounds = 1 if territory == "city" else 3
    benchmark.pedantic(run_vector, args=(p,), rounds=rounds, iterations=1)
    sec = benchmark.stats.stats.median
    benchmark.extra_info.update(matters=p.inputs.n, grids=terr.n_grids, seconds=sec,
                                matters_per_second=p.inputs.n / sec, microseconds_per_matter=1e6 * sec / p.inputs.n)


def test_county_three_replications_command(benchmark: Any, tmp_path: Path) -> None:
    base = ["run.replications=3", "run.reuse=false", f"run.results_dir={tmp_path}"]
    _command_seconds(base)  # compiled code loaded
    one_at_a_time: list[float] = []
    side_by_side: list[float] = []
    for _ in range(3):  # alternating: the machine's load moves both alike
        one_at_a_time.append(_command_seconds([*base, "engine.workers=1"]))
        side_by_side.append(_command_seconds(base))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    before, after = statistics.median(one_at_a_time), statistics.median(side_by_side)
    benchmark.extra_info.update(one_at_a_time=one_at_a_time, side_by_side=side_by_side, median_before=before,
                                median_after=after, speedup=before / after, goal_seconds=5.0)
    print(f"county, 3 replications: {before:.1f} s one at a time, {after:.1f} s side by side")


def test_cold_start_county(benchmark: Any, tmp_path: Path) -> None:
    args = ["run.reuse=false", f"run.results_dir={tmp_path / 'r'}"]
    cold = _command_seconds(args, {"GRIDSIM_CACHE_DIR": str(tmp_path / "cache")})  # compiles everything
    warm = _command_seconds(args, {"GRIDSIM_CACHE_DIR": str(tmp_path / "cache")})
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info.update(cold_seconds=cold, warm_seconds=warm, goal_seconds=60.0)
    print(f"county command: {cold:.1f} s on an empty cache, {warm:.1f} s warm")
    check_goal(benchmark, "default county command, first run (compiling)", cold, 60.0, "s")


def test_city_command_bookkeeping(benchmark: Any, tmp_path: Path) -> None:
    """What a city command spends besides its engine: start-up, inputs, KPIs, league tables, files."""
    args = ["territory=city", "run.reuse=false", "report.charts=false", f"run.results_dir={tmp_path}"]
    _command(["territory=township", "engine=vector", "run.horizon_days=40", f"run.results_dir={tmp_path}"])  # warm
    wall, cpu, out = benchmark.pedantic(_command, args=(args,), rounds=1, iterations=1)
    engine = float(re.search(r"engine_seconds\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    benchmark.extra_info.update(wall_seconds=wall, cpu_seconds=cpu, engine_seconds=engine,
                                besides_engine_seconds=wall - engine, load_average=os.getloadavg()[0])
    print(f"city command: {wall:.1f} s, engine {engine:.1f} s, CPU {cpu:.1f} s (load {os.getloadavg()[0]:.1f})")
    check_goal(benchmark, "gridsim territory=city besides the engine", wall - engine, 2.0, "s")
