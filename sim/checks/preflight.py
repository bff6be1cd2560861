"""The pre-flight estimate: matters, peak memory and run time of a run, from the config alone.

Computed before anything per grid or per matter is allocated: the villages are drawn
(or read) as the territory would draw them, a few arrays per village, and the expected
matters follow from their residents, the rates and the hourly profile exactly as
``sim.matters.occur.expected_counts`` has them. Memory and time come from figures measured on
this project's machine (README "Performance"): the vector engine peaks at about 240
bytes per matter over a base of 0.3 GB (city year: 9.3 million matters, 2.53 GB) and
spends about 2 µs per matter per thread in the engine and 0.6 µs around it; the agent
engine about 190 µs and 2.8 KB per matter (county year; township year: 386 MB peak for 35,798 matters).

``check_fits`` stops a run that would not fit in the memory available (``MemAvailable``,
a cgroup limit or an address-space limit, the smallest) with one line giving both
numbers and what to change.
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from sim.matters.occur import _profile, _window
from sim.rules.demand import grid_rates_per_hour
from sim.scenario.schema import Config
from sim.scenario.territory import grids_per_village
from sim.scenario.units import VillageTable, generate_villages, load_villages
from sim.util.errors import ConfigError
from sim.util.parallel import available_workers
from sim.util.rng import stream

GB = 1024.0**3
#: bytes of the process before any territory (interpreter, numpy, numba, pandas, Hydra)
BASE_BYTES = 0.30 * GB
#: peak bytes per matter of one replication, by engine (measured: README "Performance")
BYTES_PER_MATTER = {"vector": 240.0, "agent": 2800.0}
#: bytes per grid of the territory, stations and servers (lists of Python objects)
BYTES_PER_GRID = 4000.0
#: extra bytes per matter kept while later replications run (the first one's records)
KEPT_PER_MATTER = 110.0
#: engine seconds per matter (vector: per thread) and seconds per matter around the engine
SECONDS_PER_MATTER = {"vector": 2.0e-6, "agent": 190e-6}
AROUND_PER_MATTER = 0.6e-6
START_SECONDS = 1.5
#: the most grids a territory may have (a country's worth)
MAX_GRIDS = 20_000_000
#: a run expected to take longer than this says so before it starts
LONG_RUN_SECONDS = 180.0


@dataclass(frozen=True)
class Estimate:
    """What a run will take, before it starts."""

    engine: str
    engine_why: str
    units: dict[str, int]  # counties, townships, villages, grids
    residents: float
    matters: float  # expected matters of one replication
    replications: int
    peak_bytes: float
    seconds: float  # on the chosen engine
    vector_seconds: float  # on the vector engine
    available_bytes: float

    @property
    def fits(self) -> bool:
        return self.peak_bytes <= self.available_bytes

    @property
    def long(self) -> bool:
        return self.seconds > LONG_RUN_SECONDS

    def line(self) -> str:
        """One line for the start of a run."""
        u = self.units
        reps = f" x {self.replications} replications" if self.replications > 1 else ""
        return (f"pre-flight: {u['grids']:,} grids, about {self.matters:,.0f} matters{reps}; peak memory about "
                f"{_gb(self.peak_bytes)} of {_gb(self.available_bytes)} available; about "
                f"{duration(self.seconds)} on the {self.engine} engine")

    def long_note(self) -> str:
        """The notice of a long run (``long``), with the vector engine's time on the agent engine."""
        note = f"note: this run is expected to take about {duration(self.seconds)} on the {self.engine} engine"
        if self.engine == "agent":
            note += f" (the vector engine would take about {duration(self.vector_seconds)}: engine=vector)"
        return note


def _gb(n: float) -> str:
    return f"{n / GB:,.1f} GB" if n < 1e6 * GB else f"{n / GB:.3g} GB"


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
    from sim.engines.select import pick_engine

    counts: Any = SimpleNamespace(n_grids=grids)  # pick_engine reads the number of grids only
    return pick_engine(cfg, counts)


def estimate(cfg: Config, villages: VillageTable | None = None) -> Estimate:
    """The pre-flight estimate of a (validated) config; allocates a few arrays per village only."""
    if villages is None:
        generated = not cfg.textbook.enabled and not cfg.territory.units_file
        villages = _generated_sizes(cfg) if generated else village_table(cfg)
    n_grid_v = grids_per_village(villages, cfg)
    grids = int(n_grid_v.sum())
    units = {"counties": len(villages.county_names), "townships": len(villages.township_names),
             "villages": len(villages.village_names), "grids": grids}
    matters = expected_matters(cfg, villages)
    engine, why = _engine(cfg, grids)
    reps = cfg.run.replications
    peak = (BASE_BYTES + grids * BYTES_PER_GRID + matters * BYTES_PER_MATTER[engine]
            + (matters * KEPT_PER_MATTER if reps > 1 else 0.0))
    threads = max(1, min(available_workers(cfg.engine.workers), units["counties"]))

    def seconds(name: str) -> float:
        per = SECONDS_PER_MATTER[name] / (threads if name == "vector" else 1)
        return START_SECONDS + matters * reps * (per + AROUND_PER_MATTER)

    residents = float(villages.households.sum() * cfg.territory.residents_per_household)
    return Estimate(engine=engine, engine_why=why, units=units, residents=residents, matters=matters,
                    replications=reps, peak_bytes=peak, seconds=seconds(engine), vector_seconds=seconds("vector"),
                    available_bytes=available_memory())


def _key_to_change(cfg: Config, est: Estimate) -> tuple[str, str]:
    """The key that makes the run big, and the advice that goes with it."""
    t = cfg.territory
    if cfg.textbook.enabled:
        return "textbook.arrival_rate_per_hour", "a lower textbook.arrival_rate_per_hour or a shorter run.horizon_days"
    if cfg.run.horizon_days > 366:
        return "run.horizon_days", "a shorter run.horizon_days or a smaller territory"
    if t.units_file:
        return "territory.units_file", "a smaller units table or a shorter run.horizon_days"
    if t.counties > 1:
        fit = max(1, math.floor(t.counties * (est.available_bytes - BASE_BYTES) / max(est.peak_bytes - BASE_BYTES, 1)))
        return "territory.counties", f"at most about {fit:,} counties (territory.counties) or a shorter horizon"
    return "territory", "a smaller territory or a shorter run.horizon_days"


def check_fits(cfg: Config, est: Estimate) -> None:
    """Raise ConfigError when the territory is too large to build, or (when simulating) the run would
    not fit in the memory available."""
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
    if est.fits:
        return
    key, advice = _key_to_change(cfg, est)
    raise ConfigError(key, f"this run needs about {_gb(est.peak_bytes)} of memory ({est.matters:,.0f} matters on "
                      f"the {est.engine} engine) but {_gb(est.available_bytes)} are available: use {advice} "
                      "(run.simulate=false prints the capacity check alone)")
