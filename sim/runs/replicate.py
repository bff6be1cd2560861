"""The replication pipeline: replicate, pair on common random numbers, summarise.

Every caller that runs replications goes through here: the run API (``sim.runs.api``, and
so the CLI, the sweeps' jobs and the workbench page), the experiments
(``sim.experiment.runner``) and the calibration (``sim.calibrate.fit``).

* **replicate**: replication r of a scenario draws its own streams (``scenario_inputs(cfg,
  terr, r)``, keyed by ``run.seed`` and r), is prepared, and runs on the chosen ``Engine``
  (``Replicator.run``). Nothing of one replication reads another's, so they may run in any
  order and at once (``replicate``: in threads, or in a pool of processes); results come
  back in the order asked, the same as one after another.
* **pair**: two scenarios run with the same ``run.seed`` see the same draws in replication r
  wherever their levers leave the territory alone (common random numbers), so their
  difference is summarised replication by replication (``pair``).
* **summarise**: per-KPI mean and Student-t half-width over replications (``summarise``).

A run's replications side by side (``run_replications``): the vector engine's kernel, the
input and preparation stages and the KPI passes release the GIL, so ``at_once``
replications run in threads of this process, sharing the territory and the compiled code;
the cores are shared out among them (``engine.workers`` each, which changes no result:
tests/unit/test_replications_parallel.py).
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import pandas as pd

from sim.engines.prepare import Prepared, release_consumed
from sim.engines.protocol import Engine
from sim.metrics.kpis import compute_kpis
from sim.metrics.replications import Summary, half_widths, means, paired_difference, summarize
from sim.records.inputs import MatterInputs
from sim.records.schema import Records
from sim.runs.source import scenario_inputs
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.util.interrupt import signal_in
from sim.util.parallel import available_workers

__all__ = ["Replicated", "Replication", "Replicator", "Summarised", "pair", "replicate", "run_replications",
           "summarise", "threads_each"]


@dataclass
class Replicated:
    """What the engine gave for one replication, and how long the engine alone took."""

    replication: int
    records: Records
    state: pd.DataFrame | None  # the agent engine's daily DataCollector frame
    engine_seconds: float


@dataclass
class Replicator:
    """Replications of one scenario: replication r's inputs -> prepared -> engine -> records.

    ``first``: replication 0 prepared already (the run API's capacity check read it); taken
    by the first ``run(0)``, so that the engine's run holds the only reference to it.
    ``draw``: the inputs of replication r (default ``scenario_inputs``, a replayed log's or
    generated); the calibration passes inputs drawn once for all its trials, with
    ``spend_inputs=False`` since every trial runs them again.
    ``inspect``: sees each replication's prepared inputs before the engine runs (the
    experiments' capacity check of replication 0).
    """

    cfg: Config
    terr: Territory
    engine: Engine
    first: Prepared | None = None
    draw: Callable[[Config, Territory, int], MatterInputs] = scenario_inputs
    spend_inputs: bool = True
    inspect: Callable[[int, Prepared], None] | None = None

    def prepared(self, rep: int) -> Prepared:
        """Replication ``rep``'s run-ready inputs."""
        if rep == 0 and self.first is not None:
            p, self.first = self.first, None
            return p if p.cfg is self.cfg else replace(p, cfg=self.cfg)  # the cores shared out (threads_each)
        return self.engine.prepare(self.cfg, self.terr, self.draw(self.cfg, self.terr, rep))

    def run(self, rep: int, progress: bool = False) -> Replicated:
        """Run replication ``rep`` on the engine."""
        p = self.prepared(rep)
        if self.inspect is not None:
            self.inspect(rep, p)
        if self.spend_inputs:
            p = release_consumed(p, self.engine.name)  # the input columns the engine will not read
        t0 = time.perf_counter()
        out = self.engine.run(p, rep, progress=progress, spend_inputs=self.spend_inputs)
        engine_seconds = time.perf_counter() - t0  # the engine alone (KPIs and writing not included)
        return Replicated(rep, out.records, out.state, engine_seconds)


def replicate[Key, Out](run_one: Callable[[Key], Out], replications: Iterable[Key], workers: int = 1,
                        on_done: Callable[[Out], None] | None = None, *, threads: bool = False,
                        on_failed: Callable[[Key, Exception], None] | None = None) -> list[Out]:
    """``run_one(r)`` for every r of ``replications``, in that order; ``on_done`` with each result.

    ``replications`` are replication indices, or any keys ``run_one`` takes (an experiment's
    ``(scenario, overrides, replication)``). With ``workers`` > 1 they run ``workers`` at a
    time: in threads of this process (``threads``: for work that releases the GIL; ``on_done``
    in the order asked), else in a pool of processes (``run_one`` and its keys must then
    pickle: a function at module level or a ``functools.partial`` of one; ``on_done`` in the
    order they finish). The results are returned in the order asked either way.

    ``on_failed``: a replication that raises an ``Exception`` is handed to it with its key and
    left out of the results, and the others go on (an experiment's failed scenario); without
    it the first error stops them all. Ctrl-C stops them all either way.
    """
    keys = list(replications)
    outs: dict[int, Out] = {}

    def finished(i: int, result: Callable[[], Out]) -> None:
        try:
            out = result()
        except Exception as exc:
            if (signalled := signal_in(exc)) is not None:  # a Ctrl-C or SIGTERM in disguise stops them all
                raise signalled from None
            if on_failed is None:
                raise
            on_failed(keys[i], exc)
            return
        outs[i] = out
        if on_done is not None:
            on_done(out)

    if workers <= 1 or len(keys) <= 1:  # in this thread: the agent engine's progress bar and a plain traceback
        for i, k in enumerate(keys):
            finished(i, functools.partial(run_one, k))
        return [outs[i] for i in sorted(outs)]
    n = min(workers, len(keys))
    pool: Executor = (ThreadPoolExecutor(max_workers=n, thread_name_prefix="gridsim-replication") if threads
                      else ProcessPoolExecutor(n, mp_context=mp.get_context("spawn")))  # no fork of threads
    try:
        futures: list[Future[Out]] = [pool.submit(run_one, k) for k in keys]  # started in order, n at a time
        if threads:
            for i, fut in enumerate(futures):
                finished(i, fut.result)
        else:
            index = {fut: i for i, fut in enumerate(futures)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    finished(index[fut], fut.result)
        return [outs[i] for i in sorted(outs)]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class Replication:
    """One replication's KPIs (``engine_seconds`` included); the records and daily state of the first only."""

    kpis: dict[str, float]
    records: Records | None = None
    state: pd.DataFrame | None = None


def threads_each(cfg: Config, at_once: int) -> Config:
    """``cfg`` with the cores shared out among ``at_once`` replications (``engine.workers``)."""
    if at_once <= 1:
        return cfg
    each = max(1, available_workers(cfg.engine.workers) // at_once)
    return replace(cfg, engine=replace(cfg.engine, workers=each))


def run_replications(cfg: Config, terr: Territory, held: list[Prepared], engine: Engine, at_once: int,
                     on_first: Callable[[Records], None]) -> list[Replication]:
    """Every replication of ``cfg`` with its KPIs, ``at_once`` side by side in threads; in replication order.

    ``held`` holds replication 0's prepared inputs (the capacity check read them) and is
    emptied, so that the run is left their only holder; ``on_first`` gets replication 0's
    records as soon as the engine returns them, before their KPIs (the Parquet files start
    then), in the thread that ran it.
    """
    reps = cfg.run.replications
    at_once = max(1, min(at_once, reps))
    replicator = Replicator(threads_each(cfg, at_once), terr, engine, first=held.pop())

    def one(rep: int) -> Replication:
        done = replicator.run(rep, cfg.run.progress)
        if rep == 0:  # before its KPIs: the Parquet files are written meanwhile (the records are read-only)
            on_first(done.records)
        kp = compute_kpis(done.records)
        kp["engine_seconds"] = done.engine_seconds
        return Replication(kp, done.records, done.state) if rep == 0 else Replication(kp)

    return replicate(one, range(reps), at_once, threads=True)


@dataclass
class Summarised:
    """Per-KPI summaries over replications, their means and 95% half-widths."""

    summaries: dict[str, Summary]
    means: dict[str, float]
    half_widths: dict[str, float]


def summarise(runs: list[dict[str, float]], confidence: float = 0.95) -> Summarised:
    """Mean and Student-t half-width of every KPI over the replications' KPI dicts."""
    s = summarize(runs, confidence)
    return Summarised(s, means(s), half_widths(s))


def pair(base: Sequence[dict[str, float]], variant: Sequence[dict[str, float]], keys: Iterable[str],
         confidence: float = 0.95) -> dict[str, Summary]:
    """Variant - base per KPI, replication r with replication r (common random numbers)."""
    a, b = [dict(r) for r in base], [dict(r) for r in variant]
    return {k: paired_difference(a, b, k, confidence) for k in keys}
