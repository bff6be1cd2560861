"""What a run costs on this project's machine, from the drivers the model has: matters, servers, engine.

The figures are CPU seconds on one thread and peak resident bytes of the ``gridsim``
command, measured on the project's 2-core machine (``tests/validation/test_preflight_estimate.py``
checks them against runs of a grid of cases: territory, head-counts, horizon, engine;
``benchmarks/test_preflight.py`` against larger ones):

- a fixed start (Python, numba's cache, Hydra, writing the results) and the charts;
- per matter: the engine's events (about six per matter) and the stages around it;
- per server: laying out the stations (a Python list entry per server; one call per full-time
  worker, who may each take different categories), a little more per simulated day (measured:
  the county with 10,000 full-time workers per grid, 5.6 million servers, took 2.8 µs per server
  over 30 days and 11 µs over a year), and on the agent engine a mesa agent;
- on the agent engine only, per arrival at a station: a look at every server of that station
  for an idle one, so a grid of 10,000 workers costs 10,000 looks per matter. The vector engine
  stops at the first idle server.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.catalogue import department_names, module_names
from sim.scenario.kept import RecordsKept
from sim.scenario.schema import Config
from sim.scenario.units import VillageTable

GB = 1024.0**3
#: bytes of the process before any territory (interpreter, numpy, numba, pandas, Hydra)
BASE_BYTES = 0.32 * GB
#: peak bytes per matter of one replication, by engine
BYTES_PER_MATTER = {"vector": 240.0, "agent": 2800.0}
#: bytes per grid of the territory and its stations (lists of Python objects)
BYTES_PER_GRID = 4000.0
#: bytes per server: its row of the layout, and on the agent engine its mesa agent
BYTES_PER_SERVER = {"vector": 110.0, "agent": 650.0}
#: extra bytes per matter kept while later replications run (the first one's records)
KEPT_PER_MATTER = 110.0
#: CPU seconds of the command whatever the run (start-up, configuration, the results directory)
START_SECONDS = 3.5
#: CPU seconds of the charts (report.charts, when the results are written)
CHART_SECONDS = 2.5
#: engine seconds per matter (vector: per thread) and seconds per matter around the engine
SECONDS_PER_MATTER = {"vector": 2.0e-6, "agent": 190e-6}
AROUND_PER_MATTER = 0.6e-6
#: seconds per server laid out (once per run) and per server and simulated day, and on the agent
#: engine per server made an agent (each replication)
SECONDS_PER_SERVER = 3.0e-6
SECONDS_PER_SERVER_DAY = 24e-9
AGENT_SECONDS_PER_SERVER = 22e-6
#: agent engine: seconds per server looked at when a visit arrives at its station
SECONDS_PER_LOOK = 1.3e-6
#: visits per matter at each station type (the default county's capacity check: arrivals per day
#: at each type over matters per day); the agent engine looks at every server of the station on each
VISITS_PER_MATTER = {"grid": 0.90, "village": 0.33, "platform": 0.32, "module": 0.17, "department": 0.04}
#: bytes on disk per matter of the records' tables (measured: a county-year's 464,631 matters take
#: 30.9 MB in matters.parquet and 36.6 MB in visits.parquet; a streamed run's parts, one per county, as much)
DISK_BYTES_PER_MATTER = {"matters": 67.0, "visits": 79.0}
#: bytes on disk per grid (the league tables: a grid's row and its share of its village's and township's)
DISK_BYTES_PER_GRID = 220.0
#: bytes on disk of a results directory whatever its size (config, KPIs, capacity, backlog; the charts ~0.4 MB)
DISK_BASE_BYTES = 1.0e6


def disk_bytes(matters: float, grids: int, kept: RecordsKept) -> float:
    """Bytes a run's results directory takes on disk: replication 0's records (``run.records``) and the tables."""
    tables = {RecordsKept.all: ("matters", "visits"), RecordsKept.matters: ("matters",), RecordsKept.summary: ()}
    per_matter = sum(DISK_BYTES_PER_MATTER[t] for t in tables[kept])
    return DISK_BASE_BYTES + grids * DISK_BYTES_PER_GRID + matters * per_matter


@dataclass(frozen=True)
class Drivers:
    """The quantities a run's cost grows with."""

    matters: float  # expected matters of one replication
    replications: int
    days: float  # the horizon
    grids: int
    servers: float  # every server of every station
    looks_per_matter: float  # servers the agent engine looks at per matter (visits x servers of the station)
    threads: int  # vector engine threads (counties run side by side)
    charts: bool  # the charts are drawn


