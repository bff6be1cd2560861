"""How cost grows with size, replications side by side, and the first run on a machine (issue 21 items 3-5).

Run: ``pytest benchmarks/test_scale.py --benchmark-enable -s`` (several minutes: a city
year on one thread, compiling from an empty cache). Figures are stored in ``extra_info``:

* matters per second of the vector engine, one thread, a year of the township, county
  and city presets (is the cost per matter flat as the territory grows?);
* the county command with ``run.replications=3``, start to exit, one replication at a
  time (``engine.workers=1``) and side by side (the default: one per core), alternating;
* the default county command on an empty compiled-code cache (``GRIDSIM_CACHE_DIR``): what
  a first run after installing costs (goal: under 60 s).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def _command_seconds(args: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one ``gridsim`` command, start to exit."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.entry.cli", *args], capture_output=True, text=True,
                   env={**os.environ, **(env or {})}, check=True)
    return time.perf_counter() - t0


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
