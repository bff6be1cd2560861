"""Holidays and make-up working days by date; the arrival profile on a holiday and from a start date."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.rules.calendar import build_calendars
from sim.rules.demand import hourly_profile
from sim.scenario.schema import CalendarConfig, Config
from sim.scenario.validate import validate
from sim.util.errors import ConfigError

# 2024-09-30 is a Monday: day 0. National Day 2024-10-01..07 (days 1-7); the make-up working days
# (调休) are Sunday 2024-09-29 (before day 0, ignored) and Saturday 2024-10-12 (day 12)
START = "2024-09-30"
NATIONAL_DAY = [f"2024-10-0{d}" for d in range(1, 8)]


def dated() -> CalendarConfig:
    return replace(CalendarConfig(), start_date=START, holiday_dates=NATIONAL_DAY,
                   workday_dates=["2024-09-29", "2024-10-12"])


def test_dates_close_and_open_days_like_indices() -> None:
    by_date = build_calendars(dated(), 30)
    by_index = build_calendars(replace(CalendarConfig(), holidays=list(range(1, 8))), 30)
    office, rota = by_date["office"], by_date["always"]
    assert not office.working_day[1:8].any() and office.working_day[0]
    assert office.working_day[12] and not by_index["office"].working_day[12]  # the make-up Saturday
    assert np.array_equal(office.working_day[:12], by_index["office"].working_day[:12])
    assert rota.working_day[:30].all()  # a seven-day rota goes on through holidays
    # Monday 30 Sep noon + 1 working day: the holiday week is skipped -> Tuesday 8 Oct noon
    assert float(office.add_days(12.0, 1.0, working=True)) == pytest.approx(8 * 24 + 12.0)


def test_dates_need_a_start_date_and_must_be_dates() -> None:
    cfg = Config()
    with pytest.raises(ConfigError, match=r"calendar.holiday_dates: needs calendar.start_date"):
        validate(replace(cfg, calendar=replace(cfg.calendar, holiday_dates=["2024-10-01"])))
    with pytest.raises(ConfigError, match=r"calendar.workday_dates\[0\]: must be a date"):
        validate(replace(cfg, calendar=replace(dated(), workday_dates=["12 Oct"])))
    validate(replace(cfg, calendar=dated()))


def test_arrival_profile_knows_a_holiday_and_the_start_month() -> None:
    cfg = Config()
    plain = hourly_profile(cfg, 24 * 400)
    # the defaults (no start date, no holiday) are the profile as before: day 0 is 1 January
    d = cfg.demand
    hour, week, season = (np.asarray(x) / np.mean(x) for x in (d.hour_profile, d.weekday_profile, d.season_profile))
    assert plain[24 * 200 + 10] == pytest.approx(hour[10] * week[200 % 7] * season[6] / np.mean(
        np.repeat(season, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])))
    cal = dated()
    half = replace(cfg, calendar=cal, demand=replace(cfg.demand, holiday_factor=0.5))
    prof = hourly_profile(half, 24 * 30)
    one = hourly_profile(replace(half, demand=replace(half.demand, holiday_factor=1.0)), 24 * 30)
    # day 0 is 30 September: its season is September's, day 2 (a Wednesday holiday) October's, halved
    assert prof[10] == pytest.approx(plain[24 * 272 + 10] * week[0] / week[272 % 7])
    assert prof[24 * 2 + 10] == pytest.approx(0.5 * one[24 * 2 + 10])
    assert prof[24 * 5 + 10] == pytest.approx(one[24 * 5 + 10])  # a holiday Saturday: the Saturday's rate
    # the make-up Saturday (day 12) arrives like a mean working weekday
    assert prof[24 * 12 + 10] == pytest.approx(one[24 * 14 + 10] / week[0] * week[:5].mean())
