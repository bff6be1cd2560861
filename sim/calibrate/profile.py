"""Arrivals, mixes and deadlines fitted from a log's training months (issue 10, part 4).

Input: the cases frame of the imported-log contract (``sim.logs.load_log``): one row per
case with ``created``, ``closed``, ``due``, ``category``, ``department``, ``channel``,
``place1``, ``place2``. Only rows created before ``train_until`` are read here.

What the generator supports, and so what is fitted (``sim.rules.demand``): a rate that is a
product of an hour-of-day, a weekday and a month factor (each normalised to mean 1), a
category mix shared by the territory, and a rate per unit through the units' residents.
So the category x hour x weekday x month profile is fitted as its margins (a separable
profile), and the place profile as the units' relative sizes (rates per unit directly:
a log gives no population). Months the training window does not reach get the training
months' mean: the model cannot know a season it has not seen.

The model's clock starts at 00:00 on 1 January of the log's first year (the month table
counts from day 0 = 1 January); its weekday index 0 is that day's weekday, so the fitted
weekday profile and the office days are rotated to it (``Timebase``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.calibrate.category_work import work_factors
from sim.calibrate.holidays import NONE as NO_HOLIDAYS
from sim.calibrate.holidays import LogHolidays
from sim.calibrate.paths import PathChoice, choose_paths
from sim.calibrate.works import MIN_WORKED_HOURS, WorkChoice, choose_works
from sim.rules.calendar import WorkCalendar, build_calendar
from sim.scenario.constants import CHANNELS
from sim.scenario.schema import DemandConfig, ShiftConfig

#: a case closed within this many hours (3 minutes) of intake counts as settled at once (staff-generated
#: reports closed on the spot); the model sends that share to the intake grid's quick path
FAST_HOURS = 0.05
#: categories with fewer training rows than this borrow their department's pooled values
MIN_ROWS = 30
#: a case still open this many days after it was created counts as left open (never closed in the log)
LEFT_OPEN_DAYS = 120.0
#: Monday-to-Friday, the office week the working-day deadlines and department shifts assume
OFFICE_WEEKDAYS = (0, 1, 2, 3, 4)
#: departments with fewer training rows than this are fitted together as one (``POOLED``): a
#: handful of close times identifies no head-count
MIN_DEPARTMENT_ROWS = 30
POOLED = "pooled (small departments)"
#: handling and the mix of matters drift (a department takes on staff, clears a backlog, changes
#: its practice or recovers from a storm; a season's requests come and go), and the model predicts
#: the months after the training window: so a training case weighs by its recency in what the fit
#: reads of handling (close times, shares settled at once, on the quick path or left open) and of
#: the category mix, its weight halving every half-life. How fast each department's handling and
#: the mix drift is read from the training months themselves (``sim.calibrate.recency``); where the
#: window is too short or too sparse to tell, the half-life is ``HALF_LIFE_SHARE`` of the training
#: window (the last quarter carries half the weight). Never less than ``HALF_LIFE_MIN_DAYS``: drift is slower
#: than a week's cycle, and a one-week log weighted by the day fitted the day after its holiday
#: alone (its held-out median 3x the observed). Arrival rates and their hour, weekday and month
#: profiles read every training day alike: a season profile needs all of its months.
HALF_LIFE_SHARE = 0.25
HALF_LIFE_MIN_DAYS = 28.0


def half_life_decay(age: np.ndarray, half_life: float) -> np.ndarray:
    """Weights halving every ``half_life`` of ``age`` (the same unit); ``math.inf``: every age alike."""
    return np.ones_like(age) if math.isinf(half_life) else np.exp2(-age / half_life)


@dataclass(frozen=True)
class Recency:
    """Half-lives in days (``math.inf``: every training day alike) chosen from the training months:
    the category mix's and each model department's handling (``sim.calibrate.recency``)."""

    mix_days: float
    by_department: tuple[tuple[str, float], ...]
    handling_days: float  # a department the choice had too few cases for takes all departments' choice
    rule: str
    unscored: tuple[str, ...] = ()  # the departments that had too few cases at every origin
    #: each candidate's mean distance over the origins, for the mix, all departments and each one
    scores: dict[str, dict[str, float]] = field(default_factory=dict, hash=False, compare=False)

    def days(self, department: str | None) -> float:
        if department is None:
            return self.mix_days
        return dict(self.by_department).get(department, self.handling_days)


@dataclass(frozen=True)
class Timebase:
    """Model time t = 0 and the log's windows."""

    t0: pd.Timestamp  # 00:00 on the day of the first case: model t = 0 (the scenario's calendar.start_date)
    train_from: pd.Timestamp
    train_until: pd.Timestamp  # first instant of the test months
    extracted_at: pd.Timestamp  # censoring time of the log, the simulation's horizon
    #: the last case created: the held-out window ends here, and so do the simulated arrivals (the
    #: matters are followed on to the extraction, censored like the log); None: the extraction
    last_created: pd.Timestamp | None = None
    holidays: tuple[dt.date, ...] = ()  # the log's public holidays (``sim.calibrate.holidays``)
    workdays: tuple[dt.date, ...] = ()  # its make-up working days (调休)
    recency: Recency | None = None  # the half-lives read from the log; None: the window-share rule

    @property
    def window_end(self) -> pd.Timestamp:
        return self.extracted_at if self.last_created is None else self.last_created

    @property
    def arrival_days(self) -> float:
        """Model days over which matters arrive: to just after the last case created."""
        return float((self.window_end - self.t0) / pd.Timedelta(days=1)) + 1e-6

    @property
    def start_date(self) -> str:
        return str(self.t0.date().isoformat())

    @property
    def weekday0(self) -> int:
        """The real weekday (0 = Monday) of model day 0."""
        return int(self.t0.weekday())

    def hours(self, ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
        """Model hours of timestamps (NaN for NaT)."""
        d = pd.to_datetime(ts) - self.t0
        return np.asarray(d / pd.Timedelta(hours=1), dtype=np.float64)

    def stamp(self, hours: np.ndarray) -> pd.Series:
        """Timestamps of model hours (NaT for NaN)."""
        return pd.Series(self.t0 + pd.to_timedelta(np.asarray(hours, dtype=np.float64), unit="h"))

    @property
    def horizon_days(self) -> float:
        return float((self.extracted_at - self.t0) / pd.Timedelta(days=1))

    def default_half_life_days(self) -> float:
        """The half-life of a window too short to read one from: a share of it, at least the floor."""
        window = float((self.train_until - self.train_from) / pd.Timedelta(days=1))
        return max(HALF_LIFE_SHARE * window, HALF_LIFE_MIN_DAYS)

    def recency_weights(self, created_hours: np.ndarray, department: str | None = None) -> np.ndarray:
        """Each training case's weight by its created time (model hours): 1 at the end of the training
        window, halving every half-life: the model department's for handling, the mix's when
        ``department`` is None (``Recency``; without one, ``default_half_life_days``)."""
        until = float((self.train_until - self.t0) / pd.Timedelta(hours=1))
        days = self.recency.days(department) if self.recency is not None else self.default_half_life_days()
        return half_life_decay(until - np.asarray(created_hours, dtype=np.float64), days * 24.0)

    def model_weekdays(self, real_days: tuple[int, ...]) -> list[int]:
        """Model weekday indices j whose real weekday (weekday0 + j) % 7 is in ``real_days``."""
        return [j for j in range(7) if (self.weekday0 + j) % 7 in real_days]


def timebase(cases: pd.DataFrame, extracted_at: pd.Timestamp, train_until: pd.Timestamp | None,
             holidays: LogHolidays = NO_HOLIDAYS) -> Timebase:
    """Model clock and windows; the default ``train_until`` is the first two thirds of the log.

    Model day 0 is the first case's day (not 1 January): a log of a week in December simulates
    that week, not the eleven months before it.
    """
    first = pd.Timestamp(cases["created"].min())
    last = pd.Timestamp(cases["created"].max())
    if train_until is None:
        train_until = (first + (last - first) * 2 / 3).normalize()
        if train_until <= first:  # a log of a day or two: split by time, not at a midnight
            train_until = first + (last - first) * 2 / 3
    return Timebase(t0=first.normalize(), train_from=first, train_until=pd.Timestamp(train_until),
                    extracted_at=extracted_at, last_created=last, holidays=holidays.holidays,
                    workdays=holidays.workdays)


def slug(name: str, taken: set[str] | None = None) -> str:
    """A config key for a log's name (lowercase letters, digits and _; unique within ``taken``)."""
    base = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "unnamed"
    if base[0].isdigit():
        base = "c_" + base
    key, k = base, 2
    while taken is not None and key in taken:
        key, k = f"{base}_{k}", k + 1
    if taken is not None:
        taken.add(key)
    return key


@dataclass(frozen=True)
class CategoryFit:
    """What the training months say about one category."""

    name: str
    key: str  # its config key (``slug``)
    department: str
    rows: int  # training rows
    share: float  # of training arrivals
    fast_share: float  # closed within FAST_HOURS
    fast_hours: float  # mean close time of those
    due_share: float  # rows with a due date
    deadline_days: float | None  # median due - created (working or calendar days); None = no due in the log
    deadline_rows: int  # rows the deadline was fitted from
    open_share: float = 0.0  # left open: still open at extraction though older than LEFT_OPEN_DAYS
    quick_share: float = 0.0  # of the rows, the quick path's (its department's two-path mixture)
    quick_hours: float = 0.0  # mean close time of the quick path (hours), the department's
    quick_cv: float = 0.0  # its coefficient of variation
    long_share: float = 0.0  # of the cases through its department's queue, the long work's (``works``)
    work_factor: float = 1.0  # its work over its department's (``category_work``)


@dataclass(frozen=True)
class ArrivalFit:
    """The fitted occurrence process and mixes."""

    tb: Timebase
    rows: int  # training rows
    days: float  # length of the training window in days
    daily_rate: float  # base rate (matters per day) such that the normalised profile reproduces the rows
    hour_profile: list[float]  # [24] mean 1
    weekday_profile: list[float]  # [7] in model weekday order (rotated), mean 1
    season_profile: list[float]  # [12] months; unseen months = 1 (the training mean)
    months_seen: list[int]  # months (0-11) with training days
    categories: dict[str, CategoryFit] = field(default_factory=dict)
    channel_mix: list[float] = field(default_factory=lambda: [0.0] * len(CHANNELS))  # model channel order
    places: pd.DataFrame = field(default_factory=pd.DataFrame)  # place1, place2, rows
    working_days: bool = True  # deadlines count working days (chosen by the smaller spread)
    holiday_factor: float = 1.0  # arrivals on a holiday weekday relative to an ordinary one
    paths: dict[str, PathChoice] = field(default_factory=dict)  # per department: one path or two, and why
    works: dict[str, WorkChoice] = field(default_factory=dict)  # per department: one work or two, and why


def training(cases: pd.DataFrame, tb: Timebase) -> pd.DataFrame:
    """Rows created in the training window."""
    return cases[(cases["created"] >= tb.train_from) & (cases["created"] < tb.train_until)]


def heldout(cases: pd.DataFrame, tb: Timebase) -> pd.DataFrame:
    """Rows created in the held-out window (train_until up to the last case created)."""
    return cases[(cases["created"] >= tb.train_until) & (cases["created"] <= tb.window_end)]


def close_hours(df: pd.DataFrame) -> np.ndarray:
    """closed - created in hours (NaN when open)."""
    return np.asarray((df["closed"] - df["created"]).dt.total_seconds(), dtype=np.float64) / 3600.0


def fit_arrivals(cases: pd.DataFrame, tb: Timebase) -> ArrivalFit:
    """Fit rates, profiles, mixes and deadlines on the training rows."""
    tr = training(cases, tb)
    n = len(tr)
    if n == 0:
        raise ValueError("no case was created before train_until")
    created = pd.to_datetime(tr["created"])
    hour = np.bincount(created.dt.hour.to_numpy(), minlength=24).astype(np.float64)
    hour_profile = hour / hour.mean() if hour.sum() > 0 else np.ones(24)
    # weekday and month from ordinary days: a holiday week's pace is not carried into ordinary weeks
    span = pd.date_range(tb.train_from.normalize(), tb.train_until - pd.Timedelta(seconds=1), freq="D")
    days = float(len(span))  # calendar days the window touches, as the month and weekday counts count them
    special = np.array(sorted({*tb.holidays, *tb.workdays}), dtype="datetime64[D]")
    ordinary_day = ~np.isin(span.to_numpy().astype("datetime64[D]"), special)
    row_day = created.to_numpy().astype("datetime64[D]")
    ordinary_row = ~np.isin(row_day, special)
    span_o, created_o = span[ordinary_day], created[ordinary_row]
    day_count = np.bincount(span_o.weekday, minlength=7).astype(np.float64)
    per_real = np.bincount(created_o.dt.weekday.to_numpy(), minlength=7) / np.maximum(day_count, 1.0)
    per_real = _fill_unseen_weekdays(per_real, day_count > 0)
    week = np.array([per_real[(tb.weekday0 + j) % 7] for j in range(7)])
    weekday_profile = week / week.mean() if week.sum() > 0 else np.ones(7)
    # month: arrivals per ordinary day in each month seen, relative to the window's mean ordinary day
    month_days = np.bincount(span_o.month.to_numpy() - 1, minlength=12).astype(np.float64)
    month_rows = np.bincount(created_o.dt.month.to_numpy() - 1, minlength=12).astype(np.float64)
    mean_day = len(created_o) / max(float(len(span_o)), 1e-9)
    seen = month_days > 0
    season = np.where(seen, month_rows / np.maximum(month_days, 1.0) / max(mean_day, 1e-9), 1.0)
    # the generator divides the season by its mean over the year's days: undo that for the rate
    month_of_day = np.searchsorted(np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]),
                                   np.arange(365), side="right") - 1
    # the rate that reproduces the ordinary training days' rows under both profiles: the expected rows
    # of a day are rate x weekday factor x month factor, summed over the days seen. A window of whole
    # weeks averages the weekday factor to 1 (the mean day's rows); a few weekdays with the weekend
    # unseen do not (their mean day is a working day's, ~1.2x the week's mean, and taken as the rate
    # it put 20% too many matters into every day of a one-week log)
    week_real = per_real / per_real.mean() if per_real.sum() > 0 else np.ones(7)
    exposure = float(np.sum(week_real[span_o.weekday] * season[span_o.month.to_numpy() - 1]))
    daily_rate = len(created_o) / max(exposure, 1e-9) * float(season[month_of_day].mean())
    holiday_factor = _holiday_factor(tb, span, row_day, per_real, season)
    mix = tr["channel"].map({c: i for i, c in enumerate(CHANNELS)})
    ch = np.bincount(mix.dropna().astype(int).to_numpy(), minlength=len(CHANNELS)).astype(np.float64)
    channel_mix = (ch / ch.sum()).tolist() if ch.sum() > 0 else [0.0, 0.3, 0.4, 0.3, 0.0]
    cats, working, paths, works = _categories(tr, tb)
    places = (tr.assign(place1=tr["place1"].replace("", "unplaced"), place2=tr["place2"].replace("", "unplaced"))
              .groupby(["place1", "place2"], sort=True).size().rename("rows").reset_index())
    return ArrivalFit(tb=tb, rows=n, days=days, daily_rate=daily_rate,
                      hour_profile=[float(x) for x in hour_profile],
                      weekday_profile=[float(x) for x in weekday_profile],
                      season_profile=[float(x) for x in season], months_seen=[int(m) for m in np.flatnonzero(seen)],
                      categories=cats, channel_mix=[float(x) for x in channel_mix], places=places,
                      holiday_factor=holiday_factor, paths=paths, works=works,
                      working_days=working)


