"""Little's law on hand-made visit tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.metrics.little import LittleCheck, littles_law
from sim.records.schema import OPEN, SETTLED, Records, StationTable, empty_matters, visits_from_lists

NAN = math.nan


def make_records(visits: list[tuple[int, float, float]], warmup: float, horizon: float) -> Records:
    """Visits as (station, t_arrive, t_end); two stations (grid, village)."""
    cols: dict[str, list[Any]] = {
        "matter_id": list(range(len(visits))),
        "station": [v[0] for v in visits],
        "level": [v[0] for v in visits],
        "t_arrive": [v[1] for v in visits],
        "t_start": [v[1] for v in visits],
        "t_end": [v[2] for v in visits],
        "work": [0.0] * len(visits),
        "outcome": [OPEN if math.isnan(v[2]) else SETTLED for v in visits],
    }
    stations = StationTable(kind=["grid", "village"], level=np.array([0, 1], np.int8),
                            unit=np.zeros(2, np.int32), code=["G", "V"], servers=np.ones(2),
                            capacity_hours=np.array([1.0, 1.0]))
    return Records(matters=empty_matters(len(visits)), visits=visits_from_lists(cols), stations=stations,
                   meta={"horizon_h": horizon, "warmup_h": warmup})


def test_exact_when_all_visits_inside_window() -> None:
    rec = make_records([(0, 1, 3), (0, 2, 6), (1, 4, 5), (1, 8, 16)], warmup=0.0, horizon=16.0)
    c = littles_law(rec)
    assert isinstance(c, LittleCheck)
    assert c.L == 15 / 16
    assert c.lam == 4 / 16
    assert c.W == 15 / 4
    assert c.L == c.lam * c.W
    assert c.relative_gap == 0.0
    with pytest.raises(AttributeError):
        c.L = 1.0  # type: ignore[misc]


def test_exact_with_random_inside_visits() -> None:
    rng = np.random.default_rng(7)
    a = rng.uniform(10, 90, 500)
    e = a + rng.exponential(3.0, 500).clip(max=99.0 - a)
    rec = make_records([(int(s), x, y) for s, x, y in zip(rng.integers(0, 2, 500), a, e, strict=True)],
                       warmup=10.0, horizon=100.0)
    assert littles_law(rec).relative_gap < 1e-12


def test_edge_effects_make_it_approximate() -> None:
    # window [10, 100): one visit carried in from before the warm-up (area 2 in L only),
    # one still present at the horizon (counted to 100 in both L and W)
    rec = make_records([(0, 6, 12), (0, 12, 20), (1, 25, 40), (1, 61, NAN)], warmup=10.0, horizon=100.0)
    c = littles_law(rec)
    assert c.L == pytest.approx((2 + 8 + 15 + 39) / 90)
    assert c.lam == pytest.approx(3 / 90)
    assert c.W == pytest.approx((8 + 15 + 39) / 3)
    assert c.n == 3
    assert c.relative_gap == pytest.approx(2 / 64)


def test_station_mask() -> None:
    rec = make_records([(0, 6, 12), (0, 12, 20), (1, 25, 40), (1, 61, NAN)], warmup=10.0, horizon=100.0)
    c = littles_law(rec, station_mask=np.array([False, True]))
    assert c.L == pytest.approx(54 / 90)
    assert c.lam * c.W == pytest.approx(c.L)
    with pytest.raises(ValueError):
        littles_law(rec, station_mask=np.array([True]))


def test_no_visits() -> None:
    c = littles_law(make_records([], warmup=0.0, horizon=10.0))
    assert c.L == 0.0 and c.lam == 0.0 and c.n == 0
    assert math.isnan(c.W) and math.isnan(c.relative_gap)
