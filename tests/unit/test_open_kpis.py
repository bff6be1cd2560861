"""KPIs that count open matters, on a hand-made record set with answers worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.metrics.kpis import compute_kpis, format_kpi_table
from sim.metrics.league import composite_score
from sim.metrics.open_matters import backlog_growth, judged_growth, mser5_days
from sim.records.schema import SETTLED, Records
from tests.unit.test_kpis import make_records

NAN = math.nan
H = 100.0
PATIENCE_H = 48.0
PETITION_PROB = 0.1
RESIDENTS = 10_000.0


def censored_example() -> Records:
    """Window [0, 100). Six matters:

    0 closed at 10, due 20 (on time, satisfied); 1 closed at 50, due 30 (late, dissatisfied,
    petitioned); 2 open, due 40: 60 h past its deadline > patience 48 h (dissatisfied, may
    petition); 3 open, due 90: late, 10 h past (< patience); 4 open, due 120 (not yet due);
    5 closed at 95, due 110 (closed, not due: outside the on-time rate's matters).
    """
    matters: dict[str, list[Any]] = {
        "matter_id":     [0, 1, 2, 3, 4, 5],
        "t_occur":       [0, 10, 20, 60, 80, 90],
        "t_discover":    [0, 10, 20, 60, 80, 90],
        "t_close":       [10, 50, NAN, NAN, NAN, 95],
        "deadline":      [20, 30, 40, 90, 120, 110],
        "status":        [4, 4, 2, 2, 2, 4],
        "level_settled": [0, 0, -1, -1, -1, 0],
        "on_time":       [1, 0, -1, -1, -1, 1],
        "satisfied":     [1, 0, -1, -1, -1, 1],
        "petitioned":    [False, True, False, False, False, False],
    }
    visits = [(i, 0, float(t), float(t), float(t) + 1.0, 1.0, SETTLED) for i, t in enumerate([0, 10, 20, 60, 80, 90])]
    meta = {"horizon_h": H, "warmup_h": 0.0, "residents": RESIDENTS, "petition_patience_h": PATIENCE_H,
            "petition_prob": PETITION_PROB}
    return make_records(matters, visits, meta, [1000.0])


def test_on_time_counts_open_matters_past_their_deadline_as_late() -> None:
    k = compute_kpis(censored_example())
    # due before the horizon: 0, 1, 2, 3; closed by the deadline: 0
    assert k["on_time_rate"] == pytest.approx(1 / 4)
    # the old figure: closed on time / closed = (0, 5) / (0, 1, 5)
    assert k["on_time_rate_of_closed"] == pytest.approx(2 / 3)
    assert k["open_at_horizon_share"] == pytest.approx(3 / 6)


def test_resolution_is_product_limit_with_open_matters_censored() -> None:
    k = compute_kpis(censored_example())
    # times 5 (closed), 10 (closed), 20 (open), 40 (closed), 40 (open), 80 (open)
    # S: 5/6 after 5, 2/3 after 10, 2/3 * (1 - 1/3) = 4/9 after 40, never below 0.1
    assert k["resolution_hours_p50"] == pytest.approx(40.0)
    assert math.isnan(k["resolution_hours_p90"]) and k["resolution_hours_p90_above_horizon"] == 1.0
    assert k["resolution_hours_p50_above_horizon"] == 0.0
    area = 1 * 5 + 5 / 6 * 5 + 2 / 3 * 30 + 4 / 9 * 40  # up to the longest follow-up (80 h)
    assert k["resolution_hours_mean"] == pytest.approx(area)
    assert k["resolution_hours_mean_is_lower_bound"] == 1.0
    # report to close: the same here (discovered when they occurred)
    assert k["report_to_close_hours_p50"] == pytest.approx(40.0)


def test_satisfaction_and_petitions_count_matters_left_open_past_patience() -> None:
    k = compute_kpis(censored_example())
    # rated: 0 (yes), 1 (no), 5 (yes); matter 2 is 60 h past its deadline > 48 h: dissatisfied
    assert k["open_dissatisfied"] == 1.0
    assert k["satisfaction_rate"] == pytest.approx(2 / 4)
    # petitions: matter 1, plus matter 2 with the petition probability (its expected value)
    expected = (1 + PETITION_PROB) / RESIDENTS * 10_000 * 8760 / H
    assert k["petitions_per_10k"] == pytest.approx(expected)


def test_a_table_shows_a_percentile_above_the_horizon_and_the_verdict_first() -> None:
    from sim.metrics.stability import Reason, Stability

    k = compute_kpis(censored_example())
    verdict = Stability("unstable", "capacity", (Reason("capacity", "urban_construction", "county", 2.0, None,
                                                        "The urban-construction department cannot keep up."),))
    text = format_kpi_table(k, stability=verdict)
    lines = text.splitlines()
    assert lines[0].startswith("stability: UNSTABLE (capacity)")
    assert any(ln.startswith("resolution_hours_p90") and ln.endswith("above the horizon") for ln in lines)
    assert not any("_above_horizon" in ln or "_is_lower_bound" in ln for ln in lines)


def test_every_matter_closed_gives_the_plain_mean_and_percentile_rule() -> None:
    rec = censored_example()
    m = rec.matters
    m.status[:] = 4
    m.t_close[:] = m.t_occur + np.array([10, 40, 20, 30, 5, 5], float)
    k = compute_kpis(rec, strict=False)
    assert k["resolution_hours_mean"] == pytest.approx(np.mean([10, 40, 20, 30, 5, 5]))
    assert k["resolution_hours_mean_is_lower_bound"] == 0.0
    # the empirical distribution's quantile: the first time at which 1 - S reaches q
    assert k["resolution_hours_p50"] == 10.0 and k["resolution_hours_p90"] == 40.0


def test_backlog_growth_slope_and_mser5_truncation() -> None:
    t = np.arange(200, dtype=float)
    assert backlog_growth(t, 100.0 + 2.0 * t, 30.0) == pytest.approx(60.0)
    rng = np.random.default_rng(1)
    ramp = np.minimum(t, 50.0) * 20.0 + rng.normal(0, 5, t.size)  # fills up for 50 days, then flat
    assert 45.0 <= mser5_days(ramp) <= 55.0
    flat = 1000.0 + rng.normal(0, 5, t.size)
    assert mser5_days(flat) <= 10.0


def test_judged_growth_tells_a_seasonal_swing_from_growth() -> None:
    t = np.arange(3 * 365, dtype=float)
    rng = np.random.default_rng(2)
    season = 1000.0 + 400.0 * np.sin(2 * np.pi * t / 365) + rng.normal(0, 20, t.size)
    g, lo, hi, cycles = judged_growth(t, season, 30.0, 365.0)
    assert cycles == 2.0 and lo <= 0.0 <= hi  # a swing, not growth
    growing = season + 0.5 * t  # 15 per 30 days on top
    g, lo, hi, _ = judged_growth(t, growing, 30.0, 365.0)
    assert lo > 0 and g == pytest.approx(15.0, abs=3.0)
    # less than two cycles: not judged here (the capacity check decides)
    assert all(math.isnan(x) for x in judged_growth(t[:500], season[:500], 30.0, 365.0))
    # no season: the window's slope with a batch interval
    g, lo, hi, cycles = judged_growth(t[:300], 200.0 + t[:300] + rng.normal(0, 5, 300), 30.0, 0.0)
    assert cycles == 0.0 and lo > 0 and g == pytest.approx(30.0, abs=2.0)


def test_league_score_ranks_a_p90_above_the_horizon_last() -> None:
    import pandas as pd

    table = pd.DataFrame({"resolution_hours_p90": [100.0, 200.0, np.inf]})
    score = composite_score(table, {"resolution_hours_p90": 1.0})
    assert score.tolist() == [100.0, 50.0, 0.0]  # the worst finite p90 keeps half of the best's score


def test_the_resolution_chart_reads_the_curve_the_kpis_drew_and_only_from_the_same_matters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart's table (``tables_from_records``) is the KPI pass's curve, thinned, when that pass ran on this
    very matter table: the same table a fresh product-limit curve gives; a copy of the matters is drawn afresh."""
    import dataclasses
    import gc

    import pandas as pd

    from sim.metrics import kernels as kn
    from sim.metrics import open_matters
    from sim.metrics.kpis import window
    from sim.metrics.tables import cdf_table, tables_from_records
    from sim.scenario.constants import CLOSED

    rec = censored_example()
    w0, h = window(rec)
    m = rec.matters
    fresh = cdf_table(*kn.window_resolution(m.t_occur, m.t_close, m.status, w0, h, CLOSED))
    assert open_matters.drawn_resolution(rec, w0, h) is None  # no KPIs yet: drawn from the records
    pd.testing.assert_frame_equal(tables_from_records(rec).cdf, fresh)
    kept = open_matters.drawn_resolution(rec, w0, h)
    assert kept is not None  # the KPIs tables_from_records computed kept their curve
    pd.testing.assert_frame_equal(tables_from_records(rec, compute_kpis(rec)).cdf, fresh)
    from sim.metrics import tables

    def no_second_curve(*_a: object, **_k: object) -> None:
        raise AssertionError("the chart drew the curve again")

    with monkeypatch.context() as patched:  # the kept curve is used, not only stored: nothing sorts the times again
        patched.setattr(tables, "km_curve", no_second_curve)
        pd.testing.assert_frame_equal(tables_from_records(rec, compute_kpis(rec)).cdf, fresh)
    other = dataclasses.replace(rec, matters=dataclasses.replace(m, t_close=m.t_close + 1.0))
    assert open_matters.drawn_resolution(other, w0, h) is None
    assert open_matters.drawn_resolution(rec, w0, h + 1.0) is None  # another window
    before = len(open_matters._DRAWN)
    del rec, m, kept
    gc.collect()
    assert len(open_matters._DRAWN) < before  # it goes with its matter table
