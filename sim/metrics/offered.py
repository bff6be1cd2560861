"""What the run sent each office: its offered load, measured from the visits, beside its utilisation.

The capacity check (``sim.checks.capacity``) predicts each office type's long-run load before
any dynamics: it follows the routing rules' probabilities, but not what only the run shows.
A level's time limit moves up a matter that waited too long below, so a busy township module
sends its county department more than the rules' failure rates say (the default county's
agriculture department: 7.9 matters a day expected, 10.1 arriving in the run). With a
department near its capacity the check reads it below 1 while the run's open count climbs
all year. So the run measures it too:

* ``offered_load_<office>``: the work of the visits that arrived at the office in the KPI
  window and stayed there (served, in service, or still waiting at the horizon; a visit that
  left unserved, moved up by a time limit or redirected, brought no work to it), over the
  office's working hours in the window. Unlike the utilisation (busy hours over working
  hours), it can exceed 1: work that arrived and was never done counts.
* ``matters_per_day``: the window's matters per day, so that the verdict can take out the
  window's season (``sim.metrics.stability``).

The offices are the station kinds (``grid``, ``village``, ``platform``, ``module``,
``department``) and each module and department of the catalogue, named as the
utilisation KPIs name them (``office_keys``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.metrics.stability import OFFERED_PREFIX
from sim.records.schema import OPEN, STATION_KINDS, Records
from sim.scenario.constants import HOURS_PER_DAY

__all__ = ["OFFERED_PREFIX", "office_keys", "office_stations", "offered_kpis", "offered_per_station", "offered_work"]


@njit(cache=True, nogil=True)
def offered_work(station: np.ndarray, t_arrive: np.ndarray, t_start: np.ndarray, work: np.ndarray,
                 outcome: np.ndarray, open_code: int, w0: float, h: float, n_station: int) -> np.ndarray:
    """Per station row: the work of the visits that arrived in ``[w0, h)`` and stayed (started, or open)."""
    out = np.zeros(n_station, np.float64)
    for i in range(len(station)):
        s = station[i]
        t = t_arrive[i]
        if s < 0 or s >= n_station or not (t >= w0 and t < h):
            continue
        if t_start[i] == t_start[i] or outcome[i] == open_code:  # served or in service, or still waiting
            w = work[i]
            if w == w:
                out[s] += w
    return out


def offered_per_station(rec: Records, w0: float, h: float) -> np.ndarray:
    """``offered_work`` of the run's visits, per station row."""
    v = rec.visits
    return offered_work(v.station, v.t_arrive, v.t_start, v.work, v.outcome, int(OPEN), float(w0), float(h),
                        len(rec.stations.capacity_hours))


def office_stations(kinds: np.ndarray, kind: str, n_offices: int) -> list[np.ndarray]:
    """Each office's station rows of ``kind`` (``module`` or ``department``), in catalogue order: module
    stations are numbered township x module and department stations county x department
    (``sim.engines.layout``), so the j-th station of a kind is office ``j % n_offices``."""
    idx = np.flatnonzero(kinds == kind)
    which = np.arange(len(idx)) % max(n_offices, 1)
    return [idx[which == j] for j in range(n_offices)]


def office_keys(rec: Records, prefix: str) -> dict[str, np.ndarray]:
    """``prefix + office`` -> the office's station rows, per module and department of the catalogue
    (``meta``'s ``module_names`` / ``department_names``; ``office_stations``). A key that would clash with
    another (an office named like a station kind, or a module and a department of one name) takes the kind:
    ``prefix + department_<office>``.
    """
    kinds = np.asarray(rec.stations.kind, dtype=object)
    offices = {kind: list(rec.meta.get(f"{kind}_names", ())) for kind in ("module", "department")}
    taken = set(STATION_KINDS) | set(offices["module"]) & set(offices["department"])
    out: dict[str, np.ndarray] = {}
    for kind, names in offices.items():
        for name, rows in zip(names, office_stations(kinds, kind, len(names)), strict=True):
            out[f"{prefix}{kind}_{name}" if name in taken else f"{prefix}{name}"] = rows
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def offered_kpis(k: dict[str, float], rec: Records, offered: np.ndarray, w0: float, h: float) -> None:
    """``offered_load_<kind>``, ``offered_load_<office>`` and ``matters_per_day`` into ``k`` (after
    ``matters``); an office with no working hours in the window has none (as its utilisation)."""
    kinds = np.asarray(rec.stations.kind, dtype=object)
    cap = np.asarray(rec.stations.capacity_hours, np.float64)
    for kind in STATION_KINDS:
        mine = kinds == kind
        if mine.any() and cap[mine].sum() > 0:
            k[f"{OFFERED_PREFIX}{kind}"] = float(offered[mine].sum()) / float(cap[mine].sum())
    for key, rows in office_keys(rec, OFFERED_PREFIX).items():
        k[key] = _ratio(float(offered[rows].sum()), float(cap[rows].sum()))
    days = (h - w0) / HOURS_PER_DAY
    k["matters_per_day"] = _ratio(float(k.get("matters", math.nan)), days)
