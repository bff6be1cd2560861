"""The product-limit estimate against scipy.stats.ecdf on censored data, and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.metrics.survival import group_km, km_curve, km_mean, km_quantile


def _scipy_sf(durations: np.ndarray, observed: np.ndarray) -> stats._survival.EmpiricalDistributionFunction:
    data = stats.CensoredData(uncensored=durations[observed], right=durations[~observed])
    return stats.ecdf(data).sf


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_curve_matches_scipy_on_censored_data_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = np.round(rng.exponential(10.0, 300), 0)  # rounded: many ties, closings tied with censorings
    obs = rng.random(300) < 0.7
    curve = km_curve(d, obs)
    sf = _scipy_sf(d, obs)
    np.testing.assert_allclose(curve.surv, sf.evaluate(curve.times), rtol=1e-12)
    for q in (0.5, 0.9):
        hit = np.flatnonzero(1.0 - sf.probabilities >= q - 1e-12)
        want = float(sf.quantiles[hit[0]]) if hit.size else math.nan
        got = km_quantile(curve, q)
        assert (math.isnan(want) and math.isnan(got)) or got == want


def test_uncensored_exponential_closed_form() -> None:
    # without censoring the product limit is the empirical distribution: mean = sample mean
    rng = np.random.default_rng(3)
    d = rng.exponential(5.0, 20_000)
    curve = km_curve(d, np.ones(d.size, bool))
    assert km_mean(curve) == pytest.approx(d.mean(), rel=1e-9)
    # and its median is near the exponential's 5 ln 2 (sampling error ~ 5 / sqrt(n))
    assert km_quantile(curve, 0.5) == pytest.approx(5.0 * math.log(2.0), abs=4 * 5.0 / math.sqrt(d.size))


def test_exponential_censored_at_a_fixed_time_recovers_the_closed_form_survival() -> None:
    # exponential times (mean 10) censored at 15: S(t) = exp(-t / 10) below 15
    rng = np.random.default_rng(4)
    t = rng.exponential(10.0, 50_000)
    obs = t <= 15.0
    curve = km_curve(np.minimum(t, 15.0), obs)
    for x in (2.0, 7.0, 12.0):
        s = curve.surv[np.searchsorted(curve.times, x, side="right") - 1]
        assert s == pytest.approx(math.exp(-x / 10.0), abs=4 * math.sqrt(0.25 / t.size) * 2)
    assert math.isnan(km_quantile(curve, 0.9))  # S(15) = 0.22: the 90th percentile is above the horizon


def test_group_pass_equals_one_curve_per_group() -> None:
    rng = np.random.default_rng(5)
    unit = rng.integers(0, 7, 2_000)
    d = np.round(rng.exponential(20.0, 2_000))
    obs = rng.random(2_000) < 0.8
    pq, mean, open_left = group_km(unit, d, obs, 8, 0.9)
    for u in range(7):
        c = km_curve(d[unit == u], obs[unit == u])
        want = km_quantile(c, 0.9)
        assert (math.isnan(want) and math.isnan(pq[u])) or pq[u] == want
        assert mean[u] == pytest.approx(km_mean(c), rel=1e-12)
        assert open_left[u] == (c.surv[-1] > 1e-12)
    assert math.isnan(pq[7]) and math.isnan(mean[7])  # a unit without matters
