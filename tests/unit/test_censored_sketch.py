"""The mergeable sketch of censored times (``sim.metrics.sketch``) on hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics.sketch import (
    EDGES,
    FIRST_EDGE_HOURS,
    N_BINS,
    RELATIVE_WIDTH,
    add_sketches,
    censored_sketch,
    sketch_curves,
    sketch_metadata,
    sketch_summary,
)
from sim.metrics.survival import km_curve, km_summary


def _bin(t: float) -> int:
    return int(np.searchsorted(EDGES, t, side="right"))


def test_bins_are_log_spaced_with_a_first_bin_for_zero() -> None:
    assert EDGES[0] == FIRST_EDGE_HOURS
    np.testing.assert_allclose(EDGES[1:] / EDGES[:-1], 1.0 + RELATIVE_WIDTH, rtol=1e-12)
    sk = censored_sketch(np.array([0.0, 0.0005, EDGES[0], EDGES[5], 1e9, np.nan]), np.ones(6, bool))
    assert sk.events[0] == 2 and sk.events[1] == 1 and sk.events[6] == 1 and sk.events[N_BINS - 1] == 1
    assert sk.events.sum() == 5 and sk.max_event == 1e9  # the NaN dropped


def test_times_fall_in_the_bin_of_their_edges() -> None:
    rng = np.random.default_rng(4)
    t = np.concatenate([np.exp(rng.uniform(-9.0, 12.0, 20_000)), EDGES[::997], np.nextafter(EDGES[::991], 0.0)])
    sk = censored_sketch(t, np.ones(t.size, bool))
    want = np.bincount(np.searchsorted(EDGES, t, side="right"), minlength=N_BINS)
    assert np.array_equal(sk.events, want)


def test_two_blocks_merged_are_the_sketch_of_their_union() -> None:
    rng = np.random.default_rng(5)
    d = rng.exponential(40.0, 3000)
    obs = rng.random(3000) < 0.8
    a, b = censored_sketch(d[:1200], obs[:1200]), censored_sketch(d[1200:], obs[1200:])
    whole, merged = censored_sketch(d, obs), add_sketches(a, b)
    assert np.array_equal(whole.events, merged.events) and np.array_equal(whole.censored, merged.censored)
    assert (whole.max_event, whole.max_censored) == (merged.max_event, merged.max_censored)
    assert sketch_summary(whole, "x") == sketch_summary(merged, "x")


def test_hand_computed_curve_and_percentiles() -> None:
    # closed at 1, 2, 5; open (censored) at 3 and 10: no bin has both kinds, so the curve is exact
    d = np.array([1.0, 2.0, 3.0, 5.0, 10.0])
    obs = np.array([True, True, False, True, False])
    sk = censored_sketch(d, obs)
    lower, upper = sketch_curves(sk)
    for t, s in ((1.0, 4 / 5), (2.0, 3 / 5), (5.0, 3 / 10)):  # 5 of 5 at risk at 1, 4 at 2, 2 at 5
        assert lower[_bin(t)] == pytest.approx(s, rel=1e-15) and upper[_bin(t)] == pytest.approx(s, rel=1e-15)
    curve = km_curve(d, obs)
    np.testing.assert_allclose(upper[[_bin(t) for t in curve.times]], curve.surv, rtol=1e-15)
    k, bounds = sketch_summary(sk, "x")
    # the median: 1 - S reaches 0.5 at 5 (0.4 at 2), so the bin of 5, capped at the longest event time
    low, high = bounds["x_p50"]
    assert (low, high) == (EDGES[_bin(5.0) - 1], 5.0) and k["x_p50"] == (low + high) / 2
    assert abs(k["x_p50"] - 5.0) <= RELATIVE_WIDTH / 2 * 5.0
    # 1 - S never passes 0.7: the 90th and 95th are above the horizon for certain, as the exact ones
    assert math.isnan(k["x_p90"]) and k["x_p90_above_horizon"] == 1.0 and all(map(math.isnan, bounds["x_p90"]))
    assert k["x_mean_is_lower_bound"] == 1.0  # open at the longest follow-up (10)
    exact = km_summary(d, obs, "x")
    low, high = bounds["x_mean"]
    assert low <= exact["x_mean"] <= high and high - low < 2 * RELATIVE_WIDTH * exact["x_mean"]
    assert list(k) == list(exact)  # the same KPIs, in the same order


def test_either_order_inside_a_bin_lies_between_the_curves() -> None:
    # a closing and a censoring in one bin: the exact curve depends on their order, the bounds hold both
    t0 = 7.0
    for event, censored in ((t0, t0 * (1 + RELATIVE_WIDTH / 4)), (t0 * (1 + RELATIVE_WIDTH / 4), t0)):
        d = np.array([1.0, event, censored, 20.0])
        obs = np.array([True, True, False, True])
        assert _bin(event) == _bin(censored)
        lower, upper = sketch_curves(censored_sketch(d, obs))
        s = km_curve(d, obs).surv[1]  # just after the closing near t0
        assert lower[_bin(t0)] - 1e-15 <= s <= upper[_bin(t0)] + 1e-15
    assert lower[_bin(t0)] == pytest.approx(3 / 4 * 1 / 2) and upper[_bin(t0)] == pytest.approx(3 / 4 * 2 / 3)


def test_all_closed_and_empty() -> None:
    d = np.array([0.0, 0.0, 4.0])
    k, bounds = sketch_summary(censored_sketch(d, np.ones(3, bool)), "x")
    assert k["x_mean_is_lower_bound"] == 0.0 and k["x_p50"] == FIRST_EDGE_HOURS / 2  # two of three at zero
    assert bounds["x_p50"] == (0.0, FIRST_EDGE_HOURS)
    k, bounds = sketch_summary(censored_sketch(np.zeros(0), np.zeros(0, bool)), "x")
    assert all(math.isnan(v) for v in k.values()) and bounds == {}


def test_metadata_names_the_sketched_kpis_and_their_intervals() -> None:
    # of two matters one closes and one stays open in the same bin: the median is reached (at the closing)
    # if the closing came first, not if the censoring did; the sketch cannot tell, and says so
    d = np.array([3.0, 3.0 * (1 + RELATIVE_WIDTH / 4)])
    k, bounds = sketch_summary(censored_sketch(d, np.array([True, False])), "x")
    assert math.isnan(k["x_p50"]) and k["x_p50_above_horizon"] == 1.0
    assert km_summary(d, np.array([True, False]), "x")["x_p50"] == 3.0  # here the closing came first
    meta = sketch_metadata([bounds])
    assert meta["kpis"] == sorted(bounds) and meta["relative_width"] == RELATIVE_WIDTH
    rep = meta["bounds"][0]  # type: ignore[index]
    assert rep["x_p50"] == [EDGES[_bin(3.0) - 1], None]  # at least its bin's lower edge, or above the horizon
