"""Key performance indicators computed from ``Records`` alone (MODEL.md section 6).

Everything here reads the record tables and ``meta`` only: no engine, no config.
The KPI window is ``[warmup_h, horizon_h)``; a matter counts when its ``t_occur``
lies in it. Times are hours and NaN means "not reached". A mean, share or
percentile over an empty set is NaN, never an exception.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.records import KIND_LEVEL, REDIRECTED, STATION_KINDS, Records
from sim.scenario.constants import CLOSED, HOURS_PER_YEAR, LEVELS, STATUSES

__all__ = [
    "backlog_series",
    "compute_kpis",
    "first_visits",
    "format_kpi_table",
    "station_utilization",
    "utilization_table",
    "visit_busy_hours",
    "window",
]

#: a wait above this (hours) counts as positive (P(W > 0) for Erlang C checks)
WAIT_EPS = 1e-9
#: KPI names printed as integers by ``format_kpi_table``
COUNT_KEYS: frozenset[str] = frozenset(
    {"matters", "closed", "open_at_horizon"} | {f"open_{s}" for s in STATUSES if s != "closed"}
)


def window(rec: Records) -> tuple[float, float]:
    """The KPI window ``(warmup_h, horizon_h)`` from ``rec.meta``."""
    w0 = float(rec.meta.get("warmup_h", 0.0))
    h = float(rec.meta["horizon_h"])
    if not h > w0:
        raise ValueError(f"empty KPI window: warmup_h={w0}, horizon_h={h}")
    return w0, h


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if x.size else math.nan


def _share(num: int | float, den: int | float) -> float:
    return float(num) / float(den) if den > 0 else math.nan


def _rows_of(matter_id: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row of each id in the matter table; -1 when the id is not there."""
    n = len(matter_id)
    if n and np.array_equal(matter_id, np.arange(n, dtype=matter_id.dtype)):
        return np.where((ids >= 0) & (ids < n), ids, -1).astype(np.int64)
    if n == 0:
        return np.full(len(ids), -1, np.int64)
    sorter = np.argsort(matter_id, kind="stable")
    pos = np.searchsorted(matter_id, ids, sorter=sorter)
    rows = sorter[np.minimum(pos, n - 1)]
    return np.where((pos < n) & (matter_id[rows] == ids), rows, -1).astype(np.int64)


def first_visits(rec: Records) -> tuple[np.ndarray, np.ndarray]:
    """``(matter_rows, visit_rows)``: each matter's first visit (earliest ``t_arrive``;
    ties keep table order), redirects excluded. Matters without visits are absent."""
    v = rec.visits
    # a redirect off the grid matters list is a hand-over, not a place where the matter waits
    keep_rows = np.flatnonzero(v.outcome != REDIRECTED)
    if len(keep_rows) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = keep_rows[np.lexsort((v.t_arrive[keep_rows], v.matter_id[keep_rows]))]
    mid = v.matter_id[order]
    head = np.empty(len(mid), bool)
    head[0] = True
    np.not_equal(mid[1:], mid[:-1], out=head[1:])
    vis = order[head]
    rows = _rows_of(rec.matters.matter_id, v.matter_id[vis])
    keep = rows >= 0
    return rows[keep], vis[keep]


def visit_busy_hours(rec: Records) -> np.ndarray:
    """Busy server-hours each visit contributes to the KPI window.

    A served visit's ``work`` is spread evenly over ``[t_start, t_end]`` (``t_end``
    = horizon while still in service) and pro-rated by that interval's overlap with
    the window; a zero-length service counts wholly if it starts in the window. A
    visit still in service at the horizon is also capped at its elapsed time in the
    window (its ``work`` may be the full planned amount, not yet all done).
    """
    v = rec.visits
    w0, h = window(rec)
    start = v.t_start
    served = np.isfinite(start)
    still = np.isnan(v.t_end)
    end = np.where(still, h, v.t_end)
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = np.clip(np.minimum(end, h) - np.maximum(start, w0), 0.0, None)
        dur = end - start
        inside = ((start >= w0) & (start < h)).astype(np.float64)
        frac = np.where(dur > 0, overlap / np.where(dur > 0, dur, 1.0), inside)
        busy = v.work * frac
        busy = np.where(still, np.minimum(busy, overlap), busy)
    return np.where(served, np.nan_to_num(busy, nan=0.0), 0.0)


def station_utilization(rec: Records) -> np.ndarray:
    """Busy hours / capacity hours per station row; NaN where capacity is 0."""
    s = len(rec.stations.capacity_hours)
    busy = np.bincount(rec.visits.station, weights=visit_busy_hours(rec), minlength=s)[:s]
    cap = np.asarray(rec.stations.capacity_hours, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cap > 0, busy / np.where(cap > 0, cap, 1.0), np.nan)