def small_departments(tr: pd.DataFrame) -> list[str]:
    """Departments with fewer than ``MIN_DEPARTMENT_ROWS`` training rows (fitted pooled); none when the
    whole window is that small (``usable.check_usable`` refuses such a log before fitting)."""
    counts = tr["department"].value_counts()
    if len(tr) < 2 * MIN_DEPARTMENT_ROWS:
        return []
    return sorted(str(d) for d in counts.index[counts < MIN_DEPARTMENT_ROWS])


def category_departments(tr: pd.DataFrame) -> pd.Series:
    """The model department of each category: the one that handled most of its training cases
    (``POOLED`` for a small department)."""
    dept_of = tr.groupby("category")["department"].agg(lambda s: s.value_counts().index[0])
    small = set(small_departments(tr))
    return dept_of.map(lambda d: POOLED if d in small else d)


def handling_weights(tr: pd.DataFrame, tb: Timebase, model_dept: pd.Series) -> pd.Series:
    """Each training case's recency weight at its model department's half-life (``model_dept`` by row)."""
    created = tb.hours(tr["created"])
    names = model_dept.astype(str).to_numpy()  # a missing department reads as "nan": all departments' half-life
    out = np.empty(len(tr))
    for d in np.unique(names):
        sel = names == d
        out[sel] = tb.recency_weights(created[sel], str(d))
    return pd.Series(out, index=tr.index)


