"""Product-limit (Kaplan–Meier) estimates of a time to close with open matters right-censored.

A matter closed in the window gives an observed time (``t_close - t_occur``); a matter
still open at the horizon gives a censored one (``horizon - t_occur``): it took at least
that long. The survival curve ``S(t)`` (share still open t hours after occurrence) is the
product over the observed times ``u <= t`` of ``1 - d_u / n_u`` (``d_u`` closed at u,
``n_u`` not yet closed nor censored before u; a censoring tied with a closure counts as
later, as scipy.stats.ecdf does). The closings and the censorings are sorted apart and
merged in one compiled pass: a city's ten million matters cost a fraction of a second.

A percentile q is the first observed time at which ``1 - S`` reaches q; where the curve
never does (too many matters still open) it is NaN and the caller flags it "above the
horizon". The mean is the area under ``S`` up to the longest follow-up (restricted mean):
with every matter closed it is the plain mean; when matters are still open at the longest
follow-up it is a lower bound, and ``mean_is_lower_bound`` says so.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.util.sort import sort_floats

__all__ = ["CDF_POINTS", "MARKED_SHARES", "REACH_EPS", "Curve", "curve_points", "group_km", "km_curve", "km_mean",
           "km_quantile", "km_summary", "segment_km"]

#: 1 - S(t) within this of q counts as reaching q (the product of many factors is not exact)
REACH_EPS = 1e-12
#: most points of a curve drawn as a chart's line (``curve_points``)
CDF_POINTS = 200
#: the shares whose first point a drawn curve keeps, so that the median and the p90 read off it are the KPIs'
MARKED_SHARES = (0.5, 0.9)


class Curve(NamedTuple):
    """A product-limit curve: ``S`` just after each distinct observed time, and the longest follow-up."""

    times: np.ndarray  # distinct observed (closing) times, ascending
    surv: np.ndarray  # S(t) just after each of them
    tau: float  # the longest time followed (observed or censored); NaN when there is none


@njit(cache=True, nogil=True)
def _product_limit(closed: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times, surv)`` from the closing times and the censoring times, each sorted ascending.

    At a closing time u the matters at risk are those not closed and not censored before u
    (a censoring tied with a closing counts as later), so the two samples need no joint
    sort: one merge walk, and the same products in the same order as over a joint sort.
    """
    n = len(closed) + len(censored)
    times = np.empty(len(closed), np.float64)
    surv = np.empty(len(closed), np.float64)
    k = 0
    s = 1.0
    i = 0  # closings before u
    c = 0  # censorings before u
    while i < len(closed):
        u = closed[i]
        while c < len(censored) and censored[c] < u:
            c += 1
        at_risk = n - i - c
        j = i
        while j < len(closed) and closed[j] == u:
            j += 1
        d = j - i
        s *= 1.0 - d / at_risk
        times[k] = u
        surv[k] = s
        k += 1
        i = j
    return times[:k], surv[:k]


def km_curve(durations: np.ndarray, observed: np.ndarray) -> Curve:
    """The product-limit curve of ``durations`` (hours), ``observed`` False for a censored one.

    NaN durations are dropped. The closings and the censorings are sorted apart (a value
    sort, several times faster than a sort of indices by two keys at ten million rows, and a
    radix sort of their bits, several times numpy's speed at a city's seven million).
    """
    d = np.asarray(durations, np.float64)
    obs = np.asarray(observed, np.bool_)
    keep = ~np.isnan(d)
    d, obs = d[keep], obs[keep]
    if d.size == 0:
        return Curve(np.zeros(0), np.zeros(0), math.nan)
    # each sample a temporary of its own, sorted where it lies (a radix sort: sim.util.sort)
    times, surv = _product_limit(sort_floats(d[obs], in_place=True), sort_floats(d[~obs], in_place=True))
    return Curve(times, surv, float(d.max()))


