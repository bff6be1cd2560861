"""Key performance indicators computed from ``Records`` alone (MODEL.md section 6).

Everything here reads the record tables and ``meta`` only: no engine, no config.
The KPI window is ``[warmup_h, horizon_h)``; a matter counts when its ``t_occur``
lies in it. Times are hours and NaN means "not reached". A mean, share or
percentile over an empty set is NaN, never an exception.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.metrics import kernels as kn
from sim.metrics.offered import offered_kpis, offered_per_station, office_keys
from sim.metrics.open_matters import open_kpis
from sim.metrics.stability import Stability
from sim.records.schema import KIND_LEVEL, REDIRECTED, STATION_KINDS, Records
from sim.scenario.constants import CLOSED, HOURS_PER_YEAR, LEVELS, STATUSES

__all__ = [
    "backlog_series",
    "busy_totals",
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
    {"matters", "closed", "open_at_horizon", "open_dissatisfied", "backlog_growth_per_30d"}
    | {f"open_{s}" for s in STATUSES if s != "closed"}
)
#: suffixes of the flag keys beside a KPI (``format_kpi_table`` shows them with their KPI)
ABOVE_HORIZON, LOWER_BOUND = "_above_horizon", "_is_lower_bound"
#: per-replication numbers the stability verdict reads, not shown in the KPI table
VERDICT_KEYS: frozenset[str] = frozenset({"backlog_growth_judged_per_30d", "backlog_growth_judged_lo",
                                          "backlog_growth_judged_hi", "backlog_growth_judged_cycles"})


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
    if n and kn.is_row_number(matter_id):
        return np.where((ids >= 0) & (ids < n), ids, -1).astype(np.int64)
    if n == 0:
        return np.full(len(ids), -1, np.int64)
    sorter = np.argsort(matter_id, kind="stable")
    pos = np.searchsorted(matter_id, ids, sorter=sorter)
    rows = sorter[np.minimum(pos, n - 1)]
    return np.where((pos < n) & (matter_id[rows] == ids), rows, -1).astype(np.int64)


def first_visits(rec: Records) -> tuple[np.ndarray, np.ndarray]:
    """``(matter_rows, visit_rows)``: each matter's first visit (earliest ``t_arrive``;
    ties keep table order), redirects excluded. Matters without visits are absent.

    Rows come in ``matter_id`` order. When the matter id is the row number (as the
    engines write it) one compiled pass over the visits finds them; otherwise a lexsort.
    """
    v = rec.visits
    n = rec.matters.n
    if n and kn.is_row_number(rec.matters.matter_id):
        return kn.first_visit_pass(v.matter_id, v.outcome, v.t_arrive, n, REDIRECTED)
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
    return kn.busy_each(v.t_start, v.t_end, v.work, w0, h)


def _busy_sums(rec: Records, w0: float, h: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Busy hours in the window per station row and per server row, from one pass over the visits.

    Each is what ``np.bincount(index, weights=visit_busy_hours(rec))`` gives (same order of
    additions, so the same floats). The flag is False when a station index is negative.
    """
    v = rec.visits
    n_station = len(rec.stations.capacity_hours)
    n_server = len(rec.servers.role) if rec.servers is not None else 0
    return kn.busy_totals(v.station, v.server, v.t_start, v.t_end, v.work, w0, h, n_station, n_server)


def _negative_station() -> ValueError:
    """What ``np.bincount`` refused: a negative station index."""
    return ValueError("visits.station has negative entries")


