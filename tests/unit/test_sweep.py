"""Multiruns (``gridsim -m``): one sweep table, failed jobs recorded, reruns resume, bad input is one line.

Each multirun is a subprocess (Hydra's global state must not leak between tests) on the
textbook preset with a 10-day horizon, so a job takes well under a second of engine time.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.sweep.collect import (
    JobRecord,
    SweepTable,
    job_key,
    kpi_columns,
    read_records,
    record_path,
    sweep_table,
    write_record,
)
from sim.sweep.tune import Objective, best_trial, objective_from, trials_table

GRIDSIM = [sys.executable, "-m", "sim.entry.cli"]
FAST = ["scenario=textbook", "run.horizon_days=10", "run.warmup_days=0"]


def multirun(tmp: Path, *args: str, sweep: str = "sweep") -> tuple[subprocess.CompletedProcess[str], Path]:
    sweep_dir = tmp / sweep
    results = [] if any(a.startswith("run.results_dir=") for a in args) else [f"run.results_dir={tmp / 'results'}"]
    cmd = [*GRIDSIM, "-m", *FAST, *args, *results, f"hydra.sweep.dir={sweep_dir}"]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300)
    return p, sweep_dir


def test_basic_multirun_writes_one_table_and_each_jobs_results(tmp_path: Path) -> None:
    p, sweep = multirun(tmp_path, "textbook.servers=1,2")
    assert p.returncode == 0, p.stderr
    table = pd.read_csv(sweep / "sweep.csv")
    parquet = pd.read_parquet(sweep / "sweep.parquet")
    assert list(parquet.columns) == list(table.columns)
    pd.testing.assert_frame_equal(parquet[kpi_columns(parquet)], table[kpi_columns(table)], check_exact=False)
    assert list(table["textbook.servers"]) == [1, 2]
    assert list(table["job"]) == [0, 1] and set(table["status"]) == {"ok"}
    assert {"scenario", "run.horizon_days", "error", "results_dir", "on_time_rate", "engine_seconds"} <= set(table)
    assert table["stability"].str.match(r"^(stable|unstable \(.+\))$").all()  # each job's verdict
    for _, row in table.iterrows():  # the row's KPIs are the job's own results directory's
        out = Path(row["results_dir"])
        assert out.parent == tmp_path / "results"
        saved = json.loads((out / "kpis.json").read_text())["kpis"]
        assert row["wait_hours_mean"] == pytest.approx(saved["wait_hours_mean"], rel=1e-12)
        assert "run.progress=false" in (out / "overrides.txt").read_text()  # jobs draw no bars
    wait = table["wait_hours_mean"].astype(float).tolist()
    assert wait[1] < wait[0]  # two servers queue less
    assert "[1/2]" in p.stdout and "[2/2]" in p.stdout and ": ok in " in p.stdout
    assert "\r" not in p.stdout + p.stderr and "it/s" not in p.stderr
    assert f"table: {sweep / 'sweep.csv'}" in p.stdout
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()


def test_failed_job_is_recorded_and_rerun_skips_completed_jobs(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"  # a file where the second job's results_dir needs a directory
    blocker.write_text("not a directory\n")
    args = ("textbook.servers=2", f"run.results_dir={tmp_path / 'a'},{blocker / 'b'}")
    p, sweep = multirun(tmp_path, *args)
    assert p.returncode == 3, p.stderr  # a job failed: the sweep is incomplete (sim.util.errors.EXIT_JOBS_FAILED)
    table = pd.read_csv(sweep / "sweep.csv", keep_default_na=False)
    assert list(table["status"]) == ["ok", "failed"]
    errors = table["error"].astype(str).tolist()
    # checked before the job simulates: one line naming the key (issue 13)
    assert errors[1].startswith("run.results_dir: ") and "which is a file" in errors[1] and errors[0] == ""
    assert "[2/2] failed (job 1 in the table)" in p.stdout and "[2/2]" in p.stdout.split("sweep:")[0]
    first = {r.job: r for r in read_records(sweep)}
    marker = record_path(sweep, first[0].overrides)
    stamp = marker.stat().st_mtime_ns

    blocker.unlink()  # the cause is gone: the rerun completes the sweep
    p2, _ = multirun(tmp_path, *args)
    assert p2.returncode == 0, p2.stderr
    assert "[1/2]" in p2.stdout and "done in an earlier run, skipped" in p2.stdout
    assert marker.stat().st_mtime_ns == stamp  # the completed job was not run again
    again = {r.job: r for r in read_records(sweep)}
    assert (again[0].attempts, again[1].attempts) == (1, 2)
    table2 = pd.read_csv(sweep / "sweep.csv")
    assert list(table2["status"]) == ["ok", "ok"] and len(table2) == 2
    dirs = table2["results_dir"].astype(str).tolist()
    assert dirs[0] == str(table["results_dir"].iloc[0]) and Path(dirs[1]).parent == blocker / "b"
    kpis = table2[kpi_columns(table2)].to_numpy(dtype=float)
    assert np.array_equal(kpis[0], kpis[1], equal_nan=True)  # same overrides but the directory: same KPIs


def test_an_invalid_value_fails_its_job_only(tmp_path: Path) -> None:
    p, sweep = multirun(tmp_path, "staffing.fulltime_per_grid=1,-1")
    assert p.returncode == 3, p.stderr
    table = pd.read_parquet(sweep / "sweep.parquet")
    assert list(table["status"]) == ["ok", "failed"]
    assert table.loc[1, "error"] == "staffing.fulltime_per_grid: must be a whole number >= 0, got -1"
    on_time = table["on_time_rate"].astype(float).tolist()
    assert math.isnan(on_time[1]) and on_time[0] > 0


BAD = [
    (["staffing.fulltime_per_grd=1,2"], "staffing.fulltime_per_grd: unknown key"),
    (["textbook.servers=1,1.5"], "textbook.servers: must be an integer"),  # would stop Hydra mid-sweep
    (["run.horizon_days=0", "textbook.servers=1,2"], "run.horizon_days"),  # every job would fail
    (["textbook.servers=1,2", "hydra/launcher=nope"], "hydra.launcher: unknown preset 'nope'"),
    (["textbook.servers=[1,2"], "textbook.servers"),
    (["textbook.servers=1,2", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0"],  # joblib would fail once started
     "hydra.launcher.n_jobs: must be the number of jobs at once"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_overrides_are_one_line_exit_2_and_write_nothing(args: list[str], message: str, tmp_path: Path) -> None:
    p, sweep = multirun(tmp_path, *args)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridsim: error: ") and message in lines[0], p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    assert not sweep.exists() and not (tmp_path / "results").exists()


def test_tuning_smoke_finds_a_feasible_cheapest_trial(tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    sweep = tmp_path / "tune"
    cmd = [*GRIDSIM, "-m", "+experiment=tune_staffing", "territory=township", "run.horizon_days=20",
           "run.warmup_days=0", "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1",
           f"run.results_dir={tmp_path / 'results'}", f"hydra.sweep.dir={sweep}"]
    p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    trials = pd.read_csv(sweep / "trials.csv")
    assert len(trials) == 3 and set(trials["status"]) == {"ok"}
    assert {"staffing.fulltime_per_grid", "staffing.department_staff.urban_construction", "staff_cost",
            "on_time_rate", "objective"} <= set(trials)
    spec = Objective()
    assert "stability" in trials
    for _, row in trials.iterrows():
        assert row["objective"] == pytest.approx(spec({"staff_cost": row["staff_cost"],
                                                      "on_time_rate": row["on_time_rate"]},
                                                     stable=not str(row["stability"]).startswith("unstable")))
    best = json.loads((sweep / "best.json").read_text())
    assert best["objective"] == pytest.approx(trials["objective"].min())
    assert set(best["params"]) >= {"staffing.fulltime_per_grid", "staffing.committee_per_village"}
    assert (sweep / "optimization_results.yaml").is_file() and (sweep / "sweep.csv").is_file()
    assert (sweep / "trials_pareto.png").stat().st_size > 10_000  # the trials on the cost / on-time chart


# ----------------------------------------------------------------- in-process units


def test_job_key_ignores_order_and_table_types_columns() -> None:
    assert job_key(["b=2", "a=1"]) == job_key(["a=1", "b=2"])
    recs = [JobRecord(0, ["x.n=1", "mode=level"], "ok", kpis={"k": 1.0, "engine_seconds": 0.1},
                      stability="unstable (capacity)"),
            JobRecord(1, ["x.n=two", "mode=unified", "+extra=3"], "failed", error="x.n: bad")]
    table = sweep_table(recs)
    assert list(table.columns[:4]) == ["job", "x.n", "mode", "extra"]
    assert list(table["x.n"]) == ["1", "two"]  # mixed numbers and text become text
    assert kpi_columns(table) == ["k"]  # engine_seconds is machine time, stability a verdict
    assert list(table["stability"]) == ["unstable (capacity)", ""]
    assert "objective" not in table


def test_objective_penalises_missing_the_target_by_the_shortfall() -> None:
    spec = Objective(at_least=0.95, penalty=1000.0)
    assert spec({"staff_cost": 10.0, "on_time_rate": 0.96}) == 10.0
    assert spec({"staff_cost": 10.0, "on_time_rate": 0.85}) == pytest.approx(10.0 + 1000.0 * 1.1)
    assert spec({"staff_cost": 10.0, "on_time_rate": float("nan")}) > 1000.0
    assert objective_from({"table": {"_target_": "sim.sweep.collect.SweepTable"}}) is None
    found = objective_from({"t": {"_target_": "sim.sweep.tune.Tuning", "at_least": 0.9}})
    assert found == Objective(at_least=0.9)


def test_an_unstable_trial_is_never_the_pick_while_a_stable_one_was_tried() -> None:
    spec = Objective(at_least=0.95, penalty=1000.0)
    # cheaper and on time, but its office cannot keep up: its on-time rate understates what is still open
    starved = spec({"staff_cost": 5.0, "on_time_rate": 0.99}, stable=False)
    short = spec({"staff_cost": 10.0, "on_time_rate": 0.05}, stable=True)
    unknown = spec({"staff_cost": 10.0, "on_time_rate": float("nan")}, stable=True)  # the worst a stable run scores
    assert starved > unknown > short > spec({"staff_cost": 50.0, "on_time_rate": 0.96})
    assert starved - unknown == pytest.approx(1000.0 - 5.0)  # one penalty apart, as feasible from infeasible
    frame = sweep_table([
        JobRecord(0, ["staffing.fulltime_per_grid=1"], "ok", kpis={"staff_cost": 5.0, "on_time_rate": 0.99},
                  objective=starved, stability="unstable (capacity)"),
        JobRecord(1, ["staffing.fulltime_per_grid=2"], "ok", kpis={"staff_cost": 9.0, "on_time_rate": 0.97},
                  objective=spec({"staff_cost": 9.0, "on_time_rate": 0.97}), stability="stable")])
    frame.loc[0, "objective"] = 5.0  # scored by an older gridsim, without its verdict: scored again here
    trials = trials_table(frame, ["staffing.fulltime_per_grid"], spec)
    assert trials["objective"].tolist() == pytest.approx([starved, 9.0])
    assert list(trials["feasible"]) == [False, True] and list(trials["stability"])[0] == "unstable (capacity)"
    best = best_trial(trials, ["staffing.fulltime_per_grid"], spec)
    assert best["params"] == {"staffing.fulltime_per_grid": 2} and best["stability"] == "stable"


def test_the_sweep_summary_names_its_unstable_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for job, verdict in enumerate(["stable", "unstable (capacity)"]):
        write_record(tmp_path, JobRecord(job, [f"staffing.fulltime_per_grid={job + 1}"], "ok",
                                         kpis={"on_time_rate": 0.9}, stability=verdict))
    SweepTable().on_multirun_end(OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}}))
    said = capsys.readouterr().out
    assert "sweep: 2 job(s), 2 ok (1 of them UNSTABLE" in said
    assert "[2/2] unstable (capacity) (job 1 in the table)" in said


def test_a_job_the_store_has_is_served_not_run_again(tmp_path: Path) -> None:
    first, sweep_a = multirun(tmp_path, "textbook.servers=1,2", sweep="a")
    assert first.returncode == 0, first.stderr
    again, sweep_b = multirun(tmp_path, "textbook.servers=1,2", sweep="b")  # another sweep, the same jobs
    assert again.returncode == 0, again.stderr
    a, b = pd.read_csv(sweep_a / "sweep.csv"), pd.read_csv(sweep_b / "sweep.csv")
    assert list(b["results_dir"]) == list(a["results_dir"])  # the first sweep's directories, not new ones
    assert b["wait_hours_mean"].tolist() == pytest.approx(a["wait_hours_mean"].tolist())
    assert again.stdout.count(", from the store (") == 2
    forced, sweep_c = multirun(tmp_path, "textbook.servers=1,2", "run.reuse=false", sweep="c")
    assert forced.returncode == 0 and "from the store" not in forced.stdout
    assert not set(pd.read_csv(sweep_c / "sweep.csv")["results_dir"]) & set(a["results_dir"])
