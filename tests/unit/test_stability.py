"""The stability verdict: each rule, which rule decided, its round trip, and where it is said first."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.app.answer import stability_lines
from sim.experiment.findings import effect, findings
from sim.metrics.open_matters import mser5_shift
from sim.metrics.stability import FINDING, UNSTABLE, Stability, is_unstable, judge_stability
from sim.report.verdict import verdict_of

LOADS = [("grid", "grid", 0.2), ("department:urban_construction", "county", 0.8)]


def _run(growth: float = 5.0, judged: float = math.nan, lo: float = math.nan, hi: float = math.nan,
         cycles: float = math.nan, mser: float = 10.0) -> dict[str, float]:
    return {"backlog_growth_per_30d": growth, "backlog_growth_judged_per_30d": judged,
            "backlog_growth_judged_lo": lo, "backlog_growth_judged_hi": hi, "backlog_growth_judged_cycles": cycles,
            "warmup_mser5_days": mser}


def test_a_run_that_keeps_up_is_stable_and_says_how_growth_was_judged() -> None:
    v = judge_stability([_run()], LOADS, 30.0)
    assert (v.verdict, v.rule, v.reasons) == ("stable", "none", ())
    assert "capacity check's long-run loads" in v.note and v.line().startswith("stability: stable")


def test_an_office_at_capacity_decides_first_and_is_named() -> None:
    loads = [*LOADS[:1], ("department:urban_construction", "county", 2.65)]
    v = judge_stability([_run(growth=900.0, mser=200.0)], loads, 30.0)
    assert v.unstable and v.rule == "capacity"
    r = v.reasons[0]
    assert (r.kind, r.office, r.level, r.utilization) == ("capacity", "urban_construction", "county", 2.65)
    assert "urban-construction department cannot keep up" in r.text and "900" in r.text
    assert [x.kind for x in v.reasons] == ["capacity", "warmup"]  # every finding, the deciding one first
    # a longer warm-up is no remedy for an open count that climbs because an office cannot keep up
    assert "run.warmup_days=" not in v.reasons[1].text
    assert "still climbing, as above, which no warm-up removes" in v.reasons[1].text
    alone = judge_stability([_run(mser=200.0)], LOADS[:1], 30.0)
    assert alone.rule == "warm-up" and "(run.warmup_days=200 or more)" in alone.reasons[0].text
    no_staff = judge_stability([_run()], [("department:urban_construction", "county", math.inf)], 30.0)
    assert no_staff.unstable and "no capacity" in no_staff.reasons[0].text


def test_matters_never_found_are_unstable_by_the_capacity_rule_and_said_so() -> None:
    """Matters no channel finds pile up without bound, whatever the offices' loads."""
    v = judge_stability([_run(growth=17_000.0)], [*LOADS, (FINDING, "grid", math.inf)], 30.0)
    assert v.unstable and v.rule == "capacity"
    r = v.reasons[0]
    assert (r.kind, r.office) == ("capacity", FINDING)
    assert "never found" in r.text and "17,000" in r.text
    assert "never found" in verdict_of(v, None, "en").text
    assert "无人发现" in verdict_of(v, None, "zh").text
    unstable, lines = stability_lines(v.to_dict(), None, "zh")  # the page, without the capacity check at hand
    assert unstable and "无人发现" in lines[0]


def test_backlog_growth_counts_only_with_its_interval_above_zero() -> None:
    grows = judge_stability([_run(judged=120.0, lo=80.0, hi=160.0, cycles=2.0)], LOADS, 30.0)
    assert grows.unstable and grows.rule == "backlog growth" and "whole seasonal cycles" in grows.reasons[0].text
    noisy = judge_stability([_run(judged=120.0, lo=-10.0, hi=250.0, cycles=2.0)], LOADS, 30.0)
    assert not noisy.unstable
    # over replications the interval is theirs, not a run's own
    reps = [_run(judged=g, lo=-1e9, hi=1e9, cycles=0.0) for g in (100.0, 110.0, 120.0)]
    v = judge_stability(reps, LOADS, 30.0)
    assert v.unstable and v.reasons[0].growth_per_30d == 110.0 and "over the window" in v.reasons[0].text


def test_a_warm_up_shorter_than_mser5_is_unstable() -> None:
    v = judge_stability([_run(mser=60.0)], LOADS, 30.0)
    assert v.unstable and v.rule == "warm-up" and "run.warmup_days=60" in v.reasons[0].text
    assert not judge_stability([_run(mser=60.0)], LOADS, 60.0).unstable


def test_the_page_names_the_deciding_rule_in_its_language() -> None:
    cases = [(judge_stability([_run(mser=60.0)], LOADS, 30.0), "the warm-up", "预热期"),
             (judge_stability([_run(judged=120.0, lo=80.0, hi=160.0, cycles=2.0)], LOADS, 30.0), "backlog growth",
              "积压增长"),
             (judge_stability([_run()], [("department:urban_construction", "county", 2.0)], 30.0),
              "capacity", "能力不足")]
    for v, en, zh in cases:
        assert stability_lines(v.to_dict(), None, "en")[1][-1] == f"decided by: {en}"
        assert stability_lines(v.to_dict(), None, "zh")[1][-1] == f"判定依据：{zh}"  # not the rule's key


