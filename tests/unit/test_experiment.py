"""The experiment runner (``sim.experiment``): specs, bad-spec errors, outputs, pairing, findings.

Runs are a township over 20 days (5 of warm-up) with the vector engine, a fraction of a
second per replication; the runner's results of one tiny spec are shared by the tests
that only read them (``tiny`` fixture, module scope).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from textwrap import dedent
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiment import list_specs, load_spec, outputs, run_experiment, run_named, runner
from sim.experiment.__main__ import main
from sim.experiment.findings import effect, findings, headlines
from sim.experiment.runner import ExperimentResult, run_replication, scenario_overrides, surge_kpis
from sim.experiment.spec import split_overrides
from sim.metrics.replications import paired_difference, summary_of
from sim.util.errors import ConfigError

TINY = ["territory=township", "run.horizon_days=20", "run.warmup_days=5"]
R = 3


def write_spec(tmp: Path, body: str, name: str = "tiny") -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(dedent(body), encoding="utf-8")
    return path


SPEC = """\
experiment:
  title: Staffing test
  title_zh: 人员测试
  question: One or two full-time workers per grid?
  base: [territory=township, run.horizon_days=20, run.warmup_days=5]
  replications: 3
  workers: 1
  baseline: one
  scenarios:
    one: {label: One per grid, label_zh: 每格1人, overrides: []}
    two: {label: Two per grid, label_zh: 每格2人, overrides: [staffing.fulltime_per_grid=2]}
  kpis: [resolution_hours_mean, discovery_hours_mean, on_time_rate, headcount_fulltime]
  charts: [bars, cdf, funnel, backlog, utilization, pareto]
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExperimentResult, Path]:
    tmp = tmp_path_factory.mktemp("exp")
    path = write_spec(tmp, SPEC)
    result, out = run_named(str(path), [f"run.results_dir={tmp / 'results'}"])
    assert result is not None  # a first run, not the store's answer
    return result, out


# ------------------------------------------------------------------------------ specs
def test_shipped_specs_load_typed_and_tune_staffing_is_not_one() -> None:
    names = list_specs()
    assert {"staffing", "grid_size", "dispatch", "county_to_township", "flood_volunteers", "all_subject",
            "hotline_share"} <= set(names)
    assert "tune_staffing" not in names
    spec = load_spec("dispatch")
    assert spec.name == "dispatch" and spec.baseline == "level_fcfs"
    assert spec.ordered()[0] == "level_fcfs" and len(spec.ordered()) == len(spec.scenarios)
    assert isinstance(spec.replications, int) and spec.kpis[0] == "resolution_hours_p90"
    assert spec.scenarios["unified_fcfs"].overrides == ["dispatch.mode=unified"]


def test_spec_overrides_edit_the_spec_and_pass_the_rest(tmp_path: Path) -> None:
    spec_ov, run_ov = split_overrides(["experiment.replications=4", "report.lang=zh", "run.horizon_days=9"])
    assert spec_ov == ["replications=4"] and run_ov == ["report.lang=zh", "run.horizon_days=9"]
    spec = load_spec(str(write_spec(tmp_path, SPEC)), spec_ov)
    assert spec.replications == 4
    ov = scenario_overrides(spec, run_ov)
    assert ov["two"][-1] == "run.replications=4"
    assert ov["two"].index("staffing.fulltime_per_grid=2") < ov["two"].index("run.horizon_days=9")


BAD = [
    ("title: x\n", "experiment", "no top-level 'experiment:' key"),
    (SPEC.replace("baseline: one", "baseline: three"), "experiment.baseline", "not one of the scenarios"),
    (SPEC.replace("replications: 3", "replications: lots"), "experiment.replications", ""),
    (SPEC.replace("replications: 3", "replications: 1"), "experiment.replications", ">= 2"),
    (SPEC.replace("  workers: 1", "  workerz: 1"), "experiment.workerz", "unknown key (did you mean 'workers'?)"),
    (SPEC.replace("charts: [bars,", "charts: [pie,"), "experiment.charts[0]", "unknown chart"),
    (SPEC.replace("overrides: [staffing", "overrides: [run.replications=5, staffing"),
     "experiment.scenarios.two.overrides[0]", "cannot vary"),
    (SPEC.replace("    two: {", "    two: 3\n    three: {"), "experiment.scenarios.two", ""),
    (SPEC.replace("kpis: [resolution_hours_mean, ", "kpis: ["), "", ""),  # still fine: a control
    ("experiment: [1, 2]\n", "experiment", "mapping"),
]


