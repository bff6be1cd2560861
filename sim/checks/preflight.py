"""The pre-flight estimate: matters, peak memory and run time of a run, from the config alone.

Computed before anything per grid or per matter is allocated: the villages are drawn
(or read) as the territory would draw them, a few arrays per village, and the expected
matters follow from their residents, the rates and the hourly profile exactly as
``sim.matters.occur.expected_counts`` has them, and the servers from the head-counts as
``build_territory`` staffs them. Memory and time follow from these drivers (matters,
servers, the servers the agent engine looks at per matter, replications, engine, threads,
charts) by the figures of ``sim.checks.cost``, measured on this project's machine.

``check_fits`` stops a run whose peak would exceed ``MEMORY_SHARE`` of the memory
available (``MemAvailable``, a cgroup limit or an address-space limit, the smallest) with
one line giving both numbers and what to change, and a run expected to take longer than
``CONFIRM_SECONDS`` unless ``run.confirm=true``.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.checks.capacity import count_words
from sim.checks.cost import (
    BASE_BYTES,
    BYTES_PER_GRID,
    BYTES_PER_MATTER,
    BYTES_PER_SERVER,
    GB,
    Drivers,
    count_servers,
    cpu_seconds,
    disk_bytes,
    looks_per_matter,
    peak_bytes,
)
from sim.engines.select import pick_engine
from sim.matters.occur import _profile, _window
from sim.rules.demand import grid_rates_per_hour
from sim.scenario.kept import records_kept
from sim.scenario.schema import Config
from sim.scenario.territory import grids_per_village
from sim.scenario.units import VillageTable, generate_villages, load_villages
from sim.util.errors import ConfigError
from sim.util.parallel import available_workers
from sim.util.rng import stream

#: the most grids a territory may have (a country's worth)
MAX_GRIDS = 20_000_000
#: a run expected to take longer than this says so before it starts
LONG_RUN_SECONDS = 180.0
#: a run expected to take longer than this starts only with run.confirm=true
CONFIRM_SECONDS = 300.0
#: a streamed run's driver: per matter, a float and a flag for each of two product-limit estimates
DRIVER_BYTES_PER_MATTER = 18.0
#: the share of the available memory a run's estimated peak may take (the estimate is within ~1.5x)
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class Streamed:
    """A streamed run's shape (``engine.backend=ray``): its blocks and what one worker holds."""

    blocks: int  # tasks: runs of whole counties of about ``engine.block_matters`` matters each
    block_matters: float  # expected matters of the largest block
    workers: int  # Ray workers on this machine (a cluster's are its own)
    worker_bytes: float  # peak of one worker: the whole territory's stations and one block's matters
    driver_bytes: float  # the driver: the territory and the merged summaries
    cluster: str | None = None  # engine.ray.address when the blocks run on a cluster, not on this machine


@dataclass(frozen=True)
class Estimate:
    """What a run will take, before it starts."""

    engine: str
    engine_why: str
    units: dict[str, int]  # counties, townships, villages, grids
    residents: float
    matters: float  # expected matters of one replication
    replications: int
    servers: float  # every server of every station
    peak_bytes: float
    seconds: float  # on the chosen engine
    vector_seconds: float  # on the vector engine
    available_bytes: float
    at_once: int = 1  # replications run side by side (``side_by_side``)
    streamed: Streamed | None = None  # engine.backend=ray: county blocks, one at a time per worker
    disk_bytes: float = 0.0  # the results directory on disk (0: nothing written)

    @property
    def fits(self) -> bool:
        return self.peak_bytes <= MEMORY_SHARE * self.available_bytes

    @property
    def needs_confirm(self) -> bool:
        return self.seconds > CONFIRM_SECONDS

    @property
    def long(self) -> bool:
        return self.seconds > LONG_RUN_SECONDS

    def line(self) -> str:
        """One line for the start of a run."""
        u = self.units
        reps = f" x {self.replications} replications" if self.replications > 1 else ""
        if self.at_once > 1:
            reps += f" ({self.at_once} at once)"
        if self.streamed is not None:
            st = self.streamed
            where = (f"the blocks on the Ray cluster at {st.cluster}, this machine the driver alone" if st.cluster
                     else count_words(st.workers, "local worker"))
            return (f"pre-flight: {u['grids']:,} grids, {self.servers:,.0f} servers, about {self.matters:,.0f} "
                    f"matters{reps} in {count_words(st.blocks, 'county block')} of at most about "
                    f"{st.block_matters:,.0f} matters; each Ray worker about {_gb(st.worker_bytes)}, the driver about "
                    f"{_gb(st.driver_bytes)}, {where}: about {_gb(self.peak_bytes)} of {_gb(self.available_bytes)} "
                    f"available here{self._disk()}; about {duration(self.seconds)}")
        return (f"pre-flight: {u['grids']:,} grids, {self.servers:,.0f} servers, about {self.matters:,.0f} "
                f"matters{reps}; peak memory about "
                f"{_gb(self.peak_bytes)} of {_gb(self.available_bytes)} available{self._disk()}; about "
                f"{duration(self.seconds)} on the {self.engine} engine")

    def _disk(self) -> str:
        return f", about {_size(self.disk_bytes)} on disk" if self.disk_bytes >= 0.05 * GB else ""

    def long_note(self) -> str:
        """The notice of a long run (``long``), with the vector engine's time on the agent engine."""
        note = f"note: this run is expected to take about {duration(self.seconds)} on the {self.engine} engine"
        if self.engine == "agent":
            note += f" (the vector engine would take about {duration(self.vector_seconds)}: engine=vector)"
        return note


