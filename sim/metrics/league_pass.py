"""The league tables' one pass over the matter table (``sim.metrics.league``).

Every league figure of every level is a count or a product-limit curve over the window
matters of a set of grids, so the matter table is read once, at grid level: per grid the
counts of ``GridCounts`` and each grid's resolution times (closings and censorings apart,
``sim.metrics.survival``'s bucket layout). A village's or township's counts are sums of its
grids' (integers: exact) and its times the concatenation of its grids' (``regroup``):
nothing per matter is repeated per level.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.records.schema import Records
from sim.scenario.constants import CLOSED

__all__ = ["COUNT_COLUMNS", "GridPass", "LeagueColumns", "grid_pass", "regroup", "unit_counts"]

#: the per-grid counts, in the columns of ``GridPass.counts``
COUNT_COLUMNS: tuple[str, ...] = ("matters", "closed", "due", "on_time", "satisfied", "rated",
                                  "open_dissatisfied", "petitioned", "local_0", "local_1", "local_2")
_MATTERS, _CLOSED, _DUE, _ON_TIME, _SATISFIED, _RATED, _OPEN_DISSATISFIED, _PETITIONED, _LOCAL = range(9)


class GridPass(NamedTuple):
    """Per grid: ``counts`` [n_grids, len(COUNT_COLUMNS)] int64, and the window matters' resolution
    hours (open ones censored at the horizon) in buckets: grid g's closings in
    ``times[starts[2g]:starts[2g+1]]``, its censorings in ``times[starts[2g+1]:starts[2g+2]]``,
    each bucket sorted ascending."""

    counts: np.ndarray
    times: np.ndarray
    starts: np.ndarray


class LeagueColumns(NamedTuple):
    """The matter records' columns ``_grid_pass`` reads (``MatterRecords``' names)."""

    grid: np.ndarray
    t_occur: np.ndarray
    t_close: np.ndarray
    status: np.ndarray
    deadline: np.ndarray
    on_time: np.ndarray
    satisfied: np.ndarray
    petitioned: np.ndarray
    level_settled: np.ndarray


@njit(cache=True, nogil=True)
def _grid_pass(m: LeagueColumns, w0: float, h: float, closed_code: int, patience_h: float,
               n_grids: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    grid, t_occur, t_close, status, deadline, on_time, satisfied, petitioned, level_settled = m
    counts = np.zeros((n_grids, 11), np.int64)
    starts = np.zeros(2 * n_grids + 1, np.int64)
    n = len(grid)
    for i in range(n):
        t = t_occur[i]
        if not (t >= w0 and t < h):
            continue
        g = grid[i]
        closed = status[i] == closed_code
        res = (t_close[i] if closed else h) - t
        if res == res:
            starts[2 * g + (0 if closed else 1) + 1] += 1
        row = counts[g]
        row[_MATTERS] += 1
        due = deadline[i] < h
        if closed:
            row[_CLOSED] += 1
            if due and on_time[i] == 1:
                row[_ON_TIME] += 1
            level = level_settled[i]
            if level >= 0:
                for k in range(3):
                    if level <= k:
                        row[_LOCAL + k] += 1
        elif h - deadline[i] > patience_h:
            row[_OPEN_DISSATISFIED] += 1
        if due:
            row[_DUE] += 1
        if satisfied[i] == 1:
            row[_SATISFIED] += 1
        if satisfied[i] >= 0:
            row[_RATED] += 1
        if petitioned[i]:
            row[_PETITIONED] += 1
    for b in range(2 * n_grids):
        starts[b + 1] += starts[b]
    times = np.empty(starts[-1], np.float64)
    fill = starts[:-1].copy()
    for i in range(n):
        t = t_occur[i]
        if not (t >= w0 and t < h):
            continue
        closed = status[i] == closed_code
        res = (t_close[i] if closed else h) - t
        if res == res:
            b = 2 * grid[i] + (0 if closed else 1)
            times[fill[b]] = res
            fill[b] += 1
    return counts, times, starts


def sort_buckets(times: np.ndarray, starts: np.ndarray) -> None:
    """Sort every bucket of ``times`` in place (numpy's value sort, bucket by bucket)."""
    for b in range(len(starts) - 1):
        times[starts[b]:starts[b + 1]].sort()


def grid_pass(rec: Records, w0: float, h: float, n_grids: int) -> GridPass:
    """The one pass over ``rec.matters`` (window ``w0 <= t_occur < h``), buckets sorted."""
    m = rec.matters
    patience_h = float(rec.meta.get("petition_patience_h", math.inf))
    cols = LeagueColumns(
        np.asarray(m.grid), np.asarray(m.t_occur, np.float64), np.asarray(m.t_close, np.float64),
        np.asarray(m.status), np.asarray(m.deadline, np.float64), np.asarray(m.on_time),
        np.asarray(m.satisfied), np.asarray(m.petitioned, np.bool_), np.asarray(m.level_settled))
    counts, times, starts = _grid_pass(cols, float(w0), float(h), int(CLOSED), patience_h, int(n_grids))
    sort_buckets(times, starts)
    return GridPass(counts, times, starts)


@njit(cache=True, nogil=True)
def _regroup(times: np.ndarray, starts: np.ndarray, grid_unit: np.ndarray, n_units: int
             ) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.zeros(2 * n_units + 1, np.int64)
    for g in range(len(grid_unit)):
        for side in range(2):
            sizes[2 * grid_unit[g] + side + 1] += starts[2 * g + side + 1] - starts[2 * g + side]
    for b in range(2 * n_units):
        sizes[b + 1] += sizes[b]
    out = np.empty(sizes[-1], np.float64)
    fill = sizes[:-1].copy()
    for g in range(len(grid_unit)):
        for side in range(2):
            b = 2 * grid_unit[g] + side
            a, z = starts[2 * g + side], starts[2 * g + side + 1]
            out[fill[b]:fill[b] + z - a] = times[a:z]
            fill[b] += z - a
    return out, sizes


def regroup(gp: GridPass, grid_unit: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """``(times, starts)`` of units made of grids (``grid_unit[g]``: grid g's unit), buckets sorted."""
    times, starts = _regroup(gp.times, gp.starts, np.asarray(grid_unit, np.int64), int(n_units))
    sort_buckets(times, starts)
    return times, starts


def unit_counts(gp: GridPass, grid_unit: np.ndarray, n_units: int) -> dict[str, np.ndarray]:
    """``COUNT_COLUMNS`` per unit (sums over its grids), as float64 columns."""
    out = np.zeros((n_units, gp.counts.shape[1]), np.int64)
    np.add.at(out, np.asarray(grid_unit, np.int64), gp.counts)
    return {name: out[:, k].astype(np.float64) for k, name in enumerate(COUNT_COLUMNS)}
