"""Compiled twins of ``WorkCalendar``'s scalar methods over stacked shift tables.

``start``, ``hours`` are [n_shifts, n_days], ``before`` [n_shifts, n_days + 1],
``ends`` = before[:, 1:]. The arithmetic is written exactly as in
``sim.rules.calendar`` so both engines get bit-identical times.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.rules.calendar import WorkCalendar, day_of


def stack_calendars(cals: list[WorkCalendar]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    start = np.stack([c.start for c in cals])
    hours = np.stack([c.hours for c in cals])
    before = np.stack([c.before for c in cals])
    return start, hours, before, np.ascontiguousarray(before[:, 1:])


@njit(cache=True)
def worked(start: np.ndarray, hours: np.ndarray, before: np.ndarray, s: int, t: float) -> float:
    n = hours.shape[1]
    day = day_of(t, n)  # t // 24.0 clipped, without a call to fmod
    into = min(max(t - day * 24.0 - start[s, day], 0.0), hours[s, day])
    return before[s, day] + into


@njit(cache=True)
def at_worked(start: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int, c: float) -> float:
    n = ends.shape[1]
    day = min(np.searchsorted(ends[s], c, side="left"), n - 1)
    return day * 24.0 + start[s, day] + (c - before[s, day])


@njit(cache=True)
def next_open(start: np.ndarray, hours: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int,
              t: float) -> float:
    n = ends.shape[1]
    day = min(np.searchsorted(ends[s], worked(start, hours, before, s, t), side="right"), n - 1)
    return max(t, day * 24.0 + start[s, day])


@njit(cache=True)
def advance(start: np.ndarray, hours: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int, t: float,
            work: float) -> float:
    if work <= 0:
        return t
    return max(at_worked(start, before, ends, s, worked(start, hours, before, s, t) + work), t)
