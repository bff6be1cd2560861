"""The answer as a decision, without a browser: units, directions, words for a change, settings in the URL."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from sim.app import decision, settings
from sim.app.levers import Lever
from sim.app.progress import PageRun, RunCancelled, Stage

A_RUNS = [{"on_time_rate": 0.90, "resolution_hours_p90": 300.0, "staff_cost_per_year": 122_022_235.62,
           "petitions_per_10k": 7.0},
          {"on_time_rate": 0.92, "resolution_hours_p90": 310.0, "staff_cost_per_year": 122_022_235.62,
           "petitions_per_10k": 7.2}]
B_RUNS = [{"on_time_rate": 0.95, "resolution_hours_p90": 200.0, "staff_cost_per_year": 153_022_235.62,
           "petitions_per_10k": 7.1},
          {"on_time_rate": 0.97, "resolution_hours_p90": 215.0, "staff_cost_per_year": 153_022_235.62,
           "petitions_per_10k": 7.0}]


def _mean(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}


def test_a_table_a_planner_reads() -> None:
    rows = {r.kpi: r for r in decision.decision_rows(_mean(A_RUNS), A_RUNS, _mean(B_RUNS), B_RUNS, "en")}
    assert rows["on_time_rate"].baseline == "91.0 %" and rows["on_time_rate"].verdict == "better"
    assert rows["on_time_rate"].change == "+5.0 points (in every replication)"  # never "± 0.0"
    # a time above three days reads in days, the change in the same unit; shorter is better
    assert rows["resolution_hours_p90"].baseline == "12.7 days" and rows["resolution_hours_p90"].verdict == "better"
    # money in thousand yuan, no scientific notation, more cost is worse
    assert rows["staff_cost_per_year"].baseline == "122,022 thousand yuan"
    assert rows["staff_cost_per_year"].change == "+31,000 thousand yuan (in every replication)"
    assert rows["staff_cost_per_year"].verdict == "worse"
    assert rows["petitions_per_10k"].verdict == "none"
    assert rows["petitions_per_10k"].change.endswith("not distinguishable from zero")
    zh = {r.kpi: r for r in decision.decision_rows(_mean(A_RUNS), A_RUNS, _mean(B_RUNS), B_RUNS, "zh")}
    assert zh["staff_cost_per_year"].baseline == "12,202 万元" and zh["resolution_hours_p90"].baseline == "12.7 天"
    assert not any("e+" in x for r in rows.values() for x in (r.baseline, r.variant, r.change))
    same = {r.kpi: r for r in decision.decision_rows(_mean(A_RUNS), A_RUNS, _mean(A_RUNS), A_RUNS, "en")}
    assert same["staff_cost_per_year"].change == "no change in any replication"  # not "+0 ± 0 (not significant)"


def test_a_figure_the_run_could_not_measure_and_runs_that_cannot_be_paired() -> None:
    above = [{**r, "resolution_hours_p90": None} for r in B_RUNS]
    rows = {r.kpi: r for r in decision.decision_rows(_mean(A_RUNS), A_RUNS, {"resolution_hours_p90": None},
                                                     above, "en")}
    assert rows["resolution_hours_p90"].variant == "above the horizon"
    # a 90th percentile the variant's curve never reaches is worse than any the baseline measured
    assert rows["resolution_hours_p90"].verdict == "worse"
    assert rows["resolution_hours_p90"].change == "the variant's is past the end of the run"
    # as the runs keep it: NaN with its flag (kpis.json), on either side
    flagged = [{**r, "resolution_hours_p90": math.nan, "resolution_hours_p90_above_horizon": 1.0} for r in A_RUNS]
    rows = {r.kpi: r for r in decision.decision_rows(_mean(flagged), flagged, _mean(B_RUNS), B_RUNS, "zh")}
    assert rows["resolution_hours_p90"].baseline == "超出仿真时长" and rows["resolution_hours_p90"].verdict == "better"
    rows = {r.kpi: r for r in decision.decision_rows(_mean(A_RUNS), A_RUNS, _mean(B_RUNS), B_RUNS[:1], "en")}
    assert rows["on_time_rate"].verdict == "unpaired"
    one = {r.kpi: r for r in decision.decision_rows(A_RUNS[0], A_RUNS[:1], B_RUNS[0], B_RUNS[:1], "en")}
    assert one["on_time_rate"].change == "+5.0 points (one replication each: no interval)"
    assert decision.fmt_number(-0.01) == "0.0" and decision.fmt_number(-5.5) == "−5.5"
    assert math.isnan(decision._change("on_time_rate", [], []).mean)


def test_levers_in_words() -> None:
    fulltime = Lever("staffing.fulltime_per_grid", "lever.fulltime", "int", "unit.people", 0, 10_000)
    rule = Lever("dispatch.rule", "lever.rule", "choice", choices=("fcfs", "edf"), group="dispatch")
    words = decision.changes([fulltime, rule], {fulltime.key: 1, rule.key: "fcfs"}, {fulltime.key: 2, rule.key: "edf"},
                             "en", lambda lv: lv.key.split(".")[-1])
    assert words == ["fulltime_per_grid 1 → 2", "rule first come, first served → earliest deadline first"]


def test_settings_survive_the_url() -> None:
    levers = [Lever("staffing.fulltime_per_grid", "lever.fulltime", "int", "", 0, 10),
              Lever("dispatch.reminders", "lever.reminders", "bool"),
              Lever("run.horizon_days", "lever.horizon", "float"),
              Lever("dispatch.grid_list_exclude", "lever.grid_list", "multi", choices=("a", "b")),
              Lever("dispatch.rule", "lever.rule", "choice", choices=("fcfs", "edf"))]
    chosen = {"lang": "zh", "territory": "county", "staffing.fulltime_per_grid": 3, "dispatch.reminders": False,
              "run.horizon_days": 20.0, "dispatch.grid_list_exclude": ["a", "b"], "dispatch.rule": "edf"}
    params = settings.encode(chosen, levers)
    assert settings.decode(params, levers, {"territory": ["township", "county"]}) == chosen
    # a hand-edited link: what does not parse is left at the base's value, never an error
    bad = {"lang": "fr", "territory": "/etc", "staffing.fulltime_per_grid": "x", "dispatch.rule": "nope",
           "run.horizon_days": "nan"}
    assert settings.decode(bad, levers, {"territory": ["county"]}) == {}


def test_a_cancelled_run_stops_in_its_thread() -> None:
    cleaned = []

    def work(on_stage: object) -> None:
        on_stage([Stage("stage.baseline", 1, 5.0)], 0)  # type: ignore[operator]
        try:
            while True:
                time.sleep(0.01)
        finally:
            cleaned.append(True)  # the run's own clean-up runs

    job = PageRun(work).start()
    time.sleep(0.1)
    assert job.running and 0.0 < job.fraction() < 0.99 and job.remaining() > 4.0
    job.cancel()
    assert not job.running and isinstance(job.error, RunCancelled) and cleaned == [True]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_about_panel_follows_the_step_table(lang: str) -> None:
    from sim.app.about import about_markdown
    from sim.app.labels import t
    from sim.engines.steps import STEPS

    text = about_markdown(lang)
    where = [text.index(f"**{t(f'step.{s.name}', lang)}**") for s in STEPS]
    assert where == sorted(where)


def test_the_cost_chart_keeps_to_one_territory() -> None:
    from dataclasses import replace
    from pathlib import Path

    from sim.app import workbench as wb
    from sim.runs.config import load_config

    town, county = load_config(["territory=township"]), load_config(["territory=county"])

    def outcome(name: str, cfg: object) -> wb.Outcome:
        return wb.Outcome(name=name, overrides=[], base=[], kpis={"staff_cost_per_year": 1.0}, ci={}, runs=[],
                          out_dir=Path("."), from_store=False, seconds=0.0, cfg=cfg)  # type: ignore[arg-type]

    history = [outcome("#1", town), outcome("#2", county), outcome("#3", town)]
    short = replace(town, run=replace(town.run, horizon_days=30.0))
    history.append(outcome("#4", short))
    assert list(wb.pareto_runs(history[2], history)) == ["#1", "#3"]
    assert list(wb.pareto_runs(history[1], history)) == ["#2"]


def test_an_interval_below_the_last_digit_is_its_bound_and_growth_has_its_unit() -> None:
    scale = (1.0, "u.hours")
    assert decision._fmt_change("on_time_rate", decision.Change(-0.015, 0.0004, "worse"), "en", scale) \
        == "−1.5 points ± <0.1"  # never "± 0.0"
    assert decision._fmt_change("staff_cost", decision.Change(-5_967_123.0, 0.4, "better"), "en", scale) \
        == "−5,967 thousand yuan ± <1"
    assert decision._fmt_change("backlog_growth_per_30d", decision.Change(63.53, 2.78, "worse"), "en", scale) \
        == "+64 a month ± 3"  # in the unit both sides are given in


def test_an_unstable_run_is_marked_and_kept_off_the_cost_front() -> None:
    import pandas as pd

    from sim.report.charts import pareto_chart

    table = pd.DataFrame({"scenario": ["baseline", "starved", "more staff"],
                          "staff_cost": [100e6, 90e6, 110e6], "on_time_rate": [0.90, 0.93, 0.95]})
    fig = pareto_chart(table, "en", unstable={"starved"})
    ax = fig.axes[0]
    front = next(line for line in ax.get_lines() if line.get_label() == "Pareto front")
    assert sorted(np.asarray(front.get_xdata()).tolist()) == [100.0, 110.0]  # the cheap starved run is off it
    legend = ax.get_legend()
    assert legend is not None and "unstable (off the front)" in [t.get_text() for t in legend.get_texts()]
    alone = pareto_chart(table, "en")  # without a verdict the cheaper run would have led it
    led = next(line for line in alone.axes[0].get_lines() if line.get_label() == "Pareto front")
    assert 90.0 in np.asarray(led.get_xdata()).tolist()


def test_open_matters_falling_on_both_sides_is_no_change_to_rank() -> None:
    """−9 against −7 a month: the variant falls more slowly, having fewer to clear; neither is better."""
    a = [{"backlog_growth_per_30d": -9.0 + e} for e in (0.1, -0.2, 0.3)]
    b = [{"backlog_growth_per_30d": -7.0 + e} for e in (0.2, -0.1, 0.1)]
    row = {r.kpi: r for r in decision.decision_rows(_mean(a), a, _mean(b), b, "en")}["backlog_growth_per_30d"]
    assert row.verdict == "not_growing" and row.change.endswith("open matters grow on neither side")
    grows = [{"backlog_growth_per_30d": 5.0 + e} for e in (0.2, -0.1, 0.1)]  # one side grows: its change counts
    row = {r.kpi: r for r in decision.decision_rows(_mean(a), a, _mean(grows), grows, "en")}["backlog_growth_per_30d"]
    assert row.verdict == "worse"


def test_the_baselines_own_answer_gives_its_figures_with_their_intervals() -> None:
    """A run with no lever changed has nothing to compare with: its headline figures, in the comparison's units."""
    kpis = {"on_time_rate": 0.931, "resolution_hours_p90": 283.6, "staff_cost_per_year": 137_309_600.0,
            "backlog_growth_per_30d": -9.2, "petitions_per_10k": 0.55}
    ci = {"on_time_rate": 0.004, "resolution_hours_p90": 5.0, "staff_cost_per_year": 1e-8, "petitions_per_10k": 0.001}
    rows = {name: (value, bound) for name, value, bound in decision.value_rows(kpis, ci, "en")}
    assert rows["on-time rate"] == ("93.1 %", "± 0.4 points")
    assert rows["90% of matters closed within"] == ("11.8 days", "± 0.2 days")
    assert rows["staff cost a year"] == ("137,310 thousand yuan", "the same in every replication")  # not "± 0"
    assert rows["growth of open matters"] == ("−9 a month", "–")  # no interval given: none shown
    assert rows["petitions per 10,000 residents a year"] == ("0.55", "± <0.01")  # below the last digit
    zh = {name: value for name, value, _b in decision.value_rows(kpis, {}, "zh")}
    assert zh["年人员成本"] == "13,731 万元" and zh["按期办结率"] == "93.1 %"