@pytest.mark.parametrize(("body", "key", "words"), BAD)
def test_bad_spec_is_one_line_naming_the_key(tmp_path: Path, body: str, key: str, words: str) -> None:
    path = write_spec(tmp_path, body)
    if not key:
        load_spec(str(path))
        return
    with pytest.raises(ConfigError) as err:
        load_spec(str(path))
    assert err.value.key == key, str(err.value)
    assert "\n" not in str(err.value) and str(err.value).startswith(key)
    assert words in str(err.value)


def test_bad_scenario_override_or_kpi_stops_before_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = load_spec(str(write_spec(tmp_path, SPEC.replace("fulltime_per_grid=2", "fulltime_per_grid=-1"))))
    with pytest.raises(ConfigError) as err:
        run_experiment(bad)
    assert err.value.key == "experiment.scenarios.two" and "staffing.fulltime_per_grid" in str(err.value)
    unknown = load_spec(str(write_spec(tmp_path, SPEC.replace("kpis: [", "kpis: [happiness, on_time_rat, "))))

    def no_replication(*_a: object) -> None:
        raise AssertionError("a replication ran before the spec's KPIs were checked")

    with monkeypatch.context() as m:
        m.setattr(runner, "run_replication", no_replication)
        with pytest.raises(ConfigError) as err:
            run_experiment(unknown)
    assert err.value.key == "experiment.kpis[0]" and "happiness" in str(err.value)
    near = load_spec(str(write_spec(tmp_path, SPEC.replace("kpis: [", "kpis: [on_time_rat, "))))
    with pytest.raises(ConfigError, match="did you mean 'on_time_rate'"):
        run_experiment(near)
    with pytest.raises(ConfigError, match="run.replications"):
        split_overrides(["run.replications=3"])


