"""The Python API: ``sim.run(overrides=[...])`` does what the ``gridsim`` command does.

compose -> validate -> territory -> matter inputs -> capacity check -> engine
(each replication) -> KPIs -> results directory. Results are written to a
temporary directory that is renamed into place only when everything succeeded,
so a failed run leaves nothing half-written under ``run.results_dir``.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim.capacity import CapacityReport, capacity_check, format_capacity
from sim.engines.prepare import prepare, release_consumed
from sim.engines.select import pick_engine
from sim.inputs import generate_inputs
from sim.metrics.kpis import backlog_series, busy_totals, compute_kpis, format_kpi_table, utilization_table
from sim.metrics.replications import Summary, half_widths, means, summarize
from sim.records import Records
from sim.report.tables import office_table
from sim.scenario.build import load_config
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory


@dataclass
class RunResult:
    """What a run produced. ``kpis`` are means over replications, ``ci`` their 95% half-widths."""

    cfg: Config
    capacity: CapacityReport
    engine: str = ""
    kpis: dict[str, float] = field(default_factory=dict)
    ci: dict[str, float] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)
    runs: list[dict[str, float]] = field(default_factory=list)
    records: Records | None = None  # the first replication's records
    state: pd.DataFrame | None = None  # the agent engine's daily DataCollector frame
    out_dir: Path | None = None


def _run_engine(engine: str, p: Any, rep: int, progress: bool) -> tuple[Records, pd.DataFrame | None]:
    if engine == "agent":
        from sim.engines.agent.engine import run_agent

        rec, model = run_agent(p, rep, progress)
        return rec, model.datacollector.get_model_vars_dataframe()
    if engine == "vector":
        from sim.engines.vector.engine import run_vector

        return run_vector(p, rep, spend_inputs=True), None  # p is not used again: its rows go as they are run
    raise AssertionError(f"unknown engine {engine}")  # pick_engine only returns available engines


def run(overrides: Sequence[str] = (), *, write: bool = True,
        echo: Callable[[str], None] | None = None) -> RunResult:
    """Run a scenario given Hydra overrides; raise ``ConfigError`` on bad input."""
    say = echo or (lambda _s: None)
    cfg = load_config(overrides)
    with _collector_off_old_objects():
        result, out = _simulate(cfg, write, say)
        if write:
            result.out_dir = _write(result, overrides, out)
    return result


def _simulate(cfg: Config, write: bool, say: Callable[[str], None]) -> tuple[RunResult, _ResultsDir | None]:
    """Territory, inputs, capacity check and every replication with its KPIs.

    When writing records, the results directory is claimed as soon as the first
    replication's records exist and their Parquet files are written in the background;
    it is returned for ``_write`` to complete (and removed here if something fails first).
    """
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    result = RunResult(cfg=cfg, capacity=capacity_check(p))
    say(format_capacity(result.capacity))
    if not cfg.run.simulate:
        return result, None
    engine, why = pick_engine(cfg, terr)
    result.engine = engine
    say(f"\nengine: {engine} ({why}); {cfg.run.replications} replication(s), "
        f"{cfg.run.horizon_days:g} days, {p.inputs.n:,} matters in the first")
    out: _ResultsDir | None = None
    try:
        for rep in range(cfg.run.replications):
            if rep > 0:
                p = prepare(cfg, terr, generate_inputs(cfg, terr, rep))
            p = release_consumed(p, engine)  # the input columns the engine will not read
            t0 = time.perf_counter()
            rec, state = _run_engine(engine, p, rep, cfg.run.progress)
            engine_seconds = time.perf_counter() - t0  # the engine alone (KPIs and writing not included)
            if rep == cfg.run.replications - 1:
                del p, terr  # the engine's inputs (gigabytes at city scale): not needed from here
            if rep == 0 and write and cfg.run.write_records:
                # the Parquet files need only the records: write them while everything else runs
                out = _ResultsDir.claim(cfg)
                out.write_parquet_in_background(rec)
            kp = compute_kpis(rec)
            kp["engine_seconds"] = engine_seconds
            result.runs.append(kp)
            if rep == 0:
                result.records, result.state = rec, state
        result.summaries = summarize(result.runs)
        result.kpis, result.ci = means(result.summaries), half_widths(result.summaries)
        say("\n" + format_kpi_table(result.kpis, result.ci if cfg.run.replications > 1 else None))
    except BaseException:
        if out is not None:
            out.discard()
        raise
    return result, out


def _jsonable(x: Any) -> Any:
    # numpy scalars and the like
    return x.item() if hasattr(x, "item") else str(x)


def claim_results_dir(parent: Path, name: str) -> tuple[Path, Path]:
    """Claim ``parent/name`` (or ``name-2``, ``-3``, ...) atomically: returns (final, its .partial- twin).

    The caller writes into the twin and renames it to ``final`` only when everything is
    written, so a failed run leaves nothing; two runs finishing in the same second get
    different names.
    """
    parent.mkdir(parents=True, exist_ok=True)
    k = 1
    while True:
        final = parent / (name if k == 1 else f"{name}-{k}")
        tmp = parent / f".partial-{final.name}"
        if not final.exists():
            try:
                tmp.mkdir(exist_ok=False)
                return final, tmp
            except FileExistsError:
                pass
        k += 1


@dataclass
class _ResultsDir:
    """A claimed results directory: written into ``tmp``, renamed to ``final`` when complete.

    It may carry the first replication's Parquet files being written in a background
    thread (most of the writing time at city scale, spent in pyarrow without the GIL),
    so that the KPIs, CSVs and charts are done meanwhile.
    """

    final: Path
    tmp: Path
    pool: ThreadPoolExecutor | None = None
    parquet: Future[list[Path]] | None = None

    @classmethod
    def claim(cls, cfg: Config) -> _ResultsDir:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return cls(*claim_results_dir(Path(cfg.run.results_dir), f"{stamp}-{cfg.territory.name}-{cfg.scenario.name}"))

    def write_parquet_in_background(self, rec: Records) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridsim-parquet")
            self.parquet = self.pool.submit(_write_parquet_yielding, rec, self.tmp)

    def _join(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def finish(self) -> Path:
        """Wait for the Parquet files (raising what their writing raised), then move into place."""
        self._join()
        if self.parquet is not None:
            self.parquet.result()
        self.tmp.rename(self.final)
        return self.final

    def discard(self) -> None:
        """Give up: wait for the background writer (it writes into ``tmp``), then remove ``tmp``."""
        self._join()
        shutil.rmtree(self.tmp, ignore_errors=True)


#: how much nicer (Linux niceness) the background Parquet writer is than the rest of the run
BACKGROUND_NICENESS = 5


def _write_parquet_yielding(rec: Records, directory: Path) -> list[Path]:
    """``rec.write_parquet(directory)`` at a lower CPU priority (Linux: per thread, inherited by
    the writer's own threads), so that the KPIs, CSVs and charts, which the run waits for
    in turn, take the cores first and the Parquet files fill the rest."""
    if sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICENESS)
        except OSError:
            pass  # not allowed here: the files are written at the usual priority
    return rec.write_parquet(directory)


def _write_records(result: RunResult, out: _ResultsDir) -> None:
    """The first replication's Parquet files (in the background, unless already under way), CSVs and charts."""
    cfg, rec, tmp = result.cfg, result.records, out.tmp
    assert rec is not None
    if cfg.run.write_records:
        out.write_parquet_in_background(rec)
    backlog = backlog_series(rec)
    backlog.to_csv(tmp / "backlog.csv", index=False)
    station_busy, server_busy = busy_totals(rec)  # one pass over the visits for both utilisation tables
    utilization_table(rec, station_busy).to_csv(tmp / "utilization.csv", index=False)
    office_table(rec, cfg.catalog, station_busy).to_csv(tmp / "offices.csv", index=False)
    if result.state is not None:
        result.state.to_csv(tmp / "state_daily.csv", index=False)
    if cfg.report.charts and result.runs:
        from sim.report.charts import draw_run_charts
        from sim.report.tables import tables_from_records

        tables = tables_from_records(rec, result.runs[0], backlog=backlog, server_busy=server_busy,
                                     catalog=cfg.catalog, station_busy=station_busy)
        draw_run_charts(tables, tmp, cfg.report.lang)


@contextmanager
def _collector_off_old_objects() -> Iterator[None]:
    """Keep the garbage collector off the objects that exist already, for a run or a write.

    The process holds a few hundred thousand long-lived objects (configuration, modules,
    compiled kernels); the charts alone allocate enough to set off a full collection, which
    would walk all of them (0.2 s) though none is garbage made since. They go back to the
    collector afterwards. Left alone if the caller (or an enclosing run) froze objects.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _write(result: RunResult, overrides: Sequence[str], out: _ResultsDir | None = None) -> Path:
    """Write the results directory (into ``out`` when ``run`` claimed it already); return its path."""
    with _collector_off_old_objects():
        return _write_all(result, overrides, out)


def _write_all(result: RunResult, overrides: Sequence[str], out: _ResultsDir | None) -> Path:
    cfg = result.cfg
    out = out if out is not None else _ResultsDir.claim(cfg)
    tmp = out.tmp
    try:
        (tmp / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)), encoding="utf-8")
        (tmp / "overrides.txt").write_text("\n".join(overrides) + ("\n" if overrides else ""), encoding="utf-8")
        capacity = json.dumps(result.capacity.to_dict(), indent=2, default=_jsonable)
        (tmp / "capacity.json").write_text(capacity, encoding="utf-8")
        if result.runs:
            payload = {"engine": result.engine, "replications": len(result.runs), "kpis": result.kpis,
                       "ci_half_width": result.ci, "summaries": {k: asdict(v) for k, v in result.summaries.items()},
                       "runs": result.runs}
            (tmp / "kpis.json").write_text(json.dumps(payload, indent=2, default=_jsonable), encoding="utf-8")
        if result.records is not None:
            _write_records(result, out)
        return out.finish()
    except BaseException:
        out.discard()
        raise
