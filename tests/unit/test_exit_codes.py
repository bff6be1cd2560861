"""Exit codes a script can trust (issue 18, item 3): a sweep or experiment with a failed job exits 3 after
finishing the others, and its table marks which; 0 means every job is in the table as ``ok``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pandas as pd
import pytest

from sim.experiment import runner
from sim.experiment.__main__ import main as experiment_main
from sim.runs.store_db import connect
from sim.util.errors import EXIT_JOBS_FAILED

GRIDSIM = [sys.executable, "-m", "sim.entry.cli"]
FAST = ["scenario=textbook", "run.horizon_days=10", "run.warmup_days=0"]


def _multirun(tmp: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    sweep = tmp / "sweep"
    cmd = [*GRIDSIM, "-m", *FAST, *args, f"hydra.sweep.dir={sweep}"]
    return subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300), sweep


def test_a_sweep_with_a_failed_job_exits_3_after_the_others_and_marks_it(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"  # the second job's results directory would be under a file
    blocker.write_text("not a directory\n")
    p, sweep = _multirun(tmp_path, f"run.results_dir={tmp_path / 'a'},{blocker / 'b'}")
    assert p.returncode == EXIT_JOBS_FAILED == 3, p.stdout + p.stderr
    table = pd.read_csv(sweep / "sweep.csv", keep_default_na=False)
    assert list(table["status"]) == ["ok", "failed"] and table["error"].iloc[1].startswith("run.results_dir: ")
    assert Path(table["results_dir"].iloc[0]).is_dir()  # the other job finished
    lines = p.stderr.strip().splitlines()
    assert lines == [f"gridsim: 1 of 2 sweep job(s) failed (status 'failed' in {sweep / 'sweep.csv'}); "
                     "the others finished"], p.stderr
    assert "Traceback" not in p.stdout + p.stderr


def test_a_sweep_whose_every_job_failed_exits_3(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("not a directory\n")
    p, sweep = _multirun(tmp_path, f"run.results_dir={blocker / 'a'},{blocker / 'b'}")
    assert p.returncode == 3, p.stdout + p.stderr
    assert set(pd.read_csv(sweep / "sweep.csv")["status"]) == {"failed"}
    assert "2 of 2 sweep job(s) failed" in p.stderr


SPEC = """\
experiment:
  title: Exit codes
  base: [territory=township, run.horizon_days=12, run.warmup_days=2]
  replications: 2
  workers: 1
  baseline: one
  scenarios:
    one: {label: One per grid, overrides: []}
    two: {label: Two per grid, overrides: [staffing.fulltime_per_grid=2]}
    three: {label: Three per grid, overrides: [staffing.fulltime_per_grid=3]}
  kpis: [resolution_hours_mean, on_time_rate]
  charts: [bars]
"""


def _failing(monkeypatch: pytest.MonkeyPatch, scenario: str) -> None:
    real = runner.run_replication

    def replication(s: str, overrides: tuple[str, ...], rep: int) -> runner.RepOutput:
        if s == scenario and rep == 1:
            raise RuntimeError("the engine broke\nsecond line")
        return real(s, overrides, rep)

    monkeypatch.setattr(runner, "run_replication", replication)


def test_an_experiment_with_a_failed_scenario_exits_3_and_marks_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "codes.yaml"
    spec.write_text(dedent(SPEC), encoding="utf-8")
    _failing(monkeypatch, "two")
    assert experiment_main([str(spec), f"run.results_dir={tmp_path / 'results'}"]) == 3
    out, err = capsys.readouterr()
    (written,) = (tmp_path / "results" / "experiments").iterdir()
    scen = pd.read_csv(written / "scenarios.csv", keep_default_na=False)
    assert list(scen["scenario"]) == ["one", "two", "three"] and list(scen["status"]) == ["ok", "failed", "ok"]
    assert list(scen["error"]) == ["", "RuntimeError: the engine broke", ""]
    comparison = pd.read_csv(written / "comparison.csv")
    assert set(comparison["scenario"]) == {"one", "three"}  # the others ran in full and are compared
    assert "Scenario two failed and is left out" in (written / "finding.txt").read_text(encoding="utf-8")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim.experiment: 1 of 3 scenario(s) failed (two)"), err
    assert "Traceback" not in out + err
    with connect(tmp_path / "results" / "runs.sqlite") as con:  # incomplete: never served later
        assert con.execute("SELECT count(*) FROM experiments").fetchone() == (0,)


def test_an_experiment_whose_baseline_failed_exits_3_and_writes_nothing(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "codes.yaml"
    spec.write_text(dedent(SPEC), encoding="utf-8")
    _failing(monkeypatch, "one")
    assert experiment_main([str(spec), f"run.results_dir={tmp_path / 'results'}"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sim.experiment: the baseline scenario one failed: RuntimeError"), err
    assert not list((tmp_path / "results").glob("experiments/*"))


def test_running_out_of_memory_mid_run_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An address-space limit (ulimit -v) counts memory reserved and not yet used, which the pre-flight's
    estimate of resident memory does not: a run it let through can still fail to allocate."""
    from sim.util.errors import EXIT_BAD_INPUT, exit_code

    def allocate() -> int:
        raise MemoryError("Unable to allocate 69.5 MiB for an array with shape (18212924,) and data type int32")

    assert exit_code("gridsim", allocate) == EXIT_BAD_INPUT == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gridsim: error: out of memory (Unable to allocate 69.5 MiB")
    assert "engine.backend=ray" in err[0] and "ulimit -v" in err[0]
