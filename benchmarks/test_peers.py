"""The vector engine against its peers and its limit on the textbook M/M/c case (issue 21 item 4).

Run: ``pytest benchmarks/test_peers.py --benchmark-enable -s`` (about a minute; Ciw and SimPy
take most of it). One run measures, side by side and on one core each:

* the vector engine (``engine.workers=1``) on ``scenario=textbook``: one station, c servers,
  Poisson arrivals, exponential service, first come first served, every mechanism of the
  model that the reduction leaves out switched off;
* SimPy (a ``Resource`` of capacity c, a process per customer) and Ciw (a one-node network)
  given the very arrival times and service times of the vector run's customers;
* a bare compiled M/M/c kernel on the same arrays (a heap of the c servers' free times, a
  few instructions per customer): the practical limit of a compiled single queue.

All four give the same waiting times (checked below), so they did the same work. Events are
counted as a queueing textbook counts them, an arrival and a departure per customer; the
vector engine makes more events per customer (intake, dispatch, closing, the satisfaction
draw), so its events per second here are per *textbook* event. Ratios are the ones the
performance table of docs/performance.md states.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from numba import njit

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory

SERVERS = 4
ARRIVALS_PER_HOUR = 4.0
SERVICE_MEAN_HOURS = 0.8  # utilisation 0.8
DAYS = 1000.0  # about 96,000 customers: Ciw takes ~10 s for them on this machine


@njit(cache=True, nogil=True)
def bare_mmc(arrive: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Start times of FCFS service at ``servers`` identical servers (customers in order of arrival)."""
    free = np.zeros(servers)  # a binary min-heap of the servers' free times
    start = np.empty(len(arrive))
    for i in range(len(arrive)):
        s = max(arrive[i], free[0])
        start[i] = s
        x, j = s + service[i], 0  # the root's server is busy until x: sift it down
        while 2 * j + 1 < servers:
            c = 2 * j + 1
            if c + 1 < servers and free[c + 1] < free[c]:
                c += 1
            if free[c] >= x:
                break
            free[j] = free[c]
            j = c
        free[j] = x
    return start


def simpy_mmc(arrive: list[float], service: list[float], servers: int) -> np.ndarray:
    """Start times from SimPy: a process per customer requesting a ``Resource``."""
    import simpy  # the agent engine's library: installed with gridsim

    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    start = np.full(len(arrive), np.nan)

    def customer(i: int) -> Any:
        with res.request() as req:
            yield req
            start[i] = env.now
            yield env.timeout(service[i])

    def source() -> Any:
        last = 0.0
        for i, t in enumerate(arrive):
            yield env.timeout(t - last)
            last = t
            env.process(customer(i))

    env.process(source())
    env.run()
    return start


def ciw_mmc(arrive: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Start times from Ciw, the arrivals and services given as sequences (the ``bench`` extra)."""
    import ciw

    gaps = np.diff(np.concatenate([[0.0], arrive])).tolist()
    net = ciw.create_network(arrival_distributions=[ciw.dists.Sequential(gaps)],
                             service_distributions=[ciw.dists.Sequential(service.tolist())],
                             number_of_servers=[servers])
    q = ciw.Simulation(net)
    q.simulate_until_max_time(float(arrive[-1]) + 1e-9)
    start = np.full(len(arrive), np.nan)
    for r in q.get_all_records():
        start[r.id_number - 1] = r.service_start_date
    return start


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def test_mmc_events_per_second_against_peers(benchmark: Any) -> None:
    pytest.importorskip("ciw")
    cfg = load_config(["scenario=textbook", "engine=vector", "engine.workers=1", f"textbook.servers={SERVERS}",
                       f"textbook.arrival_rate_per_hour={ARRIVALS_PER_HOUR}",
                       f"textbook.service_mean_hours={SERVICE_MEAN_HOURS}", f"run.horizon_days={DAYS}",
                       "run.warmup_days=0"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    run_vector(p)  # compiled code loaded
    rec = benchmark.pedantic(run_vector, args=(p,), rounds=3, iterations=1)
    vector = benchmark.stats.stats.median
    v = rec.visits
    order = np.argsort(v.t_arrive, kind="stable")
    arrive, service = np.asarray(v.t_arrive)[order], np.asarray(v.work)[order]  # speed 1: service = work
    started = np.asarray(v.t_start)[order]
    bare_mmc(arrive[:10], service[:10], SERVERS)  # compiled
    bare = min(_timed(bare_mmc, arrive, service, SERVERS)[1] for _ in range(5))
    by_simpy, simpy_s = _timed(simpy_mmc, arrive.tolist(), service.tolist(), SERVERS)
    by_ciw, ciw_s = _timed(ciw_mmc, arrive, service, SERVERS)
    # the same customers were served at the same times (the vector run stops at the horizon, Ciw at the
    # last arrival: the few still queueing then have no start in Ciw)
    by_bare = bare_mmc(arrive, service, SERVERS)
    for name, other in (("bare", by_bare), ("simpy", by_simpy), ("ciw", by_ciw)):
        both = np.isfinite(started) & np.isfinite(other)
        assert both.mean() > 0.999, name
        assert np.max(np.abs(started[both] - other[both])) < 1e-6, name
    events = 2 * len(arrive)
    rates = {name: events / sec for name, sec in
             (("vector", vector), ("bare", bare), ("simpy", simpy_s), ("ciw", ciw_s))}
    benchmark.extra_info.update(customers=len(arrive), events=events, seconds={"vector": vector, "bare": bare,
                                "simpy": simpy_s, "ciw": ciw_s}, events_per_second=rates,
                                vector_over_simpy=rates["vector"] / rates["simpy"],
                                vector_over_ciw=rates["vector"] / rates["ciw"],
                                bare_over_vector=rates["bare"] / rates["vector"])
    print({k: f"{r:,.0f} events/s" for k, r in rates.items()})
