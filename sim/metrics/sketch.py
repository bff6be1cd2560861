"""A mergeable sketch of censored times: the product-limit (Kaplan–Meier) estimate from counts in fixed bins.

A streamed run (``sim.runs.stream``) cannot hold one time per matter on its driver (a
province has ~70 million in the KPI window). Each block counts its closed (event) and its
open-at-the-horizon (censored) times in the same fixed bins, so blocks merge by adding
counts; the driver keeps two arrays of ``N_BINS`` integers per estimate, whatever the run.

The bins: ``[0, FIRST_EDGE_HOURS)`` (zero and below the resolution: 3.6 seconds), then
log-spaced bins each ``RELATIVE_WIDTH`` (0.01%) wider than the one before up to
``LAST_EDGE_HOURS`` (11 years), then ``[LAST_EDGE_HOURS, inf)``. The edges are made by
repeated multiplication (exactly rounded, so the same on every machine of a cluster).

What the bins lose is the order of events and censorings inside one bin. The product-limit
curve at the end of a bin with ``d`` events and ``c`` censorings among ``n`` at risk is
multiplied by ``(n - d) / n`` if the censorings come after the events and by
``(n - c - d) / (n - c)`` if they come before; any order in between gives a factor between
the two (each event's own factor ``1 - 1/n_i`` has ``n - c - i <= n_i <= n - i``). So at every
bin's end the exact curve lies between ``lower`` (censorings first in every bin) and
``upper`` (censorings last), and:

* **percentile q**: the exact one (the first event time where ``1 - S`` reaches q) is not
  in a bin before the first where ``lower`` reaches q, and not after the first where
  ``upper`` does. It lies in ``[low, high]``: the lower edge of the first, the upper edge
  of the second (at most the longest event time). The sketch reports the middle,
  ``(low + high) / 2``: ``|estimate - exact| <= (high - low) / 2``. When both curves reach
  q in one bin (almost always at the scale of a county) that is
  ``RELATIVE_WIDTH / 2`` of the exact percentile (0.005%), or 1.8 seconds in the first bin.
  Where ``lower`` never reaches q neither does the exact curve (above the horizon, NaN, as
  in-process); where ``lower`` does and ``upper`` does not, the sketch says "above the
  horizon" and ``high`` is infinite (the exact one is at least ``low``, or above too).
* **mean** (the area under S up to the longest follow-up): inside a bin S lies between
  ``lower`` at its end and ``upper`` at its start, so the area lies between the two sums;
  the sketch reports their middle, and the interval is about ``RELATIVE_WIDTH`` of it.
* **mean_is_lower_bound** (matters open at the longest follow-up) is exact: the curve ends
  at zero exactly when the longest event time exceeds the longest censored one, and the
  sketch keeps both maxima.

The products of many factors carry rounding: a bin counts as reaching q only with a
margin of ``FLOAT_MARGIN`` on the safe side, so the intervals hold for the floats too.
Durations are hours >= 0 (a negative one would count in the first bin); NaN ones are
dropped, as ``sim.metrics.survival.km_curve`` drops them.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.metrics.survival import REACH_EPS

__all__ = ["EDGES", "FIRST_EDGE_HOURS", "LAST_EDGE_HOURS", "N_BINS", "RELATIVE_WIDTH", "CensoredSketch",
           "add_sketches", "censored_sketch", "sketch_curves", "sketch_metadata", "sketch_summary"]

#: each log-spaced bin's upper edge over its lower edge, minus one
RELATIVE_WIDTH = 1e-4
#: the first bin holds [0, this): zero and sub-resolution times (hours: 3.6 seconds)
FIRST_EDGE_HOURS = 1e-3
#: the last bin holds [this, inf) (hours: about 11 years, beyond any horizon but the longest)
LAST_EDGE_HOURS = 1e5
#: a curve reaches a level only this far past it (the products' rounding, exact or sketched)
FLOAT_MARGIN = 1e-9


def _edges() -> np.ndarray:
    k = math.ceil(math.log(LAST_EDGE_HOURS / FIRST_EDGE_HOURS) / math.log1p(RELATIVE_WIDTH))
    steps = np.full(k + 1, 1.0 + RELATIVE_WIDTH)
    steps[0] = FIRST_EDGE_HOURS
    return np.cumprod(steps)  # one multiplication after another: the same floats on every machine


#: the bins' inner edges: bin 0 is [0, EDGES[0]), bin i is [EDGES[i-1], EDGES[i]), the last [EDGES[-1], inf)
EDGES = _edges()
N_BINS = len(EDGES) + 1
_LOW = np.concatenate(([0.0], EDGES))
_HIGH = np.concatenate((EDGES, [math.inf]))
#: each bin's upper edge (inf for the last): where a streamed run's CDF is drawn (``tables.sketch_cdf_table``)
BIN_ENDS = _HIGH


class CensoredSketch(NamedTuple):
    """Counts of event (closed) and censored (open at the horizon) times per bin, and each kind's longest."""

    events: np.ndarray  # int64 [N_BINS]
    censored: np.ndarray  # int64 [N_BINS]
    max_event: float  # -inf when there is none
    max_censored: float


def censored_sketch(durations: np.ndarray, observed: np.ndarray) -> CensoredSketch:
    """The sketch of ``durations`` (hours), ``observed`` False for a censored one (NaN durations dropped)."""
    d = np.asarray(durations, np.float64)
    obs = np.asarray(observed, np.bool_)
    events, censored, longest = _count(d, obs, EDGES, math.log1p(RELATIVE_WIDTH))
    return CensoredSketch(events, censored, float(longest[1]), float(longest[0]))


