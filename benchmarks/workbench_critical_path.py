"""The county what-if's critical path on an idle 2-core machine, from CPU time per thread.

    python benchmarks/workbench_critical_path.py [rounds=5]

The page's code path (``sim.app.workbench.what_if``: a county, 3 replications, the baseline
in the store) is run ``rounds`` times with a new lever value each. Wall-clock time on a
machine shared with other work says more about the others than about gridsim, but CPU time
per thread (``time.thread_time``) does not grow with the load: the replications run 2 at a
time, so an idle 2-core machine would take about the page's own work on the main thread,
plus the longer of replications 0 and 1, plus replication 2 (each: inputs, engine, KPIs).
The background writer's time is printed too: it should fit beside replication 2.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import sim.runs.api as api
import sim.runs.replicate as replicate
from sim.app import workbench as wb

CPU: dict[str, Any] = {}
#: the replication a thread is running (its KPIs are computed on the same thread, after its engine)
HERE = threading.local()


def _timed(name: str, f: Callable[..., Any], replication: bool = False) -> Callable[..., Any]:
    """``f``, noting its own thread's CPU seconds under ``name``; ``replication``: ``f``'s second argument
    is a replication, which the thread then runs (else the seconds go to the thread's replication, if any)."""

    def timed(*args: Any, **kw: Any) -> Any:
        if replication:
            HERE.rep = args[1]
        c = time.thread_time()
        out = f(*args, **kw)
        CPU.setdefault(name, {}).setdefault(getattr(HERE, "rep", -1), []).append(time.thread_time() - c)
        return out

    return timed


def _sum(name: str, key: int) -> float:
    return float(sum(CPU.get(name, {}).get(key, [])))


def main(args: list[str]) -> int:
    rounds = int(args[0].split("=", 1)[1]) if args else 5
    replicate.Replicator.run = _timed("engine", replicate.Replicator.run, replication=True)  # type: ignore[method-assign]
    replicate.compute_kpis = _timed("kpis", replicate.compute_kpis)
    api._write_record_files = _timed("background", api._write_record_files)
    api.run_replications = _timed("waiting", api.run_replications)
    base = wb.base_overrides("county", "baseline", None, tempfile.mkdtemp(prefix="gridsim-critical-"))
    wb.what_if("warm", base, ["run.replications=3"], ["staffing.platform_per_township=5"])  # compile; baseline
    estimates = []
    for v in range(6, 6 + rounds):
        CPU.clear()
        c, t = time.thread_time(), time.perf_counter()
        wb.what_if("x", base, ["run.replications=3"], [f"staffing.platform_per_township={v}"])
        wall, main_cpu = time.perf_counter() - t, time.thread_time() - c
        reps = [_sum("engine", r) + _sum("kpis", r) for r in range(3)]
        own = main_cpu - _sum("waiting", -1)  # the main thread's work besides waiting for the replications
        critical = own + max(reps[0], reps[1]) + reps[2]
        estimates.append(critical)
        background = sum(map(sum, CPU.get("background", {}).values()))
        print(f"wall {wall:.2f} s (load {os.getloadavg()[0]:.1f}); main thread {own:.2f}, replications "
              f"{', '.join(f'{x:.2f}' for x in reps)}, background {background:.2f} "
              f"-> idle 2-core critical path {critical:.2f} s")
    print(f"median {statistics.median(estimates):.2f} s, range {min(estimates):.2f}-{max(estimates):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
