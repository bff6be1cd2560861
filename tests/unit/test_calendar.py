"""Working-time tables: worked hours, advancing work through closed hours, deadlines in working days."""

from __future__ import annotations

import numpy as np
import pytest

from sim.rules.calendar import build_calendar
from sim.scenario.schema import ShiftConfig

OFFICE = ShiftConfig(8.0, 17.0, [0, 1, 2, 3, 4])


def test_work_pauses_overnight_and_over_the_weekend() -> None:
    cal = build_calendar(OFFICE, 30)
    # Friday 16:00 (day 4) + 3 working hours -> Monday 10:00 (day 7)
    assert float(cal.advance(4 * 24 + 16.0, 3.0)) == pytest.approx(7 * 24 + 10.0)
    # a start outside hours waits for the opening
    assert float(cal.next_open(2 * 24 + 20.0)) == pytest.approx(3 * 24 + 8.0)
    assert float(cal.next_open(2 * 24 + 9.0)) == pytest.approx(2 * 24 + 9.0)
    assert float(cal.between(0.0, 7 * 24.0)) == pytest.approx(45.0)
    assert cal.open_fraction == pytest.approx(45.0 / 168.0)


def test_a_week_of_capacity_is_the_long_run_one_not_the_first_weeks() -> None:
    # a calendar that starts in a holiday week (day 2 closed) and has one more holiday later
    cal = build_calendar(OFFICE, 70, holidays=[2, 30])
    assert cal.weekly_hours == pytest.approx((10 * 45.0 - 2 * 9.0) / 10)
    assert build_calendar(OFFICE, 70).weekly_hours == 45.0  # without holidays: every week's


def test_scalar_twins_equal_array_methods() -> None:
    cal = build_calendar(ShiftConfig(8.5, 20.0, [0, 1, 2, 3, 4, 5]), 60, holidays=[3, 10])
    rng = np.random.default_rng(0)
    t = rng.random(500) * 1200
    w = rng.exponential(6.0, 500)
    assert np.array_equal(cal.advance(t, w), [cal.advance1(a, b) for a, b in zip(t.tolist(), w.tolist(), strict=True)])
    assert np.array_equal(cal.next_open(t), [cal.next_open1(a) for a in t.tolist()])
    assert np.array_equal(cal.worked(t), [cal.worked1(a) for a in t.tolist()])


def test_deadlines_in_working_and_calendar_days() -> None:
    cal = build_calendar(OFFICE, 30, holidays=[8])
    friday_noon = 4 * 24 + 12.0
    # 1 working day after Friday noon: Monday noon
    assert float(cal.add_days(friday_noon, 1.0, working=True)) == pytest.approx(7 * 24 + 12.0)
    # 2 working days: Tuesday is a holiday (day 8) -> Wednesday noon
    assert float(cal.add_days(friday_noon, 2.0, working=True)) == pytest.approx(9 * 24 + 12.0)
    assert float(cal.add_days(friday_noon, 2.0, working=False)) == pytest.approx(friday_noon + 48.0)


def test_holidays_do_not_stop_seven_day_rotas() -> None:
    rota = build_calendar(ShiftConfig(0.0, 24.0, list(range(7))), 10, holidays=[2])
    assert float(rota.between(0.0, 240.0)) == pytest.approx(240.0)
