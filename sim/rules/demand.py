"""Occurrence of matters: rates, profiles and category mixes (MODEL.md 4.1).

Rates are per grid and category; the time profile (hour of day x weekday x
month) is shared, each factor normalised to mean 1 so that the configured rate
is the long-run average.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numba import njit

from sim.rules.calendar import holiday_days, workday_days
from sim.scenario.schema import CalendarConfig, Config
from sim.util.parallel import run_rows
from sim.util.rng import PIECE, ahead, skip, uniform_range
from sim.util.search import make_guide, search_right_into

_MONTH_STARTS = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def hourly_profile(cfg: Config, n_hours: int) -> np.ndarray:
    """Rate multiplier for each hour of the horizon [n_hours], mean ~1 over a year."""
    d = cfg.demand
    h = np.arange(n_hours)
    hour = np.asarray(d.hour_profile, dtype=np.float64)
    week = np.asarray(d.weekday_profile, dtype=np.float64)
    season = np.asarray(d.season_profile, dtype=np.float64)
    hour = hour / hour.mean()
    week = week / week.mean()
    month_of_day = np.searchsorted(_MONTH_STARTS, np.arange(365), side="right") - 1
    season = season / season[month_of_day].mean()
    day = h // 24
    cal = cfg.calendar
    if cal.start_date is None and not cal.holidays and not cal.holiday_dates and not cal.workday_dates:
        return hour[h % 24] * week[day % 7] * season[month_of_day[day % 365]]
    return hour[h % 24] * _day_factors(cfg, week, day) * season[month_of_day[(day + _first_day_of_year(cal)) % 365]]


def _first_day_of_year(cal: CalendarConfig) -> int:
    """Day of the year (0 = 1 January) of model day 0; a 29 February counts as 1 March."""
    if cal.start_date is None:
        return 0
    d = dt.date.fromisoformat(str(cal.start_date))
    return min(d.timetuple().tm_yday - 1 - (1 if _is_after_leap_day(d) else 0), 364)


def _is_after_leap_day(d: dt.date) -> bool:
    return d.year % 4 == 0 and (d.year % 100 != 0 or d.year % 400 == 0) and d.month > 2


def _day_factors(cfg: Config, week: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Each hour's day factor: its weekday's, a holiday on a working weekday x ``holiday_factor``, a
    make-up working day the mean working weekday's (working = the deadline shift's days)."""
    cal = cfg.calendar
    factor = week[day % 7]
    shift = cal.shifts.get(cal.deadline_shift)
    working = sorted(set(shift.days)) if shift is not None else list(range(5))
    on_work = np.isin(day % 7, working)
    make_up = np.isin(day, workday_days(cal)) & ~on_work
    factor = np.where(make_up, float(week[working].mean()), factor)
    holiday = np.isin(day, holiday_days(cal)) & (on_work | make_up)
    return np.where(holiday, factor * cfg.demand.holiday_factor, factor)


def category_weights(cfg: Config, urban: np.ndarray) -> np.ndarray:
    """Relative rate of each category in each grid [n_grids, n_categories].

    The base shares are normalised to sum to 1; urban/rural and elderly factors
    then raise or lower a category, so they change both the mix and the total.
    """
    cats = list(cfg.catalog.categories.values())
    share = np.array([c.share for c in cats], dtype=np.float64)
    share = share / share.sum()
    elderly_excess = cfg.territory.elderly_share - 0.2
    elderly = np.array([1.0 + (c.elderly_factor - 1.0) * elderly_excess / 0.2 for c in cats])
    elderly = np.maximum(elderly, 0.0)
    area = np.where(urban[:, None], [c.urban_factor for c in cats], [c.rural_factor for c in cats])
    return share[None, :] * elderly[None, :] * area


def grid_rates_per_hour(cfg: Config, residents: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """Mean matters per hour per grid and category [n_grids, n_categories], before the profile."""
    base = cfg.demand.rate_per_1000_per_day / 1000.0 / 24.0 * residents
    base = base * np.where(urban, 1.0, cfg.demand.rural_rate_factor)
    return base[:, None] * category_weights(cfg, urban)


def sample_times(rng: np.random.Generator, n: int, weights: np.ndarray, start_hour: int,
                 last_hour: float = 1.0, workers: int = 1, out: np.ndarray | None = None) -> np.ndarray:
    """n event times with density proportional to the hourly ``weights`` from ``start_hour``.

    ``last_hour`` is the length of the last hour (a horizon that is not a whole hour):
    its weight must already be scaled by it, and its times fall inside it. The
    hours take rng's first n draws and the offsets within the hour the next n
    (``rng.random(n)`` twice); ranges of matters are drawn side by side by
    ``workers`` threads, each from copies of rng moved on to its draws. ``out`` (float64 [n],
    e.g. a county's rows of the matter table) receives the times when given.
    """
    cum = np.cumsum(weights)
    g = make_guide(cum)
    last = len(weights) - 1
    times = np.empty(n) if out is None else out
    assert times.shape == (n,) and times.dtype == np.float64, "times go to a float64 array of n"

    def fill(lo: int, hi: int) -> None:
        ahead(rng, n + lo).random(out=times[lo:hi])  # the offsets, which the times then overwrite
        hour = np.empty(min(hi - lo, PIECE), np.int64)
        for a, b, u in uniform_range(rng, lo, hi):
            h = hour[: b - a]
            search_right_into(g.pad, g.idx, g.lo, g.scale, u, cum[-1], last, h)
            _times(h, times[a:b], float(last_hour), last, int(start_hour))

    run_rows(fill, n, workers)
    skip(rng, 2 * n)
    return times


@njit(cache=True, nogil=True)
def _times(hour: np.ndarray, offset: np.ndarray, last_hour: float, last: int, start_hour: int) -> None:
    """offset := start_hour + hour + offset (the last hour shortened), as numpy computed it."""
    for i in range(len(hour)):
        off = offset[i]
        if last_hour < 1.0 and hour[i] == last:
            off = off * last_hour
        offset[i] = (start_hour + hour[i]) + off