def test_a_change_too_small_to_show_is_not_called_better() -> None:
    """0.9 % → 0.9 %, "0.0 points ± <0.1 | better" read as a contradiction: it is no clear change."""
    a = [{"open_at_horizon_share": 0.0090 + e} for e in (0.0, 0.00001, 0.00002)]
    b = [{"open_at_horizon_share": 0.0089 + e} for e in (0.0, 0.00003, -0.00001)]
    row = {r.kpi: r for r in decision.decision_rows(_mean(a), a, _mean(b), b, "zh")}["open_at_horizon_share"]
    assert row.verdict == "too_small" and "变化过小" in row.change and "：" in row.change


def test_the_cost_chart_names_the_baseline_once_whichever_run_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from sim.app import workbench as wb
    from sim.report import charts
    from sim.runs.config import load_config

    cfg = load_config(["territory=township"])
    kpis = {"staff_cost_per_year": 2.6e7, "on_time_rate": 0.93}
    base = wb.Outcome(name="#1", overrides=[], base=[], kpis=kpis, ci={}, runs=[], out_dir=Path("/r/1"),
                      from_store=False, seconds=0.0, cfg=cfg)
    variant = wb.Outcome(name="#2", overrides=["staffing.fulltime_per_grid=2"], base=[], kpis=kpis, ci={}, runs=[],
                         out_dir=Path("/r/2"), from_store=False, seconds=0.0, cfg=cfg, baseline=base)
    drawn: list[list[str]] = []
    monkeypatch.setattr(charts, "pareto_chart", lambda table, *_a, **_k: drawn.append(list(table["scenario"])))
    monkeypatch.setattr(wb, "_png", lambda _fig: b"")
    for shown in (base, variant):
        wb.chart(shown, "pareto", "en", [base, variant])
    assert drawn == [["#1 (baseline)", "#2"], ["#1 (baseline)", "#2"]]


