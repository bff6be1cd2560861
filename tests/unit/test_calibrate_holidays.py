"""A log's holidays from the mapping's country: the holidays package, or chinese-calendar for China."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sim.calibrate.holidays import NONE, log_holidays
from sim.calibrate.profile import _deadline_days, timebase
from sim.logs.mapping import load_mapping
from sim.util.errors import ConfigError


def test_us_state_holidays_and_chinese_make_up_days() -> None:
    ma = log_holidays("US", "MA", pd.Timestamp("2015-01-01"), pd.Timestamp("2015-12-31"))
    assert dt.date(2015, 4, 20) in ma.holidays and dt.date(2015, 7, 4) in ma.holidays  # Patriots' Day
    assert ma.workdays == () and "US-MA" in ma.source
    cn = log_holidays("CN", None, pd.Timestamp("2024-09-25"), pd.Timestamp("2024-10-20"))
    assert dt.date(2024, 10, 3) in cn.holidays and dt.date(2024, 9, 29) in cn.workdays  # 调休: a Sunday worked
    assert dt.date(2024, 10, 12) in cn.workdays and all(d.weekday() >= 5 for d in cn.workdays)
    assert log_holidays(None, None, pd.Timestamp("2015-01-01"), pd.Timestamp("2015-02-01")) is NONE


def test_unknown_country_or_year_is_one_line() -> None:
    with pytest.raises(ConfigError, match="holidays.country: the holidays package knows no country 'XX'"):
        log_holidays("XX", None, pd.Timestamp("2015-01-01"), pd.Timestamp("2015-02-01"))
    with pytest.raises(ConfigError, match="chinese-calendar has no official calendar for 2099"):
        log_holidays("CN", None, pd.Timestamp("2099-01-01"), pd.Timestamp("2099-02-01"))


def test_mapping_names_the_country_and_the_shipped_ones_do() -> None:
    assert load_mapping("boston311").holiday_country == "US"
    assert load_mapping("boston311").holiday_subdivision == "MA"
    assert load_mapping("12345").holiday_country == "CN"
    with pytest.raises(ConfigError, match="holidays.subdivision: needs holidays.country"):
        load_mapping({"columns": {"created": "c"}, "holidays": {"subdivision": "MA"}})
    with pytest.raises(ConfigError, match="holidays"):
        load_mapping({"columns": {"created": "c"}, "holidays": {"region": "MA"}})


def test_working_day_deadlines_skip_holidays_and_count_make_up_days() -> None:
    # created Monday 30 Sep 2024, due Tuesday 8 Oct: Oct 1-7 is National Day -> 1 working day, not 6
    df = pd.DataFrame({"created": pd.to_datetime(["2024-09-30 10:00", "2024-10-10 10:00"]),
                       "due": pd.to_datetime(["2024-10-08 10:00", "2024-10-14 10:00"])})
    cn = log_holidays("CN", None, pd.Timestamp("2024-09-30"), pd.Timestamp("2024-10-20"))
    tb = timebase(df, pd.Timestamp("2024-10-20"), pd.Timestamp("2024-10-09"), cn)
    _cal, work = _deadline_days(df, tb)
    # ... and from Thursday 10 Oct to Monday 14 Oct: Fri 11, the make-up Saturday 12, Mon 14 = 3
    assert list(work) == [1.0, 3.0]