@njit(cache=True, nogil=True)
def _count(d: np.ndarray, obs: np.ndarray, edges: np.ndarray, log_step: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass: each time's bin (from its logarithm, then moved to agree with ``edges`` exactly) counted;
    the longest censored and event times (``longest[0]``, ``longest[1]``)."""
    n_edges = len(edges)
    counts = np.zeros((2, n_edges + 1), np.int64)
    longest = np.full(2, -np.inf)
    for i in range(len(d)):
        t = d[i]
        if t != t:
            continue
        if t < edges[0]:
            b = 0
        elif t >= edges[-1]:
            b = n_edges
        else:
            b = min(max(int(math.log(t / edges[0]) / log_step) + 1, 1), n_edges - 1)
            while t < edges[b - 1]:
                b -= 1
            while t >= edges[b]:
                b += 1
        k = 1 if obs[i] else 0
        counts[k, b] += 1
        if t > longest[k]:
            longest[k] = t
    return counts[1].copy(), counts[0].copy(), longest


def add_sketches(a: CensoredSketch, b: CensoredSketch) -> CensoredSketch:
    """The sketch of the two samples together."""
    return CensoredSketch(a.events + b.events, a.censored + b.censored, max(a.max_event, b.max_event),
                          max(a.max_censored, b.max_censored))


def sketch_curves(sk: CensoredSketch) -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)``: the product-limit curve at each bin's end with every bin's censorings
    before its events, and after them; the exact curve lies between the two."""
    d = sk.events.astype(np.float64)
    c = sk.censored.astype(np.float64)
    at_risk = float(d.sum() + c.sum()) - np.concatenate(([0.0], np.cumsum(d + c)[:-1]))
    has = d > 0
    first = np.ones_like(d)
    last = np.ones_like(d)
    first[has] = (at_risk[has] - c[has] - d[has]) / (at_risk[has] - c[has])
    last[has] = (at_risk[has] - d[has]) / at_risk[has]
    return np.cumprod(first), np.cumprod(last)


def _first_at_or_below(curve: np.ndarray, level: float) -> int | None:
    hit = np.flatnonzero(curve <= level)
    return int(hit[0]) if hit.size else None


def sketch_summary(sk: CensoredSketch, name: str, quantiles: tuple[int, ...] = (50, 90, 95)
                   ) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """``sim.metrics.survival.km_summary``'s KPIs from a sketch, and for each sketched one the interval
    ``(low, high)`` that holds the exact value (see the module docstring; ``high`` infinite where the
    percentile may be above the horizon, both NaN where it is above it for certain)."""
    out: dict[str, float] = {}
    bounds: dict[str, tuple[float, float]] = {}
    nan = math.nan
    if int(sk.events.sum() + sk.censored.sum()) == 0:
        out[f"{name}_mean"] = out[f"{name}_mean_is_lower_bound"] = nan
        for q in quantiles:
            out[f"{name}_p{q}"] = out[f"{name}_p{q}_above_horizon"] = nan
        return out, bounds
    lower, upper = sketch_curves(sk)
    tau = max(sk.max_event, sk.max_censored)
    widths = np.clip(np.minimum(_HIGH, tau) - _LOW, 0.0, None)
    upper_before = np.concatenate(([1.0], upper[:-1]))
    low_mean = float(np.dot(widths, lower)) - FLOAT_MARGIN * tau
    high_mean = float(np.dot(widths, upper_before)) + FLOAT_MARGIN * tau
    out[f"{name}_mean"] = (low_mean + high_mean) / 2.0
    bounds[f"{name}_mean"] = (low_mean, high_mean)
    out[f"{name}_mean_is_lower_bound"] = float(not sk.max_event > sk.max_censored)
    for q in quantiles:
        level = 1.0 - q / 100.0 + REACH_EPS
        b_low = _first_at_or_below(lower, level + FLOAT_MARGIN)
        b_high = _first_at_or_below(upper, level - FLOAT_MARGIN)
        key = f"{name}_p{q}"
        if b_low is None:  # the exact curve does not reach q either
            out[key], out[f"{key}_above_horizon"] = nan, 1.0
            bounds[key] = (nan, nan)
        elif b_high is None:  # it may reach q, at or after the first bin where ``lower`` does
            out[key], out[f"{key}_above_horizon"] = nan, 1.0
            bounds[key] = (float(_LOW[b_low]), math.inf)
        else:
            low, high = float(_LOW[b_low]), min(float(_HIGH[b_high]), sk.max_event)
            out[key], out[f"{key}_above_horizon"] = (low + high) / 2.0, 0.0
            bounds[key] = (low, high)
    return out, bounds


def sketch_metadata(bounds: list[dict[str, tuple[float, float]]]) -> dict[str, object]:
    """What ``kpis.json`` says of a run's sketched KPIs: which they are, the bins, and per replication
    each one's interval holding the exact value (``high`` null where it may be above the horizon)."""
    return {"kpis": sorted(bounds[0]) if bounds else [],
            "method": "product-limit estimate from counts of closed and of open (censored) times in fixed "
                      "log-spaced bins; each value is the middle of an interval that holds the exact value",
            "relative_width": RELATIVE_WIDTH, "first_bin_hours": FIRST_EDGE_HOURS,
            "bounds": [{k: [low, None if math.isinf(high) else high] for k, (low, high) in b.items()}
                       for b in bounds]}
