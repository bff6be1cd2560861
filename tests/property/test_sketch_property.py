"""The sketch's intervals hold the exact product-limit KPIs (scipy.stats.ecdf on CensoredData) on random
censored samples, with ties and closings sharing bins with censorings; blocks merge by addition."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.metrics.sketch import EDGES, add_sketches, censored_sketch, sketch_curves, sketch_summary
from sim.metrics.survival import km_summary

QUANTILES = (50, 90, 95)


def _scipy_quantile(d: np.ndarray, obs: np.ndarray, q: float) -> float:
    """The first time at which 1 - S reaches q on scipy's product-limit curve (NaN if it never does)."""
    if not obs.any():
        return math.nan
    sf = stats.ecdf(stats.CensoredData(uncensored=d[obs], right=d[~obs])).sf
    hit = np.flatnonzero(1.0 - sf.probabilities >= q - 1e-12)
    return float(sf.quantiles[hit[0]]) if hit.size else math.nan


samples = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 400), st.sampled_from([0.0, 0.01, 1.0]),
                    st.floats(0.0, 0.9))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples)
def test_exact_kpis_lie_in_the_sketchs_intervals(sample: tuple[int, int, float, float]) -> None:
    seed, n, grain, open_share = sample
    rng = np.random.default_rng(seed)
    d = rng.exponential(rng.uniform(0.5, 100.0), n)
    if grain:  # rounded: ties, and closings in the same bin as censorings
        d = np.round(d / grain) * grain
    obs = rng.random(n) >= open_share
    k, bounds = sketch_summary(censored_sketch(d, obs), "x", QUANTILES)
    exact = km_summary(d, obs, "x", QUANTILES)
    for q in QUANTILES:
        key = f"x_p{q}"
        want = _scipy_quantile(d, obs, q / 100.0)
        assert want == exact[key] or (math.isnan(want) and math.isnan(exact[key]))
        low, high = bounds[key]
        if math.isnan(low):  # above the horizon for certain
            assert math.isnan(want) and math.isnan(k[key])
        elif math.isinf(high):  # perhaps above: at least low
            assert math.isnan(k[key]) and (math.isnan(want) or want >= low)
        else:
            assert low <= want <= high and k[key] == (low + high) / 2
            assert abs(k[key] - want) <= (high - low) / 2 + 4 * math.ulp(high)  # the middle, rounded
            assert k[f"{key}_above_horizon"] == exact[f"{key}_above_horizon"] == 0.0
    low, high = bounds["x_mean"]
    assert low <= exact["x_mean"] <= high
    assert k["x_mean_is_lower_bound"] == exact["x_mean_is_lower_bound"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(2, 300), st.integers(1, 5))
def test_blocks_add_up_and_separate_bins_give_the_exact_curve(seed: int, n: int, blocks: int) -> None:
    rng = np.random.default_rng(seed)
    d = np.round(rng.exponential(30.0, n), 1)
    obs = rng.random(n) < 0.7
    cuts = np.sort(rng.integers(0, n + 1, blocks - 1))
    parts = [censored_sketch(a, b) for a, b in zip(np.split(d, cuts), np.split(obs, cuts), strict=True)]
    merged = parts[0]
    for p in parts[1:]:
        merged = add_sketches(merged, p)
    whole = censored_sketch(d, obs)
    assert np.array_equal(merged.events, whole.events) and np.array_equal(merged.censored, whole.censored)
    # where no bin holds both a closing and a censoring, both curves are the exact one at every bin's end
    if not np.any((whole.events > 0) & (whole.censored > 0)) and obs.any():
        lower, upper = sketch_curves(whole)
        sf = stats.ecdf(stats.CensoredData(uncensored=d[obs], right=d[~obs])).sf
        ends = np.flatnonzero(whole.events + whole.censored)
        at = np.concatenate((EDGES, [np.inf]))[ends]  # each bin's end, as a time just below its upper edge
        want = sf.evaluate(np.nextafter(at, 0.0))
        np.testing.assert_allclose(lower[ends], want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(upper[ends], want, rtol=1e-12, atol=1e-15)
