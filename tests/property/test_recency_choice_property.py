"""Over many generated logs, the recency choice reads drift where there is drift, and where there
is none a shorter memory than needed costs no more than sampling error (``sim.calibrate.recency``:
the half-life of the best forecast may be short by chance on a log that does not drift, 29 of 160
choices on 40 such logs, and then what the fit reads of it is still within sampling error)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.calibrate.recency import choose_recency
from tests.drifting_logs import log, tb, weighted_median_z, weighted_share_z

SHORT = 42.0  # days: the two shortest candidates


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_a_log_that_does_not_drift_is_read_within_sampling_error(seed: int) -> None:
    df = log(seed, drift=False, n=12_000)
    t = replace(tb(), recency=choose_recency(df, tb()))
    for department in ("roads", "parks"):
        assert weighted_median_z(df, t, department) < 4.0, (department, t.recency)
    # a quarter of the cases are potholes, whatever the mix's half-life
    assert weighted_share_z(df, t, "pothole", 0.25) < 4.0, t.recency


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_a_pace_or_mix_that_changes_is_always_read_as_drifting(seed: int) -> None:
    r = choose_recency(log(seed, drift=True, mix_drift=True, n=12_000), tb())
    assert dict(r.by_department)["roads"] <= SHORT and r.mix_days <= SHORT, r
