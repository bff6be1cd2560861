"""The product-limit curve of a city year's times: the radix sort against numpy's (issue 21 item 1).

Run: ``pytest benchmarks/test_survival_sort.py --benchmark-enable -s``. Nine million
resolution times (gamma-distributed hours, a tenth of them still open) go through
``sim.metrics.survival.km_curve`` with its radix sort (``sim.util.sort``) and with
``np.sort`` in its place, five rounds alternating, the medians kept; the curves are equal,
value for value. Goal: the radix sort at least 1.5 times as quick (the city's KPIs sort two
such samples, and the run's chart no longer sorts a third).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import pytest

from benchmarks.goals import check_goal
from sim.metrics import survival

N = 9_000_000
ROUNDS = 5


def _numpy_sort(values: np.ndarray, in_place: bool = False) -> np.ndarray:
    return np.sort(values)


def test_km_curve_radix_against_numpy(benchmark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(21)
    hours, closed = rng.gamma(0.8, 100.0, N), rng.random(N) < 0.9
    survival.km_curve(hours[:100_000], closed[:100_000])  # compiled before the clock runs
    times: dict[str, list[float]] = {"radix": [], "numpy": []}
    curves: dict[str, survival.Curve] = {}
    radix = survival.sort_floats

    def one_round() -> None:
        for name, sort in (("radix", radix), ("numpy", _numpy_sort)):
            monkeypatch.setattr(survival, "sort_floats", sort)
            t0 = time.perf_counter()
            curves[name] = survival.km_curve(hours, closed)
            times[name].append(time.perf_counter() - t0)

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    assert np.array_equal(curves["radix"].times, curves["numpy"].times)
    assert np.array_equal(curves["radix"].surv, curves["numpy"].surv)
    fast, slow = statistics.median(times["radix"]), statistics.median(times["numpy"])
    print(f"\nkm_curve of {N:,} times: radix {fast:.3f} s, numpy {slow:.3f} s (medians of {ROUNDS})")
    check_goal(benchmark, "km_curve, numpy's time over the radix sort's", slow / fast, 1.5, "x", at_least=True)
