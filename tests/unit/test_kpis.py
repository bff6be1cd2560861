"""KPIs on a small hand-made record set with known answers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.metrics.kpis import (
    backlog_series,
    compute_kpis,
    first_visits,
    format_kpi_table,
    station_utilization,
    utilization_table,
    visit_busy_hours,
)
from sim.records.schema import (
    ABANDONED,
    ESCALATED,
    OPEN,
    REDIRECTED,
    SETTLED,
    Records,
    StationTable,
    empty_matters,
    visits_from_lists,
)

NAN = math.nan


def make_records(
    matters: dict[str, list[Any]], visits: list[tuple[Any, ...]], meta: dict[str, Any], capacity: list[float]
) -> Records:
    """Matters from per-column lists (other columns keep empty_matters defaults); visits as
    tuples (matter_id, station, t_arrive, t_start, t_end, work, outcome); one station per
    capacity entry, kinds in STATION_KINDS order."""
    n = len(matters["t_occur"])
    m = empty_matters(n)
    for col, values in matters.items():
        arr = getattr(m, col)
        setattr(m, col, np.asarray(values, dtype=arr.dtype))
    names = ("matter_id", "station", "t_arrive", "t_start", "t_end", "work", "outcome")
    cols: dict[str, list[Any]] = {k: [row[i] for row in visits] for i, k in enumerate(names)}
    kinds = ["grid", "village", "platform", "module", "department"][: len(capacity)]
    cols["level"] = [[0, 1, 2, 2, 3][s] for s in cols["station"]]
    s = len(capacity)
    stations = StationTable(kind=kinds, level=np.array([0, 1, 2, 2, 3][:s], np.int8),
                            unit=np.zeros(s, np.int32), code=[f"S{i}" for i in range(s)],
                            servers=np.ones(s), capacity_hours=np.asarray(capacity, np.float64))
    return Records(matters=m, visits=visits_from_lists(cols), stations=stations, meta=meta)


def example() -> Records:
    """Window [10, 100); matters 1..8 count, matter 0 (t=5) and 9 (t=100) do not."""
    matters: dict[str, list[Any]] = {
        "t_occur":       [5, 10, 20, 30, 40, 50, 60, 70, 80, 100],
        "t_discover":    [6, 12, 21, 40, 41, NAN, 61, 72, 85, NAN],
        "t_close":       [12, 20, 40, 70, 90, NAN, NAN, NAN, NAN, NAN],
        "status":        [4, 4, 4, 4, 4, 0, 2, 3, 1, 0],
        "level_settled": [0, 0, 1, 2, 0, -1, -1, -1, -1, -1],
        "on_time":       [0, 1, 1, 0, 1, -1, -1, -1, -1, -1],
        "satisfied":     [0, 1, 0, 1, -1, -1, -1, -1, -1, -1],
        "reopened":      [1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        "transfers":     [3, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "escalations":   [3, 0, 1, 2, 0, 0, 0, 0, 0, 0],
        "petitioned":    [True, False, True, False, False, False, False, False, False, False],
        "abandoned":     [True, False, False, False, True, False, False, False, True, False],
        "deadline":      [9, 30, 50, 60, 120, NAN, 80, 95, 130, NAN],
    }
    visits = [
        (0, 0, 6, 8, 12, 4, SETTLED),  # before the window: 2 of its 4 work hours count
        (1, 0, 12, 14, 20, 3, SETTLED),
        (2, 1, 25, 30, 40, 5, SETTLED),  # listed before matter 2's first visit
        (2, 0, 21, 21, 25, 2, ESCALATED),
        (3, 0, 40, NAN, 45, 0, REDIRECTED),
        (3, 1, 45, 50, 70, 4, SETTLED),
        (4, 0, 41, 44, 90, 10, SETTLED),
        (6, 1, 61, NAN, NAN, 0, OPEN),  # still queued at the horizon
        (7, 0, 72, 72, NAN, 40, OPEN),  # in service: capped at 28 elapsed hours
        (8, 0, 85, NAN, 95, 0, ABANDONED),
    ]
    meta = {"engine": "test", "seed": 1, "replication": 0, "horizon_h": 100.0, "warmup_h": 10.0,
            "residents": 20_000, "n_grids": 1, "staff_cost": 1000.0}
    return make_records(matters, visits, meta, capacity=[90.0, 45.0, 0.0])


def test_counts_and_status_split() -> None:
    k = compute_kpis(example())
    assert k["matters"] == 8
    assert k["closed"] == 4
    assert k["open_at_horizon"] == 4
    parts = ("open_undiscovered", "open_in_transit", "open_queued", "open_in_service")
    assert [k[p] for p in parts] == [1, 1, 1, 1]
    assert k["closed"] + k["open_at_horizon"] == k["matters"]


def test_first_visit_waits() -> None:
    rec = example()
    rows, vis = first_visits(rec)
    first = dict(zip(rows.tolist(), vis.tolist(), strict=True))
    assert first[2] == 3  # the visit arriving at 21, not the one listed first
    k = compute_kpis(rec)
    # first-visit waits of window matters: 2, 0, 5 (the redirect at 40 is skipped: its next visit
    # arrives at 45 and starts at 50), 3, 0, 10 (abandoned); 6 still waiting: 39 so far (61 to the
    # horizon at 100), counted, or a queue that never moves would lower the mean
    assert first[3] == 5
    assert k["wait_hours_mean"] == pytest.approx((20 + 39) / 7)
    assert k["wait_hours_mean_served"] == pytest.approx(10 / 5)
    assert k["wait_positive_share"] == pytest.approx(4 / 6)  # 3 of the 5 served, and the one still waiting
    assert k["abandoned_share"] == pytest.approx(2 / 6)  # matters 4 and 8 among 1, 2, 3, 4, 7, 8


def test_times_and_percentiles() -> None:
    k = compute_kpis(example())
    # resolution 10, 20, 40, 50 closed; 50, 40, 30, 20 open (censored at the horizon):
    # S = 7/8 after 10, 3/4 after 20, 9/16 after 40, 9/32 after 50 (the longest follow-up)
    assert k["resolution_hours_mean"] == pytest.approx(10 + 7 / 8 * 10 + 3 / 4 * 20 + 9 / 16 * 10)
    assert k["resolution_hours_mean_is_lower_bound"] == 1.0
    assert k["resolution_hours_p50"] == pytest.approx(50.0)
    assert math.isnan(k["resolution_hours_p90"]) and k["resolution_hours_p90_above_horizon"] == 1.0
    assert math.isnan(k["resolution_hours_p95"]) and k["resolution_hours_p50_above_horizon"] == 0.0
    # report to close: 8, 19, 30, 49 closed; 39, 28, 15 open; the undiscovered matter not at all
    assert k["report_to_close_hours_mean"] == pytest.approx(8 + 6 / 7 * 11 + 24 / 35 * 11 + 16 / 35 * 19)
    assert k["report_to_close_hours_mean_is_lower_bound"] == 0.0
    # matter 5 (occurred at 50) is still not found at the horizon: 50 hours so far
    assert k["discovery_hours_mean"] == pytest.approx((2 + 1 + 10 + 1 + 1 + 2 + 5 + 50) / 8)


def test_settled_levels() -> None:
    k = compute_kpis(example())
    # of the 8 window matters (4 closed: 2 at the grid, 1 at the village, 1 at the township; 4 still open,
    # settled nowhere yet): over closed matters alone these were 0.5, 0.25, 0.25, 0
    shares = [k[f"settled_share_{x}"] for x in ("grid", "village", "township", "county")]
    assert shares == pytest.approx([0.25, 0.125, 0.125, 0.0])
    assert sum(shares) == pytest.approx(k["closed"] / k["matters"]) and k["matters"] == 8
    assert k["settled_at_or_below_grid"] == pytest.approx(0.25)
    assert k["settled_at_or_below_village"] == pytest.approx(0.375)
    assert k["settled_at_or_below_township"] == pytest.approx(0.5)


def test_quality_rates_and_scaling() -> None:
    k = compute_kpis(example())
    # due before the horizon: 1, 2, 3 (closed) and 6, 7 (open, so late); on time: 1, 2
    assert k["on_time_rate"] == pytest.approx(2 / 5)
    assert k["on_time_rate_of_closed"] == pytest.approx(0.75)
    assert k["satisfaction_rate"] == pytest.approx(2 / 3)
    assert k["reopen_rate"] == pytest.approx(0.25)
    # 1 petition in a 90-hour window among 20,000 residents, per 10,000 per year
    assert k["petitions_per_10k"] == pytest.approx(1 / 20_000 * 10_000 * 8760 / 90)
    assert k["transfers_per_matter"] == pytest.approx(1 / 8)
    assert k["escalations_per_matter"] == pytest.approx(3 / 8)


def test_utilization_pro_rating() -> None:
    rec = example()
    busy = visit_busy_hours(rec)
    assert busy.tolist() == pytest.approx([2, 3, 5, 2, 0, 4, 10, 0, 28, 0])
    k = compute_kpis(rec)
    assert k["utilization_grid"] == pytest.approx(45 / 90)
    assert k["utilization_village"] == pytest.approx(9 / 45)
    assert "utilization_platform" not in k  # no capacity
    util = station_utilization(rec)
    assert util[:2] == pytest.approx([0.5, 0.2])
    assert math.isnan(util[2])
    table = utilization_table(rec)
    assert list(table.columns) == ["kind", "level", "busy_hours", "capacity_hours", "utilization"]
    assert table["kind"].tolist() == ["grid", "village", "platform"]
    assert table["busy_hours"].tolist() == pytest.approx([45, 9, 0])
    assert math.isnan(table["utilization"].iloc[2])


def test_cost() -> None:
    k = compute_kpis(example())
    assert k["staff_cost"] == 1000.0
    assert k["cost_per_settled"] == pytest.approx(250.0)
    # the window is 90 h (10 h of warm-up in 100 h): a year holds 8760 / 90 of it
    assert k["staff_cost_per_year"] == pytest.approx(1000.0 * 8760.0 / 90.0)
    # a surge's volunteers are paid per day called out: counted once, not as often as a year holds the window
    rec = example()
    rec.meta["volunteer_cost"] = 400.0
    assert compute_kpis(rec)["staff_cost_per_year"] == pytest.approx(600.0 * 8760.0 / 90.0 + 400.0)
    # over a window longer than a year its surges are more than a year's: a year's share of them
    rec.meta["horizon_h"], rec.meta["warmup_h"] = 2 * 8760.0 + 10.0, 10.0
    assert compute_kpis(rec)["staff_cost_per_year"] == pytest.approx(600.0 / 2 + 400.0 / 2)


def test_backlog_series() -> None:
    b = backlog_series(example(), step_hours=24.0)
    assert b["t_hours"].tolist() == [0, 24, 48, 72, 96, 100]
    assert b["open"].tolist() == [0, 1, 2, 4, 4, 5]
    assert b["undiscovered"].tolist() == [0, 0, 0, 1, 1, 2]


def test_empty_window_gives_nan_not_errors() -> None:
    rec = example()
    rec.meta.update(warmup_h=200.0, horizon_h=300.0)
    k = compute_kpis(rec)
    assert k["matters"] == 0 and k["closed"] == 0 and k["open_at_horizon"] == 0
    for key in ("wait_hours_mean", "resolution_hours_p90", "settled_share_grid", "on_time_rate",
                "satisfaction_rate", "transfers_per_matter", "cost_per_settled", "abandoned_share"):
        assert math.isnan(k[key]), key
    assert k["petitions_per_10k"] == 0.0


def test_contract_violations_raise() -> None:
    rec = example()
    rec.matters.t_close[5] = 99.0  # status says undiscovered
    with pytest.raises(ValueError, match="t_close"):
        compute_kpis(rec)
    assert compute_kpis(rec, strict=False)["closed"] == 4
    rec = example()
    rec.matters.status[3] = 7
    with pytest.raises(ValueError, match="STATUSES"):
        compute_kpis(rec, strict=False)


def test_matter_ids_not_row_numbers() -> None:
    rec = example()
    rec.matters.matter_id = rec.matters.matter_id * 10 + 1000
    rec.visits.matter_id = rec.visits.matter_id * 10 + 1000
    assert compute_kpis(rec) == pytest.approx(compute_kpis(example()), nan_ok=True)


def test_format_kpi_table() -> None:
    k = compute_kpis(example())
    text = format_kpi_table(k)
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines()}
    assert lines["matters"] == ["8"]
    assert lines["on_time_rate"] == ["0.400"]
    assert lines["resolution_hours_mean"] == [">=", "39.38"]
    assert lines["resolution_hours_p90"] == ["above", "the", "horizon"]
    assert lines["cost_per_settled"] == ["250.00"]
    assert len({len(line) for line in text.splitlines()}) == 1  # aligned
    text = format_kpi_table({"matters": 8.0, "wait_hours_mean": NAN}, ci={"matters": 1.4})
    assert text.splitlines()[0].split() == ["matters", "8", "±", "1.4"]
    assert "nan" in text.splitlines()[1]


def test_backlog_frame_types() -> None:
    b = backlog_series(example(), step_hours=50.0)
    assert isinstance(b, pd.DataFrame)
    assert b["t_hours"].tolist() == [0, 50, 100]
