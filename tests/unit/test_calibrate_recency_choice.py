"""The recency half-lives are read from the training months: short where a log drifts, long where
it does not, per department and for the mix; a window too short to tell takes the share rule."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from sim.calibrate.profile import HALF_LIFE_MIN_DAYS, Recency, category_departments, handling_weights
from sim.calibrate.recency import _handling_scores, candidates, choose_recency, label, recency_line, recency_record
from tests.drifting_logs import T0, UNTIL, log, tb, weighted_median_z


def test_candidates_run_from_the_floor_to_every_day_alike() -> None:
    c = candidates(240.0)
    assert c[0] == HALF_LIFE_MIN_DAYS and math.isinf(c[-1])
    assert all(b == pytest.approx(a * 1.5) for a, b in zip(c[:-2], c[1:-1], strict=True))
    assert c[-2] <= 480.0 < c[-2] * 1.5


def test_a_department_that_drifts_forgets_fast_and_one_that_does_not_is_read_within_sampling_error() -> None:
    df = log(1, drift=True)
    r = choose_recency(df, tb())
    assert dict(r.by_department)["roads"] <= 42.0
    assert weighted_median_z(df, replace(tb(), recency=r), "parks") < 4.0
    assert "rolling origins" in r.rule and set(r.scores) >= {"mix", "all departments", "roads", "parks"}


def test_the_choice_is_the_best_mean_forecast_a_tie_the_longer_memory() -> None:
    r = choose_recency(log(2, drift=False), tb())
    for name, days in [*r.by_department, ("all departments", r.handling_days), ("mix", r.mix_days)]:
        scores = r.scores[name]
        assert scores[label(days)] == min(scores.values()), (name, days, scores)


def test_a_mix_that_drifts_is_read_with_a_short_memory() -> None:
    assert choose_recency(log(3, drift=False, mix_drift=True), tb()).mix_days <= 42.0


def test_a_short_window_takes_the_share_rule_and_says_so() -> None:
    short = tb(T0 + pd.Timedelta(days=40))
    r = choose_recency(log(4, drift=True, days=40.0, n=4_000), short)
    assert r.by_department == () and r.mix_days == r.handling_days == short.default_half_life_days()
    assert "too short" in r.rule
    assert "too short" in recency_line(replace(short, recency=r))


def test_the_weights_take_each_department_its_own_half_life() -> None:
    r = Recency(mix_days=28.0, by_department=(("roads", 56.0), ("parks", math.inf)), handling_days=112.0, rule="x")
    t = replace(tb(), recency=r)
    end = float((UNTIL - T0) / pd.Timedelta(hours=1))
    ages = np.array([end, end - 56 * 24.0])
    assert t.recency_weights(ages, "roads") == pytest.approx([1.0, 0.5])
    assert t.recency_weights(ages, "parks") == pytest.approx([1.0, 1.0])
    assert t.recency_weights(ages, "elsewhere") == pytest.approx([1.0, 2 ** -0.5])
    assert t.recency_weights(ages) == pytest.approx([1.0, 0.25])  # the mix


def test_the_record_is_json_with_null_for_every_day_alike() -> None:
    t = replace(tb(), recency=choose_recency(log(5, drift=True), tb()))
    rec = json.loads(json.dumps(recency_record(t), allow_nan=False))
    assert rec["by_department"]["roads"] <= 42.0 and set(rec["by_department"]) == {"roads", "parks"}
    assert set(rec["scores"]["roads"]) == {label(d) for d in candidates(240.0)}
    assert recency_record(tb())["rule"] == "window share"


def test_a_log_without_departments_is_named_so_in_the_line() -> None:
    nameless = log(6, drift=False).assign(department="")
    line = recency_line(replace(tb(), recency=choose_recency(nameless, tb())))
    assert "(the log names no department)" in line and "handling  " not in line


def test_the_sorted_pass_gives_scipy_s_weighted_distance_for_every_candidate() -> None:
    rng = np.random.default_rng(7)
    hours = np.round(rng.lognormal(2.0, 1.0, 900), 1)  # ties, as rounded log times have
    age = rng.uniform(-50.0, 100.0, 900)
    before = age > 0
    tried = candidates(100.0)
    got = _handling_scores(hours, age, before, ~before, tried)
    for days, score in zip(tried, got, strict=True):
        w = np.ones(before.sum()) if math.isinf(days) else np.exp2(-age[before] / days)
        assert score == pytest.approx(wasserstein_distance(hours[before], hours[~before], w), rel=1e-12, abs=1e-12)


def test_a_log_read_for_all_departments_together_says_so_in_the_line() -> None:
    # 12 departments of about 33 cases each: none has 30 on each side of an origin, all together do
    names = [f"d{i % 12}" for i in range(400)]
    sparse = log(8, drift=False, n=400).assign(department=names, category=names)
    r = choose_recency(sparse, tb())
    assert r.by_department == () and r.scores
    line = recency_line(replace(tb(), recency=r))
    assert f"all departments {label(r.handling_days)}" in line and "too short" not in line


def test_no_follow_up_after_the_window_takes_the_share_rule() -> None:
    r = choose_recency(log(9, drift=True), replace(tb(), extracted_at=UNTIL))
    assert r.by_department == () and not r.scores and "no close time" in r.rule


def test_a_case_without_a_department_weighs_at_all_departments_half_life() -> None:
    df = log(10, drift=False, n=2_000)
    df.loc[df.index[:50], "category"] = np.nan
    t = replace(tb(), recency=Recency(mix_days=28.0, by_department=(("roads", 56.0),), handling_days=112.0, rule="x"))
    w = handling_weights(df, t, df["category"].map(category_departments(df.dropna(subset=["category"]))))
    assert np.isfinite(w).all() and (w > 0).all()


def test_the_line_names_other_departments_only_when_some_were_not_scored() -> None:
    r = choose_recency(log(11, drift=True), tb())
    assert r.unscored == () and "other departments" not in recency_line(replace(tb(), recency=r))
    df = log(11, drift=True)
    few = df[df["department"] == "parks"].index[30:]  # 'parks' keeps 30 cases: under 30 on a side
    sparse = df.drop(few)
    r = choose_recency(sparse, tb())
    assert r.unscored == ("parks",) and "other departments" in recency_line(replace(tb(), recency=r))
