"""Invariants of the KPIs and the backlog series on random record tables."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.metrics.kpis import backlog_series, compute_kpis
from sim.metrics.little import littles_law
from sim.records.schema import Records, StationTable, empty_matters, visits_from_lists
from sim.scenario.constants import CLOSED, LEVELS, UNDISCOVERED

RATE_KEYS = ("wait_positive_share", "abandoned_share", "on_time_rate", "satisfaction_rate", "reopen_rate")


def random_records(seed: int, n: int, horizon: float, warmup_frac: float) -> Records:
    """A self-consistent random record set: closed iff t_close is set (and before the horizon)."""
    rng = np.random.default_rng(seed)
    m = empty_matters(n)
    m.t_occur = rng.uniform(0.0, horizon, n)
    found = rng.random(n) < 0.8
    m.t_discover = np.where(found, m.t_occur + rng.exponential(5.0, n), np.nan)
    m.t_discover[m.t_discover >= horizon] = np.nan
    found = np.isfinite(m.t_discover)
    close = m.t_discover + rng.exponential(20.0, n)
    closed = found & (rng.random(n) < 0.7) & (close < horizon)
    m.t_close = np.where(closed, close, np.nan)
    m.status = np.where(closed, CLOSED, np.where(found, rng.integers(1, 4, n), UNDISCOVERED)).astype(np.int8)
    m.level_settled = np.where(closed, rng.integers(0, len(LEVELS), n), -1).astype(np.int8)
    m.on_time = np.where(closed, rng.integers(0, 2, n), -1).astype(np.int8)
    m.satisfied = np.where(closed & (rng.random(n) < 0.8), rng.integers(0, 2, n), -1).astype(np.int8)
    m.reopened = np.where(closed, rng.integers(0, 3, n), 0).astype(np.int16)
    m.transfers = rng.integers(0, 3, n).astype(np.int16)
    m.escalations = rng.integers(0, 3, n).astype(np.int16)
    m.petitioned = rng.random(n) < 0.05
    m.abandoned = rng.random(n) < 0.1
    # visits: up to 3 per discovered matter, inside [t_discover, horizon)
    ids = np.repeat(np.flatnonzero(found), rng.integers(0, 4, int(found.sum())))
    k = len(ids)
    arrive = m.t_discover[ids] + rng.uniform(0.0, 1.0, k) * (horizon - m.t_discover[ids])
    start = arrive + rng.exponential(2.0, k)
    start = np.where((rng.random(k) < 0.8) & (start < horizon), start, np.nan)  # else never served
    end = np.where(np.isfinite(start), start, arrive) + rng.exponential(3.0, k)
    end = np.where((end < horizon) & (rng.random(k) < 0.9), end, np.nan)  # NaN: still there
    work = np.where(np.isfinite(start), rng.uniform(0.0, 1.0, k) * np.nan_to_num(end - start, nan=5.0), 0.0)
    station = rng.integers(0, 3, k)
    visits = visits_from_lists({
        "matter_id": ids.tolist(), "station": station.tolist(), "level": station.tolist(),
        "t_arrive": arrive.tolist(), "t_start": start.tolist(), "t_end": end.tolist(),
        "work": work.tolist(), "outcome": [0] * k,
    })
    stations = StationTable(kind=["grid", "village", "platform"], level=np.array([0, 1, 2], np.int8),
                            unit=np.zeros(3, np.int32), code=["G", "V", "P"], servers=np.ones(3),
                            capacity_hours=np.array([horizon, horizon, 0.0]))
    meta = {"horizon_h": horizon, "warmup_h": warmup_frac * horizon, "residents": 10_000, "staff_cost": 1.0}
    return Records(matters=m, visits=visits, stations=stations, meta=meta)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), horizon=st.floats(24.0, 2000.0),
       warmup_frac=st.floats(0.0, 0.9), step=st.floats(0.5, 200.0))
def test_kpi_invariants(seed: int, n: int, horizon: float, warmup_frac: float, step: float) -> None:
    rec = random_records(seed, n, horizon, warmup_frac)
    k = compute_kpis(rec)
    assert k["closed"] + k["open_at_horizon"] == k["matters"]
    parts = ("open_undiscovered", "open_in_transit", "open_queued", "open_in_service")
    assert sum(k[p] for p in parts) == k["open_at_horizon"]
    shares = [k[f"settled_share_{x}"] for x in LEVELS]
    if k["matters"] > 0:  # shares of all the window's matters: they sum to the closed share
        closed_share = k["closed"] / k["matters"]
        assert math.isclose(sum(shares), closed_share, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(k["settled_at_or_below_township"] + k["settled_share_county"], closed_share,
                            rel_tol=1e-12, abs_tol=1e-15)
    else:
        assert all(math.isnan(s) for s in shares)
    for key in (*RATE_KEYS, *(f"settled_share_{x}" for x in LEVELS),
                *(f"settled_at_or_below_{x}" for x in LEVELS[:-1])):
        assert math.isnan(k[key]) or 0.0 <= k[key] <= 1.0, key
    for key, value in k.items():
        if key.startswith("utilization_") or key.endswith(("_mean", "_p50", "_p90", "_p95")):
            assert math.isnan(value) or value >= 0.0, key
    b = backlog_series(rec, step_hours=step)
    assert (b["open"] >= 0).all() and (b["undiscovered"] >= 0).all()
    assert b["t_hours"].iloc[-1] == horizon and b["t_hours"].iloc[0] == 0.0
    m = rec.matters
    assert b["open"].iloc[-1] == int(np.sum(m.t_occur <= horizon)) - int(np.sum(m.t_close <= horizon))
    assert b["undiscovered"].iloc[-1] == int(np.sum(np.isnan(m.t_discover)))
    little = littles_law(rec)
    assert little.L >= 0.0 and little.lam >= 0.0