def _kind_rows(rec: Records) -> list[dict[str, Any]]:
    st = rec.stations
    s = len(st.capacity_hours)
    busy = np.bincount(rec.visits.station, weights=visit_busy_hours(rec), minlength=s)[:s]
    cap = np.asarray(st.capacity_hours, np.float64)
    kinds = np.asarray(st.kind, dtype=object)
    present = [k for k in STATION_KINDS if np.any(kinds == k)]
    present += [k for k in dict.fromkeys(kinds.tolist()) if k not in STATION_KINDS]
    rows: list[dict[str, Any]] = []
    for k in present:
        m = kinds == k
        b, c = float(busy[m].sum()), float(cap[m].sum())
        level = KIND_LEVEL.get(k, int(np.asarray(st.level)[m][0]))
        rows.append({"kind": k, "level": level, "busy_hours": b, "capacity_hours": c,
                     "utilization": b / c if c > 0 else math.nan})
    return rows


def role_utilization(rec: Records) -> dict[str, float]:
    """Busy / capacity hours per staff role (each role works at one level), from the server table.

    Empty when the records carry no server table.
    """
    srv = rec.servers
    if srv is None or len(srv.role) == 0:
        return {}
    v = rec.visits
    r = len(srv.role)
    ok = v.server >= 0
    busy = np.bincount(v.server[ok], weights=visit_busy_hours(rec)[ok], minlength=r)[:r]
    roles = np.asarray(srv.role, dtype=object)
    out: dict[str, float] = {}
    for role in dict.fromkeys(srv.role):
        m = roles == role
        cap = float(np.asarray(srv.capacity_hours)[m].sum())
        if cap > 0:
            out[role] = float(busy[m].sum()) / cap
    return out


def utilization_table(rec: Records) -> pd.DataFrame:
    """One row per station kind present: kind, level, busy_hours, capacity_hours, utilization."""
    cols = ["kind", "level", "busy_hours", "capacity_hours", "utilization"]
    return pd.DataFrame(_kind_rows(rec), columns=cols)


def _check(rec: Records, strict: bool) -> None:
    m = rec.matters
    bad = (m.status < 0) | (m.status >= len(STATUSES))
    if np.any(bad):
        raise ValueError(f"{int(bad.sum())} matters have a status outside STATUSES")
    if not strict:
        return
    closed = m.status == CLOSED
    has_close = np.isfinite(m.t_close)
    if np.any(closed != has_close):
        raise ValueError(f"{int(np.sum(closed != has_close))} matters: status closed disagrees with t_close")
    lv = m.level_settled[closed]
    if np.any((lv < 0) | (lv >= len(LEVELS))):
        raise ValueError("closed matters without a valid level_settled")


