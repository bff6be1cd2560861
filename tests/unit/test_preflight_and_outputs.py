"""Issue 13's failing cases as tests: pre-flight estimate, instant check, warm-up default, warnings,
strict JSON and labelled Parquet (read with DuckDB)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim
from sim.checks.preflight import check_fits, estimate, expected_matters, village_table
from sim.entry.cli import main
from sim.matters.occur import expected_counts
from sim.runs.api import run
from sim.runs.config import load_config, load_config_noted
from sim.scenario.lever_warnings import lever_warnings
from sim.scenario.territory import build_territory
from sim.util.errors import ConfigError
from sim.util.strict_json import dumps

TB = ["scenario=textbook", "run.horizon_days=20", "run.warmup_days=0", "report.charts=false"]


# ------------------------------------------------------------------ pre-flight
@pytest.mark.parametrize("overrides", [["territory=township"], ["territory=county"], ["territory=township",
                                       "scenario=flood", "run.horizon_days=200"], ["scenario=textbook"]])
def test_expected_matters_equal_those_of_the_built_territory(overrides: list[str]) -> None:
    cfg = load_config(overrides)
    base, surges = expected_counts(cfg, build_territory(cfg))
    assert expected_matters(cfg, village_table(cfg)) == pytest.approx(base + sum(surges), rel=1e-9)


def test_estimate_counts_the_units_the_territory_will_have() -> None:
    cfg = load_config(["territory=county"])
    terr = build_territory(cfg)
    est = estimate(cfg)
    assert est.units == {"counties": terr.n_counties, "townships": terr.n_townships, "villages": terr.n_villages,
                         "grids": terr.n_grids}
    assert est.residents == pytest.approx(terr.residents)


def test_an_over_large_territory_is_refused_in_under_a_second() -> None:
    cfg = load_config(["territory=city", "territory.counties=2000"])
    t0 = time.process_time()  # CPU time: the work itself, whatever else runs on the machine
    est = estimate(cfg)
    with pytest.raises(ConfigError) as info:
        check_fits(cfg, est)
    assert time.process_time() - t0 < 1.0
    msg = str(info.value)
    assert info.value.key == "territory.counties" and "\n" not in msg
    assert "GB of memory" in msg and "available" in msg and "run.simulate=false" in msg
    assert est.matters > 5e8 and not est.fits


def test_a_fitting_run_is_not_refused() -> None:
    cfg = load_config(["territory=township"])
    est = estimate(cfg)
    assert est.fits
    check_fits(cfg, est)


def test_a_long_agent_run_says_how_long_and_what_the_vector_engine_would_take() -> None:
    cfg = load_config(["territory=township", "engine=agent", "run.horizon_days=20000"])
    est = estimate(cfg)
    assert est.long and est.engine == "agent" and est.seconds > 30 * est.vector_seconds
    note = est.long_note()
    assert "vector engine would take" in note and "engine=vector" in note


class _Stop(Exception):
    pass


def test_the_long_run_note_is_printed_before_the_run_starts() -> None:
    lines: list[str] = []

    def echo(line: str) -> None:
        lines.append(line)
        if line.startswith("note:"):
            raise _Stop  # stop before the long run it announces (run.confirm=true: it would start)

    with pytest.raises(_Stop):
        run(["territory=township", "engine=agent", "run.horizon_days=20000", "run.confirm=true"], write=False,
            echo=echo)
    assert any(line.startswith("pre-flight:") for line in lines)
    assert not any(line.startswith("engine:") for line in lines)


@pytest.mark.parametrize("overrides", [["territory=city"], ["territory=city", "territory.counties=2000"]])
def test_the_check_alone_is_instant_for_any_territory(overrides: list[str]) -> None:
    cfg = load_config([*overrides, "run.simulate=false"])
    run([*overrides, "run.simulate=false"], write=False)  # the first call imports and compiles what it needs
    from sim.runs.source import quick_capacity_of as quick_capacity

    # CPU time (all threads): on a loaded machine the wall clock also counts the wait for a free core
    t0 = time.process_time()
    est = estimate(cfg)
    report, _ = quick_capacity(cfg, est.matters, est.units["grids"])
    assert time.process_time() - t0 < 1.0
    assert report.units["counties"] == cfg.territory.counties
    assert report.matters_per_day * cfg.run.horizon_days == pytest.approx(est.matters, rel=0.02)


def test_the_check_alone_agrees_with_the_full_check() -> None:
    full = run(["territory=county", "run.simulate=true", "run.horizon_days=60"], write=False).capacity
    quick = run(["territory=county", "run.simulate=false", "run.horizon_days=60"], write=False).capacity
    assert quick.units == full.units and quick.staff == full.staff
    assert quick.matters_per_day == pytest.approx(full.matters_per_day)
    for a, b in zip(quick.loads, full.loads, strict=True):
        assert a.name == b.name and a.capacity_hours_per_day == pytest.approx(b.capacity_hours_per_day)
        # only the hotline share is sampled (20,000 matters): the platform's arrivals within a few percent
        assert a.arrivals_per_day == pytest.approx(b.arrivals_per_day, rel=0.05, abs=0.5)


def test_the_check_alone_writes_only_what_it_says(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["territory=city", "territory.counties=2000", "run.simulate=false",
                 f"run.results_dir={tmp_path}"]) == 0
    out = capsys.readouterr().out
    written = out.strip().splitlines()[-1].removeprefix("results: ")
    assert [p for p in tmp_path.iterdir()] == [Path(written)]
    # manifest.json: every results directory lists its files with their sizes and checksums (sim.runs.manifest)
    assert {p.name for p in Path(written).iterdir()} == {"config.yaml", "overrides.txt", "capacity.json",
                                                       "manifest.json"}
    assert "scaled" in out and "pre-flight:" in out


# ------------------------------------------------------------------ warm-up
def test_the_default_warm_up_fits_a_short_horizon() -> None:
    cfg, notes = load_config_noted(["territory=township", "run.horizon_days=10"])
    assert cfg.run.warmup_days == 2.5 and "2.5 days" in notes[0]
    cfg, notes = load_config_noted(["territory=township"])
    assert cfg.run.warmup_days == 90 and notes
    cfg, notes = load_config_noted(["territory=township", "run.warmup_days=3"])
    assert cfg.run.warmup_days == 3 and not notes


def test_a_first_time_user_can_run_ten_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["territory=township", "run.horizon_days=10", "report.charts=false", "run.progress=false",
                 f"run.results_dir={tmp_path}"]) == 0
    assert "warm-up: 2.5 days" in capsys.readouterr().out


# ------------------------------------------------------------------ warnings
def test_the_flood_preset_warns_when_the_horizon_ends_before_its_surge(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(["territory=township", "scenario=flood", "run.horizon_days=60"])
    (w,) = lever_warnings(cfg)
    assert w.startswith("scenario.surges[0] (flood) starts on day 180")
    assert not lever_warnings(load_config(["territory=township", "scenario=flood"]))
    assert not lever_warnings(load_config(["territory=township"]))


@pytest.mark.parametrize(("overrides", "key"), [
    (["staffing.volunteers_per_township=100"], "staffing.volunteers_per_township"),
    (["catalog.deadlines.general=400", "catalog.deadlines.complex=400", "catalog.deadlines.emergency=400",
      "catalog.deadlines.help=400", "catalog.deadlines.complaint=400"], "dispatch.reminders"),
    (["scenario=textbook", "staffing.fulltime_per_grid=3"], "staffing.fulltime_per_grid"),
    (["staffing.module_staff.discipline=9"], "staffing.module_staff.discipline"),
    (["dispatch.nearest_speed_kmh=30"], "dispatch.nearest_speed_kmh"),
    (["scenario=flood", "staffing.volunteers_per_township=0"], "scenario.surges[0].volunteers"),
])
def test_a_lever_that_does_nothing_is_named(overrides: list[str], key: str) -> None:
    warnings = lever_warnings(load_config(["territory=township", *overrides]))
    assert any(w.startswith(key) for w in warnings), warnings


def test_warnings_are_printed_and_kept_in_the_results(tmp_path: Path) -> None:
    lines: list[str] = []
    res = run(["territory=township", "scenario=flood", "run.horizon_days=35", "report.charts=false",
               "run.progress=false", f"run.results_dir={tmp_path}"], echo=lines.append)
    assert any(line.startswith("warning: scenario.surges[0]") for line in lines)
    assert res.out_dir is not None
    assert (res.out_dir / "warnings.txt").read_text().startswith("warning: scenario.surges[0]")
    assert json.loads((res.out_dir / "kpis.json").read_text())["warnings"] == res.warnings


# ------------------------------------------------------------------ strict JSON and labels
def _strict_load(text: str) -> Any:
    def bad(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=bad)


def test_strict_json_writes_null_for_undefined_numbers() -> None:
    text = dumps({"a": math.nan, "b": [math.inf, 1.5], "c": np.float64("nan"), "d": np.int64(3)})
    assert _strict_load(text) == {"a": None, "b": [None, 1.5], "c": None, "d": 3}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> sim.RunResult:
    out = tmp_path_factory.mktemp("labelled")
    return run(["territory=township", "run.horizon_days=20", "run.warmup_days=2", "report.charts=false",
                "run.progress=false", f"run.results_dir={out}"])


def test_every_json_output_is_strict_json(written: sim.RunResult) -> None:
    assert written.out_dir is not None
    kpis = _strict_load((written.out_dir / "kpis.json").read_text())
    assert kpis["replications"] == 1
    assert all(v is None for v in kpis["ci_half_width"].values())  # one replication: undefined, not NaN
    _strict_load((written.out_dir / "capacity.json").read_text())


def test_parquet_records_carry_labels_read_with_duckdb(written: sim.RunResult) -> None:
    assert written.out_dir is not None and written.records is not None
    matters = written.out_dir / "matters.parquet"
    counts = duckdb.sql(f"""
        SELECT category_label, status_label, count(*) AS n
        FROM '{matters}' GROUP BY ALL ORDER BY n DESC""")
    assert counts is not None  # a SELECT has a result relation
    rows = counts.fetchall()
    names = set(written.records.meta["category_names"])
    assert rows and {r[0] for r in rows} <= names
    assert sum(r[2] for r in rows) == written.records.matters.n
    sample = duckdb.sql(f"SELECT grid, grid_code, village_code, township_code FROM '{matters}' USING SAMPLE 50")
    assert sample is not None
    grid = sample.fetchall()
    codes = written.records.stations.code
    for g, gc, vc, tc in grid:
        assert gc == codes[g] and gc.startswith(vc + "-G") and vc.startswith(tc + "-V")
    visits = written.out_dir / "visits.parquet"
    visit_rel = duckdb.sql(f"SELECT station, station_code, outcome_label, level_label FROM '{visits}'")
    assert visit_rel is not None
    v = visit_rel.df()
    assert (v["station_code"] == [codes[s] for s in v["station"]]).all()
    assert set(v["outcome_label"]) <= {"settled", "escalated", "transferred", "abandoned", "redirected", "open"}
    meta = pq.read_schema(matters).metadata
    assert meta[b"gridsim.schema_version"] == b"1"
    assert json.loads(meta[b"gridsim"])["units"]["t_occur"].startswith("hours")


def test_labels_do_not_change_the_code_columns(written: sim.RunResult) -> None:
    assert written.out_dir is not None and written.records is not None
    frame = pd.read_parquet(written.out_dir / "matters.parquet")
    expected = written.records.matters_frame()
    pd.testing.assert_frame_equal(frame[list(expected.columns)], expected)
    undiscovered = frame["channel"] == -1
    assert frame.loc[undiscovered, "channel_label"].isna().all()
    assert (frame.loc[~undiscovered, "channel_label"].notna()).all()


def test_an_overflowing_horizon_in_a_sweep_is_a_failed_row_naming_the_key(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    sweep = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "sim.entry.cli", "-m", "scenario=textbook", "run.warmup_days=0", "report.charts=false",
           "run.horizon_days=5,1e308", f"run.results_dir={tmp_path / 'results'}", f"hydra.sweep.dir={sweep}"]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])  # this checkout first
    p = subprocess.run(cmd, cwd=tmp_path, env={**os.environ, "PYTHONPATH": path}, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 3, p.stderr  # a sweep with a failed job exits 3 after finishing the others
    table = pd.read_csv(sweep / "sweep.csv", keep_default_na=False)
    assert list(table["status"]) == ["ok", "failed"]
    assert table["error"].iloc[1] == "run.horizon_days: must be at most 36,500 (days, 100 years), got 1e+308"
    assert "Traceback" not in p.stderr