def servers_per_station(cfg: Config, villages: VillageTable, n_grid_v: np.ndarray) -> dict[str, float]:
    """Mean servers of a station of each type, as ``build_territory`` and ``build_layout`` staff them."""
    s = cfg.staffing
    if cfg.textbook.enabled:
        return {"grid": float(cfg.textbook.servers), "village": 0.0, "platform": 0.0, "module": 0.0,
                "department": 0.0}
    townships = max(len(villages.township_names), 1)
    grids_per_township = max(float(n_grid_v.sum()) / townships, 1.0)
    volunteers = s.volunteers_per_township if any(sg.volunteers for sg in cfg.scenario.surges) else 0
    modules = [s.module_staff.get(m, 0) for m in module_names(cfg)]
    departments = [s.department_staff.get(d, 0) for d in department_names(cfg)]
    return {
        "grid": s.fulltime_per_grid + s.grid_leaders_per_grid
        + (s.professional_per_township + volunteers) / grids_per_township,
        "village": float(s.committee_per_village),
        "platform": float(s.platform_per_township),
        "module": float(np.mean([m for m in modules if m > 0])) if any(modules) else 0.0,
        "department": float(np.mean([d for d in departments if d > 0])) if any(departments) else 0.0,
    }


def count_servers(cfg: Config, villages: VillageTable, n_grid_v: np.ndarray) -> float:
    """Every server of the territory (the layout's rows)."""
    per = servers_per_station(cfg, villages, n_grid_v)
    if cfg.textbook.enabled:
        return per["grid"] * float(n_grid_v.sum())
    s = cfg.staffing
    townships = len(villages.township_names)
    modules = sum(s.module_staff.get(m, 0) for m in module_names(cfg))
    departments = sum(s.department_staff.get(d, 0) for d in department_names(cfg))
    return (per["grid"] * float(n_grid_v.sum()) + per["village"] * len(villages.village_names)
            + (per["platform"] + modules) * townships + departments * len(villages.county_names))


def looks_per_matter(cfg: Config, villages: VillageTable, n_grid_v: np.ndarray) -> float:
    """Servers the agent engine looks at per matter: visits at each station type x its servers."""
    per = servers_per_station(cfg, villages, n_grid_v)
    if cfg.textbook.enabled:
        return per["grid"]
    return sum(VISITS_PER_MATTER[k] * per[k] for k in VISITS_PER_MATTER)


def cpu_seconds(d: Drivers, engine: str) -> float:
    """Seconds of the whole command on ``engine`` (the vector engine's own part split over its threads)."""
    per_matter = SECONDS_PER_MATTER[engine] / (d.threads if engine == "vector" else 1) + AROUND_PER_MATTER
    if engine == "agent":
        per_matter += SECONDS_PER_LOOK * d.looks_per_matter
    per_server = (SECONDS_PER_SERVER + SECONDS_PER_SERVER_DAY * d.days
                  + (AGENT_SECONDS_PER_SERVER * d.replications if engine == "agent" else 0.0))
    return (START_SECONDS + (CHART_SECONDS if d.charts else 0.0) + d.matters * d.replications * per_matter
            + d.servers * per_server)


def peak_bytes(d: Drivers, engine: str) -> float:
    """Peak resident bytes of the command on ``engine``."""
    return (BASE_BYTES + d.grids * BYTES_PER_GRID + d.matters * BYTES_PER_MATTER[engine]
            + d.servers * BYTES_PER_SERVER[engine] + (d.matters * KEPT_PER_MATTER if d.replications > 1 else 0.0))
