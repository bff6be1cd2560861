"""KPI tables: the only input of the charts (pure pandas, built from records and KPIs).

These read ``sim.records.schema`` and ``sim.metrics`` outputs only, never an engine.

One run (``tables_from_records`` -> ``RunTables``):

* ``cdf``: ``hours, share`` -- the share of the KPI window's matters closed within so many
  hours of occurring, open matters counted: the product-limit (Kaplan-Meier) curve
  ``1 - S(t)`` with matters still open at the horizon right-censored there, as the
  resolution percentiles are (``sim.metrics.survival``). At most ``CDF_POINTS`` rows, hours
  ascending, the rows where it first reaches one half and 90% among them; open matters hold
  it below 1 until the longest time followed (a cut that leaves matters open draws a lower
  curve, not a faster one).
* ``funnel``: ``level, share`` -- share of the window's matters settled at each level, open
  ones settled nowhere yet, so the shares sum to the closed share (``LEVELS`` names, grid
  first; ``settled_share_<level>`` of ``compute_kpis``).
* ``backlog``: ``t_days, open, undiscovered`` -- ``backlog_series`` in days.
* ``utilization``: ``role, level, utilization`` -- busy / capacity hours per staff role
  (``role_utilization``) with the level the role works at (``ServerTable.level``).
* ``surges``: ``surge, start_day, end_day`` -- the surge windows seen in the records.
* ``offices`` (when the run's catalogue is given): ``kind, office, name_zh, name_en, stations,
  busy_hours, capacity_hours, utilization`` -- one row per township module and county
  department of the catalogue (summed over townships / counties), in catalogue order.

Several scenarios (an experiment): ``stack`` concatenates the run tables of each
scenario with a leading ``scenario`` column; ``comparison_table`` gives
``scenario, kpi, mean, half_width, n, diff_mean, diff_half_width`` (the paired
difference against the first, baseline scenario; NaN on the baseline's own rows);
``cost_table`` gives ``scenario, staff_cost, on_time_rate``, one row per scenario or
per sweep run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.metrics import kernels as kn
from sim.metrics.kpis import backlog_series, busy_totals, compute_kpis, role_utilization, window
from sim.metrics.offered import office_stations
from sim.metrics.open_matters import drawn_resolution
from sim.metrics.replications import paired_difference, summary_of
from sim.metrics.sketch import BIN_ENDS, CensoredSketch, sketch_curves
from sim.metrics.survival import CDF_POINTS, Curve, curve_points, km_curve
from sim.records.schema import Records
from sim.scenario.constants import CLOSED, HOURS_PER_DAY, LEVELS
from sim.scenario.schema import CatalogConfig

__all__ = [
    "CDF_COLUMNS",
    "CDF_POINTS",
    "COMPARISON_COLUMNS",
    "COST_COLUMNS",
    "RunTables",
    "cdf_table",
    "comparison_table",
    "cost_table",
    "funnel_table",
    "office_table",
    "pareto_mask",
    "sketch_cdf_table",
    "stack",
    "surge_table",
    "tables_from_records",
    "utilization_from_records",
]

CDF_COLUMNS = ["hours", "share"]
FUNNEL_COLUMNS = ["level", "share"]
BACKLOG_COLUMNS = ["t_days", "open", "undiscovered"]
UTILIZATION_COLUMNS = ["role", "level", "utilization"]
COMPARISON_COLUMNS = ["scenario", "kpi", "mean", "half_width", "n", "diff_mean", "diff_half_width"]
COST_COLUMNS = ["scenario", "staff_cost", "on_time_rate"]
SURGE_COLUMNS = ["surge", "start_day", "end_day"]
OFFICE_COLUMNS = ["kind", "office", "name_zh", "name_en", "stations", "busy_hours", "capacity_hours", "utilization"]


@dataclass
class RunTables:
    """The tables of one run (see the module docstring); ``kpis`` are its ``compute_kpis``."""

    cdf: pd.DataFrame
    funnel: pd.DataFrame
    backlog: pd.DataFrame
    utilization: pd.DataFrame
    kpis: dict[str, float] = field(default_factory=dict)
    surges: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SURGE_COLUMNS))
    offices: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OFFICE_COLUMNS))


def cdf_table(hours: npt.ArrayLike, closed: npt.ArrayLike | None = None, points: int = CDF_POINTS) -> pd.DataFrame:
    """``hours, share``: the product-limit CDF ``1 - S(t)`` of resolution ``hours``, those with ``closed`` False
    right-censored (still open; all closed when ``closed`` is None), at its distinct closing times, thinned
    to at most ``points`` rows that always include the first, the last and those where the curve first reaches
    each of ``survival.MARKED_SHARES`` (so a median read off the table is the resolution KPI's). NaNs are dropped.

    With every matter closed it is the empirical CDF and ends at 1. Open matters hold it below 1 until the
    longest time followed (it reaches 1 when that is a closing). With none closed but some open it is flat
    at 0 from 0 to the longest time followed, so the line is still drawn.
    """
    h = np.asarray(hours, dtype=np.float64)
    curve = km_curve(h, np.ones(h.size, np.bool_) if closed is None else np.asarray(closed, np.bool_))
    return _curve_rows(curve.times, curve.surv, curve.tau, points)


def sketch_cdf_table(sk: CensoredSketch, points: int = CDF_POINTS) -> pd.DataFrame:
    """``cdf_table`` of a streamed run, from its merged resolution sketch (``sim.metrics.sketch``): the
    product-limit CDF at the end of each bin with a closing, the middle of the curves with the bin's
    censorings first and last (the exact one lies between them, within a bin 0.01% wide), thinned as
    ``cdf_table`` thins."""
    lower, upper = sketch_curves(sk)
    at = np.flatnonzero((sk.events > 0) & np.isfinite(BIN_ENDS))
    return _curve_rows(BIN_ENDS[at], (lower[at] + upper[at]) / 2.0, max(sk.max_event, sk.max_censored), points)


def _curve_rows(times: np.ndarray, surv: np.ndarray, tau: float, points: int) -> pd.DataFrame:
    """``hours, share`` of a survival curve, as ``survival.curve_points`` thins it."""
    return _points_frame(curve_points(Curve(times, surv, tau), points))


def _points_frame(points: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({"hours": pd.Series(points[0], dtype=float), "share": pd.Series(points[1], dtype=float)})


def funnel_table(kpis: Mapping[str, float]) -> pd.DataFrame:
    """``level, share`` from the ``settled_share_<level>`` KPIs (NaN where absent)."""
    return pd.DataFrame({"level": list(LEVELS),
                         "share": [float(kpis.get(f"settled_share_{lv}", math.nan)) for lv in LEVELS]})


def utilization_from_records(rec: Records, busy: np.ndarray | None = None) -> pd.DataFrame:
    """``role, level, utilization``: one row per role with capacity, level = its ``LEVELS`` name
    (``busy`` per server row = ``busy_totals(rec)[1]`` unless given)."""
    util = role_utilization(rec, busy)
    srv = rec.servers
    levels: dict[str, str] = {}
    if srv is not None:
        for role, lv in zip(srv.role, np.asarray(srv.level).tolist(), strict=True):
            levels.setdefault(role, LEVELS[lv] if 0 <= lv < len(LEVELS) else str(lv))
    rows = [{"role": r, "level": levels.get(r, ""), "utilization": u} for r, u in util.items()]
    return pd.DataFrame(rows, columns=UTILIZATION_COLUMNS)


def office_table(rec: Records, catalog: CatalogConfig, station_busy: np.ndarray | None = None) -> pd.DataFrame:
    """Busy and capacity hours per module and department of ``catalog`` (the run's own).

    Each office's stations are ``offered.office_stations``'; ``station_busy`` per station row =
    ``busy_totals(rec)[0]`` unless given.
    """
    busy = station_busy if station_busy is not None else busy_totals(rec)[0]
    st = rec.stations
    kinds = np.asarray(st.kind, dtype=object)
    cap = np.asarray(st.capacity_hours, dtype=np.float64)
    rows = []
    for kind, offices in (("module", catalog.modules), ("department", catalog.departments)):
        for office, mine in zip(offices, office_stations(kinds, kind, len(offices)), strict=True):
            b, c = float(busy[mine].sum()), float(cap[mine].sum())
            rows.append({"kind": kind, "office": office.name, "name_zh": office.name_zh, "name_en": office.name_en,
                         "stations": len(mine),
                         "busy_hours": b, "capacity_hours": c, "utilization": b / c if c > 0 else math.nan})
    return pd.DataFrame(rows, columns=OFFICE_COLUMNS)


def tables_from_records(rec: Records, kpis: Mapping[str, float] | None = None, *,
                        backlog: pd.DataFrame | None = None, server_busy: np.ndarray | None = None,
                        catalog: CatalogConfig | None = None, station_busy: np.ndarray | None = None) -> RunTables:
    """All the tables of one replication (``kpis`` computed from ``rec`` unless given, and
    likewise ``backlog`` = ``backlog_series(rec)`` and ``server_busy`` = ``busy_totals(rec)[1]``,
    for a caller that has them already); ``offices`` only with the run's ``catalog``."""
    kp = dict(kpis) if kpis is not None else compute_kpis(rec)
    m = rec.matters
    w0, h = window(rec)
    # the window's resolution hours, open matters censored at the horizon, without full-length masks
    drawn = drawn_resolution(rec, w0, h)  # the curve the KPI pass drew from these records, thinned, if it ran
    cdf = (_points_frame(drawn) if drawn is not None
           else cdf_table(*kn.window_resolution(m.t_occur, m.t_close, m.status, w0, h, CLOSED)))
    back = backlog if backlog is not None else backlog_series(rec)
    in_days = pd.DataFrame({"t_days": back["t_hours"] / HOURS_PER_DAY, "open": back["open"],
                            "undiscovered": back["undiscovered"]})
    return RunTables(cdf=cdf, funnel=funnel_table(kp), backlog=in_days,
                     utilization=utilization_from_records(rec, server_busy), kpis=kp, surges=surge_table(rec),
                     offices=(office_table(rec, catalog, station_busy) if catalog is not None
                              else pd.DataFrame(columns=OFFICE_COLUMNS)))


def stack(tables: Mapping[str, RunTables], name: str) -> pd.DataFrame:
    """One of ``cdf | funnel | backlog | utilization`` for every scenario, with a ``scenario`` column.

    Scenarios keep the mapping's order (the first is the baseline).
    """
    if name not in ("cdf", "funnel", "backlog", "utilization"):
        raise ValueError(f"no run table called {name!r}")
    parts = [getattr(t, name).assign(scenario=s) for s, t in tables.items()]
    if not parts:
        return pd.DataFrame(columns=["scenario"])
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", *[c for c in out.columns if c != "scenario"]]]


def comparison_table(runs: Mapping[str, Sequence[Mapping[str, float]]], kpis: Sequence[str],
                     baseline: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and CI half-width of each KPI per scenario, with the paired difference vs ``baseline``.

    ``runs[scenario]`` is the list of per-replication KPI dicts (``RunResult.runs``).
    The baseline is the first scenario unless named. ``diff_mean``/``diff_half_width``
    summarise scenario - baseline replication by replication (common random numbers);
    they are NaN for the baseline itself and when the replication counts differ.
    """
    names = list(runs)
    base = baseline if baseline is not None else (names[0] if names else None)
    if base is not None and base not in runs:
        raise ValueError(f"baseline {base!r} is not one of the scenarios {names}")
    rows = []
    for s in names:
        for k in kpis:
            summ = summary_of([float(r.get(k, math.nan)) for r in runs[s]], confidence)
            d_mean = d_hw = math.nan
            if base is not None and s != base and len(runs[s]) == len(runs[base]):
                d = paired_difference(list(map(dict, runs[base])), list(map(dict, runs[s])), k, confidence)
                d_mean, d_hw = d.mean, d.half_width
            rows.append({"scenario": s, "kpi": k, "mean": summ.mean, "half_width": summ.half_width,
                         "n": summ.n, "diff_mean": d_mean, "diff_half_width": d_hw})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def cost_table(kpis: Mapping[str, Mapping[str, float]], per_year: bool = False) -> pd.DataFrame:
    """``scenario, staff_cost, on_time_rate``: one row per scenario (or sweep run) from its KPI means; the
    cost of the KPI window, or with ``per_year`` the same at a year's length (``staff_cost_per_year``)."""
    cost = "staff_cost_per_year" if per_year else "staff_cost"
    rows = [{"scenario": s, "staff_cost": float(k.get(cost, math.nan)),
             "on_time_rate": float(k.get("on_time_rate", math.nan))} for s, k in kpis.items()]
    return pd.DataFrame(rows, columns=COST_COLUMNS)


def pareto_mask(cost: npt.ArrayLike, rate: npt.ArrayLike) -> np.ndarray:
    """True where a point is on the Pareto front: no other point costs no more and has a
    no lower on-time rate while being strictly better in one of the two. NaN points are off it."""
    c = np.asarray(cost, dtype=np.float64)
    r = np.asarray(rate, dtype=np.float64)
    ok = np.isfinite(c) & np.isfinite(r)
    out = np.zeros(c.size, bool)
    for i in np.flatnonzero(ok):
        dominated = ok & (c <= c[i]) & (r >= r[i]) & ((c < c[i]) | (r > r[i]))
        out[i] = not dominated.any()
    return out


def surge_table(rec: Records) -> pd.DataFrame:
    """``surge, start_day, end_day``: each surge window seen in the records (first and last
    occurrence of the matters it added), for shading backlog charts."""
    m = rec.matters
    n_codes = int(m.surge.max()) + 1 if m.n else 0
    count, first, last = kn.surge_spans(m.surge, m.t_occur, max(n_codes, 0))  # one pass, not one per surge
    rows = [{"surge": k, "start_day": float(first[k]) / HOURS_PER_DAY, "end_day": float(last[k]) / HOURS_PER_DAY}
            for k in range(len(count)) if count[k]]
    return pd.DataFrame(rows, columns=SURGE_COLUMNS)
