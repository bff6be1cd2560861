"""What a vector run reads of its stations, servers and shifts: the same for every run of one config and
territory, whatever the matters.

``station_arrays`` builds it (the World's catalogue, territory, station and shift fields, the station
and server tables of the records); ``run_vector`` makes it for each run unless the caller passes it.
A streamed run's worker (``sim.runs.stream``) runs many blocks of one territory, each of which would
otherwise rebuild the whole territory's tables (a province's 160,000 stations and 370,000 servers, in
Python): it makes this once and hands it to every block. The kernel only reads these arrays (the
threads of one run already share them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engines.prepare import Prepared, records_tables
from sim.records.schema import STATION_KINDS, ServerTable, StationTable
from sim.rules.calendar import stack_calendars
from sim.scenario.constants import ROLES

_KIND_CODE = {k: i for i, k in enumerate(STATION_KINDS)}


@dataclass(frozen=True)
class StationArrays:
    """The stations' and servers' arrays of a run, by World field, and the records' tables of them."""

    server_station: np.ndarray  # [R] int64 each server's station
    station_county: np.ndarray  # [S] int64 each station's county
    fixed: dict[str, np.ndarray]  # the World's catalogue, territory, station, server and shift fields
    stations: StationTable
    servers: ServerTable


def station_arrays(p: Prepared) -> StationArrays:
    """``p``'s station arrays (they depend on its config and territory only, not on its matters)."""
    lay = p.layout
    srv_station = np.repeat(np.arange(lay.n, dtype=np.int64), np.diff(lay.server_ptr))
    stations, servers = records_tables(p)
    return StationArrays(srv_station, _station_county(p), _fixed_arrays(p, srv_station), stations, servers)


def busy_by_role(server_role: np.ndarray, busy_h: np.ndarray) -> dict[str, float]:
    """Busy hours summed per role, roles in the order of their first server (sums in server order, as a
    loop over the servers adds them)."""
    role = np.asarray(server_role, np.int64)
    sums = np.bincount(role, weights=busy_h, minlength=len(ROLES)) if len(role) else np.zeros(len(ROLES))
    present, first = np.unique(role, return_index=True)
    return {ROLES[int(r)]: float(sums[r]) for r in present[np.argsort(first)]}


def _station_limits(p: Prepared) -> np.ndarray:
    cfg, lay = p.cfg, p.layout
    limits = list(cfg.dispatch.escalation_limit_hours)
    if cfg.textbook.enabled:
        limits = [cfg.textbook.patience_hours or 0.0, 0.0, 0.0, 0.0]
    return np.array([0.0 if lay.kind[s] == "platform" else float(limits[int(lay.level[s])])
                     for s in range(lay.n)])


def _neighbours(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR lists of the other grids of each grid's village, nearest first (only for the nearest rule)."""
    lay, terr = p.layout, p.terr
    lists: list[list[tuple[int, float]]] = [[] for _ in range(lay.n)]
    if p.cfg.dispatch.rule == "nearest":
        for v in range(terr.n_villages):
            grids = np.flatnonzero(terr.grid_village == v)
            for g in grids:
                d = np.hypot(*(terr.grid_xy[grids] - terr.grid_xy[g]).T)
                lists[int(g)] = [(int(grids[k]), float(d[k])) for k in np.argsort(d, kind="stable") if grids[k] != g]
    ptr = np.zeros(lay.n + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    st = np.array([h for x in lists for h, _ in x], np.int64)
    dist = np.array([dd for x in lists for _, dd in x], np.float64)
    return ptr, st, dist


def _fixed_arrays(p: Prepared, srv_station: np.ndarray) -> dict[str, np.ndarray]:
    """The catalogue, the territory, the stations, the servers and the shifts by World field."""
    cat, terr, lay = p.catalog, p.terr, p.layout
    names = list(p.cfg.calendar.shifts)
    nb_ptr, nb_st, nb_km = _neighbours(p)
    start, hours, before, ends = stack_calendars([p.calendars[k] for k in names])
    server_shift = np.array([names.index(s) for s in lay.server_shift], np.int64)
    return {"category_module": cat.module.astype(np.int64), "category_department": cat.department.astype(np.int64),
            "category_top": cat.top.astype(np.int64), "category_party": cat.party, "category_handled": cat.handled,
            "grid_village": terr.grid_village.astype(np.int64), "grid_township": terr.grid_township.astype(np.int64),
            "grid_county": terr.grid_county.astype(np.int64),
            "township_instructors": terr.township_instructors.astype(np.int64),
            "station_kind": np.array([_KIND_CODE[k] for k in lay.kind], np.int64),
            "station_limit_h": _station_limits(p), "server_ptr": lay.server_ptr, "neighbour_ptr": nb_ptr,
            "neighbour_station": nb_st, "neighbour_km": nb_km, "server_station": srv_station,
            "server_speed": lay.server_speed, "server_shift": server_shift,
            "station_shift": shared_shift(np.asarray(lay.server_ptr, np.int64), server_shift),
            "server_skills": lay.server_skills, "server_specialist": ~lay.server_skills.all(axis=1),
            "shift_start": start, "shift_hours": hours, "shift_before": before, "shift_ends": ends}


def shared_shift(server_ptr: np.ndarray, server_shift: np.ndarray) -> np.ndarray:
    """Per station, the shift calendar all its servers share; -1 where they have several or it has none (the
    engine then looks at each server: one shared shift closed means none of them can start a visit)."""
    out = np.full(len(server_ptr) - 1, -1, np.int64)
    lo, hi = server_ptr[:-1], server_ptr[1:]
    some = np.flatnonzero(hi > lo)
    if len(some):
        first = np.minimum.reduceat(server_shift, lo[some])
        top = np.maximum.reduceat(server_shift, lo[some])
        out[some] = np.where(first == top, first, -1)
    return out


def _station_county(p: Prepared) -> np.ndarray:
    """The county of each station, from its kind and unit (a grid, village, township or county)."""
    terr, lay = p.terr, p.layout
    county_of_unit = {"grid": terr.grid_county, "village": terr.township_county[terr.village_township],
                      "platform": terr.township_county, "module": terr.township_county,
                      "department": np.arange(terr.n_counties)}
    kind = np.asarray(lay.kind)
    out = np.empty(lay.n, np.int64)
    for k, county in county_of_unit.items():
        at = kind == k
        out[at] = county[lay.unit[at]]
    return out


