"""A run's replications, side by side: each one an independent block (its inputs, engine run and KPIs).

Replication r draws its own streams (``scenario_inputs(cfg, terr, r)``) and nothing of one
replication reads another's, so they may run in any order and at once. The vector
engine's kernel, the input and preparation stages and the KPI passes release the GIL,
so ``at_once`` replications run in threads of this process, sharing the territory and
the compiled code; the cores are shared out among them (``engine.workers`` each, which
changes no result: tests/unit/test_replications_parallel.py). Results come back in
replication order, the same as one after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from sim.engines.prepare import Prepared, prepare, release_consumed
from sim.metrics.kpis import compute_kpis
from sim.records.schema import Records
from sim.runs.source import scenario_inputs
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.util.parallel import available_workers


@dataclass
class Replication:
    """One replication's KPIs (``engine_seconds`` included); the records and daily state of the first only."""

    kpis: dict[str, float]
    records: Records | None = None
    state: pd.DataFrame | None = None


def run_engine(engine: str, p: Any, rep: int, progress: bool) -> tuple[Records, pd.DataFrame | None]:
    """Records (and the agent engine's daily DataCollector frame) of one replication."""
    if engine == "agent":
        from sim.engines.agent.engine import run_agent  # mesa and simpy: loaded only for the agent engine

        rec, model = run_agent(p, rep, progress)
        return rec, model.datacollector.get_model_vars_dataframe()
    if engine == "vector":
        from sim.engines.vector.engine import run_vector  # numba's compiled kernel: loaded only when run

        return run_vector(p, rep, spend_inputs=True), None  # p is not used again: its rows go as they are run
    raise AssertionError(f"unknown engine {engine}")  # pick_engine only returns available engines


def threads_each(cfg: Config, at_once: int) -> Config:
    """``cfg`` with the cores shared out among ``at_once`` replications (``engine.workers``)."""
    if at_once <= 1:
        return cfg
    each = max(1, available_workers(cfg.engine.workers) // at_once)
    return replace(cfg, engine=replace(cfg.engine, workers=each))


class _Block:
    """Replication ``rep`` from its inputs to its KPIs (the first's inputs are prepared already)."""

    def __init__(self, cfg: Config, terr: Territory, engine: str, rep: int, first: Prepared | None) -> None:
        self.cfg, self.terr, self.engine, self.rep = cfg, terr, engine, rep
        self.first: Prepared | None = first

    def __call__(self) -> Replication:
        p, self.first = self.first, None  # held by no one else once taken: its memory goes as the engine runs
        if p is None:
            p = prepare(self.cfg, self.terr, scenario_inputs(self.cfg, self.terr, self.rep))
        else:
            p = replace(p, cfg=self.cfg)
        p = release_consumed(p, self.engine)  # the input columns the engine will not read
        t0 = time.perf_counter()
        rec, state = run_engine(self.engine, p, self.rep, self.cfg.run.progress)
        engine_seconds = time.perf_counter() - t0  # the engine alone (KPIs and writing not included)
        del p  # the engine's inputs (gigabytes at city scale): not needed from here
        kp = compute_kpis(rec)
        kp["engine_seconds"] = engine_seconds
        return Replication(kp, rec, state) if self.rep == 0 else Replication(kp)


def run_replications(cfg: Config, terr: Territory, held: list[Prepared], engine: str, at_once: int,
                     on_first: Callable[[Records], None]) -> list[Replication]:
    """Every replication of ``cfg``, ``at_once`` side by side; in replication order.

    ``held`` holds replication 0's prepared inputs (the capacity check read them) and is
    emptied, so that the run is left their only holder; ``on_first`` gets replication 0's
    records as soon as they exist (the Parquet files start then).
    """
    first = held.pop()
    reps = cfg.run.replications
    at_once = max(1, min(at_once, reps))
    each = threads_each(cfg, at_once)
    blocks = [_Block(each, terr, engine, r, first if r == 0 else None) for r in range(reps)]
    del first
    if at_once == 1:  # in this thread: the agent engine's progress bar and a plain traceback
        out = []
        for block in blocks:
            out.append(block())
            if block.rep == 0 and out[0].records is not None:
                on_first(out[0].records)
        return out
    pool = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="gridsim-replication")
    try:
        futures: list[Future[Replication]] = [pool.submit(b) for b in blocks]  # started in order, at_once at a time
        del blocks
        out = []
        for f in futures:
            out.append(f.result())
            if len(out) == 1 and out[0].records is not None:
                on_first(out[0].records)
        return out
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
