"""Working hours and deadlines as array functions (MODEL.md 3, 4.5).

A shift is one interval of the day on some weekdays. ``WorkCalendar`` tabulates,
day by day over the horizon plus a margin, how many working hours lie before
each day, so that working time between two instants, and the instant when a
given amount of work ends, are lookups: vectorised for the vector engine, the
same functions per matter for the agent engine. Holidays remove a day from
every shift that does not run all seven days (grid duty and 24/7 rotas go on).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim.scenario.schema import CalendarConfig, ShiftConfig
from sim.util.search import Guide, make_guide, search_left_into, search_right_into

#: days beyond the horizon that the tables cover (long matters close after the horizon)
MARGIN_DAYS = 800

# ------------------------------------------------ compiled per-element kernels
# The array methods below run these over every element. Each is written with
# numpy's own operations in numpy's order (floor division as CPython's and
# numpy's; clip, minimum and maximum keep numpy's NaN rules), so the answers are
# bit-for-bit those of the equivalent numpy expressions. Searches of before[1:]
# run over whole arrays of keys (``WorkCalendar.day_of_worked``), between passes.

_I64_MIN = -9223372036854775808
_TWO63 = 9223372036854775808.0


@njit(cache=True, inline="always")
def to_int64(f: float) -> int:
    """``np.float64(f).astype(np.int64)`` as on x86: NaN and out-of-range values become INT64_MIN."""
    if f >= -_TWO63 and f < _TWO63:
        return int(f)
    return _I64_MIN


@njit(cache=True, inline="always")
def clip(x: float, lo: float, hi: float) -> float:
    """``np.clip(x, lo, hi)`` for one float (NaN passes through)."""
    if x != x:
        return x
    x = x if x > lo else lo
    return x if x < hi else hi


@njit(cache=True, inline="always")
def maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)`` for one float (NaN wins; of two equal values, b, as numpy's SIMD max gives +-0)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


@njit(cache=True, inline="always")
def floor_div24(t: float) -> float:
    """``t // 24.0`` without the fmod of CPython's floor division for ordinary t.

    floor(t / 24.0) is the exact floor or one more (when t / 24 rounds up to an
    integer); q * 24.0 is exact for |t| < 2**48, so one comparison decides.
    """
    if abs(t) < 281474976710656.0:  # 2**48; false for NaN and inf
        q = np.floor(t / 24.0)
        return q - 1.0 if q * 24.0 > t else q
    return t // 24.0


@njit(cache=True, inline="always")
def day_of(t: float, n_days: int) -> int:
    """``np.clip((t // 24.0).astype(np.int64), 0, n_days - 1)``."""
    return min(max(to_int64(floor_div24(t)), 0), n_days - 1)


@njit(cache=True, inline="always")
def worked_at(start: np.ndarray, hours: np.ndarray, before: np.ndarray, t: float) -> float:
    """``WorkCalendar.worked`` for one t."""
    day = day_of(t, len(hours))
    into = clip(t - day * 24.0 - start[day], 0.0, hours[day])
    return before[day] + into


@njit(cache=True, inline="always")
def at_day(start: np.ndarray, before: np.ndarray, day: int, c: float) -> float:
    """``WorkCalendar.at_worked`` for one c, given its day (the left search of before[1:] for c)."""
    return day * 24.0 + start[day] + (c - before[day])


@njit(cache=True, inline="always")
def add_working_days_at(day_cum: np.ndarray, first_day: np.ndarray, t: float, days: float) -> float:
    """``WorkCalendar.add_days(t, days, working=True)`` for one (t, days).

    ``first_day[c]`` is the first day whose ``day_cum`` reaches c (the left search of
    ``day_cum`` for c), tabulated for c in [0, day_cum[-1]].
    """
    n = len(day_cum)
    day = day_of(t, n)
    k = to_int64(np.ceil(days))
    target = day_cum[day] + k
    if target < 0:
        due_day = 0  # day_cum >= 0 everywhere
    elif target >= len(first_day):
        due_day = n  # beyond the table: searchsorted's n
    else:
        due_day = first_day[target]
    due_day = min(due_day, n - 1)
    return due_day * 24.0 + (t - day * 24.0) - (k - days) * 24.0


@njit(cache=True, nogil=True)
def worked_into(start: np.ndarray, hours: np.ndarray, before: np.ndarray, t: np.ndarray, out: np.ndarray) -> None:
    """out = worked(t)."""
    for i in range(len(t)):
        out[i] = worked_at(start, hours, before, t[i])


@njit(cache=True, nogil=True)
def at_day_into(start: np.ndarray, before: np.ndarray, c: np.ndarray, day: np.ndarray, out: np.ndarray) -> None:
    """out = at_worked(c) given each c's day."""
    for i in range(len(c)):
        out[i] = at_day(start, before, day[i], c[i])


@njit(cache=True, nogil=True)
def _next_open_finish(start: np.ndarray, t: np.ndarray, day: np.ndarray, out: np.ndarray) -> None:
    for i in range(len(t)):
        out[i] = maximum(t[i], day[i] * 24.0 + start[day[i]])


@njit(cache=True, nogil=True)
def _worked_plus(start: np.ndarray, hours: np.ndarray, before: np.ndarray, t: np.ndarray, work: np.ndarray,
                 out: np.ndarray) -> None:
    for i in range(len(t)):
        out[i] = worked_at(start, hours, before, t[i]) + work[i]


@njit(cache=True, nogil=True)
def advance_finish(start: np.ndarray, before: np.ndarray, t: np.ndarray, work: np.ndarray, c: np.ndarray,
                   day: np.ndarray, out: np.ndarray) -> None:
    """out = advance(t, work) from c = worked(t) + work and c's day: zero work ends at once, even outside hours."""
    for i in range(len(t)):
        out[i] = maximum(at_day(start, before, day[i], c[i]), t[i]) if work[i] > 0 else t[i]


@njit(cache=True, nogil=True)
def _add_working_days_many(day_cum: np.ndarray, first_day: np.ndarray, t: np.ndarray, days: np.ndarray,
                           out: np.ndarray) -> None:
    for i in range(len(t)):
        out[i] = add_working_days_at(day_cum, first_day, t[i], days[i])


# ------------------------------------------------ scalar functions over stacked shift tables
# One instant at a time, for both engines' events: ``start``, ``hours`` are [n_shifts, n_days],
# ``before`` [n_shifts, n_days + 1], ``ends`` = before[:, 1:], ``s`` the shift's row
# (``stack_calendars``). The vector kernel calls them on all its shifts; a ``WorkCalendar``'s
# scalar methods (the agent engine's) on its own tables as a one-row stack.


#: a calendar's own row in its one-row stack
_ROW = 0


def stack_calendars(cals: list[WorkCalendar]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shifts' tables stacked row by row: start, hours, before, ends."""
    start = np.stack([c.start for c in cals])
    hours = np.stack([c.hours for c in cals])
    before = np.stack([c.before for c in cals])
    return start, hours, before, np.ascontiguousarray(before[:, 1:])


@njit(cache=True)
def worked_row(start: np.ndarray, hours: np.ndarray, before: np.ndarray, s: int, t: float) -> float:
    """Working hours of shift s before t."""
    n = hours.shape[1]
    day = day_of(t, n)  # t // 24.0 clipped, without a call to fmod
    into = min(max(t - day * 24.0 - start[s, day], 0.0), hours[s, day])
    return before[s, day] + into


@njit(cache=True)
def at_worked_row(start: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int, c: float) -> float:
    """The instant when shift s has worked c hours."""
    n = ends.shape[1]
    day = min(np.searchsorted(ends[s], c, side="left"), n - 1)
    return day * 24.0 + start[s, day] + (c - before[s, day])


@njit(cache=True)
def next_open_row(start: np.ndarray, hours: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int,
                  t: float) -> float:
    """The first instant from t when shift s is at work."""
    n = ends.shape[1]
    day = min(np.searchsorted(ends[s], worked_row(start, hours, before, s, t), side="right"), n - 1)
    return max(t, day * 24.0 + start[s, day])


@njit(cache=True)
def advance_row(start: np.ndarray, hours: np.ndarray, before: np.ndarray, ends: np.ndarray, s: int, t: float,
                work: float) -> float:
    """The instant when ``work`` working hours of shift s from t are done."""
    if work <= 0:
        return t
    return max(at_worked_row(start, before, ends, s, worked_row(start, hours, before, s, t) + work), t)


def _flat(*xs: np.ndarray | float) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast float inputs together: (shape, each as a contiguous 1-d float64 array)."""
    arrs = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in xs))
    return arrs[0].shape, [np.ascontiguousarray(a).reshape(-1) for a in arrs]


@dataclass(frozen=True)
class WorkCalendar:
    """Working-time tables for one shift. Day 0 is a Monday; t is hours from its 00:00."""

    start: np.ndarray  # [n_days] float64 hour of day the shift opens
    hours: np.ndarray  # [n_days] float64 working hours that day (0 = closed)
    before: np.ndarray  # [n_days + 1] float64 working hours before each day (cumulative)
    working_day: np.ndarray  # [n_days] bool
    day_cum: np.ndarray  # [n_days] int64 working days up to and including each day
    # the tables as a one-row stack (start, hours, before, ends) for the scalar methods
    _stack: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)
    # lookup tables for the compiled array methods
    _guide: Guide = field(init=False, repr=False, compare=False)  # over ends = before[1:]
    _first_day: np.ndarray = field(init=False, repr=False, compare=False)  # [day_cum[-1] + 1] int64

    def __post_init__(self) -> None:
        object.__setattr__(self, "_stack", stack_calendars([self]))
        object.__setattr__(self, "_guide", make_guide(self.before[1:]))
        top = int(self.day_cum[-1]) if len(self.day_cum) else 0
        object.__setattr__(self, "_first_day",
                           np.searchsorted(self.day_cum, np.arange(max(top, 0) + 1), side="left").astype(np.int64))

    # ------------------------------------------------ scalar methods (the agent engine's, per event)
    # The stacked-table functions on this calendar's tables as a one-row stack: the
    # vector kernel's arithmetic, so both engines' times are the same.
    def worked1(self, t: float) -> float:
        st, hr, bf, _ = self._stack
        return worked_row(st, hr, bf, _ROW, t)

    def at_worked1(self, c: float) -> float:
        st, _, bf, en = self._stack
        return at_worked_row(st, bf, en, _ROW, c)

    def next_open1(self, t: float) -> float:
        return next_open_row(*self._stack, _ROW, t)

    def advance1(self, t: float, work: float) -> float:
        return advance_row(*self._stack, _ROW, t, work)

    @property
    def n_days(self) -> int:
        return len(self.hours)

    @property
    def weekly_hours(self) -> float:
        """Working hours of a week over the long run (for capacity checks): the mean over the horizon's
        whole weeks (the first week for a shorter horizon), holidays and make-up working days included.
        Not the first week alone: a calendar that starts in a holiday week (a log fitted over New Year)
        would give every week its capacity."""
        if self.n_days < 7:
            return float(self.hours.sum())
        weeks = max((self.n_days - MARGIN_DAYS) // 7, 1)  # the horizon's whole weeks (the tables run past it)
        return float(self.hours[:7 * weeks].sum()) / weeks

    @property
    def open_fraction(self) -> float:
        """Share of calendar time the shift is open, over the long run (``weekly_hours``)."""
        return self.weekly_hours / 168.0

    def worked(self, t: np.ndarray | float) -> np.ndarray:
        """Cumulative working hours from time 0 up to t."""
        shape, (tf,) = _flat(t)
        out = np.empty(len(tf))
        worked_into(self.start, self.hours, self.before, tf, out)
        return out.reshape(shape)

    def day_of_worked(self, c: np.ndarray, side: str = "left", out: np.ndarray | None = None) -> np.ndarray:
        """The day in which cumulative working hours reach c (float64 [m]): searchsorted(before[1:], c, side),
        at most the last day."""
        g = self._guide
        day = np.empty(len(c), np.int64) if out is None else out
        if side == "left":
            search_left_into(g.pad, g.idx, g.lo, g.scale, c, self.n_days - 1, day)
        else:
            search_right_into(g.pad, g.idx, g.lo, g.scale, c, 1.0, self.n_days - 1, day)
        return day

    def at_worked(self, c: np.ndarray | float) -> np.ndarray:
        """The earliest instant at which cumulative working hours reach c."""
        shape, (cf,) = _flat(c)
        out = np.empty(len(cf))
        at_day_into(self.start, self.before, cf, self.day_of_worked(cf), out)
        return out.reshape(shape)

    def next_open(self, t: np.ndarray | float) -> np.ndarray:
        """The first instant >= t at which the shift is open (t itself when open)."""
        shape, (tf,) = _flat(t)
        out = np.empty(len(tf))
        worked_into(self.start, self.hours, self.before, tf, out)
        _next_open_finish(self.start, tf, self.day_of_worked(out, side="right"), out)
        return out.reshape(shape)

    def advance(self, t: np.ndarray | float, work: np.ndarray | float) -> np.ndarray:
        """When ``work`` working hours started at t are done (work pauses outside hours; zero work ends at once)."""
        shape, (tf, wf) = _flat(t, work)
        c = np.empty(len(tf))
        _worked_plus(self.start, self.hours, self.before, tf, wf, c)
        out = np.empty(len(tf))
        advance_finish(self.start, self.before, tf, wf, c, self.day_of_worked(c), out)
        return out.reshape(shape)

    def between(self, t0: np.ndarray | float, t1: np.ndarray | float) -> np.ndarray:
        """Working hours in [t0, t1]."""
        return self.worked(t1) - self.worked(t0)

    def add_days(self, t: np.ndarray | float, days: np.ndarray | float, working: bool) -> np.ndarray:
        """Deadline ``days`` after t: working days of this calendar if ``working``, else calendar days.

        With working days, the deadline falls on the k-th working day after t's day
        (k = ceil(days)) at t's clock time, less the fractional remainder.
        """
        if not working:
            return np.asarray(t, dtype=np.float64) + np.asarray(days, dtype=np.float64) * 24.0
        shape, (tf, df) = _flat(t, days)
        out = np.empty(len(tf))
        _add_working_days_many(self.day_cum, self._first_day, tf, df, out)
        return out.reshape(shape)


def day_index(cal: CalendarConfig, dates: list[str]) -> np.ndarray:
    """Model day indices of ISO dates (day 0 = ``cal.start_date``); dates before it come out negative."""
    if not dates:
        return np.zeros(0, np.int64)
    start = dt.date.fromisoformat(str(cal.start_date))
    return np.array([(dt.date.fromisoformat(str(d)) - start).days for d in dates], dtype=np.int64)


def holiday_days(cal: CalendarConfig) -> np.ndarray:
    """Every holiday's day index: ``holidays`` and ``holiday_dates`` together."""
    return np.union1d(np.asarray(cal.holidays, dtype=np.int64), day_index(cal, cal.holiday_dates))


def workday_days(cal: CalendarConfig) -> np.ndarray:
    """The make-up working days' indices (``workday_dates``)."""
    return day_index(cal, cal.workday_dates)


def build_calendar(shift: ShiftConfig, horizon_days: float, holidays: list[int] | tuple[int, ...] | np.ndarray = (),
                   workdays: list[int] | tuple[int, ...] | np.ndarray = ()) -> WorkCalendar:
    """Tabulate one shift over the horizon plus ``MARGIN_DAYS``.

    A shift that does not run all seven days stops on a holiday and works a make-up working
    day (a holiday wins over a make-up day on the same date).
    """
    n = int(np.ceil(horizon_days)) + MARGIN_DAYS
    d = np.arange(n)
    works = np.isin(d % 7, np.asarray(shift.days, dtype=np.int64))
    if len(set(shift.days)) < 7 and len(workdays):
        works |= np.isin(d, np.asarray(workdays, dtype=np.int64))
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
    holidays, workdays = holiday_days(cal), workday_days(cal)
    return {name: build_calendar(s, horizon_days, holidays, workdays) for name, s in cal.shifts.items()}
