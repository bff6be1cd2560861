"""Arrival profiles, mixes and deadlines fitted from small hand-made case frames."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.profile import FAST_HOURS, fit_arrivals, heldout, slug, timebase, training


def frame(rows: Sequence[tuple[str, str | None, str | None, str, str]]) -> pd.DataFrame:
    """(created, closed, due, category, department) -> a cases frame of the contract's shape."""
    df = pd.DataFrame(rows, columns=["created", "closed", "due", "category", "department"])
    for c in ("created", "closed", "due"):
        df[c] = pd.to_datetime(df[c])
    n = len(df)
    df["case_id"] = [str(i) for i in range(n)]
    df["type"] = df["category"]
    df["queue"] = ""
    df["channel"] = ["hotline", "app", "patrol", "hotline"] * (n // 4) + ["hotline"] * (n % 4)
    df["place1"] = "T"
    df["place2"] = ["a", "b"] * (n // 2) + ["a"] * (n % 2)
    df["satisfaction"] = np.nan
    df["is_open"] = df["closed"].isna()
    return df


@pytest.fixture
def two_weeks() -> pd.DataFrame:
    # 2015-01-05 is a Monday; model day 0 is 2015-01-01, a Thursday
    rows = []
    for day in range(14):
        d = pd.Timestamp("2015-01-05") + pd.Timedelta(days=day)
        n = 1 if d.weekday() >= 5 else 3  # weekends quieter
        for k in range(n):
            created = d + pd.Timedelta(hours=9 + k)
            cat = "pothole" if k < 2 else "noise"
            closed = created + pd.Timedelta(minutes=1) if k == 0 else created + pd.Timedelta(hours=30)
            due = created + pd.Timedelta(days=5) if cat == "pothole" else None
            rows.append((str(created), str(closed), None if due is None else str(due), cat,
                         "PWD" if cat == "pothole" else "POL"))
    return frame(rows)


def recency(log: pd.DataFrame, until: str = "2015-01-19") -> tuple[pd.Series, pd.DataFrame]:
    """Each training case's weight, by hand: 2 ** ((created - until) / half-life), the half-life a quarter
    of the training window (first case to ``until``) or 28 days, the longer."""
    tr = log[log["created"] < until]
    half = max(0.25 * (pd.Timestamp(until) - tr["created"].min()), pd.Timedelta(days=28))
    return 2.0 ** ((tr["created"] - pd.Timestamp(until)) / half), tr


def test_timebase_default_split_and_rotation(two_weeks: pd.DataFrame) -> None:
    log = two_weeks[two_weeks["created"] >= "2015-01-08"]  # from a Thursday
    tb = timebase(log, pd.Timestamp("2015-01-25"), None)
    # model day 0 is the first case's day (not 1 January): a short log simulates only its own days
    assert tb.t0 == pd.Timestamp("2015-01-08") and tb.weekday0 == 3 and tb.start_date == "2015-01-08"
    first, last = log["created"].min(), log["created"].max()
    assert tb.train_until == (first + (last - first) * 2 / 3).normalize()
    assert len(training(log, tb)) + len(heldout(log, tb)) == len(log)
    # the held-out window and the simulated arrivals end at the last case created, not at the extraction
    assert tb.window_end == last and tb.arrival_days == pytest.approx((last - tb.t0) / pd.Timedelta(days=1))
    # model weekday j is real weekday (3 + j) % 7: Monday-Friday are model days 4, 5, 6, 0, 1
    assert tb.model_weekdays((0, 1, 2, 3, 4)) == [0, 1, 4, 5, 6]
    assert tb.hours(pd.Series([pd.Timestamp("2015-01-09 06:00")]))[0] == 30.0


def test_hour_weekday_and_mix(two_weeks: pd.DataFrame) -> None:
    tb = timebase(two_weeks, pd.Timestamp("2015-01-25"), pd.Timestamp("2015-01-19"))
    fit = fit_arrivals(two_weeks, tb)
    assert fit.rows == 34  # 10 weekdays x 3 + 4 weekend days x 1
    hour = np.asarray(fit.hour_profile)
    assert hour.mean() == pytest.approx(1.0)
    # every case at 09:00 (14), 10:00 (10) or 11:00 (10)
    assert hour[9] / hour[10] == pytest.approx(14 / 10) and hour[0] == 0.0
    week = np.asarray(fit.weekday_profile)
    assert week.mean() == pytest.approx(1.0)
    # model day 0 is the first case's day, a Monday: real Saturday is model index 5, 1 case a day vs 3
    assert tb.weekday0 == 0 and week[5] / week[0] == pytest.approx(1 / 3)
    # the mix weighs a case by its recency (its weight halves every quarter of the training window):
    # 24 of the 34 cases are potholes, and the weekends' single cases, all potholes, weigh as their days do
    w, tr = recency(two_weeks)
    assert fit.categories["pothole"].share == pytest.approx(w[tr["category"] == "pothole"].sum() / w.sum())
    assert fit.categories["pothole"].share != pytest.approx(24 / 34)
    assert fit.categories["pothole"].department == "PWD"
    # channels in model order (patrol, walk_in, app, hotline, reporter)
    assert sum(fit.channel_mix) == pytest.approx(1.0) and fit.channel_mix[1] == 0.0
    # the daily rate reproduces the training rows: 34 cases over the window's days
    assert fit.days == 14 and fit.daily_rate == pytest.approx(34 / 14, rel=1e-9)
    assert list(fit.places["rows"]) == [17, 17]


def test_quick_share_and_deadlines(two_weeks: pd.DataFrame) -> None:
    tb = timebase(two_weeks, pd.Timestamp("2015-01-25"), pd.Timestamp("2015-01-19"))
    fit = fit_arrivals(two_weeks, tb)
    pot = fit.categories["pothole"]
    # k == 0 (one a day, 14 of 24 pothole cases) is closed within a minute; cases weigh by recency
    w, tr = recency(two_weeks)
    pothole = tr["category"] == "pothole"
    fast = (tr["closed"] - tr["created"]) < pd.Timedelta(hours=FAST_HOURS)
    assert pot.fast_share == pytest.approx(w[pothole & fast].sum() / w[pothole].sum()) and pot.fast_hours < FAST_HOURS
    assert fit.categories["noise"].fast_share == 0.0
    assert pot.due_share == 1.0 and fit.categories["noise"].due_share == 0.0
    assert fit.categories["noise"].deadline_days is None
    # 5 calendar days from a weekday is 3 or 4 working days, from a weekend day 5: the calendar
    # count has no spread, so calendar days are chosen
    assert not fit.working_days and pot.deadline_days == pytest.approx(5.0)


def test_working_days_chosen_when_they_spread_less() -> None:
    rows = []
    for day in range(21):
        d = pd.Timestamp("2015-03-02") + pd.Timedelta(days=day)
        if d.weekday() >= 5:
            continue
        due = np.busday_offset(d.date(), 3, roll="forward")  # 3 working days later, same time
        created = d + pd.Timedelta(hours=10)
        rows.append((str(created), str(created + pd.Timedelta(hours=2)),
                     str(pd.Timestamp(due) + pd.Timedelta(hours=10)), "help", "HS"))
    df = frame(rows)
    tb = timebase(df, pd.Timestamp("2015-04-01"), pd.Timestamp("2015-03-20"))
    fit = fit_arrivals(df, tb)
    assert fit.working_days and fit.categories["help"].deadline_days == 3.0


def test_no_training_rows_is_an_error(two_weeks: pd.DataFrame) -> None:
    tb = timebase(two_weeks, pd.Timestamp("2015-01-25"), pd.Timestamp("2015-01-02"))
    with pytest.raises(ValueError, match="train_until"):
        fit_arrivals(two_weeks, tb)


def test_slug_keys_are_unique_identifiers() -> None:
    taken: set[str] = set()
    assert slug("Heat - Excessive  Insufficient", taken) == "heat_excessive_insufficient"
    assert slug("Misc. Snow", taken) == "misc_snow"
    assert slug("misc snow", taken) == "misc_snow_2"
    assert slug("311 Line", taken) == "c_311_line"
    assert slug("环境卫生", taken) == "unnamed"
