"""The KPIs that count matters still open at the horizon (MODEL.md 6, "Open matters count").

A KPI over closed matters alone reads better the less gets closed: what never closes is
never late, never asked, never petitions. Here every matter of the window counts:

* on time: of the window's matters whose deadline fell before the horizon, the share
  closed by it (a matter open past its deadline is late); ``on_time_rate_of_closed`` keeps
  the share of closed matters closed on time;
* resolution (occurrence to close) and report-to-close (discovery to close) times:
  product-limit estimates with open matters right-censored at the horizon
  (``sim.metrics.survival``);
* satisfaction and petitions: a matter open past its deadline by more than the callback
  patience (``outcome.petition_patience_days``) counts as a dissatisfied callback, and
  petitions as the engines decide it for a dissatisfied resident past patience, with the
  petition probability as its expected value (the records do not keep the matter's own
  draw);
* ``open_at_horizon_share``, ``backlog_growth_per_30d`` (least-squares slope of the daily
  open count over the window) and the warm-up MSER-5 finds on the daily open count.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from scipy.special import stdtrit  # scipy.stats would add 0.3 s to every start

from sim.metrics import kernels as kn
from sim.metrics.survival import Curve, curve_points, km_curve, km_summary
from sim.records.schema import Records
from sim.scenario.constants import CLOSED, HOURS_PER_DAY

__all__ = ["OpenPass", "backlog_growth", "daily_open", "drawn_resolution", "judged_growth", "mser5_days",
           "mser5_shift", "open_kpis", "open_kpis_of", "open_pass"]

#: days over which ``backlog_growth_per_30d`` is expressed
GROWTH_DAYS = 30.0
#: MSER batch size (days)
MSER_BATCH = 5
#: slots of ``open_pass``' counts
N_DUE, N_DUE_ON_TIME, N_OPEN_DISSATISFIED = range(3)


class OpenPass(NamedTuple):
    """What ``open_pass`` returns."""

    counts: np.ndarray  # by the slot constants above
    res: np.ndarray  # resolution hours of window matters (censored at the horizon when open)
    res_closed: np.ndarray  # True where closed
    r2c: np.ndarray  # report-to-close hours of discovered window matters (likewise)
    r2c_closed: np.ndarray


class OpenColumns(NamedTuple):
    """The matter records' columns ``_open_pass`` reads (``MatterRecords``' names)."""

    t_occur: np.ndarray
    t_discover: np.ndarray
    t_close: np.ndarray
    deadline: np.ndarray
    status: np.ndarray
    on_time: np.ndarray


@njit(cache=True, nogil=True)
def _open_pass(m: OpenColumns, w0: float, h: float, closed_code: int, patience_h: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The counts and the report-to-close times (the resolution times: ``kernels.window_resolution``)."""
    t_occur, t_discover, t_close, deadline, status, on_time = m
    n = len(t_occur)
    counts = np.zeros(3, np.int64)
    r2c = np.empty(n, np.float64)
    r2c_closed = np.empty(n, np.bool_)
    j = 0
    for i in range(n):
        to = t_occur[i]
        if not (to >= w0 and to < h):
            continue
        closed = status[i] == closed_code
        end = t_close[i] if closed else h
        td = t_discover[i]
        if math.isfinite(td) and td <= h and math.isfinite(end):
            r2c[j] = end - td
            r2c_closed[j] = closed
            j += 1
        due = deadline[i]
        if math.isfinite(due) and due < h:
            counts[N_DUE] += 1
            if closed and on_time[i] == 1:
                counts[N_DUE_ON_TIME] += 1
        if not closed and math.isfinite(due) and h - due > patience_h:
            counts[N_OPEN_DISSATISFIED] += 1
    return counts, r2c[:j], r2c_closed[:j]


def open_pass(rec: Records, w0: float, h: float, patience_h: float) -> OpenPass:
    """Two compiled passes over the matter table for the KPIs above: the resolution times as the
    resolution-time chart reads them (``kernels.window_resolution``), and the rest."""
    m = rec.matters
    cols = OpenColumns(*(getattr(m, name) for name in OpenColumns._fields))
    counts, r2c, r2c_closed = _open_pass(cols, w0, h, CLOSED, patience_h)
    res, res_closed = kn.window_resolution(m.t_occur, m.t_close, m.status, w0, h, CLOSED)
    return OpenPass(counts, res, res_closed, r2c, r2c_closed)