def _gb(n: float) -> str:
    return f"{n / GB:,.1f} GB" if n < 1e6 * GB else f"{n / GB:.3g} GB"


def _size(n: float) -> str:
    return _gb(n) if n >= GB else f"{n / 2**20:,.0f} MB"


def duration(seconds: float) -> str:
    """A duration as a person says it: 40 s, 12 min, 3.5 h, 2.1 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.1f} days"


def village_table(cfg: Config) -> VillageTable:
    """The villages exactly as ``build_territory`` has them (drawn from the same stream, or read)."""
    t = cfg.territory
    if cfg.textbook.enabled:
        return VillageTable(["C01"], ["T01"], np.zeros(1, np.int32), ["V01"], np.zeros(1, np.int32),
                            np.ones(1, bool), np.array([t.households_per_grid]), np.ones(1, np.int64))
    if t.units_file:
        return load_villages(t.units_file)
    return generate_villages(t, stream(cfg.run.seed, "territory"))


def _generated_sizes(cfg: Config) -> VillageTable:
    """The households and urban flags ``generate_villages`` draws (the same draws from the same stream),
    without the names: a city of 2,000 counties has 240,000 villages, and names take most of the time."""
    t = cfg.territory
    n_t = t.counties * t.townships_per_county
    n_v = n_t * t.villages_per_township
    rng = stream(cfg.run.seed, "territory")
    shape = 1.0 / max(t.households_per_village_cv, 1e-9) ** 2
    households = np.maximum(np.rint(rng.gamma(shape, t.households_per_village_mean / shape, size=n_v)), 1)
    urban = rng.random(n_v) < t.urban_share
    return VillageTable(county_names=[""] * t.counties, township_names=[""] * n_t,
                        township_county=np.zeros(0, np.int32), village_names=[""] * n_v,
                        village_township=np.zeros(0, np.int32), urban=urban, households=households.astype(np.int64),
                        grids=np.zeros(n_v, dtype=np.int64))


def expected_matters(cfg: Config, villages: VillageTable) -> float:
    """Expected matters of one replication: base demand and surges (as ``inputs.expected_counts``).

    The rates are linear in residents and depend on the grid only through its urban flag,
    so the villages' sums give the grids' sums.
    """
    if cfg.textbook.enabled:
        return float(cfg.textbook.arrival_rate_per_hour * cfg.run.horizon_days * 24.0)
    residents = villages.households * cfg.territory.residents_per_household
    rates = grid_rates_per_hour(cfg, residents.astype(np.float64), villages.urban)  # [villages, K]
    prof = _profile(cfg)
    total = float(rates.sum() * prof.sum())
    names = list(cfg.catalog.categories)
    for sg in cfg.scenario.surges:
        a, b = _window(sg.start_day, sg.days, len(prof))
        ks = [names.index(c) for c in sg.categories]
        total += float(rates[:, ks].sum() * max(sg.multiplier - 1.0, 0.0) * prof[a:b].sum())
    return total


def available_memory() -> float:
    """Bytes this process may still take: the least of MemAvailable, a cgroup limit and RLIMIT_AS."""
    limits = [_meminfo_available(), _cgroup_available(), _rlimit_available()]
    known = [x for x in limits if x is not None]
    return float(min(known)) if known else float("inf")


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    return None


def _read_number(path: str) -> float | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return float(text) if text.isdigit() else None


def _cgroup_available() -> float | None:
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        cap = _read_number(limit)
        if cap is not None and cap < 1 << 60:  # cgroup v1 writes a huge number for "no limit"
            return cap - (_read_number(usage) or 0.0)
    return None


def _rlimit_available() -> float | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
        used = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return float(soft - used)


def _engine(cfg: Config, grids: int) -> tuple[str, str]:

    counts: Any = SimpleNamespace(n_grids=grids)  # pick_engine reads the number of grids only
    return pick_engine(cfg, counts)


def estimate(cfg: Config, villages: VillageTable | None = None, *, writes: bool = True) -> Estimate:
    """The pre-flight estimate of a (validated) config; allocates a few arrays per village only.

    ``writes``: the results are written (with the charts, unless ``report.charts=false``).
    """
    if villages is None:
        generated = not cfg.textbook.enabled and not cfg.territory.units_file
        villages = _generated_sizes(cfg) if generated else village_table(cfg)
    n_grid_v = grids_per_village(villages, cfg)
    grids = int(n_grid_v.sum())
    units = {"counties": len(villages.county_names), "townships": len(villages.township_names),
             "villages": len(villages.village_names), "grids": grids}
    matters = expected_matters(cfg, villages)
    engine, why = _engine(cfg, grids)
    threads = max(1, min(available_workers(cfg.engine.workers), units["counties"]))
    drivers = Drivers(matters=matters, replications=cfg.run.replications, days=cfg.run.horizon_days, grids=grids,
                      servers=count_servers(cfg, villages, n_grid_v),
                      looks_per_matter=looks_per_matter(cfg, villages, n_grid_v), threads=threads,
                      charts=writes and cfg.report.charts)
    residents = float(villages.households.sum() * cfg.territory.residents_per_household)
    available = available_memory()
    one = peak_bytes(drivers, engine)  # one replication in flight
    per = matters * BYTES_PER_MATTER[engine]
    at_once = side_by_side(engine, drivers.replications, available_workers(cfg.engine.workers), available - one + per,
                           per)
    disk = disk_bytes(matters, grids, records_kept(cfg.run.records, cfg.run.write_records)) if writes else 0.0
    if cfg.engine.backend == "ray":
        return replace(_streamed_estimate(cfg, villages, drivers, units, residents, available), disk_bytes=disk)
    return Estimate(engine=engine, engine_why=why, units=units, residents=residents, matters=matters,
                    replications=drivers.replications, servers=drivers.servers,
                    peak_bytes=one + (at_once - 1) * per, seconds=cpu_seconds(drivers, engine),
                    vector_seconds=cpu_seconds(drivers, "vector"), available_bytes=available, at_once=at_once,
                    disk_bytes=disk)


def county_matters(cfg: Config, villages: VillageTable) -> np.ndarray:
    """Expected matters of each county (generated villages are numbered county by county)."""
    t = cfg.territory
    if cfg.textbook.enabled or t.units_file or t.counties <= 1:
        return np.array([expected_matters(cfg, villages)])
    per_county = t.townships_per_county * t.villages_per_township
    out = np.empty(t.counties)
    for c in range(t.counties):
        part = slice(c * per_county, (c + 1) * per_county)
        out[c] = expected_matters(cfg, VillageTable([""], [""], villages.township_county, [""],
                                                     villages.village_township, villages.urban[part],
                                                     villages.households[part], villages.grids[part]))
    return out


def block_counts(sizes: np.ndarray, block_matters: float) -> list[tuple[int, int]]:
    """Runs of whole counties ``[a, b)`` of at most ``block_matters`` expected matters (a county larger
    than that is a block of its own), in county order: the tasks of a streamed run."""
    out: list[tuple[int, int]] = []
    a, total = 0, 0.0
    for c, x in enumerate(sizes):
        if c > a and total + x > block_matters:
            out.append((a, c))
            a, total = c, 0.0
        total += float(x)
    out.append((a, len(sizes)))
    return out


def _streamed_estimate(cfg: Config, villages: VillageTable, d: Drivers, units: dict[str, int], residents: float,
                       available: float) -> Estimate:
    """A streamed run: each local Ray worker holds the territory's stations and one block's matters; the
    driver the territory and the merged summaries (samples per matter, a few arrays per station and day)."""
    sizes = county_matters(cfg, villages)
    blocks = block_counts(sizes, cfg.engine.block_matters)
    largest = max(float(sizes[a:b].sum()) for a, b in blocks)
    local = cfg.engine.ray.address is None
    # a local Ray of as many workers as the run has blocks over all its replications, at most one per core
    workers = max(1, min(available_workers(cfg.engine.ray.workers), len(blocks) * d.replications)) if local else 1
    worker = peak_bytes(replace(d, matters=largest, replications=1), "vector")
    # the driver: the territory, and the merged samples of the two product-limit estimates (sim.metrics.merge)
    driver = (BASE_BYTES + d.grids * BYTES_PER_GRID + d.servers * BYTES_PER_SERVER["vector"]
              + d.matters * DRIVER_BYTES_PER_MATTER)
    one = replace(d, threads=workers)
    shape = Streamed(blocks=len(blocks) * d.replications, block_matters=largest, workers=workers,
                     worker_bytes=worker, driver_bytes=driver, cluster=None if local else cfg.engine.ray.address)
    return Estimate(engine="vector", engine_why="engine.backend=ray streams the vector engine", units=units,
                    residents=residents, matters=d.matters, replications=d.replications, servers=d.servers,
                    peak_bytes=driver + (workers * worker if local else 0.0), seconds=cpu_seconds(one, "vector"),
                    vector_seconds=cpu_seconds(one, "vector"), available_bytes=available, streamed=shape)


def side_by_side(engine: str, replications: int, cores: int, room_bytes: float, per_replication_bytes: float) -> int:
    """How many replications run at once: one per core, as many as the memory left (``room_bytes``) holds.

    The vector engine's kernel and the stages around it release the GIL, so its replications
    run in threads side by side; the agent engine is Python that holds it: one at a time.
    """
    if engine != "vector" or replications <= 1:
        return 1
    fit = int(room_bytes // per_replication_bytes) if per_replication_bytes > 0 else replications
    return max(1, min(replications, cores, fit))


def _key_to_change(cfg: Config, est: Estimate, streams: bool = True) -> tuple[str, str]:
    """The key that makes the run big, and the advice that goes with it (``streams``: the caller can run it
    streamed through Ray, which an experiment cannot)."""
    t = cfg.territory
    if cfg.textbook.enabled:
        return "textbook.arrival_rate_per_hour", "a lower textbook.arrival_rate_per_hour or a shorter run.horizon_days"
    if cfg.run.horizon_days > 366:
        return "run.horizon_days", "a shorter run.horizon_days or a smaller territory"
    if t.units_file:
        return "territory.units_file", "a smaller units table or a shorter run.horizon_days"
    staff = _biggest_staff(cfg, est)
    if staff is not None:
        return staff
    if t.counties > 1 and est.streamed is not None:
        return "engine.block_matters", "a smaller engine.block_matters or fewer engine.ray.workers"
    if t.counties > 1:
        room = MEMORY_SHARE * est.available_bytes - BASE_BYTES
        fit = max(1, math.floor(t.counties * room / max(est.peak_bytes - BASE_BYTES, 1)))
        ray = "engine.backend=ray (county blocks streamed, memory bounded by a block), " if streams else ""
        return "territory.counties", f"{ray}at most about {fit:,} counties (territory.counties) or a shorter horizon"
    return "territory", "a smaller territory or a shorter run.horizon_days"


def _biggest_staff(cfg: Config, est: Estimate) -> tuple[str, str] | None:
    """The head-count key with the most servers, when the servers cost more than the matters."""
    if cfg.textbook.enabled:
        return None
    if est.servers * BYTES_PER_SERVER[est.engine] < est.matters * BYTES_PER_MATTER[est.engine]:
        return None
    u, s = est.units, cfg.staffing
    heads = {"staffing.fulltime_per_grid": s.fulltime_per_grid * u["grids"],
             "staffing.grid_leaders_per_grid": s.grid_leaders_per_grid * u["grids"],
             "staffing.committee_per_village": s.committee_per_village * u["villages"],
             "staffing.platform_per_township": s.platform_per_township * u["townships"],
             "staffing.module_staff": sum(s.module_staff.values()) * u["townships"],
             "staffing.department_staff": sum(s.department_staff.values()) * u["counties"],
             "staffing.professional_per_township": s.professional_per_township * u["townships"],
             "staffing.volunteers_per_township": s.volunteers_per_township * u["townships"]}
    key = max(heads, key=lambda k: heads[k])
    return key, f"a smaller {key} ({heads[key]:,} servers of {est.servers:,.0f}) or a smaller territory"


def check_fits(cfg: Config, est: Estimate, streams: bool = True) -> None:
    """Raise ConfigError when the territory is too large to build, or (when simulating) the run would
    not fit in ``MEMORY_SHARE`` of the memory available, or would take longer than ``CONFIRM_SECONDS``
    without ``run.confirm=true``."""
    grids = est.units["grids"]
    if grids > MAX_GRIDS:
        key = "territory.units_file" if cfg.territory.units_file else "territory.households_per_grid"
        raise ConfigError(key, f"the territory would have {grids:,} grids, more than {MAX_GRIDS:,}: use larger "
                          "grids (territory.households_per_grid, territory.rural_households_per_grid) or fewer "
                          "or smaller villages")
    if not cfg.run.simulate:
        # the check alone builds the territory (or, for many counties, some of them: sim.checks.quick)
        whole_counties = cfg.territory.counties > 1 and not cfg.territory.units_file
        need = BASE_BYTES + (0.0 if whole_counties else grids * BYTES_PER_GRID)
        if need > est.available_bytes:
            raise ConfigError("territory", f"the capacity check alone needs about {_gb(need)} for {grids:,} grids "
                              f"but {_gb(est.available_bytes)} are available: use a smaller territory")
        return
    if not est.fits:
        key, advice = _key_to_change(cfg, est, streams)
        raise ConfigError(key, f"this run needs about {_gb(est.peak_bytes)} of memory ({est.matters:,.0f} matters, "
                          f"{est.servers:,.0f} servers on the {est.engine} engine) but {_gb(est.available_bytes)} are "
                          f"available, of which a run may take {MEMORY_SHARE:.0%}: use {advice} "
                          "(run.simulate=false prints the capacity check alone)")
    if est.needs_confirm and not cfg.run.confirm:
        _, advice = _key_to_change(cfg, est, streams)
        faster = (f"; the vector engine would take about {duration(est.vector_seconds)}: engine=vector"
                  if est.engine == "agent" and est.vector_seconds < est.seconds / 2 else "")
        raise ConfigError("run.confirm", f"this run is expected to take about {duration(est.seconds)} on the "
                          f"{est.engine} engine ({est.matters:,.0f} matters, {est.servers:,.0f} servers{faster}): "
                          f"set run.confirm=true to run it, or use {advice}")


def free_disk(path: str | Path) -> float:
    """Free bytes (for this user) on the file system of ``path``, or of its nearest existing parent."""
    probe = Path(path).expanduser().absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return float(shutil.disk_usage(probe).free)


def check_disk(cfg: Config, est: Estimate) -> None:
    """Raise ConfigError when the results would not fit on the disk of ``run.results_dir`` (checked before
    anything is simulated or written; ``est.disk_bytes`` is 0 when nothing is written)."""
    if not cfg.run.simulate or est.disk_bytes <= 0:
        return
    free = free_disk(cfg.run.results_dir)
    if est.disk_bytes > free:
        kept = records_kept(cfg.run.records, cfg.run.write_records)
        fewer = {"all": "run.records=matters (no visits) or run.records=summary (no per-matter records), ",
                 "matters": "run.records=summary (no per-matter records), "}.get(kept.value, "")
        raise ConfigError("run.results_dir", f"the results need about {_size(est.disk_bytes)} on disk "
                          f"({est.matters:,.0f} matters, run.records={kept.value}) but {_size(free)} are free at "
                          f"{cfg.run.results_dir}: use {fewer}a run.results_dir on a larger disk, or free space")