def test_an_office_the_run_overloads_is_unstable_with_the_season_taken_out() -> None:
    loads = [("village", "village", 0.6), ("department:agriculture", "county", 0.93)]
    run = {**_run(), "offered_load_village": 0.7, "offered_load_agriculture": 1.15, "matters_per_day": 1000.0}
    v = judge_stability([run], loads, 30.0, long_run_per_day=1000.0)
    assert v.unstable and v.rule == "capacity" and [r.office for r in v.reasons] == ["agriculture"]
    r = v.reasons[0]
    assert r.utilization == 1.15 and "1.15 times its capacity (0.93 in the capacity check" in r.text
    assert r.source == "run" and Stability.from_dict(v.to_dict()) == v
    # said as the run's measure on the page and in the briefing, not as the check's utilisation
    assert "the work that reached it in the run is 1.15 times" in stability_lines(v.to_dict(), None, "en")[1][0]
    assert "1.15 times its capacity in the run" in verdict_of(v, None, "en").text
    # a window 20% busier than the long run (its season) reads 1.15 / 1.2 < 1: stable
    busy = {**run, "matters_per_day": 1200.0}
    assert not judge_stability([busy], loads, 30.0, long_run_per_day=1000.0).unstable
    # over replications, their mean; without the long-run rate, as measured
    assert judge_stability([run, {**run, "offered_load_agriculture": 0.8}], loads, 30.0).verdict == "stable"
    assert judge_stability([busy], loads, 30.0).unstable
    # an office the check already reads at or over 1 is named once, by the check
    both = judge_stability([run], [("department:agriculture", "county", 1.2)], 30.0, long_run_per_day=1000.0)
    assert len(both.reasons) == 1 and "long-run load is 1.20" in both.reasons[0].text
    # a module and a department of one name: the KPI takes the kind
    clash = {**_run(), "offered_load_department_emergency": 1.3, "offered_load_module_emergency": 0.2}
    v = judge_stability([clash], [("department:emergency", "county", 0.5), ("module:emergency", "township", 0.1)],
                        30.0)
    assert [r.office for r in v.reasons] == ["emergency"] and v.reasons[0].level == "county"


def test_round_trip_through_a_dict() -> None:
    loads = [("department:urban_construction", "county", 2.0)]
    v = judge_stability([_run(mser=40.0)], loads, 30.0)
    assert Stability.from_dict(v.to_dict()) == v
    assert Stability.from_dict(Stability().to_dict()) == Stability()


def test_a_comparison_with_an_unstable_side_says_so_before_its_differences() -> None:
    runs = {"base": [{"on_time_rate": 0.9}, {"on_time_rate": 0.91}],
            "cut": [{"on_time_rate": 0.8}, {"on_time_rate": 0.82}]}
    cut = judge_stability([_run()], [("department:urban_construction", "county", 2.0)], 30.0)
    ok = judge_stability([_run()], LOADS, 30.0)
    text = findings(runs, "base", ["on_time_rate"], {"base": "Today", "cut": "Cut"}, "en",
                    stability={"base": ok, "cut": cut})["cut"]
    assert text.startswith("Unstable: Cut: The urban-construction department cannot keep up")
    assert text.index("Unstable") < text.index("on-time")
    plain = findings(runs, "base", ["on_time_rate"], {"base": "Today", "cut": "Cut"}, "en",
                     stability={"base": ok, "cut": ok})["cut"]
    assert "Unstable" not in plain
    zh = findings(runs, "base", ["on_time_rate"], {"base": "今天", "cut": "减员"}, "zh",
                  stability={"base": ok, "cut": cut})["cut"]
    assert zh.startswith("不稳定：减员容量不足")
    assert effect(runs["base"], runs["cut"], "on_time_rate").kpi == "on_time_rate"


def test_a_truncation_past_a_burst_is_not_the_start_up_transient() -> None:
    # a run starts empty: its transient holds fewer open matters than what follows (a negative shift)
    transient = judge_stability([{**_run(mser=60.0), "warmup_mser5_shift": -23.0}], LOADS, 30.0)
    assert transient.unstable and transient.rule == "warm-up"
    # MSER-5 past a burst of more open matters in a stationary queue: the queue's noise, said in the note
    burst = judge_stability([{**_run(mser=60.0), "warmup_mser5_shift": 5.1}], LOADS, 30.0)
    assert not burst.unstable and "past a burst of more open matters" in burst.note
    # a stored run without the shift is judged by MSER-5 alone, as before
    assert judge_stability([_run(mser=60.0)], LOADS, 30.0).unstable


def test_the_shift_is_the_open_count_before_the_truncation_less_after() -> None:
    rising = np.r_[np.linspace(0.0, 90.0, 10), np.full(40, 100.0)]
    assert mser5_shift(rising, 2.0, 10.0) == pytest.approx(np.linspace(0.0, 90.0, 10)[2:].mean() - 100.0)
    assert math.isnan(mser5_shift(rising, 10.0, 10.0)) and math.isnan(mser5_shift(rising, 2.0, math.nan))


def test_is_unstable_reads_every_form_a_verdict_is_kept_in() -> None:
    """A sweep's cell, a run's kpis.json and the verdict itself say the same; a missing cell is not unstable."""
    bad = Stability(UNSTABLE, "capacity", (), "")
    good = Stability()
    for said in (bad, bad.tag(), bad.to_dict()):
        assert is_unstable(said)
    for nothing in (good, good.tag(), good.to_dict(), None, float("nan"), "", {}):
        assert not is_unstable(nothing)