def test_a_cost_change_below_the_languages_unit_is_too_small_in_chinese() -> None:
    """+3,000 yuan a year reads "+3 thousand yuan" in English but "0 万元" in Chinese: there it is too small."""
    a = [{"staff_cost_per_year": 20_000_000.0 + i} for i in range(3)]
    b = [{"staff_cost_per_year": 20_003_000.0 + i} for i in range(3)]
    en = {r.kpi: r for r in decision.decision_rows(_mean(a), a, _mean(b), b, "en")}["staff_cost_per_year"]
    zh = {r.kpi: r for r in decision.decision_rows(_mean(a), a, _mean(b), b, "zh")}["staff_cost_per_year"]
    assert en.verdict == "worse" and en.change.startswith("+3 thousand yuan")
    assert zh.verdict == "too_small" and zh.change.startswith("0 万元")  # the verdict: no clear change


def test_a_percentile_past_one_horizon_is_not_ranked_between_runs_that_cannot_be_paired() -> None:
    """A 30-day run's p90 past its end is not worse than a year's 40 days: different horizons are not compared."""
    year = {"resolution_hours_p90": 960.0}
    month = {"resolution_hours_p90": math.nan, "resolution_hours_p90_above_horizon": 1.0}
    row = {r.kpi: r for r in decision.decision_rows(year, [], month, [], "en", comparable=False)}
    p90 = row["resolution_hours_p90"]
    assert p90.verdict == "unpaired" and p90.variant == "above the horizon"
    paired = {r.kpi: r for r in decision.decision_rows(year, [], month, [], "en")}  # the same horizon: worse
    assert paired["resolution_hours_p90"].verdict == "worse"
    ref = {r.kpi: r for r in decision.decision_rows(month, [], year, [], "en", a_side="dec.col.reference")}
    assert ref["resolution_hours_p90"].change == "the reference's is past the end of the run"


def test_the_baselines_own_percentile_past_the_horizon_reads_so() -> None:
    kpis = {"resolution_hours_p90": math.nan, "resolution_hours_p90_above_horizon": 1.0}
    rows = {name: value for name, value, _b in decision.value_rows(kpis, {}, "en")}
    assert rows["90% of matters closed within"] == "above the horizon"
