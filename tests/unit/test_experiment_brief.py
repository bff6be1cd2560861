"""An experiment briefing uses the comparison briefing's parts: the change as title, the facts, the verdict box."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from textwrap import dedent

from sim.experiment.brief import briefing_parts
from sim.experiment.runner import ExperimentResult, scenario_overrides
from sim.experiment.spec import load_spec
from sim.metrics.stability import Reason, Stability
from sim.runs.config import load_config

SPEC = """\
experiment:
  title: Staffing test
  title_zh: 人员测试
  base: [territory=township, run.horizon_days=20, run.warmup_days=5]
  replications: 2
  baseline: one
  scenarios:
    one: {label: One per grid, label_zh: 每格1人, overrides: []}
    two: {label: Two per grid, label_zh: 每格2人, overrides: [staffing.fulltime_per_grid=2]}
  kpis: [resolution_hours_mean, on_time_rate, headcount_fulltime]
  charts: [bars, cdf, funnel]
"""
UNSTABLE = Stability("unstable", "capacity", (Reason("capacity", "platform", "township", 1.48, text="x"),))
WHEN = dt.date(2026, 3, 5)


def _result(tmp: Path, lang: str, stability: dict[str, Stability], body: str = SPEC) -> ExperimentResult:
    path = tmp / "tiny.yaml"
    path.write_text(dedent(body), encoding="utf-8")
    spec = load_spec(str(path), [])
    overrides = scenario_overrides(spec, [f"report.lang={lang}"])
    cfgs = {s: load_config(ov) for s, ov in overrides.items()}
    runs = {s: [{"on_time_rate": 0.8, "resolution_hours_mean": 10.0, "headcount_fulltime": 1.0}] * 2 for s in cfgs}
    return ExperimentResult(spec=spec, overrides=overrides, cfgs=cfgs, runs=runs, tables={}, backlog={},
                            unstable={}, stability=stability)


def test_one_change_is_the_title_with_the_facts_and_verdict(tmp_path: Path) -> None:
    fulltime = load_config(["territory=township"]).staffing.fulltime_per_grid
    en = briefing_parts(_result(tmp_path, "en", {"one": Stability(), "two": Stability()}), WHEN)
    assert en.title == f"Full-time workers per grid {fulltime} → 2"
    text = "\n".join(en.facts)
    assert "Experiment: Staffing test" in text and "Territory: 1 county, 1 township" in text
    assert "Replications: 2 for every scenario" in text and "Date: 5 March 2026" in text
    assert en.verdict.stable is True and en.verdict.text.startswith("Every scenario: Stable")

    zh = briefing_parts(_result(tmp_path, "zh", {"one": Stability(), "two": UNSTABLE}), WHEN)
    assert zh.title == f"每网格专职网格员 {fulltime} → 2" and "日期：2026年3月5日" in zh.facts
    assert zh.verdict.stable is False and zh.verdict.text.startswith("每格2人：不稳定")


def test_several_changes_list_each_scenario_under_the_experiments_title(tmp_path: Path) -> None:
    three = "    three: {label: Unified, overrides: [dispatch.mode=unified]}\n"
    result = _result(tmp_path, "en", {}, body=SPEC.replace("  kpis:", three + "  kpis:"))
    parts = briefing_parts(result, WHEN)
    assert parts.title == "Staffing test"
    assert "Compared: 2 scenarios against the baseline, One per grid" in parts.facts
    assert any(f.startswith("Unified: Dispatch mode") for f in parts.facts), parts.facts
    assert parts.verdict.stable is None  # no verdicts: not assessed, and the box says so


def test_a_short_warm_up_is_said_as_a_start_up_transient_and_sentences_join_cleanly(tmp_path: Path) -> None:
    warm = Stability("unstable", "warm-up", (Reason("warmup", text="x"),))
    en = briefing_parts(_result(tmp_path, "en", {"one": warm, "two": UNSTABLE}), WHEN).verdict.text
    one, two = en.split(" Two per grid: ")
    assert one.startswith("One per grid: Unstable (warm-up)") and "start-up" in one and "run.warmup_days" in one
    assert "piles up" not in one  # a transient, not a backlog that grows
    assert two.startswith("Unstable (capacity)") and "piles up" in two
    zh = briefing_parts(_result(tmp_path, "zh", {"one": warm, "two": UNSTABLE}), WHEN).verdict.text
    assert "过渡阶段" in zh and "持续积压" in zh and "。；" not in zh and "。每格2人：不稳定" in zh
