"""Working hours and deadlines as array functions (MODEL.md 3, 4.5).

A shift is one interval of the day on some weekdays. ``WorkCalendar`` tabulates,
day by day over the horizon plus a margin, how many working hours lie before
each day, so that working time between two instants, and the instant when a
given amount of work ends, are lookups: vectorised for the vector engine, the
same functions per matter for the agent engine. Holidays remove a day from
every shift that does not run all seven days (grid duty and 24/7 rotas go on).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np

from sim.scenario.schema import CalendarConfig, ShiftConfig

#: days beyond the horizon that the tables cover (long matters close after the horizon)
MARGIN_DAYS = 800


@dataclass(frozen=True)
class WorkCalendar:
    """Working-time tables for one shift. Day 0 is a Monday; t is hours from its 00:00."""

    start: np.ndarray  # [n_days] float64 hour of day the shift opens
    hours: np.ndarray  # [n_days] float64 working hours that day (0 = closed)
    before: np.ndarray  # [n_days + 1] float64 working hours before each day (cumulative)
    working_day: np.ndarray  # [n_days] bool
    day_cum: np.ndarray  # [n_days] int64 working days up to and including each day
    # Python-list copies for the scalar methods (the agent engine calls them per event)
    _start: list[float] = field(init=False, repr=False, compare=False)
    _hours: list[float] = field(init=False, repr=False, compare=False)
    _before: list[float] = field(init=False, repr=False, compare=False)
    _ends: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_start", self.start.tolist())
        object.__setattr__(self, "_hours", self.hours.tolist())
        object.__setattr__(self, "_before", self.before.tolist())
        object.__setattr__(self, "_ends", self.before[1:].tolist())

    # ------------------------------------------------ scalar twins of the array methods
    # Same arithmetic on Python floats (bisect_left/right = searchsorted left/right), so
    # the agent engine's per-event answers equal the vector engine's array answers.
    def worked1(self, t: float) -> float:
        day = min(max(int(t // 24.0), 0), len(self._hours) - 1)
        into = min(max(t - day * 24.0 - self._start[day], 0.0), self._hours[day])
        return self._before[day] + into

    def at_worked1(self, c: float) -> float:
        day = min(bisect_left(self._ends, c), len(self._hours) - 1)
        return day * 24.0 + self._start[day] + (c - self._before[day])

    def next_open1(self, t: float) -> float:
        day = min(bisect_right(self._ends, self.worked1(t)), len(self._hours) - 1)
        return max(t, day * 24.0 + self._start[day])

    def advance1(self, t: float, work: float) -> float:
        if work <= 0:
            return t
        return max(self.at_worked1(self.worked1(t) + work), t)

    @property
    def n_days(self) -> int:
        return len(self.hours)

    @property
    def weekly_hours(self) -> float:
        """Working hours in an ordinary week (for capacity checks)."""
        return float(self.hours[:7].sum()) if self.n_days >= 7 else float(self.hours.sum())

    @property
    def open_fraction(self) -> float:
        """Share of calendar time the shift is open, over an ordinary week."""
        return self.weekly_hours / 168.0

    def worked(self, t: np.ndarray | float) -> np.ndarray:
        """Cumulative working hours from time 0 up to t."""
        t = np.asarray(t, dtype=np.float64)
        day = np.clip((t // 24.0).astype(np.int64), 0, self.n_days - 1)
        into = np.clip(t - day * 24.0 - self.start[day], 0.0, self.hours[day])
        return self.before[day] + into

    def at_worked(self, c: np.ndarray | float) -> np.ndarray:
        """The earliest instant at which cumulative working hours reach c."""
        c = np.asarray(c, dtype=np.float64)
        ends = self.before[1:]
        day = np.minimum(np.searchsorted(ends, c, side="left"), self.n_days - 1)
        return day * 24.0 + self.start[day] + (c - self.before[day])

    def next_open(self, t: np.ndarray | float) -> np.ndarray:
        """The first instant >= t at which the shift is open (t itself when open)."""
        t = np.asarray(t, dtype=np.float64)
        day = np.minimum(np.searchsorted(self.before[1:], self.worked(t), side="right"), self.n_days - 1)
        return np.maximum(t, day * 24.0 + self.start[day])

    def advance(self, t: np.ndarray | float, work: np.ndarray | float) -> np.ndarray:
        """When ``work`` working hours started at t are done (work pauses outside hours)."""
        t = np.asarray(t, dtype=np.float64)
        work = np.asarray(work, dtype=np.float64)
        end = self.at_worked(self.worked(t) + work)
        # zero work ends at once, even outside hours
        return np.where(work > 0, np.maximum(end, t), t)

    def between(self, t0: np.ndarray | float, t1: np.ndarray | float) -> np.ndarray:
        """Working hours in [t0, t1]."""
        return self.worked(t1) - self.worked(t0)

    def add_days(self, t: np.ndarray | float, days: np.ndarray | float, working: bool) -> np.ndarray:
        """Deadline ``days`` after t: working days of this calendar if ``working``, else calendar days.

        With working days, the deadline falls on the k-th working day after t's day
        (k = ceil(days)) at t's clock time, less the fractional remainder.
        """
        t = np.asarray(t, dtype=np.float64)
        days = np.asarray(days, dtype=np.float64)
        if not working:
            return t + days * 24.0
        day = np.clip((t // 24.0).astype(np.int64), 0, self.n_days - 1)
        k = np.ceil(days).astype(np.int64)
        target = self.day_cum[day] + k
        due_day = np.minimum(np.searchsorted(self.day_cum, target, side="left"), self.n_days - 1)
        return due_day * 24.0 + (t - day * 24.0) - (k - days) * 24.0


def build_calendar(shift: ShiftConfig, horizon_days: float, holidays: list[int] | tuple[int, ...] = ()) -> WorkCalendar:
    """Tabulate one shift over the horizon plus ``MARGIN_DAYS``."""
    n = int(np.ceil(horizon_days)) + MARGIN_DAYS
    d = np.arange(n)
    works = np.isin(d % 7, np.asarray(shift.days, dtype=np.int64))
    if len(set(shift.days)) < 7 and len(holidays):
        works &= ~np.isin(d, np.asarray(holidays, dtype=np.int64))
    hours = np.where(works, shift.end_hour - shift.start_hour, 0.0)
    before = np.concatenate([[0.0], np.cumsum(hours)])
    return WorkCalendar(
        start=np.full(n, float(shift.start_hour)),
        hours=hours,
        before=before,
        working_day=works,
        day_cum=np.cumsum(works.astype(np.int64)),
    )


def build_calendars(cal: CalendarConfig, horizon_days: float) -> dict[str, WorkCalendar]:
    """Every named shift of the config, tabulated."""
    return {name: build_calendar(s, horizon_days, cal.holidays) for name, s in cal.shifts.items()}
