"""The radix sort of float64 values gives numpy's sorted array, value for value, whatever the values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.util.sort import RADIX_FROM, sort_floats

FLOATS = st.floats(allow_nan=False, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 300), elements=FLOATS), st.integers(0, 2**32 - 1))
def test_radix_sort_is_numpys_sort(sample: np.ndarray, seed: int) -> None:
    """A small sample drawn up past the radix threshold (repeated values, both zeros, infinities)."""
    rng = np.random.default_rng(seed)
    big = rng.choice(sample, RADIX_FROM + 17) if sample.size else np.zeros(0)
    for x in (sample, big):
        got = sort_floats(x)
        want = np.sort(x)
        assert np.array_equal(got, want)
        kept = x.copy()
        assert sort_floats(kept, in_place=True) is kept and np.array_equal(kept, want)
    # the radix sort's zeros: every -0.0 of the input, before every 0.0 (numpy's own sort, used below the
    # radix threshold, states no order between them and may rewrite their signs)
    zeros = sort_floats(big)[sort_floats(big) == 0.0]
    negative = int(np.signbit(big[big == 0.0]).sum())
    assert np.signbit(zeros).tolist() == [True] * negative + [False] * (zeros.size - negative)


def test_a_large_sample_of_each_kind() -> None:
    rng = np.random.default_rng(7)
    n = 3 * RADIX_FROM
    for x in (rng.gamma(0.8, 100.0, n), rng.normal(0.0, 1e6, n), np.round(rng.normal(0.0, 3.0, n)),
              np.full(n, 2.5), np.arange(n, 0, -1, dtype=np.float64), np.ldexp(1.0, rng.integers(-1074, 1023, n))):
        x = x.copy()
        assert np.array_equal(sort_floats(x), np.sort(x))
    same = rng.gamma(0.8, 100.0, n)
    before = same.copy()
    sort_floats(same)
    assert np.array_equal(same, before)