def daily_open(rec: Records) -> tuple[np.ndarray, np.ndarray]:
    """``(t_days, open)``: matters occurred and not closed at 0, 1, 2, ... days (before the horizon),
    those of a kept-open department (``meta["kept_open_categories"]``: a log's never-closed cases, open
    by design) left out, since the backlog growth and the warm-up judge whether the offices keep up."""
    h = float(rec.meta["horizon_h"])
    grid = np.arange(0.0, h, HOURS_PER_DAY, dtype=np.float64)
    m = rec.matters
    t_occur, t_close = m.t_occur, m.t_close
    kept = rec.meta.get("kept_open_categories") or []
    if len(kept) and len(t_occur):
        judged = ~np.isin(np.asarray(m.category), np.asarray(kept, np.int64))
        t_occur, t_close = t_occur[judged], t_close[judged]
    occurred = kn.counts_upto(t_occur, grid, HOURS_PER_DAY)
    closed = kn.counts_upto(t_close, grid, HOURS_PER_DAY)
    return grid / HOURS_PER_DAY, (occurred - closed).astype(np.float64)


def backlog_growth(t_days: np.ndarray, open_: np.ndarray, from_day: float) -> float:
    """Least-squares slope of the open count from ``from_day`` on, per ``GROWTH_DAYS`` days (NaN if < 2 days)."""
    keep = t_days >= from_day
    t, y = t_days[keep], open_[keep]
    if t.size < 2:
        return math.nan
    tc = t - t.mean()
    return float(np.dot(tc, y - y.mean()) / np.dot(tc, tc) * GROWTH_DAYS)


def judged_growth(t_days: np.ndarray, open_: np.ndarray, from_day: float, season_days: float
                  ) -> tuple[float, float, float, float]:
    """``(growth, lo, hi, cycles)``: season-free growth of the open count per ``GROWTH_DAYS`` days
    with the run's own 95% interval, for the stability verdict.

    With a seasonal demand (``season_days`` > 0) it is judged over whole cycles: the last
    cycle against the one before, as twelve differences of same-season means (``cycles`` =
    2); a window shorter than two cycles is not judged here (all NaN). Without a season, the
    least-squares slope of five batch means over the window (``cycles`` = 0).
    """
    nan4 = (math.nan, math.nan, math.nan, math.nan)
    keep = t_days >= from_day
    t, y = t_days[keep], open_[keep]
    if season_days > 0:
        per = int(round(season_days))
        if t.size < 2 * per:
            return nan4
        last, before = y[-per:], y[-2 * per:-per]
        parts = 12
        d = np.array([b.mean() - a.mean() for a, b in zip(np.array_split(before, parts), np.array_split(last, parts),
                                                             strict=True)])
        scale = GROWTH_DAYS / season_days
        mean, half = float(d.mean()), float(stdtrit(parts - 1, 0.975)) * float(d.std(ddof=1)) / math.sqrt(parts)
        return mean * scale, (mean - half) * scale, (mean + half) * scale, 2.0
    batches = 5
    if t.size < 2 * batches:
        return nan4
    tb = np.array([c.mean() for c in np.array_split(t, batches)])
    yb = np.array([c.mean() for c in np.array_split(y, batches)])
    tc = tb - tb.mean()
    slope = float(np.dot(tc, yb - yb.mean()) / np.dot(tc, tc))
    resid = yb - yb.mean() - slope * tc
    se = math.sqrt(float(np.dot(resid, resid)) / (batches - 2) / float(np.dot(tc, tc)))
    half = float(stdtrit(batches - 2, 0.975)) * se
    return slope * GROWTH_DAYS, (slope - half) * GROWTH_DAYS, (slope + half) * GROWTH_DAYS, 0.0


def mser5_days(open_: np.ndarray) -> float:
    """The MSER-5 truncation point (days) of a daily series: batches of 5 days, the start that
    minimises the batch means' squared deviation / (batches left)^2, searched in the first
    half of the series, as MSER is usually applied (White 1997). NaN for fewer than 4 batches."""
    n = len(open_) // MSER_BATCH
    if n < 4:
        return math.nan
    z = np.asarray(open_[: n * MSER_BATCH], np.float64).reshape(n, MSER_BATCH).mean(axis=1)
    left = np.arange(n, 0, -1, dtype=np.float64)  # batches from d on
    suffix_sum = np.cumsum(z[::-1])[::-1]
    suffix_sq = np.cumsum((z * z)[::-1])[::-1]
    sse = suffix_sq - suffix_sum * suffix_sum / left
    half = n // 2 + 1
    stat = sse[:half] / left[:half] ** 2
    return float(int(np.argmin(stat)) * MSER_BATCH)