def office_calendar(tb: Timebase) -> WorkCalendar:
    """The departments' office hours on the log's calendar (Mon-Fri 08:00-17:00, its holidays off,
    its make-up working days on), in model time."""
    day0 = tb.t0.date()
    return build_calendar(ShiftConfig(8.0, 17.0, tb.model_weekdays(OFFICE_WEEKDAYS)), tb.horizon_days + 1.0,
                          [(d - day0).days for d in tb.holidays], [(d - day0).days for d in tb.workdays])


def off_hours(cal: WorkCalendar, t: np.ndarray) -> np.ndarray:
    """Instants (model hours) outside the calendar's open hours."""
    t = np.asarray(t, dtype=np.float64)
    return ~((cal.worked(t + 1e-3) - cal.worked(t - 1e-3)) > 0)


def _fill_unseen_weekdays(per_real: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """A weekday the window never saw (a log of a few days) takes the default weekly shape
    (``DemandConfig.weekday_profile``, real weekdays from Monday) scaled to the days it did see:
    never zero arrivals, and a weekend unseen is not a working day's."""
    if seen.all() or not seen.any():
        return per_real if seen.any() else np.ones(7)
    prior = np.asarray(DemandConfig().weekday_profile, dtype=np.float64)
    scale = float(per_real[seen].sum() / prior[seen].sum())
    return np.where(seen, per_real, prior * scale)


def _holiday_factor(tb: Timebase, span: pd.DatetimeIndex, row_day: np.ndarray, per_real: np.ndarray,
                    season: np.ndarray) -> float:
    """Arrivals on the training window's holiday weekdays over what an ordinary day of that weekday
    and month brings; without such a day, a weekend day's rate relative to a weekday's."""
    office = np.isin(span.weekday, OFFICE_WEEKDAYS)
    hol = span[office & np.isin(span.to_numpy().astype("datetime64[D]"),
                                np.array(sorted(tb.holidays), dtype="datetime64[D]"))]
    expected = float(sum(per_real[d.weekday()] * season[d.month - 1] for d in hol))
    if len(hol) and expected > 0:
        got = np.isin(row_day, hol.to_numpy().astype("datetime64[D]")).sum()
        return float(got / expected)
    weekend, weekday = per_real[5:].mean(), per_real[:5].mean()
    return float(weekend / weekday) if weekday > 0 else 1.0


def _deadline_days(tr: pd.DataFrame, tb: Timebase) -> tuple[pd.Series, pd.Series]:
    """Each row's due - created in calendar days and in office working days (NaN without a due);
    working days skip the log's holidays and count its make-up working days, as the model's calendar does."""
    has = tr["due"].notna() & (tr["due"] > tr["created"])
    cal = ((tr["due"] - tr["created"]).dt.total_seconds() / 86400.0).where(has)
    work = pd.Series(np.nan, index=tr.index)
    if has.any():
        c = tr.loc[has, "created"].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
        d = tr.loc[has, "due"].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
        # working days d with created's day < d <= due's day, as the model's calendar counts them
        hol = np.array(sorted(tb.holidays), dtype="datetime64[D]")
        made_up = np.array(sorted(tb.workdays), dtype="datetime64[D]")
        extra = np.searchsorted(made_up, d) - np.searchsorted(made_up, c)  # make-up days in [c, d)
        work.loc[has] = np.maximum(np.busday_count(c, d, weekmask="1111100", holidays=hol) + extra, 1)
    return cal, work


def _spread(values: pd.Series, groups: pd.Series) -> float:
    """Mean absolute deviation of the rows from their group's median, relative to that median."""
    df = pd.DataFrame({"v": values, "g": groups}).dropna()
    if df.empty:
        return float("inf")
    med = df.groupby("g")["v"].transform("median")
    return float((np.abs(df["v"] - med) / np.maximum(med, 1e-9)).mean())


def _categories(tr: pd.DataFrame, tb: Timebase) -> tuple[dict[str, CategoryFit], bool, dict[str, PathChoice],
                                                         dict[str, WorkChoice]]:
    """Per category: department, share, quick-close share, due share, deadline, left-open share,
    quick-path share and long-work share; and each department's choice of one path or two
    (``sim.calibrate.paths``) and of one work or two (``sim.calibrate.works``)."""
    hours = pd.Series(close_hours(tr), index=tr.index)
    fast = hours <= FAST_HOURS  # within 3 minutes, the 3rd included (a log written to the minute has many)
    cal, work = _deadline_days(tr, tb)
    working = _spread(work, tr["category"]) < _spread(cal, tr["category"])  # a tie: calendar days
    days = work if working else cal
    dept_of = category_departments(tr)
    small = set(small_departments(tr))
    # pooled department values for small categories
    old = tr["created"] <= tb.extracted_at - pd.Timedelta(days=LEFT_OPEN_DAYS)
    pooled_dept = tr["department"].map(lambda d: POOLED if d in small else d)
    model_dept = tr["category"].map(dept_of)  # the department the model sends each category to
    # the mix (category shares, their due dates) and each department's handling drift at their own pace
    weight = pd.Series(tb.recency_weights(tb.hours(tr["created"])), index=tr.index)
    handling_w = handling_weights(tr, tb, model_dept)
    # a small category reads its department's cases (by the department that handled each), at that
    # department's half-life; a category's own cases at its model department's
    by_dept = pd.DataFrame({"d": pooled_dept, "fast": fast, "h": hours, "due": days, "old": old,
                            "left": old & tr["closed"].isna(), "w": handling_w,
                            "w_pooled": handling_weights(tr, tb, pooled_dept)})
    pooled = {d: g for d, g in by_dept.groupby("d")}
    # one path or two per department
    waited = np.where(tr["closed"].notna(), hours, (tb.extracted_at - tr["created"]).dt.total_seconds() / 3600.0)
    mixed = ~fast & ~by_dept["left"]  # through the department: neither settled on the spot nor left open
    quick = pd.Series(0.0, index=tr.index)
    long = pd.Series(0.0, index=tr.index)
    paths: dict[str, PathChoice] = {}
    works: dict[str, WorkChoice] = {}
    office = office_calendar(tb)
    created = tb.hours(tr["created"])
    # the queue's clock: working hours from created to closed (to the extraction if open)
    worked = office.worked(created + waited) - office.worked(created)
    is_open = tr["closed"].isna().to_numpy()
    queue_w = pd.Series(0.0, index=tr.index)  # a case's weight in its department's queue
    for d, rows_d in tr[mixed].groupby(model_dept[mixed]).groups.items():
        sel = tr.index.isin(rows_d)
        paths[str(d)] = choose_paths(waited[sel], is_open[sel], created[sel], lambda t: off_hours(office, t))
        quick[sel] = paths[str(d)].posterior_quick(waited[sel], is_open[sel])
        not_quick = 1.0 - quick[sel].to_numpy()
        works[str(d)] = choose_works(worked[sel], is_open[sel], not_quick)
        long[sel] = works[str(d)].posterior_long(worked[sel], is_open[sel])
        queue_w[sel] = not_quick * (worked[sel] >= MIN_WORKED_HOURS) * handling_w[sel].to_numpy()
    # each category's pace within its department's queue
    factors = work_factors(np.log(np.maximum(worked, MIN_WORKED_HOURS)), is_open, queue_w.to_numpy(),
                           tr["category"].to_numpy(), model_dept.to_numpy())
    out: dict[str, CategoryFit] = {}
    taken: set[str] = set()
    for name, g in tr.groupby("category", sort=True):
        rows = len(g)
        dept = str(dept_of[name])
        src = by_dept.loc[g.index] if rows >= MIN_ROWS else pooled[dept]
        quick_src = quick.loc[g.index] if rows >= MIN_ROWS else quick[model_dept == dept]
        long_src = g.index if float((queue_w.loc[g.index] > 0).sum()) >= MIN_ROWS else tr.index[model_dept == dept]
        long_w = queue_w.loc[long_src]
        path = paths.get(dept)
        f, w = src["fast"], src["w" if rows >= MIN_ROWS else "w_pooled"]
        fast_h = src.loc[f, "h"]
        due = src["due"].dropna()
        old_w = float((w * src["old"]).sum())
        out[str(name)] = CategoryFit(
            name=str(name), key=slug(str(name), taken), department=dept, rows=rows,
            share=float(weight.loc[g.index].sum() / weight.sum()),
            fast_share=float(np.average(f, weights=w)),
            fast_hours=float(fast_h.mean()) if len(fast_h) else FAST_HOURS / 2,
            due_share=float(np.average(g["due"].notna(), weights=weight.loc[g.index])),
            deadline_days=float(due.median()) if len(due) else None, deadline_rows=int(len(due)),
            open_share=float((w * src["left"]).sum() / old_w) if old_w > 0 else 0.0,
            quick_share=float(np.average(quick_src, weights=handling_w.loc[quick_src.index])) if len(quick_src)
            else 0.0,
            quick_hours=path.quick_mean_hours if path is not None else 0.0,
            quick_cv=path.quick_cv if path is not None else 0.0,
            long_share=float(np.average(long.loc[long_src], weights=long_w)) if long_w.sum() > 0 else 0.0,
            work_factor=factors.get(str(name), 1.0))
    return out, bool(working), paths, works