def test_entry_point_error_is_one_line_and_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path, SPEC)
    for args in ([str(path), "dispatch.rule=fastest"], [str(tmp_path / "missing.yaml")],
                 [str(path), "experiment.replications=one"], [str(path), "run.replications=2"]):
        assert main(args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("sim.experiment: error: "), err
    assert main([]) == 2 and main(["--help"]) == 0
    assert "dispatch" in capsys.readouterr().out


# ---------------------------------------------------------------------------- outputs
def test_runner_writes_tables_charts_finding_and_briefing(tiny: tuple[ExperimentResult, Path]) -> None:
    result, out = tiny
    assert out.parent.name == "experiments" and out.name.startswith("tiny-")
    for f in ("comparison.csv", "runs.csv", "cdf.csv", "funnel.csv", "backlog.csv", "utilization.csv", "cost.csv",
              "scenarios.csv", "spec.yaml", "finding.txt", "briefing.png", "briefing.pdf", "resolution_cdf.png",
              "level_funnel.png", "backlog.png", "utilization.png", "pareto.png",
              "bars_resolution_hours_mean.png", "bars_headcount_fulltime.png"):
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    assert not list(out.parent.glob(".partial-*"))
    comp = pd.read_csv(out / "comparison.csv")
    assert list(comp.columns[:3]) == ["scenario", "label", "kpi"]
    assert set(comp["stability"]) <= {"stable", "unstable (capacity)", "unstable (backlog growth)",
                                      "unstable (warm-up)"}
    assert set(result.stability) == {"one", "two"}
    assert set(comp["n"][comp["kpi"] == "resolution_hours_mean"]) == {R}
    base_rows = comp[comp["scenario"] == "one"]
    assert base_rows["diff_mean"].isna().all() and comp[comp["scenario"] == "two"]["diff_mean"].notna().any()
    text = (out / "finding.txt").read_text(encoding="utf-8")
    assert "Two per grid" in text and "95% CI" in text and "paired replications; a township, " in text
    assert "± 0 " not in text and "± 0\n" not in text  # a head-count the same in every replication has no spread
    back = pd.read_csv(out / "backlog.csv")
    assert {"scenario", "t_days", "open", "open_half_width"} <= set(back.columns)
    assert result.runs["two"][0]["headcount_fulltime"] == 2 * result.runs["one"][0]["headcount_fulltime"]


def test_the_briefing_is_titled_by_the_change_with_its_facts_and_verdict(
        tiny: tuple[ExperimentResult, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The experiment's briefing page is the comparison briefing's: the change, the facts, the verdict box."""
    seen: dict[str, Any] = {}

    def written(lines: list[str], figs: list[Any], title: str, stem: Path, lang: str, **kw: Any) -> None:
        seen.update(title=title, **kw)

    monkeypatch.setattr(outputs, "briefing", written)
    result, _out = tiny
    outputs.write_experiment(result)  # rewritten from the finished result: no replication runs again
    fulltime = result.cfgs["one"].staffing.fulltime_per_grid
    assert seen["title"] == f"Full-time workers per grid {fulltime} → 2"
    assert any(f.startswith("Territory: 1 county, 1 township") for f in seen["facts"])
    assert seen["verdict"] is not None and seen["verdict"].text


def test_comparison_uses_paired_differences(tiny: tuple[ExperimentResult, Path]) -> None:
    """The diff columns are replication-by-replication differences, and common random numbers
    make them much tighter than the two scenarios' own intervals combined (unpaired)."""
    result, out = tiny
    comp = pd.read_csv(out / "comparison.csv").set_index(["scenario", "kpi"])
    one, two = result.runs["one"], result.runs["two"]
    for k in ("resolution_hours_mean", "discovery_hours_mean"):
        d = paired_difference(one, two, k)
        assert math.isclose(comp["diff_mean"].to_dict()[("two", k)], d.mean, rel_tol=1e-9)
        assert math.isclose(comp["diff_half_width"].to_dict()[("two", k)], d.half_width, rel_tol=1e-9)
        a, b = summary_of([r[k] for r in one]), summary_of([r[k] for r in two])
        unpaired = math.hypot(a.half_width, b.half_width)  # narrower than a.hw + b.hw, so a harder bar
        assert d.half_width < 0.5 * unpaired, (k, d.half_width, unpaired)


def test_replications_are_those_of_sim_run() -> None:
    """Replication r of a scenario is replication r of sim.run(..., run.replications=R)."""
    ov = [*TINY, "engine=vector", "run.progress=false", "staffing.fulltime_per_grid=2", f"run.replications={R}"]
    ref = sim.run(ov, write=False)
    for r in range(R):
        got = run_replication("two", tuple(ov), r).kpis
        for k, v in ref.runs[r].items():
            if k != "engine_seconds":
                assert got[k] == pytest.approx(v, nan_ok=True), (r, k)


def test_worker_pool_gives_the_same_numbers(tiny: tuple[ExperimentResult, Path], tmp_path: Path) -> None:
    result, _ = tiny
    spec = load_spec(str(write_spec(tmp_path, SPEC)), ["workers=2", "replications=2"])
    pooled = run_experiment(spec)
    for s in ("one", "two"):
        for r in range(2):
            a, b = result.runs[s][r], pooled.runs[s][r]
            assert {k: a[k] for k in spec.kpis} == pytest.approx({k: b[k] for k in spec.kpis}, nan_ok=True)


def test_chinese_outputs(tmp_path: Path) -> None:
    body = SPEC.replace("replications: 3", "replications: 2").replace("charts: [bars, cdf, funnel, backlog, "
                                                                        "utilization, pareto]", "charts: [cdf]")
    path = write_spec(tmp_path, body)
    result, out = run_named(str(path), ["report.lang=zh", f"run.results_dir={tmp_path}"])
    assert result is not None and result.lang == "zh"
    text = (out / "finding.txt").read_text(encoding="utf-8")
    assert "每格2人" in text and "95%置信区间" in text and "结论" in text
    assert "一个乡镇" in text and "township" not in text  # the base in words, not the preset's key
    assert (out / "briefing.png").is_file() and (out / "briefing.pdf").is_file()


# --------------------------------------------------------------------------- findings
def _runs(values: list[float], key: str = "resolution_hours_p90") -> list[dict[str, float]]:
    return [{key: v} for v in values]


def test_finding_relative_change_with_paired_ci() -> None:
    base = _runs([100.0, 110.0, 90.0, 105.0])
    better = _runs([70.0, 76.0, 62.0, 74.0])
    e = effect(base, better, "resolution_hours_p90")
    d = paired_difference(base, better, "resolution_hours_p90")
    assert e.clear and e.diff.mean == pytest.approx(d.mean)
    text = findings({"a": base, "b": better}, "a", ["resolution_hours_p90"], {"b": "Unified dispatch (一体派单)"},
                    "en")["b"]
    rel = f"{abs(d.mean) / 101.25 * 100:.0f}%"
    assert text.startswith("Unified dispatch (一体派单) lowers the 90th percentile resolution time by " + rel)
    assert "(95% CI, 4 paired replications)" in text
    zh = findings({"a": base, "b": better}, "a", ["resolution_hours_p90"], {"b": "一体派单"}, "zh")["b"]
    assert zh.startswith("一体派单使办结时长90分位下降") and "4次配对重复" in zh


def test_finding_says_no_clear_change_and_points_for_rates() -> None:
    base = {"x": [100.0, 110.0, 90.0, 105.0], "on_time_rate": [0.90, 0.91, 0.89, 0.90]}
    same = {"x": [101.0, 108.0, 92.0, 104.0], "on_time_rate": [0.92, 0.93, 0.91, 0.92]}
    runs = {s: [{k: v[i] for k, v in d.items()} for i in range(4)] for s, d in (("a", base), ("b", same))}
    text = findings(runs, "a", ["x", "on_time_rate"], {}, "en")["b"]
    assert text.startswith("b: no clear change in the x (")
    assert "on-time rate from 90.0% to 92.0%" in text
    text = findings(runs, "a", ["on_time_rate", "x"], {}, "en")["b"]
    assert "raises the on-time rate by 2.0 points" in text and "no clear change in x" in text
    lines = headlines(runs, "a", ["x", "on_time_rate"], {"a": "A", "b": "B"}, "en")
    assert 3 <= len(lines) <= 5 and lines[0].startswith("Baseline (A)")


def test_surge_kpis_clear_days() -> None:
    t = np.arange(0.0, 60.0)
    open_ = np.full(t.size, 100.0)
    open_[30:40] = np.linspace(150, 400, 10)  # surge days 30-40
    open_[40:50] = np.linspace(380, 120, 10)  # draining: <= 110 only from day 50
    out = surge_kpis(t, open_, [(30.0, 40.0)])
    assert out["backlog_peak"] == 400.0 and out["clear_days"] == 10.0
    open_[50:] = 200.0
    assert math.isnan(surge_kpis(t, open_, [(30.0, 40.0)])["clear_days"])
    assert surge_kpis(t, open_, []) == {}


@pytest.mark.parametrize("script", sorted((Path(__file__).resolve().parents[2] / "experiments").glob("*/run.py")),
                         ids=lambda p: p.parent.name)
def test_each_experiment_script_runs_the_spec_beside_it(script: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    # a bad spec edit stops before anything runs: the script found its own spec, by its folder's name
    import runpy

    assert (script.parent / "spec.yaml").is_file()
    monkeypatch.setattr(sys, "argv", [str(script), "experiment.replications=0"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(script), run_name="__main__")
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "experiment.replications" in err[0], err


def _quick_spec(tmp_path: Path) -> tuple[Path, list[str]]:
    """The test spec with two replications and one chart, and the arguments that keep its results in ``tmp_path``."""
    body = SPEC.replace("replications: 3", "replications: 2").replace("charts: [bars, cdf, funnel, backlog, "
                                                                        "utilization, pareto]", "charts: [cdf]")
    return write_spec(tmp_path, body), [f"run.results_dir={tmp_path / 'results'}"]


def test_a_repeated_experiment_is_answered_from_the_store(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    path, args = _quick_spec(tmp_path)
    first, out = run_named(str(path), args)
    assert first is not None
    said: list[str] = []
    again, same = run_named(str(path), [*args, "experiment.workers=2"], echo=said.append)  # workers change nothing
    assert again is None and same == out
    assert said[0].startswith("served from the store") and said[-1] == f"\nresults: {out}"
    assert (out / "finding.txt").read_text(encoding="utf-8").rstrip() in said
    changed, other = run_named(str(path), [*args, "run.seed=7"])  # another seed is another experiment
    assert changed is not None and other != out
    forced, fresh = run_named(str(path), [*args, "experiment.reuse=false"])
    assert forced is not None and fresh not in (out, other)
    with sqlite3.connect(tmp_path / "results" / "runs.sqlite") as con:
        rows = con.execute("SELECT name, scenarios, replications, seed FROM experiments ORDER BY created").fetchall()
    assert rows == [("tiny", 2, 2, 12345), ("tiny", 2, 2, 7), ("tiny", 2, 2, 12345)]
    for d in (out, fresh):  # a deleted directory is never served
        shutil.rmtree(d)
    rerun, newest = run_named(str(path), args)
    assert rerun is not None and newest.is_dir()


def test_an_edited_or_incomplete_experiment_is_not_served(tmp_path: Path) -> None:
    path, args = _quick_spec(tmp_path)
    _first, out = run_named(str(path), args)
    assert (out / "manifest.json").is_file()  # every file's size and checksum, written last
    (out / "finding.txt").write_text("tampered\n", encoding="utf-8")
    said: list[str] = []
    again, fresh = run_named(str(path), args, echo=said.append)
    assert again is not None and fresh != out and "tampered" not in "\n".join(said)
    assert any(f"({out}) cannot be served: finding.txt has" in s for s in said), said
    (fresh / "comparison.csv").unlink()
    said.clear()
    third, newest = run_named(str(path), args, echo=said.append)
    assert third is not None and newest not in (out, fresh)
    assert any("cannot be served: comparison.csv is missing" in s for s in said), said


def test_a_scenario_too_long_for_the_pre_flight_stops_the_experiment_before_it_runs(tmp_path: Path) -> None:
    body = SPEC.replace("overrides: [staffing.fulltime_per_grid=2]",
                        "overrides: [engine=agent, run.horizon_days=36500]")
    path = write_spec(tmp_path, body)
    with pytest.raises(ConfigError) as err:
        run_named(str(path), [f"run.results_dir={tmp_path / 'results'}"])
    assert err.value.key == "experiment.scenarios.two" and "set run.confirm=true" in str(err.value)
    assert not (tmp_path / "results").exists()  # nothing simulated, nothing written


def test_an_experiment_too_big_for_memory_is_not_told_to_stream(tmp_path: Path) -> None:
    """Experiments run in this process: the refusal's advice leaves out engine.backend=ray, which a run has."""
    body = SPEC.replace("base: [territory=township, run.horizon_days=20, run.warmup_days=5]",
                        "base: [territory=city, territory.counties=2000]")
    with pytest.raises(ConfigError) as err:
        run_named(str(write_spec(tmp_path, body)), [f"run.results_dir={tmp_path / 'results'}"])
    assert err.value.key.startswith("experiment.scenarios.") and "of memory" in str(err.value)
    assert "at most about" in str(err.value) and "engine.backend=ray" not in str(err.value)


def test_an_experiment_refuses_the_ray_backend_rather_than_ignore_it(tmp_path: Path) -> None:
    spec = load_spec(str(write_spec(tmp_path, SPEC)))
    with pytest.raises(ConfigError) as err:
        run_experiment(spec, ["engine.backend=ray"])
    assert err.value.key == "engine.backend" and "in this process" in str(err.value)
    assert not list(tmp_path.glob("**/finding.txt"))


def test_the_kpi_probe_leaves_utilisations_to_the_first_replication(tmp_path: Path) -> None:
    """The probe's day can be a holiday (no working hours, no utilisation figures): a utilisation a full run
    gives is not refused before the run."""
    body = SPEC.replace("kpis: [", "kpis: [utilization_module, utilization_role_module, ")
    spec = load_spec(str(write_spec(tmp_path, body)))
    result = run_experiment(spec, ["calendar.holidays=[1]"])
    assert "utilization_module" in result.runs[spec.baseline][0]
