"""A streamed run (``engine.backend=ray``): blocks of whole counties, each drawn, simulated and summarised alone.

Counties share no station, so a run is a set of county blocks plus a merge. Each block
(a task) builds the territory, draws its counties' matters from their own streams
(``sim.matters.occur.generate_inputs(..., counties=...)``: exactly its rows of the whole
table), runs the vector engine on them, writes its records as parts of a partitioned
Parquet dataset and returns mergeable summaries (``sim.metrics.merge.KpiParts``). The
driver merges them in county order: the KPIs are those of the whole run, the product-limit
ones within the stated bounds of their sketch (``sim.metrics.merge``, ``sim.metrics.sketch``).
No process holds more than one block's matters, and the driver holds nothing per matter.

Records, written into the run's claimed (temporary) directory, each part first as a
``.tmp`` file renamed when whole::

    matters/county=<code>/part-r<replication>-b<the block's first county, its index from 0>.parquet
    visits/county=<code>/part-r<replication>-b<the block's first county, its index from 0>.parquet

A retried task writes the same file with the same rows (its streams are keyed by its
counties, not by the worker). Matter ids are the whole run's (block offsets from each
county's count, ``sim.matters.occur.county_counts``).
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.checks.preflight import block_counts
from sim.engines.layout import StationLayout, build_layout
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.engines.vector.fixed import StationArrays, station_arrays
from sim.matters.occur import county_counts, generate_inputs
from sim.metrics.kpis import backlog_grid, utilization_table
from sim.metrics.league import LEAGUE_LEVELS, league_rows_by_level, ranked, units_of, write_league
from sim.metrics.merge import KpiParts, PartsAccumulator, kpi_parts, kpis_from_parts, shell_records, sketched_bounds
from sim.metrics.tables import (
    SURGE_COLUMNS,
    RunTables,
    funnel_table,
    office_table,
    sketch_cdf_table,
    utilization_from_records,
)
from sim.records import labels as lab
from sim.records.parquet import write_table
from sim.records.schema import Records
from sim.runs.manifest import file_entry
from sim.scenario.constants import HOURS_PER_DAY
from sim.scenario.kept import RecordsKept, records_kept
from sim.scenario.schema import Config
from sim.scenario.territory import Territory, build_territory

#: the dataset's tables (folders under the results directory)
TABLES = ("matters", "visits")


@dataclass(frozen=True)
class BlockTask:
    """One task: counties ``first..stop-1`` of one replication."""

    cfg: Config
    replication: int
    first: int
    stop: int
    offset: int  # the whole run's matter id of the block's first matter
    matters: int  # how many it has
    dataset: str | None  # where its records go (None: not written)
    visits: bool  # its visits written too (run.records=all), not the matters alone
    shell: bool  # return the stations, servers and meta (one task of the run does)


@dataclass
class BlockResult:
    """What a task returns to the driver."""

    replication: int
    first: int
    stop: int
    matters: int
    visits: int
    parts: KpiParts | None  # None once merged (the driver lets them go)
    shell: Records | None
    league: dict[str, pd.DataFrame]  # each level's rows of the block's units, not yet ranked (replication 0)
    seconds: float
    peak_bytes: float  # the worker process's peak resident memory so far
    pid: int
    digests: dict[str, dict[str, Any]]  # its parts' manifest entries (path under the results directory)


@dataclass
class _Fixed:
    """What every block of one run shares in a worker process: the territory, its station layout and the
    engine's station arrays (made by the first block), none of which depend on the block's matters."""

    terr: Territory
    layout: StationLayout
    stations: StationArrays | None = None


_FIXED: dict[str, _Fixed] = {}


def _fixed(cfg: Config) -> _Fixed:
    """The territory and its stations, built once per worker process for a config (the tasks of a run share
    them: a province's layout in Python is a second or more, its territory less)."""
    key = repr(cfg)
    if key not in _FIXED:
        _FIXED.clear()
        terr = build_territory(cfg)
        _FIXED[key] = _Fixed(terr, build_layout(cfg, terr))
    return _FIXED[key]


def run_block(task: BlockTask) -> BlockResult:
    """Draw, simulate, write and summarise one block (what a Ray task runs)."""
    t0 = time.perf_counter()
    cfg = task.cfg
    fixed = _fixed(cfg)
    terr = fixed.terr
    p = prepare(cfg, terr, generate_inputs(cfg, terr, task.replication, counties=range(task.first, task.stop)),
                fixed.layout)
    if fixed.stations is None:
        fixed.stations = station_arrays(p)
    rec = run_vector(p, task.replication, spend_inputs=True, stations=fixed.stations)
    del p
    parts = kpi_parts(rec)  # before the matter ids become the whole run's (the passes read row numbers)
    shell = shell_records(rec) if task.shell else None
    league: dict[str, pd.DataFrame] = {}
    if task.replication == 0:
        for level, rows in league_rows_by_level(rec, units_of(terr)).items():
            league[level] = rows[(rows["county"] >= task.first) & (rows["county"] < task.stop)]
    digests = write_block(rec, terr, task) if task.dataset is not None else {}
    peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024.0
    return BlockResult(task.replication, task.first, task.stop, rec.matters.n, len(rec.visits.matter_id), parts, shell,
                       league, time.perf_counter() - t0, peak, os.getpid(), digests)


def warm_worker() -> int:
    """Nothing: run once on each new Ray worker so that it imports this module (gridsim's engine, seconds of
    imports) while the driver still prepares the blocks."""
    return os.getpid()


def _rows(obj: Any, lo: int, hi: int) -> Any:
    return type(obj)(**{f.name: getattr(obj, f.name)[lo:hi] for f in fields(obj)})


def part_name(replication: int, first: int) -> str:
    return f"part-r{replication}-b{first:05d}.parquet"


def write_block(rec: Records, terr: Territory, task: BlockTask) -> dict[str, dict[str, Any]]:
    """The block's records, county by county, as parts of the dataset (each renamed into place when whole);
    each part's manifest entry, hashed here as it is written (path under the dataset's folder)."""
    assert task.dataset is not None
    m, v = rec.matters, rec.visits
    m_labels = lab.matter_labels(rec)
    v_labels = lab.visit_labels(rec) if task.visits else {}  # the visits' labels only when they are written
    m_meta = lab.metadata("matters", m_labels, lab.MATTER_UNITS)
    v_meta = lab.metadata("visits", v_labels, lab.VISIT_UNITS)
    county_m = terr.grid_county[m.grid]
    county_v = county_m[v.matter_id]
    if np.any(np.diff(county_v) < 0):  # the engine joins its visits county by county; kept in case it ever won't
        order = np.argsort(county_v, kind="stable")
        v = _rows(v, 0, len(v.matter_id))
        for f in fields(v):
            setattr(v, f.name, getattr(v, f.name)[order])
        county_v = county_v[order]
        v_labels = {k: a.take(order) for k, a in v_labels.items()}
    m.matter_id += task.offset
    v.matter_id += task.offset
    counties = np.arange(task.first, task.stop + 1)
    bounds_m = np.searchsorted(county_m, counties, side="left")
    bounds_v = np.searchsorted(county_v, counties, side="left")
    root = Path(task.dataset)
    digests: dict[str, dict[str, Any]] = {}
    for j, c in enumerate(range(task.first, task.stop)):
        code = terr.county_codes[c]
        for table, obj, labels, meta, bounds in (("matters", m, m_labels, m_meta, bounds_m),
                                                 ("visits", v, v_labels, v_meta, bounds_v))[:2 if task.visits else 1]:
            lo, hi = int(bounds[j]), int(bounds[j + 1])
            folder = root / table / f"county={code}"
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / part_name(task.replication, task.first)
            tmp = final.with_suffix(f".{os.getpid()}.tmp")
            write_table(_rows(obj, lo, hi), tmp, {k: a.slice(lo, hi - lo) for k, a in labels.items()}, meta)
            digests[final.relative_to(root).as_posix()] = file_entry(tmp)  # still in the page cache
            os.replace(tmp, final)
    return digests


# ------------------------------------------------------------------ the driver
@dataclass
class Streamed:
    """A streamed run's outcome on the driver."""

    kpis: list[dict[str, float]]  # per replication
    bounds: list[dict[str, tuple[float, float]]]  # per replication: each sketched KPI's interval of the exact value
    parts: list[KpiParts]  # merged, per replication
    shell: Records  # stations, servers and meta (of replication 0)
    blocks: list[BlockResult]  # their parts dropped once merged
    league: dict[str, pd.DataFrame]  # replication 0's league tables, ranked over the whole territory
    seconds: float
    digests: dict[str, dict[str, Any]]  # the dataset's parts' manifest entries, hashed by the workers


def plan(cfg: Config, terr: Territory, dataset: Path | None, visits: bool = True) -> list[BlockTask]:
    """The tasks: per replication, runs of whole counties of at most ``engine.block_matters`` matters."""
    inner = replace(cfg, engine=replace(cfg.engine, workers=1))  # one thread per task: tasks run side by side
    tasks = []
    for r in range(cfg.run.replications):
        counts = county_counts(cfg, terr, r)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        for a, b in block_counts(counts.astype(np.float64), cfg.engine.block_matters):
            tasks.append(BlockTask(inner, r, a, b, int(offsets[a]), int(offsets[b] - offsets[a]),
                                   str(dataset) if dataset and r == 0 else None, visits, shell=(r == 0 and a == 0)))
    return tasks


Mapper = Callable[[Sequence[BlockTask]], Iterator[BlockResult]]


def in_process(tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
    """The tasks one after another in this process (the same blocks, without Ray)."""
    for t in tasks:
        yield run_block(t)


def stream(cfg: Config, dataset: Path | None, say: Callable[[str], None], mapper: Mapper,
           visits: bool = True) -> Streamed:
    """Run every block through ``mapper``, saying each as it ends; merge them in county order. Records go
    to ``dataset`` (None: none), the visits with the matters if ``visits``.

    A block's summaries are added to its replication's merged ones as soon as the blocks before it
    are (``PartsAccumulator``), and let go: the driver holds the merged summaries and the few blocks
    that ended before their turn (a block's summaries are a few MB, whatever its matters).
    """
    t0 = time.perf_counter()
    terr = build_territory(cfg)
    tasks = plan(cfg, terr, dataset, visits)
    del terr
    reps = cfg.run.replications
    order = [[t.first for t in tasks if t.replication == r] for r in range(reps)]
    acc = [PartsAccumulator() for _ in range(reps)]
    waiting: dict[tuple[int, int], BlockResult] = {}
    league_rows_of: dict[str, list[pd.DataFrame]] = {level: [] for level in LEAGUE_LEVELS}
    done: list[BlockResult] = []
    digests: dict[str, dict[str, Any]] = {}
    shell: Records | None = None
    for k, res in enumerate(mapper(tasks), 1):
        say(f"block {k}/{len(tasks)}: replication {res.replication}, counties {res.first + 1}-{res.stop}, "
            f"{res.matters:,} matters in {res.seconds:.1f} s (worker {res.pid}, peak {res.peak_bytes / 2**30:.2f} GB)")
        shell = res.shell if res.shell is not None else shell
        waiting[(res.replication, res.first)] = res
        r = res.replication
        while order[r] and (r, order[r][0]) in waiting:  # this replication's next block is in: add it
            nxt = waiting.pop((r, order[r].pop(0)))
            assert nxt.parts is not None
            acc[r].add(nxt.parts)
            for level, rows in nxt.league.items():
                league_rows_of[level].append(rows)
            digests.update(nxt.digests)
            nxt.parts, nxt.shell, nxt.league, nxt.digests = None, None, {}, {}
            done.append(nxt)
    if shell is None or waiting or any(order):
        raise RuntimeError("streamed run: blocks missing from the results")
    kpis, bounds, merged = [], [], []
    for r in range(reps):
        parts = acc[r].result()
        kp = kpis_from_parts(parts, replace(shell, meta={**shell.meta, "replication": r}))
        # the blocks' own time (draws and writing included)
        kp["engine_seconds"] = sum(b.seconds for b in done if b.replication == r)
        kpis.append(kp)
        bounds.append(sketched_bounds(parts))
        merged.append(parts)
    done.sort(key=lambda b: (b.replication, b.first))
    weights = dict(cfg.report.league_weights)
    league = {level: ranked(pd.concat(rows, ignore_index=True), weights) for level, rows in league_rows_of.items()}
    return Streamed(kpis=kpis, bounds=bounds, parts=merged, shell=shell, blocks=done, league=league,
                    seconds=time.perf_counter() - t0, digests=digests)


def write_streamed_outputs(s: Streamed, cfg: Config, directory: Path) -> None:
    """What the driver writes beside the dataset, replication 0's as an in-process run writes them: the
    stations, the backlog over time, the utilisation and office tables, the league tables and, with
    ``report.charts``, the same charts, all from the merged summaries (the resolution curve from the sketch,
    ``tables.sketch_cdf_table``; the surges shaded where the scenario puts them)."""
    write_league(s.league, directory)
    if records_kept(cfg.run.records, cfg.run.write_records) != RecordsKept.summary:  # as an in-process run keeps it
        s.shell.stations_frame().to_parquet(directory / "stations.parquet", index=False)
    t = backlog_grid(float(s.shell.meta["horizon_h"]))  # the points kpi_parts' backlog_series sampled
    back = s.parts[0].backlog
    backlog = pd.DataFrame({"t_hours": t, "open": back[0], "undiscovered": back[1]})
    backlog.to_csv(directory / "backlog.csv", index=False)
    station_busy, server_busy = s.parts[0].per_station, s.parts[0].per_server
    utilization_table(s.shell, station_busy).to_csv(directory / "utilization.csv", index=False)
    offices = office_table(s.shell, cfg.catalog, station_busy)
    offices.to_csv(directory / "offices.csv", index=False)
    if cfg.report.charts:
        from sim.report.charts import draw_run_charts  # Matplotlib only when a run draws charts
        from sim.report.league import draw_league_chart

        draw_league_chart(s.league, cfg, directory)
        surges = pd.DataFrame([{"surge": k, "start_day": g.start_day, "end_day": g.start_day + g.days}
                               for k, g in enumerate(cfg.scenario.surges)], columns=SURGE_COLUMNS)
        in_days = pd.DataFrame({"t_days": t / HOURS_PER_DAY, "open": back[0], "undiscovered": back[1]})
        tables = RunTables(cdf=sketch_cdf_table(s.parts[0].res_sketch), funnel=funnel_table(s.kpis[0]),
                           backlog=in_days, utilization=utilization_from_records(s.shell, server_busy),
                           kpis=s.kpis[0], surges=surges, offices=offices)
        draw_run_charts(tables, directory, cfg.report.lang)