def curve_points(curve: Curve, points: int = CDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``(hours, 1 - S)`` of ``curve`` at its closing times, thinned to at most ``points`` that always include
    the first, the last and those where it first reaches each of ``MARKED_SHARES``; with no closing, flat at 0
    from 0 to the longest time followed (none without data), so that a line is still drawn."""
    times, surv, tau = curve
    n = times.size
    if n == 0:
        flat = np.array([0.0, tau] if math.isfinite(tau) else [], np.float64)
        return flat, np.zeros(flat.size, np.float64)
    idx = np.round(np.linspace(0, n - 1, min(n, max(points - len(MARKED_SHARES), 2)))).astype(np.int64)
    marks = [np.flatnonzero(surv <= 1.0 - q + REACH_EPS)[:1] for q in MARKED_SHARES]
    idx = np.unique(np.concatenate([idx, *marks]))
    return times[idx], 1.0 - surv[idx]


def km_quantile(curve: Curve, q: float) -> float:
    """The first observed time at which ``1 - S`` reaches ``q`` (0 < q < 1); NaN if it never does."""
    hit = np.flatnonzero(curve.surv <= 1.0 - q + REACH_EPS)
    return float(curve.times[hit[0]]) if hit.size else math.nan


def km_mean(curve: Curve) -> float:
    """Area under ``S`` from 0 to the longest follow-up (NaN without data)."""
    if not math.isfinite(curve.tau):
        return math.nan
    edges = np.concatenate(([0.0], curve.times, [curve.tau]))
    heights = np.concatenate(([1.0], curve.surv))
    widths = np.maximum(np.diff(edges), 0.0)
    return float(np.sum(heights * widths))


def km_summary(durations: np.ndarray, observed: np.ndarray, name: str,
               quantiles: tuple[int, ...] = (50, 90, 95), curve: Curve | None = None) -> dict[str, float]:
    """``<name>_mean``, ``<name>_p<q>`` and their flags for one sample.

    ``<name>_p<q>_above_horizon`` is 1.0 where the curve does not reach the percentile (the
    value is then NaN: written as null) and 0.0 where it does; ``<name>_mean_is_lower_bound``
    is 1.0 when matters are still open at the longest follow-up. A sample without data gives
    NaN everywhere (flags too). ``curve``: the sample's curve when the caller has drawn it already.
    """
    if curve is None:
        curve = km_curve(durations, observed)
    out: dict[str, float] = {}
    empty = not math.isfinite(curve.tau)
    out[f"{name}_mean"] = km_mean(curve)
    last = float(curve.surv[-1]) if curve.surv.size else 1.0
    out[f"{name}_mean_is_lower_bound"] = math.nan if empty else float(last > REACH_EPS)
    for q in quantiles:
        x = km_quantile(curve, q / 100.0)
        out[f"{name}_p{q}"] = x
        out[f"{name}_p{q}_above_horizon"] = math.nan if empty else float(math.isnan(x))
    return out


@njit(cache=True, nogil=True)
def _buckets(unit: np.ndarray, t: np.ndarray, observed: np.ndarray, n_units: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(values, starts)``: the times regrouped by bucket ``2 * unit`` (closings) and ``2 * unit + 1``
    (censorings), bucket b in ``values[starts[b]:starts[b + 1]]``, in the rows' order; NaN times dropped."""
    starts = np.zeros(2 * n_units + 1, np.int64)
    for i in range(len(unit)):
        if t[i] == t[i]:
            starts[2 * unit[i] + (0 if observed[i] else 1) + 1] += 1
    for b in range(2 * n_units):
        starts[b + 1] += starts[b]
    values = np.empty(starts[-1], np.float64)
    fill = starts[:-1].copy()
    for i in range(len(unit)):
        if t[i] == t[i]:
            b = 2 * unit[i] + (0 if observed[i] else 1)
            values[fill[b]] = t[i]
            fill[b] += 1
    return values, starts


@njit(cache=True, nogil=True)
def segment_km(values: np.ndarray, starts: np.ndarray, n_units: int, q: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: the q-quantile, the restricted mean and whether matters are open at its longest
    follow-up, from ``_buckets``' layout with every bucket sorted."""
    pq = np.full(n_units, np.nan)
    mean = np.full(n_units, np.nan)
    open_left = np.zeros(n_units, np.bool_)
    for u in range(n_units):
        closed = values[starts[2 * u]:starts[2 * u + 1]]
        censored = values[starts[2 * u + 1]:starts[2 * u + 2]]
        if len(closed) + len(censored) == 0:
            continue
        times, surv = _product_limit(closed, censored)  # the unit's own curve
        s = 1.0
        area = 0.0
        prev = 0.0
        for k in range(len(times)):
            area += s * (times[k] - prev)
            prev = times[k]
            s = surv[k]
            if pq[u] != pq[u] and s <= 1.0 - q + REACH_EPS:
                pq[u] = times[k]
        last = max(closed[-1] if len(closed) else -np.inf, censored[-1] if len(censored) else -np.inf)
        area += s * (last - prev)
        mean[u] = area
        open_left[u] = s > REACH_EPS
    return pq, mean, open_left


def group_km(unit: np.ndarray, durations: np.ndarray, observed: np.ndarray, n_units: int, q: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit ``0..n_units-1``: the product-limit q-quantile (NaN where the curve does not reach
    it or the unit has no matters), restricted mean and "still open at the longest follow-up".

    One compiled pass puts each unit's closings and censorings in buckets of their own
    (a counting sort), each bucket is sorted by value, and one compiled pass over the units
    follows: not a loop over units in Python, nor a sort of every row by three keys.
    """
    values, starts = _buckets(np.asarray(unit, np.int64), np.asarray(durations, np.float64),
                              np.asarray(observed, np.bool_), n_units)
    for b in range(2 * n_units):
        values[starts[b]:starts[b + 1]].sort()
    return segment_km(values, starts, n_units, q)
