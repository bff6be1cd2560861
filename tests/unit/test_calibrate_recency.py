"""The fit weighs a training case by its recency: the weights, and the distance that uses them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from sim.calibrate.fit import Weighted, _w1
from sim.calibrate.profile import HALF_LIFE_MIN_DAYS, HALF_LIFE_SHARE, Timebase

T0 = pd.Timestamp("2015-01-01")
UNTIL = pd.Timestamp("2015-09-01")


def tb() -> Timebase:
    return Timebase(t0=T0, train_from=T0, train_until=UNTIL, extracted_at=pd.Timestamp("2016-01-10"))


def test_a_case_weighs_one_at_the_window_end_and_halves_every_half_life() -> None:
    until = (UNTIL - T0) / pd.Timedelta(hours=1)
    half = HALF_LIFE_SHARE * until
    w = tb().recency_weights(np.array([until, until - half, until - 2 * half, 0.0]))
    assert w[:3] == pytest.approx([1.0, 0.5, 0.25])
    assert w[3] == pytest.approx(2.0 ** (-1.0 / HALF_LIFE_SHARE))  # the first day: a quarter-window half-life


def test_a_short_window_weighs_its_days_almost_alike() -> None:
    week = Timebase(t0=T0, train_from=T0, train_until=T0 + pd.Timedelta(days=4), extracted_at=UNTIL)
    w = week.recency_weights(np.array([96.0, 0.0]))
    assert w[1] == pytest.approx(2.0 ** (-4.0 / HALF_LIFE_MIN_DAYS)) and w[1] > 0.9


def test_equal_weights_give_the_plain_distance_and_recent_cases_decide() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.lognormal(3.0, 1.0, 500), rng.lognormal(3.2, 1.0, 400)
    plain = wasserstein_distance(np.log1p(a), np.log1p(b))
    assert _w1(Weighted(a, np.ones(500)), Weighted(b, np.full(400, 2.0))) == pytest.approx(plain)
    # the observed log: old cases slow (e^4 h), recent ones quick (e^2 h); recent cases weigh 8x
    obs = Weighted(np.r_[np.full(100, np.e ** 4), np.full(100, np.e ** 2)], np.r_[np.full(100, 0.125), np.ones(100)])
    like_recent = Weighted(np.full(200, np.e ** 2), np.ones(200))
    like_old = Weighted(np.full(200, np.e ** 4), np.ones(200))
    assert _w1(obs, like_recent) < _w1(obs, like_old)
    assert np.isinf(_w1(obs, Weighted(np.array([]), np.array([]))))