def busy_totals(rec: Records, *, stations: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Busy hours in the KPI window per station row and per server row (``visit_busy_hours``
    summed by ``visits.station`` and ``visits.server``), from one pass over the visits.

    ``stations`` asks for the station sums, whose negative indices are an error as they are
    for ``np.bincount``. A caller that needs both utilisation tables passes these along.
    """
    per_station, per_server, ok = _busy_sums(rec, *window(rec))
    if stations and not ok:
        raise _negative_station()
    return per_station, per_server


def station_utilization(rec: Records) -> np.ndarray:
    """Busy hours / capacity hours per station row; NaN where capacity is 0."""
    busy, _ = busy_totals(rec)
    cap = np.asarray(rec.stations.capacity_hours, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cap > 0, busy / np.where(cap > 0, cap, 1.0), np.nan)


def _kind_rows(rec: Records, busy: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Busy and capacity hours per station kind; ``busy`` per station row unless given."""
    st = rec.stations
    if busy is None:
        busy, _ = busy_totals(rec)
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


def role_utilization(rec: Records, busy: np.ndarray | None = None) -> dict[str, float]:
    """Busy / capacity hours per staff role (each role works at one level), from the server table.

    Empty when the records carry no server table. ``busy`` per server row unless given.
    """
    srv = rec.servers
    if srv is None or len(srv.role) == 0:
        return {}
    if busy is None:
        _, busy = busy_totals(rec, stations=False)
    roles = np.asarray(srv.role, dtype=object)
    out: dict[str, float] = {}
    for role in dict.fromkeys(srv.role):
        m = roles == role
        cap = float(np.asarray(srv.capacity_hours)[m].sum())
        if cap > 0:
            out[role] = float(busy[m].sum()) / cap
    return out


def utilization_table(rec: Records, busy: np.ndarray | None = None) -> pd.DataFrame:
    """One row per station kind present: kind, level, busy_hours, capacity_hours, utilization.

    ``busy`` = ``busy_totals(rec)[0]`` unless given."""
    cols = ["kind", "level", "busy_hours", "capacity_hours", "utilization"]
    return pd.DataFrame(_kind_rows(rec, busy), columns=cols)


class _MatterPass(NamedTuple):
    """What ``kernels.matter_pass`` returns (see there)."""

    counts: np.ndarray
    status_counts: np.ndarray
    level_counts: np.ndarray
    disc: np.ndarray  # discovery hours of window matters (so far, for one not yet found)


def _matter_pass(rec: Records, w0: float, h: float) -> _MatterPass:
    m = rec.matters
    cols = kn.MatterColumns(*(getattr(m, name) for name in kn.MatterColumns._fields))
    return _MatterPass(*kn.matter_pass(cols, w0, h, len(STATUSES), len(LEVELS), CLOSED))


def _check(counts: np.ndarray, strict: bool) -> None:
    """Raise on a broken record contract, from the contract counts of ``_matter_pass``."""
    if counts[kn.BAD_STATUS]:
        raise ValueError(f"{int(counts[kn.BAD_STATUS])} matters have a status outside STATUSES")
    if not strict:
        return
    if counts[kn.CLOSE_MISMATCH]:
        raise ValueError(f"{int(counts[kn.CLOSE_MISMATCH])} matters: status closed disagrees with t_close")
    if counts[kn.BAD_LEVEL]:
        raise ValueError("closed matters without a valid level_settled")


class _VisitPass(NamedTuple):
    """The visit table's share of the KPIs, computed while another thread reads the matters."""

    waits: tuple[np.ndarray, int, int, int, int, int]  # kernels.wait_pass
    per_station: np.ndarray  # busy hours
    per_server: np.ndarray
    stations_ok: bool  # no negative station index
    offered: np.ndarray  # work that arrived and stayed, per station (sim.metrics.offered)


def _visit_pass(rec: Records, w0: float, h: float) -> _VisitPass:
    m, v = rec.matters, rec.visits
    if m.n and kn.is_row_number(m.matter_id):
        kind, wait = kn.first_visit_state(v.matter_id, v.outcome, v.t_arrive, v.t_start, v.t_end, m.n, REDIRECTED)
        waits = kn.wait_stats(kind, wait, m.t_occur, m.abandoned, w0, h, WAIT_EPS)
    else:
        rows, vis = first_visits(rec)
        waits = kn.wait_pass(rows, vis, m.t_occur, m.abandoned, kn.VisitTimes(v.t_arrive, v.t_start, v.t_end), w0, h,
                             WAIT_EPS)
    return _VisitPass(waits, *_busy_sums(rec, w0, h), offered_per_station(rec, w0, h))


def _int_mean(total: int, n: int) -> float:
    """``np.mean`` of n small integers summing to ``total``: their float64 sum is exact, so this is it."""
    return float(total) / float(n) if n else math.nan


def compute_kpis(rec: Records, *, strict: bool = True) -> dict[str, float]:
    """All scalar KPIs of one replication (see the module docstring for the window).

    ``strict`` raises ``ValueError`` when the records break the contract that
    ``status == closed`` exactly when ``t_close`` is set and ``level_settled`` is valid.
    A status outside STATUSES always raises (closed + open == matters would fail).

    The matter table is read in one compiled pass (``kernels.matter_pass``) while a second
    thread reads the visits (first visits, busy hours); each pass is sequential, so the
    values are those of the plain numpy formulas whatever the threads do.
    """
    try:
        w0, h = window(rec)
    except ValueError:
        _check(_matter_pass(rec, 0.0, 0.0).counts, strict)  # a broken contract is reported first
        raise
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the compiled passes release the GIL: the visits are read while this thread does the matters
        visit_job = pool.submit(_visit_pass, rec, w0, h)
        mp = _matter_pass(rec, w0, h)
        _check(mp.counts, strict)
        opened = open_kpis(rec, w0, h, int(mp.counts[kn.N_WIN]), int(mp.status_counts[CLOSED]))
        vp = visit_job.result()
    k: dict[str, float] = {}
    _status_kpis(k, mp)
    k["open_at_horizon_share"] = opened.pop("open_at_horizon_share")
    _wait_kpis(k, vp)
    _time_kpis(k, mp, opened)
    _level_kpis(k, mp)
    _quality_kpis(k, rec, mp, h - w0, opened)
    _utilization_kpis(k, rec, vp.per_station, vp.per_server, vp.stations_ok)
    offered_kpis(k, rec, vp.offered, w0, h)
    _cost_kpis(k, rec.meta, mp, h - w0)
    return k


def _cost_kpis(k: dict[str, float], meta: dict[str, Any], mp: _MatterPass, window_h: float) -> None:
    """Staff cost of the KPI window; a year's (what a budget reads: the window is the horizon less the
    warm-up, 275 days by default), the head-count's cost at a year's length plus the volunteers the
    window's surges called out: once for a window up to a year (a surge is an event, not a rate that
    a shorter window would repeat), a year's share of them for a longer one (two years' surges are not
    one year's); and the cost per matter settled."""
    cost = meta.get("staff_cost")
    n_closed = int(mp.status_counts[CLOSED])
    k["staff_cost"] = float(cost) if cost is not None else math.nan
    volunteers = float(meta.get("volunteer_cost", 0.0))
    k["staff_cost_per_year"] = ((k["staff_cost"] - volunteers) * HOURS_PER_YEAR / window_h
                                + volunteers * min(1.0, HOURS_PER_YEAR / window_h) if window_h > 0 else math.nan)
    k["cost_per_settled"] = k["staff_cost"] / n_closed if n_closed > 0 else math.nan


def _status_kpis(k: dict[str, float], mp: _MatterPass) -> None:
    """Counts by status at the horizon."""
    n_win = int(mp.counts[kn.N_WIN])
    n_closed = int(mp.status_counts[CLOSED])
    k["matters"] = float(n_win)
    k["closed"] = float(n_closed)
    k["open_at_horizon"] = float(n_win - n_closed)
    for i, name in enumerate(STATUSES):
        if i != CLOSED:
            k[f"open_{name}"] = float(mp.status_counts[i])
    if sum(int(mp.status_counts[i]) for i in range(len(STATUSES)) if i != CLOSED) != n_win - n_closed:
        raise AssertionError("open statuses do not sum to open_at_horizon")


def _wait_kpis(k: dict[str, float], vp: _VisitPass) -> None:
    """Waiting at the first visit of window matters (waits in matter_id order, as numpy summed them);
    a first visit still waiting at the horizon counts with its wait so far."""
    waits, n_served, n_ended, n_pos, n_decided, n_aband = vp.waits
    k["wait_hours_mean"] = _mean(waits)
    k["wait_hours_mean_served"] = _mean(waits[:n_served])
    k["wait_positive_share"] = _share(n_pos, len(waits) - n_ended)
    k["abandoned_share"] = _share(n_aband, n_decided)


_TIME_PREFIXES = ("resolution_hours_", "report_to_close_hours_")


def _time_kpis(k: dict[str, float], mp: _MatterPass, opened: dict[str, float]) -> None:
    """Resolution and report-to-close times (product-limit, open matters censored at the horizon:
    ``sim.metrics.open_matters``); discovery time, so far for a matter not yet found."""
    for name in [n for n in opened if n.startswith(_TIME_PREFIXES)]:
        k[name] = opened.pop(name)
    k["discovery_hours_mean"] = _mean(mp.disc)


def _level_kpis(k: dict[str, float], mp: _MatterPass) -> None:
    """Where the window's matters were settled: share per level and at or below each level, of all the
    window's matters. A matter still open counts as settled nowhere yet: over closed matters alone, a county
    office left without staff raised the share settled at the grid and the village (what climbed to it never
    closed, so never counted), a cut that read as the reform's aim met."""
    n_win = int(mp.counts[kn.N_WIN])
    lv_counts = mp.level_counts
    cum = 0
    for i, name in enumerate(LEVELS):
        k[f"settled_share_{name}"] = _share(int(lv_counts[i]), n_win)
    for i, name in enumerate(LEVELS[:-1]):
        cum += int(lv_counts[i])
        k[f"settled_at_or_below_{name}"] = _share(cum, n_win)


def _quality_kpis(k: dict[str, float], rec: Records, mp: _MatterPass, hours: float,
                  opened: dict[str, float]) -> None:
    """On time, satisfaction, reopening, petitions, transfers and escalations; the backlog's own.

    A matter open past its deadline by more than the callback patience is a dissatisfied
    callback and petitions with the petition probability (its expected value: the records
    do not keep its own draw); see ``sim.metrics.open_matters``.
    """
    c = mp.counts
    n_win = int(c[kn.N_WIN])
    n_closed = int(mp.status_counts[CLOSED])
    open_dissatisfied = int(opened.pop("open_dissatisfied"))
    k["on_time_rate"] = opened.pop("on_time_rate")
    k["on_time_rate_of_closed"] = _share(int(c[kn.ON_TIME]), n_closed)
    k["satisfaction_rate"] = _share(int(c[kn.SATISFIED]), int(c[kn.SAT_DECIDED]) + open_dissatisfied)
    k["open_dissatisfied"] = float(open_dissatisfied)
    k["reopen_rate"] = _share(int(c[kn.REOPENED]), n_closed)
    residents = float(rec.meta.get("residents", 0) or 0)
    petition_prob = float(rec.meta.get("petition_prob", 0.0))
    n_pet = int(c[kn.PETITIONED]) + petition_prob * open_dissatisfied
    k["petitions_per_10k"] = (
        n_pet / residents * 10_000.0 * HOURS_PER_YEAR / hours if residents > 0 else math.nan
    )
    k.update(opened)  # backlog growth and the warm-up MSER-5 finds
    k["transfers_per_matter"] = _int_mean(int(c[kn.TRANSFERS]), n_win)
    k["escalations_per_matter"] = _int_mean(int(c[kn.ESCALATIONS]), n_win)


def _utilization_kpis(k: dict[str, float], rec: Records, per_station: np.ndarray, per_server: np.ndarray,
                      stations_ok: bool) -> None:
    """Utilisation per station kind and per staff role from the busy hours of the visit pass (one pass over
    the visits for both; ``stations_ok``: no negative station index)."""
    if not stations_ok:
        raise _negative_station()
    for row in _kind_rows(rec, per_station):
        if row["kind"] in STATION_KINDS and row["capacity_hours"] > 0:
            k[f"utilization_{row['kind']}"] = float(row["utilization"])
    for role, util in role_utilization(rec, per_server).items():
        k[f"utilization_role_{role}"] = util
    k.update(office_utilization(rec, per_station))


def office_utilization(rec: Records, busy: np.ndarray | None = None) -> dict[str, float]:
    """``utilization_<office>`` per module and department of the run's catalogue (``meta``'s
    ``module_names`` / ``department_names``; none without them), keyed as ``offered.office_keys``
    says (``utilization_department_<office>`` where a name would clash)."""
    if busy is None:
        busy, _ = busy_totals(rec)
    cap = np.asarray(rec.stations.capacity_hours, np.float64)
    out: dict[str, float] = {}
    for key, mine in office_keys(rec, "utilization_").items():
        c = float(cap[mine].sum())
        out[key] = float(busy[mine].sum()) / c if c > 0 else math.nan
    return out


def _counts_upto(times: np.ndarray, grid: np.ndarray, step: float) -> np.ndarray:
    """For each grid point g (sorted, about ``step`` apart), how many times are <= g (NaN never counts)."""
    return kn.counts_upto(times, grid, step)


def backlog_grid(horizon_h: float, step_hours: float = 24.0) -> np.ndarray:
    """The times ``backlog_series`` samples: ``0, step, 2 step, ...`` and ``horizon_h`` itself."""
    grid = np.arange(0.0, horizon_h, step_hours, dtype=np.float64)
    if grid.size == 0 or grid[-1] < horizon_h:
        grid = np.append(grid, horizon_h)
    return grid


def backlog_series(rec: Records, step_hours: float = 24.0) -> pd.DataFrame:
    """Open and undiscovered matters over time, over all matters (not only the window).

    Sampled at ``0, step, 2 step, ...`` and at ``horizon_h`` itself. ``open`` counts
    matters occurred by t (``t_occur <= t``) and not closed by t; ``undiscovered``
    those occurred by t and not yet discovered. One compiled pass per time column
    (``kernels.counts_upto``), no sort.
    """
    if not step_hours > 0:
        raise ValueError("step_hours must be positive")
    grid = backlog_grid(float(rec.meta["horizon_h"]), step_hours)
    m = rec.matters
    occurred = _counts_upto(m.t_occur, grid, step_hours)
    closed = _counts_upto(m.t_close, grid, step_hours)
    discovered = _counts_upto(m.t_discover, grid, step_hours)
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


def _shown_value(name: str, kpis: dict[str, float]) -> str:
    """A KPI's value as printed: a percentile the curve does not reach is "above the horizon",
    a mean with matters still open at the longest follow-up is "at least" its value."""
    x = kpis[name]
    if kpis.get(name + ABOVE_HORIZON, 0.0) and (x is None or math.isnan(x)):
        return "above the horizon"
    if kpis.get(name + LOWER_BOUND, 0.0):
        return ">= " + _fmt(name, x)
    return _fmt(name, x)


def format_kpi_table(kpis: dict[str, float], ci: dict[str, float] | None = None,
                     stability: Stability | None = None) -> str:
    """A plain aligned text table: name, value and, when ``ci`` is given, ± half-width.

    The stability verdict (when given) is its first line; the flag keys beside a KPI
    (``*_above_horizon``, ``*_is_lower_bound``) are shown in its value, not as rows.
    """
    names = [n for n in kpis if not n.endswith((ABOVE_HORIZON, LOWER_BOUND)) and n not in VERDICT_KEYS]
    vals = [_shown_value(n, kpis) for n in names]
    w_name = max((len(n) for n in names), default=4)
    w_val = max((len(v) for v in vals), default=5)
    lines = [stability.line()] if stability is not None else []
    if ci is not None:
        hws = [("± " + _fmt(n, ci[n])) if n in ci and not math.isnan(kpis[n]) else "" for n in names]
        w_hw = max((len(x) for x in hws), default=0)
        for n, v, hw in zip(names, vals, hws, strict=True):
            lines.append(f"{n:<{w_name}}  {v:>{w_val}}  {hw:<{w_hw}}".rstrip())
    else:
        for n, v in zip(names, vals, strict=True):
            lines.append(f"{n:<{w_name}}  {v:>{w_val}}")
    return "\n".join(lines)
