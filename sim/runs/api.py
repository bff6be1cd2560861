"""The Python API: ``sim.run(overrides=[...])`` does what the ``gridsim`` command does.

compose -> validate -> territory -> matter inputs -> capacity check -> engine
(each replication) -> KPIs -> results directory. Results are written to a
temporary directory that is renamed into place only when everything succeeded,
so a failed run leaves nothing half-written under ``run.results_dir``.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.checks.capacity import CapacityReport, format_capacity
from sim.checks.preflight import Estimate, check_disk, check_fits, estimate
from sim.engines.prepare import prepare
from sim.engines.select import select_engine
from sim.metrics.kpis import backlog_series, busy_totals, format_kpi_table, utilization_table
from sim.metrics.league import write_league_tables
from sim.metrics.replications import Summary
from sim.metrics.sketch import sketch_metadata
from sim.metrics.stability import Stability, judge_stability
from sim.metrics.tables import office_table
from sim.records.files import write_records
from sim.records.schema import Records
from sim.runs.config import check_types, load_config_noted, override_list, resolve_defaults
from sim.runs.destination import check_destination
from sim.runs.dir_name import results_dir_name
from sim.runs.manifest import file_entry, write_manifest
from sim.runs.ray_blocks import RayBlocks
from sim.runs.replicate import run_replications, summarise
from sim.runs.source import capacity_of, quick_capacity_of, scenario_inputs
from sim.runs.store import register_result, result_row
from sim.runs.stream import Streamed, stream, write_streamed_outputs
from sim.scenario.compose import presets_dir
from sim.scenario.kept import RecordsKept, records_kept
from sim.scenario.lever_warnings import lever_warnings
from sim.scenario.preset_files import tidy_calibrated
from sim.scenario.schema import Config, warmup_days
from sim.scenario.territory import build_territory
from sim.util.errors import ConfigError
from sim.util.interrupt import signals_deferred
from sim.util.partial import RAY_PREFIX, claim_results_dir, drop_owner, remove_stale
from sim.util.strict_json import dumps as strict_dumps


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
    warnings: list[str] = field(default_factory=list)  # levers that do nothing (sim.scenario.lever_warnings)
    estimate: Estimate | None = None  # the pre-flight estimate (sim.checks.preflight)
    stability: Stability = field(default_factory=Stability)  # the verdict (sim.metrics.stability)
    streamed: Streamed | None = None  # engine.backend=ray: the blocks and merged summaries (sim.runs.stream)


def run(overrides: Sequence[str] | str = (), *, write: bool = True,
        echo: Callable[[str], None] | None = None, check_dir: bool | None = None) -> RunResult:
    """Run a scenario given Hydra overrides; raise ``ConfigError`` on bad input.

    ``overrides``: a list of strings (``["territory=township", "run.seed=7"]``) or one string
    read as a command line is (``"territory=township run.seed=7"``). Arguments of a wrong type
    are a one-line ``ConfigError`` naming the argument.
    """
    overrides = override_list(overrides)
    check_types(write, echo, check_dir)
    cfg, notes = load_config_noted(overrides)
    return run_config(cfg, overrides, write=write, echo=echo, notes=notes, check_dir=check_dir)


def run_config(cfg: Config, overrides: Sequence[str] = (), *, write: bool = True,
               echo: Callable[[str], None] | None = None, notes: Sequence[str] = (),
               check_dir: bool | None = None) -> RunResult:
    """Run a validated ``Config`` (``overrides``: what composed it, saved as ``overrides.txt``).

    ``gridsim`` calls this with the config Hydra composed; ``run`` composes it first.
    ``check_dir`` (default: ``write``): check ``run.results_dir`` before simulating, for a
    caller that writes the results itself afterwards (``_write``, as a sweep job does).
    """
    if not isinstance(cfg, Config):
        raise ConfigError("cfg", f"must be a sim.scenario.schema.Config (sim.runs.config.load_config gives one), "
                                 f"got {type(cfg).__name__}")
    overrides = override_list(overrides)
    check_types(write, echo, check_dir)
    say = echo or (lambda _s: None)
    cfg, chosen = resolve_defaults(cfg)
    notes = [*notes, *chosen]
    est = estimate(cfg, writes=write)  # from counts alone, before anything per grid or per matter exists
    check_fits(cfg, est)
    if write if check_dir is None else check_dir:  # the destination first: not minutes of simulation, then a failure
        check_destination("run.results_dir", cfg.run.results_dir)
        check_disk(cfg, est)
        for line in remove_stale(Path(cfg.run.results_dir)):
            say(line)
    for line in tidy_calibrated(presets_dir() / "calibrated"):  # what a killed calibration left
        say(line)
    warnings = lever_warnings(cfg, overrides)  # a lever warns when the overrides set it, not a preset
    for line in [*notes, est.line(), *(f"warning: {w}" for w in warnings)]:
        say(line)
    if cfg.run.simulate and est.long:
        say(est.long_note())
    with _collector_off_old_objects():
        result, out = _simulate(cfg, write, say, est, overrides)
        result.warnings, result.estimate = warnings, est
        if write:
            result.out_dir = _write(result, overrides, out)
    return result


def _simulate(cfg: Config, write: bool, say: Callable[[str], None],
              est: Estimate, overrides: Sequence[str] = ()) -> tuple[RunResult, _ResultsDir | None]:
    """Territory, inputs, capacity check and every replication with its KPIs.

    When writing records, the results directory is claimed as soon as the first
    replication's records exist and their Parquet files are written in the background;
    it is returned for ``_write`` to complete (and removed here if something fails first).
    Without simulation (``run.simulate=false``) only the capacity check is made, on a sample
    of inputs (``sim.checks.quick``): instant for any territory.
    """
    if cfg.run.simulate and cfg.engine.backend == "ray":
        return _simulate_streamed(cfg, write, say, est, overrides)
    if not cfg.run.simulate:
        capacity, note = quick_capacity_of(cfg, est.matters, est.units["grids"])
        say(format_capacity(capacity) + (f"\n({note})" if note else ""))
        return RunResult(cfg=cfg, capacity=capacity), None
    terr = build_territory(cfg)
    p = prepare(cfg, terr, scenario_inputs(cfg, terr, 0))
    result = RunResult(cfg=cfg, capacity=capacity_of(p))
    say(format_capacity(result.capacity))
    engine, why = select_engine(cfg, terr)
    result.engine = engine.name
    at_once = f", {est.at_once} at once" if est.at_once > 1 else ""
    say(f"\nengine: {engine.name} ({why}); {cfg.run.replications} replication(s){at_once}, "
        f"{cfg.run.horizon_days:g} days, {p.inputs.n:,} matters in the first")
    out: _ResultsDir | None = None

    def first_records(rec: Records) -> None:  # replication 0's records: its files start now, beside the others
        nonlocal out
        if write:
            with signals_deferred():  # Ctrl-C or SIGTERM now would leave a directory no one removes
                out = _ResultsDir.claim(cfg, overrides)
            out.write_records_in_background(rec, cfg)

    try:
        held = [p]  # emptied by run_replications: the first replication's inputs (gigabytes at city
        del p  # scale) are then referenced by its run alone, and go as it runs
        reps = run_replications(cfg, terr, held, engine, est.at_once, first_records)
        del terr
        result.runs = [r.kpis for r in reps]
        result.records, result.state = reps[0].records, reps[0].state
        summary = summarise(result.runs)
        result.summaries, result.kpis, result.ci = summary.summaries, summary.means, summary.half_widths
        result.stability = judge_stability(result.runs, result.capacity.verdict_loads(), warmup_days(cfg.run),
                                           long_run_per_day=result.capacity.matters_per_day)
        say("\n" + format_kpi_table(result.kpis, result.ci if cfg.run.replications > 1 else None,
                                     result.stability))
    except BaseException:
        if out is not None:
            out.discard()
        raise
    return result, out


def _simulate_streamed(cfg: Config, write: bool, say: Callable[[str], None], est: Estimate,
                       overrides: Sequence[str] = ()) -> tuple[RunResult, _ResultsDir | None]:
    """A streamed run (``sim.runs.stream``): county blocks on Ray, records as a partitioned dataset in the
    claimed directory, KPIs from the merged summaries; the directory is removed if anything fails. The
    capacity check is made on a sample of counties (``sim.checks.quick``), as without simulation."""
    ray_tmp = Path(cfg.run.results_dir).resolve() / f"{RAY_PREFIX}{os.getpid()}"
    mapper = RayBlocks(cfg, ray_tmp)  # a bad address or a missing Ray: one line, before anything is claimed
    assert est.streamed is not None
    out: _ResultsDir | None = None
    try:
        # a local Ray (of the pre-flight's workers) comes up while the capacity check, the claim and the territory run
        mapper.start_early(est.streamed.workers)
        capacity, note = quick_capacity_of(cfg, est.matters, est.units["grids"])
        say(format_capacity(capacity) + (f"\n({note})" if note else ""))
        result = RunResult(cfg=cfg, capacity=capacity, engine="vector")
        if write:
            with signals_deferred():
                out = _ResultsDir.claim(cfg, overrides)
        kept = records_kept(cfg.run.records, cfg.run.write_records)
        dataset = out.tmp if out is not None and kept != RecordsKept.summary else None
        say(f"\nengine: vector, streamed on Ray (engine.backend=ray); {cfg.run.replications} replication(s), "
            f"{cfg.run.horizon_days:g} days")
        s = stream(cfg, dataset, say, mapper, visits=kept == RecordsKept.all)
        result.runs = s.kpis
        result.streamed = s
        summary = summarise(result.runs)
        result.summaries, result.kpis, result.ci = summary.summaries, summary.means, summary.half_widths
        result.stability = judge_stability(result.runs, result.capacity.verdict_loads(), warmup_days(cfg.run),
                                           long_run_per_day=result.capacity.matters_per_day)
        say("\n" + format_kpi_table(result.kpis, result.ci if cfg.run.replications > 1 else None,
                                     result.stability))
        if out is not None:
            write_streamed_outputs(s, cfg, out.tmp)
    except BaseException:
        if out is not None:
            out.discard()
        raise
    finally:
        try:
            mapper.close()  # a Ray started early, stopped whatever ended the run (here or before its blocks)
        finally:  # even if a second Ctrl-C cuts the stop short
            shutil.rmtree(ray_tmp, ignore_errors=True)
    return result, out


@dataclass
class RecordFiles:
    """What the background writer derived from replication 0's records (the charts drawn after it read them).

    It is handed over as soon as the tables are written, while the Parquet files are still being
    written: ``digests`` is filled as each file is whole, and read once the writer has finished."""

    backlog: pd.DataFrame
    station_busy: np.ndarray
    server_busy: np.ndarray
    league: dict[str, pd.DataFrame]
    digests: dict[str, dict[str, Any]]  # the Parquet files' manifest entries, hashed as each was written


@dataclass
class _ResultsDir:
    """A claimed results directory: written into ``tmp``, renamed to ``final`` when complete.

    It may carry the first replication's files being written in a background thread as soon
    as its records exist: the backlog, utilisation, office and league CSVs, then the Parquet
    files (most of the writing time at city scale, spent in pyarrow without the GIL). With
    more replications than run at once, the last ones run on fewer threads than there are
    cores, and these files fill the idle core instead of following the last replication.
    """

    final: Path
    tmp: Path
    pool: ThreadPoolExecutor | None = None
    files: Future[RecordFiles] | None = None  # done when every file is written
    tables: Future[RecordFiles] | None = None  # done when the tables are, before the Parquet files

    @classmethod
    def claim(cls, cfg: Config, overrides: Sequence[str] = ()) -> _ResultsDir:
        name = results_dir_name(time.strftime("%Y%m%d-%H%M%S"), cfg, overrides)
        return cls(*claim_results_dir(Path(cfg.run.results_dir), name))

    def write_records_in_background(self, rec: Records, cfg: Config) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridsim-records")
            self.tables = Future()
            self.files = self.pool.submit(_write_record_files, rec, cfg, self.tmp, self.tables)

    def record_files(self, rec: Records, cfg: Config) -> RecordFiles:
        """The background writer's tables (started now, if the run did not start it), as soon as they are
        written: the charts drawn from them overlap the Parquet files, which ``finish`` waits for."""
        self.write_records_in_background(rec, cfg)
        assert self.tables is not None
        return self.tables.result()

    def _join(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    def finish(self, store_row: Mapping[str, Any] | None = None,
               known: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
        """Wait for the background files (raising what their writing raised), list every file in the
        manifest (with ``store_row``, what the store of runs keeps for it; ``known``: entries hashed by
        their writers), then move into place."""
        self._join()
        hashed = dict(known or {})
        if self.files is not None:
            hashed.update(self.files.result().digests)
        write_manifest(self.tmp, store_row, hashed)
        drop_owner(self.tmp)
        self.tmp.rename(self.final)
        return self.final

    def discard(self) -> None:
        """Give up: wait for the background writer (it writes into ``tmp``), then remove ``tmp``."""
        self._join()
        shutil.rmtree(self.tmp, ignore_errors=True)


#: how much nicer (Linux niceness) the background Parquet writer is than the rest of the run
BACKGROUND_NICENESS = 5


def _write_record_files(rec: Records, cfg: Config, directory: Path, tables: Future[RecordFiles]) -> RecordFiles:
    """Replication 0's files: the backlog, utilisation, office and league CSVs (no Matplotlib: the
    charts are drawn by the run's own thread), handed to ``tables`` as soon as they are written, then
    the Parquet files ``run.records`` keeps, each hashed for the manifest by the thread that wrote
    it, as soon as it is whole."""
    try:
        files = _write_tables(rec, cfg, directory)
    except BaseException as exc:
        tables.set_exception(exc)  # the run's thread waits on it: it gets the error, not a hang
        raise
    tables.set_result(files)
    kept = records_kept(cfg.run.records, cfg.run.write_records)
    if kept != RecordsKept.summary:
        def hashed(path: Path) -> None:  # in the writer's thread; the two threads write different keys
            files.digests[path.relative_to(directory).as_posix()] = file_entry(path)

        _write_parquet_yielding(rec, directory, visits=kept == RecordsKept.all, on_written=hashed)
    return files


def _write_tables(rec: Records, cfg: Config, directory: Path) -> RecordFiles:
    backlog = backlog_series(rec)
    backlog.to_csv(directory / "backlog.csv", index=False)
    station_busy, server_busy = busy_totals(rec)  # one pass over the visits for both utilisation tables
    utilization_table(rec, station_busy).to_csv(directory / "utilization.csv", index=False)
    office_table(rec, cfg.catalog, station_busy).to_csv(directory / "offices.csv", index=False)
    league = write_league_tables(rec, cfg, directory)
    return RecordFiles(backlog, station_busy, server_busy, league, {})


def _write_parquet_yielding(rec: Records, directory: Path, visits: bool,
                            on_written: Callable[[Path], None]) -> list[Path]:
    """``write_records(rec, directory)`` at a lower CPU priority (Linux: per thread, inherited by
    the writer's own threads; the rest of this thread's work is done), so that the KPIs and
    charts, which the run waits for in turn, take the cores first and the Parquet files fill the rest."""
    if sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + BACKGROUND_NICENESS)
        except OSError:
            pass  # not allowed here: the files are written at the usual priority
    return write_records(rec, directory, visits=visits, on_written=on_written)


def _write_records(result: RunResult, out: _ResultsDir) -> None:
    """The first replication's files (in the background, unless already under way) and charts."""
    cfg, rec, tmp = result.cfg, result.records, out.tmp
    assert rec is not None
    if result.state is not None:
        result.state.to_csv(tmp / "state_daily.csv", index=False)
    files = out.record_files(rec, cfg)
    if cfg.report.charts:
        from sim.report.league import draw_league_chart  # Matplotlib only when a run draws charts

        draw_league_chart(files.league, cfg, tmp)
    if cfg.report.charts and result.runs:
        from sim.metrics.tables import tables_from_records  # Matplotlib only when a run draws charts
        from sim.report.charts import draw_run_charts  # Matplotlib only when a run draws charts

        tables = tables_from_records(rec, result.runs[0], backlog=files.backlog, server_busy=files.server_busy,
                                     catalog=cfg.catalog, station_busy=files.station_busy)
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
    try:
        with signals_deferred():  # a signal is delivered on leaving, inside the try: the claim is undone
            out = out if out is not None else _ResultsDir.claim(cfg, overrides)
        tmp = out.tmp
        (tmp / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)), encoding="utf-8")
        (tmp / "overrides.txt").write_text("\n".join(overrides) + ("\n" if overrides else ""), encoding="utf-8")
        # strict JSON (null for an undefined number): any parser reads it
        (tmp / "capacity.json").write_text(strict_dumps(result.capacity.to_dict(), indent=2), encoding="utf-8")
        if result.warnings:
            (tmp / "warnings.txt").write_text("".join(f"warning: {w}\n" for w in result.warnings), encoding="utf-8")
        if result.runs:
            payload = {"stability": result.stability.to_dict(), "engine": result.engine,
                       "replications": len(result.runs), "kpis": result.kpis,
                       "ci_half_width": result.ci, "summaries": {k: asdict(v) for k, v in result.summaries.items()},
                       "runs": result.runs, "warnings": result.warnings}
            if result.streamed is not None:  # the merged product-limit KPIs come from sketches: say so
                payload["sketched"] = sketch_metadata(result.streamed.bounds)
            (tmp / "kpis.json").write_text(strict_dumps(payload, indent=2), encoding="utf-8")
        if result.records is not None:
            _write_records(result, out)
        row = result_row(result, overrides)
        final = out.finish(row, result.streamed.digests if result.streamed is not None else None)
    except BaseException:
        if out is not None:
            out.discard()
        raise
    register_result(result, overrides, final, row)  # the store of runs (sim/runs/store.py) indexes every directory
    return final
