"""A province and a city streamed through Ray (engine.backend=ray), and the city in one process (issue 20 item 5).

Run: ``pytest benchmarks/test_province.py --benchmark-enable -s`` (the city cases: a few
minutes); the province year (tens of minutes on 2 shared cores, ~14 GB of records) runs
only with ``GRIDSIM_BENCH_PROVINCE=1``. Each case is one ``sim.run`` in a fresh process
(``_measure``), which reports its wall time, the driver's peak resident memory, each
worker's peak (from the blocks' reports) and matters per second; the figures go to
``extra_info`` and are printed. Goals (docs/performance.md): a province year in under
5 minutes with the driver under 2 GB and each worker under 3 GB; the city on Ray within
1.3x of the threads backend. The city is measured on a local Ray the run starts and stops,
and joining a Ray already running (as a cluster's head is), which spares the run Ray's own
start and stop.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.util.jitcache import cache_root
from sim.util.ray_local import LOCAL_ENV
from tests.unit.test_ray_loopback import HEAD  # a Ray kept running, as a cluster's head

#: a fresh process runs one case and prints its figures as the last line (JSON)
_CASE = """
import json, resource, sys, time
from sim import run
t0 = time.perf_counter()
res = run(sys.argv[1:])
wall = time.perf_counter() - t0
s = res.streamed
matters = res.kpis.get("matters", 0.0)
total = sum(b.matters for b in s.blocks) if s else (res.records.matters.n if res.records else 0)
print(json.dumps({"wall_s": wall, "driver_peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                  "worker_peak_gb": max((b.peak_bytes for b in s.blocks), default=0.0) / 2**30 if s else None,
                  "blocks": len(s.blocks) if s else 0, "matters": total, "matters_per_s": total / wall,
                  "window_matters": matters}))
"""


def _measure(args: list[str], results: Path) -> dict[str, Any]:
    env = {**os.environ, "GRIDSIM_CACHE_DIR": str(cache_root())}
    p = subprocess.run([sys.executable, "-c", _CASE, *args, f"run.results_dir={results}", "run.reuse=false",
                        "report.charts=false"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


@pytest.fixture
def results() -> Iterator[Path]:
    """A short results directory: a local Ray's sockets live under it (at most 40 characters)."""
    d = Path(tempfile.mkdtemp(prefix="gsb", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


CITY = ["territory=city"]


@pytest.mark.parametrize(("backend", "workers"), [("threads", 2), ("ray", 1), ("ray", 2)])
def test_city_year(benchmark: Any, results: Path, backend: str, workers: int) -> None:
    extra = [f"engine.workers={workers}"] if backend == "threads" else ["engine.backend=ray",
                                                                        f"engine.ray.workers={workers}"]
    figures = benchmark.pedantic(_measure, args=([*CITY, *extra], results), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(backend, workers, figures)


@pytest.fixture
def running_ray(results: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The address of a local Ray (loopback only, 2 CPUs) already running, started and stopped by the fixture.
    The runs join it with Ray's token authentication, the token in ``~/.ray`` (Ray's default)."""
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    temp = Path(tempfile.mkdtemp(prefix="gsr", dir="/tmp"))
    env = {**os.environ, **LOCAL_ENV, "GRIDSIM_CACHE_DIR": str(cache_root())}  # HOME: the runs read its token
    holder = subprocess.Popen([sys.executable, "-c", HEAD, str(temp), "2"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None
        yield holder.stdout.readline().strip()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
        shutil.rmtree(temp, ignore_errors=True)


def test_city_year_joining_a_running_ray(benchmark: Any, results: Path, running_ray: str) -> None:
    """The city on a Ray that is already running (``engine.ray.address``, as on a cluster): Ray's own start and
    stop (several seconds of its processes on this machine) are not the run's."""
    figures = benchmark.pedantic(_measure, args=([*CITY, "engine.backend=ray", f"engine.ray.address={running_ray}"],
                                                 results), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print("ray joined", figures)


@pytest.mark.skipif(os.environ.get("GRIDSIM_BENCH_PROVINCE") != "1", reason="a province year: GRIDSIM_BENCH_PROVINCE=1")
def test_province_year(benchmark: Any, results: Path) -> None:
    figures = benchmark.pedantic(_measure, args=(["territory=province", "engine.backend=ray", "run.confirm=true"],
                                                 results), rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print("province", figures)