def mser5_shift(open_: np.ndarray, warmup_days: float, mser_days: float) -> float:
    """The mean daily open count from the warm-up's end to MSER-5's truncation point, less the mean after
    it (NaN when the point is not past the warm-up).

    A run starts with nothing open, so its start-up transient holds fewer open matters than what follows:
    a negative shift. MSER-5 also truncates past a burst of open matters in a stationary queue (an M/M/3
    at utilisation 0.88 over 200 days: past day 55 to 95 in 3 of 8 seeds, every time above the rest); a
    positive shift is that burst, not the start-up transient."""
    start, end = int(math.ceil(warmup_days)), int(mser_days) if math.isfinite(mser_days) else -1
    if end <= start or end >= len(open_):
        return math.nan
    x = np.asarray(open_, np.float64)
    return float(x[start:end].mean() - x[end:].mean())


#: the resolution curve each live matter table's KPIs drew, thinned for its chart (``survival.curve_points``),
#: by the table's id: a run's resolution chart (``tables.tables_from_records``) reads the very sample, and
#: sorting every matter's time again cost a city year a second. An entry goes with its table.
_DRAWN: dict[int, tuple[weakref.ref[Any], float, float, tuple[np.ndarray, np.ndarray]]] = {}


def _keep_drawn(rec: Records, w0: float, h: float, curve: Curve) -> None:
    m = rec.matters
    key = id(m)
    if key not in _DRAWN:
        weakref.finalize(m, _DRAWN.pop, key, None)
    _DRAWN[key] = (weakref.ref(m), w0, h, curve_points(curve))


def drawn_resolution(rec: Records, w0: float, h: float) -> tuple[np.ndarray, np.ndarray] | None:
    """``(hours, share)`` of the resolution curve the KPIs of ``rec`` drew over the window ``[w0, h)``, thinned
    as a chart draws it; None when they have not been computed from this very matter table."""
    kept = _DRAWN.get(id(rec.matters))
    if kept is None or kept[0]() is not rec.matters or (kept[1], kept[2]) != (w0, h):
        return None
    return kept[3]


def open_kpis(rec: Records, w0: float, h: float, n_win: int, n_closed: int) -> dict[str, float]:
    """The time KPIs with censoring, the on-time rate over due matters, and the backlog KPIs.

    Satisfaction and petitions need the closed matters' counts too: ``open_dissatisfied``
    is returned for ``compute_kpis`` to combine (see the module docstring). The resolution curve,
    thinned, is kept for the run's chart (``drawn_resolution``).
    """
    patience_h = float(rec.meta.get("petition_patience_h", math.inf))
    _, open_ = daily_open(rec)
    op = open_pass(rec, w0, h, patience_h)
    curve = km_curve(op.res, op.res_closed)
    _keep_drawn(rec, w0, h, curve)
    times = km_summary(op.res, op.res_closed, "resolution_hours", curve=curve)
    del curve  # a city's is 100 MB: gone before the next curve is drawn
    times.update(km_summary(op.r2c, op.r2c_closed, "report_to_close_hours"))
    return open_kpis_of(op, open_, rec.meta, w0, h, n_win, n_closed, times=times)


def open_kpis_of(op: OpenPass, open_: np.ndarray, meta: Mapping[str, Any], w0: float, h: float, n_win: int,
                 n_closed: int, times: Mapping[str, float]) -> dict[str, float]:
    """``open_kpis`` from its passes: the open-matter pass and the daily open count (``daily_open``), with
    ``times``, the resolution and report-to-close KPIs (``open_kpis``' product-limit estimates of ``op``'s
    samples, or a streamed run's from its sketches, ``sim.metrics.sketch``)."""
    k: dict[str, float] = dict(times)
    n_due = int(op.counts[N_DUE])
    k["on_time_rate"] = int(op.counts[N_DUE_ON_TIME]) / n_due if n_due else math.nan
    k["open_at_horizon_share"] = (n_win - n_closed) / n_win if n_win else math.nan
    k["open_dissatisfied"] = float(op.counts[N_OPEN_DISSATISFIED])
    t_days = np.arange(len(open_), dtype=np.float64)
    k["backlog_growth_per_30d"] = backlog_growth(t_days, open_, w0 / HOURS_PER_DAY)
    g, lo, hi, cycles = judged_growth(t_days, open_, w0 / HOURS_PER_DAY, float(meta.get("season_days", 0.0)))
    k["backlog_growth_judged_per_30d"], k["backlog_growth_judged_lo"], k["backlog_growth_judged_hi"] = g, lo, hi
    k["backlog_growth_judged_cycles"] = cycles
    k["warmup_mser5_days"] = mser5_days(open_)
    k["warmup_mser5_shift"] = mser5_shift(open_, w0 / HOURS_PER_DAY, k["warmup_mser5_days"])
    return k
