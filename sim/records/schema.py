"""The record schema: the one contract between engines and metrics (MODEL.md 6).

Both engines emit ``Records``: a matter table (one row per matter, keyed by the
``matter_id`` of the matter inputs), a visit table (one row per stay of a matter
at a station: dispatch, service start and end, how it left), and the station
table (what each station is and how much working capacity it had). KPIs are
computed from these alone. Times are hours since t = 0; NaN = not reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.constants import (  # noqa: F401  (the record codes, here with the records they code)
    ABANDONED,
    ESCALATED,
    OPEN,
    REDIRECTED,
    SETTLED,
    STATION_KINDS,
    TRANSFERRED,
    VISIT_OUTCOMES,
)

#: station kinds' level (StationTable.kind)
KIND_LEVEL: dict[str, int] = {"grid": 0, "village": 1, "platform": 2, "module": 2, "department": 3}


@dataclass
class MatterRecords:
    """One row per matter (n rows)."""

    matter_id: np.ndarray  # int64
    grid: np.ndarray  # int32 origin grid
    registered_grid: np.ndarray  # int32
    category: np.ndarray  # int16
    severity_initial: np.ndarray  # int8 severity when it occurred
    severity: np.ndarray  # int8 severity at discovery (may have grown)
    channel: np.ndarray  # int8 CHANNELS index of discovery; -1 undiscovered
    surge: np.ndarray  # int8 surge window that added it; -1 base demand
    t_occur: np.ndarray  # float64
    t_discover: np.ndarray  # float64 found (reported, patrolled, seen)
    t_intake: np.ndarray  # float64 taken in at the first station (after any detour)
    t_dispatch: np.ndarray  # float64 first dispatch to a handling station
    t_start: np.ndarray  # float64 first service start
    t_close: np.ndarray  # float64 settled (after the last rework)
    deadline: np.ndarray  # float64 due time (from intake; not yet taken in: from discovery, else occurrence)
    level_settled: np.ndarray  # int8 LEVELS index; -1 not settled
    transfers: np.ndarray  # int16 misroutes sent back
    escalations: np.ndarray  # int16 moves up a level
    reopened: np.ndarray  # int16 reopenings after a dissatisfied callback
    on_time: np.ndarray  # int8 1 / 0; -1 not closed
    satisfied: np.ndarray  # int8 1 / 0; -1 not closed
    petitioned: np.ndarray  # bool
    abandoned: np.ndarray  # bool reached its patience at a station (textbook)
    reminded: np.ndarray  # bool got an overdue reminder (催办)
    status: np.ndarray  # int8 STATUSES index at the horizon
    place_level: np.ndarray  # int8 level where an open matter is; -1 if none

    @property
    def n(self) -> int:
        return len(self.matter_id)


@dataclass
class VisitRecords:
    """One row per stay of a matter at a station (m rows)."""

    matter_id: np.ndarray  # int64
    station: np.ndarray  # int32 row of StationTable
    level: np.ndarray  # int8
    t_arrive: np.ndarray  # float64 dispatched to / arrived at the station
    t_start: np.ndarray  # float64 service start; NaN if never served
    t_end: np.ndarray  # float64 left the station; NaN if still there at the horizon
    work: np.ndarray  # float64 nominal work (hours at full speed; the server's speed stretches it)
    outcome: np.ndarray  # int8 VISIT_OUTCOMES index
    server: np.ndarray  # int32 row of ServerTable that served it; -1 if never served


@dataclass
class StationTable:
    """One row per station (s rows)."""

    kind: list[str]  # STATION_KINDS
    level: np.ndarray  # int8
    unit: np.ndarray  # int32 index of the unit within its level
    code: list[str]  # unit code, plus the module / department name
    servers: np.ndarray  # float64 server-equivalents (sum of time shares)
    capacity_hours: np.ndarray  # float64 server working hours available in the KPI window


@dataclass
class ServerTable:
    """One row per server (person) of the layout (r rows)."""

    role: list[str]  # ROLES
    station: np.ndarray  # int32 station row
    level: np.ndarray  # int8
    speed: np.ndarray  # float64 share of working time on matters
    capacity_hours: np.ndarray  # float64 speed x working hours in the KPI window


@dataclass
class Records:
    """What one replication of one engine produced."""

    matters: MatterRecords
    visits: VisitRecords
    stations: StationTable
    meta: dict[str, Any] = field(default_factory=dict)
    servers: ServerTable | None = None  # for utilisation per role
    # meta keys: engine, seed, replication, horizon_h, warmup_h, residents, n_grids,
    # staff_cost (yuan in the KPI window), level_names, category_names

    def matters_frame(self) -> pd.DataFrame:
        return _frame(self.matters)

    def visits_frame(self) -> pd.DataFrame:
        return _frame(self.visits)

    def stations_frame(self) -> pd.DataFrame:
        return _frame(self.stations)

    def check(self) -> None:
        """Raise ValueError if the tables break the contract (lengths, ranges, time order).

        The contract: a matter is closed (``status`` CLOSED) exactly when ``t_close`` is set;
        a reopened matter in rework at the horizon is open again (``t_close`` NaN). Per
        visit, ``t_arrive <= t_start <= t_end`` wherever set.
        """
        m, v = self.matters, self.visits
        for obj in (m, v):
            lengths = {f.name: len(getattr(obj, f.name)) for f in fields(obj)}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"{type(obj).__name__}: columns of different lengths {lengths}")
        if np.any((m.status < 0) | (m.status > 4)):
            raise ValueError("matters.status outside STATUSES")
        if np.any((m.status == 4) != np.isfinite(m.t_close)):
            raise ValueError("matters: status closed disagrees with t_close")
        n_st = len(self.stations.kind)
        if len(v.station) and (v.station.min() < 0 or v.station.max() >= n_st):
            raise ValueError("visits.station outside the station table")
        with np.errstate(invalid="ignore"):
            if np.any(v.t_start < v.t_arrive) or np.any(v.t_end < v.t_start) or np.any(v.t_end < v.t_arrive):
                raise ValueError("visits: times out of order")


def _frame(obj: Any) -> pd.DataFrame:
    return pd.DataFrame({f.name: np.asarray(getattr(obj, f.name)) for f in fields(obj)})


#: each matter column's type and its 'not reached' value
_MATTER_COLUMNS: dict[str, tuple[type, float]] = {
    "matter_id": (np.int64, 0), "grid": (np.int32, 0), "registered_grid": (np.int32, 0),
    "category": (np.int16, 0), "severity_initial": (np.int8, 0), "severity": (np.int8, 0),
    "channel": (np.int8, -1), "surge": (np.int8, -1), "t_occur": (np.float64, np.nan),
    "t_discover": (np.float64, np.nan), "t_intake": (np.float64, np.nan), "t_dispatch": (np.float64, np.nan),
    "t_start": (np.float64, np.nan), "t_close": (np.float64, np.nan), "deadline": (np.float64, np.nan),
    "level_settled": (np.int8, -1), "transfers": (np.int16, 0), "escalations": (np.int16, 0),
    "reopened": (np.int16, 0), "on_time": (np.int8, -1), "satisfied": (np.int8, -1), "petitioned": (np.bool_, 0),
    "abandoned": (np.bool_, 0), "reminded": (np.bool_, 0), "status": (np.int8, 0), "place_level": (np.int8, -1),
}


def empty_matters(n: int) -> MatterRecords:
    """A matter table of n rows with every outcome at its 'not reached' value."""
    m = unfilled_matters(n)
    fill_matters(m, 0, n)
    return m


def unfilled_matters(n: int, **given: np.ndarray) -> MatterRecords:
    """A matter table of n rows, not yet filled (``fill_matters``), except the ``given`` columns, used as
    they are (no copy when of the column's type): memory is touched only where and when it is filled."""
    cols = {name: np.asarray(given[name], dtype=dt) if name in given else np.empty(n, dt)
            for name, (dt, _) in _MATTER_COLUMNS.items()}
    return MatterRecords(**cols)


def fill_matters(m: MatterRecords, lo: int, hi: int, skip: tuple[str, ...] = ()) -> None:
    """Rows lo:hi of every column but ``skip`` at their 'not reached' value (matter_id: the row number)."""
    for name, (_, value) in _MATTER_COLUMNS.items():
        if name in skip:
            continue
        if name == "matter_id":
            m.matter_id[lo:hi] = np.arange(lo, hi, dtype=np.int64)
        else:
            getattr(m, name)[lo:hi] = value


def visits_from_lists(cols: dict[str, list[Any]]) -> VisitRecords:
    """Build the visit table from per-column Python lists (the agent engine's log)."""
    dtypes = {"matter_id": np.int64, "station": np.int32, "level": np.int8, "t_arrive": np.float64,
              "t_start": np.float64, "t_end": np.float64, "work": np.float64, "outcome": np.int8,
              "server": np.int32}
    n = len(cols.get("matter_id", []))
    data = {k: np.asarray(cols.get(k, [-1] * n if k == "server" else []), dtype=t) for k, t in dtypes.items()}
    return VisitRecords(**data)