def compute_kpis(rec: Records, *, strict: bool = True) -> dict[str, float]:
    """All scalar KPIs of one replication (see the module docstring for the window).

    ``strict`` raises ``ValueError`` when the records break the contract that
    ``status == closed`` exactly when ``t_close`` is set and ``level_settled`` is valid.
    A status outside STATUSES always raises (closed + open == matters would fail).
    """
    _check(rec, strict)
    m = rec.matters
    w0, h = window(rec)
    hours = h - w0
    win = (m.t_occur >= w0) & (m.t_occur < h)
    n_win = int(win.sum())
    k: dict[str, float] = {}

    # --- counts by status at the horizon
    status_counts = np.bincount(m.status[win].astype(np.int64), minlength=len(STATUSES))
    closed = win & (m.status == CLOSED)
    n_closed = int(status_counts[CLOSED])
    k["matters"] = float(n_win)
    k["closed"] = float(n_closed)
    k["open_at_horizon"] = float(n_win - n_closed)
    for i, name in enumerate(STATUSES):
        if i != CLOSED:
            k[f"open_{name}"] = float(status_counts[i])
    if sum(int(status_counts[i]) for i in range(len(STATUSES)) if i != CLOSED) != n_win - n_closed:
        raise AssertionError("open statuses do not sum to open_at_horizon")

    # --- waiting at the first visit
    rows, vis = first_visits(rec)
    sel = win[rows]
    rows, vis = rows[sel], vis[sel]
    v = rec.visits
    t_arr, t_st, t_en = v.t_arrive[vis], v.t_start[vis], v.t_end[vis]
    served = np.isfinite(t_st)
    ended = ~served & np.isfinite(t_en)
    wait_served = t_st[served] - t_arr[served]
    wait_all = np.concatenate([wait_served, t_en[ended] - t_arr[ended]])
    k["wait_hours_mean"] = _mean(wait_all)
    k["wait_hours_mean_served"] = _mean(wait_served)
    k["wait_positive_share"] = _share(int(np.sum(wait_served > WAIT_EPS)), wait_served.size)
    decided = served | ended
    k["abandoned_share"] = _share(int(np.sum(m.abandoned[rows[decided]])), int(decided.sum()))

    # --- times
    res = (m.t_close - m.t_occur)[closed]
    res = res[np.isfinite(res)]
    k["resolution_hours_mean"] = _mean(res)
    qs = np.percentile(res, [50, 90, 95]) if res.size else np.full(3, math.nan)
    for q, x in zip((50, 90, 95), qs, strict=True):
        k[f"resolution_hours_p{q}"] = float(x)
    r2c = (m.t_close - m.t_discover)[closed]
    k["report_to_close_hours_mean"] = _mean(r2c[np.isfinite(r2c)])
    disc = (m.t_discover - m.t_occur)[win]
    k["discovery_hours_mean"] = _mean(disc[np.isfinite(disc)])

    # --- where matters were settled
    lv = m.level_settled[closed].astype(np.int64)
    lv_counts = np.bincount(lv[(lv >= 0) & (lv < len(LEVELS))], minlength=len(LEVELS))
    cum = 0
    for i, name in enumerate(LEVELS):
        k[f"settled_share_{name}"] = _share(int(lv_counts[i]), n_closed)
    for i, name in enumerate(LEVELS[:-1]):
        cum += int(lv_counts[i])
        k[f"settled_at_or_below_{name}"] = _share(cum, n_closed)

    # --- quality
    k["on_time_rate"] = _share(int(np.sum(m.on_time[closed] == 1)), n_closed)
    sat = m.satisfied[win]
    k["satisfaction_rate"] = _share(int(np.sum(sat == 1)), int(np.sum(sat >= 0)))
    k["reopen_rate"] = _share(int(np.sum(m.reopened[closed] > 0)), n_closed)
    residents = float(rec.meta.get("residents", 0) or 0)
    n_pet = int(np.sum(m.petitioned[win]))
    k["petitions_per_10k"] = (
        n_pet / residents * 10_000.0 * HOURS_PER_YEAR / hours if residents > 0 else math.nan
    )
    k["transfers_per_matter"] = _mean(m.transfers[win].astype(np.float64))
    k["escalations_per_matter"] = _mean(m.escalations[win].astype(np.float64))

    # --- utilisation and cost
    for row in _kind_rows(rec):
        if row["kind"] in STATION_KINDS and row["capacity_hours"] > 0:
            k[f"utilization_{row['kind']}"] = float(row["utilization"])
    for role, util in role_utilization(rec).items():
        k[f"utilization_role_{role}"] = util
    cost = rec.meta.get("staff_cost")
    k["staff_cost"] = float(cost) if cost is not None else math.nan
    k["cost_per_settled"] = k["staff_cost"] / n_closed if n_closed > 0 else math.nan
    return k


def _counts_upto(times: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """For each grid point g, how many times are <= g (NaN sorts last and never counts)."""
    return np.searchsorted(np.sort(times), grid, side="right").astype(np.int64)


def backlog_series(rec: Records, step_hours: float = 24.0) -> pd.DataFrame:
    """Open and undiscovered matters over time, over all matters (not only the window).

    Sampled at ``0, step, 2 step, ...`` and at ``horizon_h`` itself. ``open`` counts
    matters occurred by t (``t_occur <= t``) and not closed by t; ``undiscovered``
    those occurred by t and not yet discovered. One sort per time column, then a
    ``searchsorted`` per sample (10 million matters take well under a second).
    """
    if not step_hours > 0:
        raise ValueError("step_hours must be positive")
    h = float(rec.meta["horizon_h"])
    grid = np.arange(0.0, h, step_hours, dtype=np.float64)
    if grid.size == 0 or grid[-1] < h:
        grid = np.append(grid, h)
    m = rec.matters
    occurred = _counts_upto(m.t_occur, grid)
    closed = _counts_upto(m.t_close, grid)
    discovered = _counts_upto(m.t_discover, grid)
    return pd.DataFrame({"t_hours": grid, "open": occurred - closed, "undiscovered": occurred - discovered})


def _fmt(name: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    x = float(x)
    if name in COUNT_KEYS:
        return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"
    if "cost" in name:
        return f"{x:,.2f}"
    if "hours" in name:
        return f"{x:.2f}"
    return f"{x:.3f}"  # shares, rates, utilisations and per-matter / per-10k ratios


def format_kpi_table(kpis: dict[str, float], ci: dict[str, float] | None = None) -> str:
    """A plain aligned text table: name, value and, when ``ci`` is given, ± half-width."""
    names = list(kpis)
    vals = [_fmt(n, kpis[n]) for n in names]
    w_name = max((len(n) for n in names), default=4)
    w_val = max((len(v) for v in vals), default=5)
    lines = []
    if ci is not None:
        hws = [("± " + _fmt(n, ci[n])) if n in ci else "" for n in names]
        w_hw = max((len(x) for x in hws), default=0)
        for n, v, hw in zip(names, vals, hws, strict=True):
            lines.append(f"{n:<{w_name}}  {v:>{w_val}}  {hw:<{w_hw}}".rstrip())
    else:
        for n, v in zip(names, vals, strict=True):
            lines.append(f"{n:<{w_name}}  {v:>{w_val}}")
    return "\n".join(lines)
