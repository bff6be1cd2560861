"""The gridsim command: bad input is one line, exit 2, nothing written; a good run writes its directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GRIDSIM = [sys.executable, "-m", "sim.entry.cli"]

BAD = [
    (["staffing.fulltime_per_grid=-1"], "staffing.fulltime_per_grid"),
    (["staffing.fulltime_per_grid=1.5"], "staffing.fulltime_per_grid"),
    (["staffing.fulltime_per_grd=2"], "staffing.fulltime_per_grd"),
    (["territory.counties=0"], "territory.counties"),
    (["demand.rate_per_1000_per_day=0"], "demand.rate_per_1000_per_day"),
    (["dispatch.misclass_prob=1.5"], "dispatch.misclass_prob"),
    (["dispatch.rule=random"], "dispatch.rule"),
    (["dispatch.mode=sideways"], "dispatch.mode"),
    (["catalog.deadlines.general=0"], "catalog.deadlines.general"),
    (["run.horizon_days=0"], "run.horizon_days"),
    (["territory=nowhere"], "territory"),
    (["territory.units_file=/nonexistent/units.csv"], "territory.units_file"),
]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(GRIDSIM + args, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("args", "key"), BAD)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args: list[str], key: str, tmp_path: Path) -> None:
    out = tmp_path / "results"
    p = _run([*args, f"run.results_dir={out}"], tmp_path)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("gridsim: error: ")
    assert key in lines[0]
    assert "Traceback" not in p.stderr + p.stdout
    assert not out.exists() or not any(out.iterdir())


def test_malformed_units_row_names_file_and_line(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("county,township,village,urban,households\nA,T1,V1,1,1200\nA,T1,V2,1,-5\n", encoding="utf-8")
    p = _run([f"territory.units_file={units}", f"run.results_dir={tmp_path / 'r'}"], tmp_path)
    assert p.returncode == 2
    assert "units.csv line 3" in p.stderr and "households" in p.stderr
    assert not (tmp_path / "r").exists()


def test_capacity_only_run_writes_config_and_capacity(tmp_path: Path) -> None:
    p = _run(["territory=township", "run.simulate=false", f"run.results_dir={tmp_path / 'r'}"], tmp_path)
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    assert last.startswith("results: ")
    out = Path(last.removeprefix("results: "))
    assert (out / "config.yaml").is_file() and (out / "capacity.json").is_file()
    assert not (out / "kpis.json").exists()
    cap = json.loads((out / "capacity.json").read_text())
    assert cap["units"]["grids"] > 30
    assert "utilisation" in p.stdout or "util" in p.stdout


def test_help_exits_zero(tmp_path: Path) -> None:
    p = _run(["--help"], tmp_path)
    assert p.returncode == 0 and "gridsim" in p.stdout


def test_the_command_ends_without_collecting_and_its_results_are_whole(tmp_path: Path) -> None:
    """``gridsim`` (``command``) freezes the process's objects as it ends, so that Python's last collection
    walks none of them; the run's directory is whole before that (its manifest verifies)."""
    probe = ("import gc, sys; from sim.entry import cli; sys.argv = ['gridsim', *sys.argv[1:]]; "
             "code = cli.command(); print('frozen', gc.get_freeze_count() > 0); sys.exit(code)")
    args = ["territory=township", "run.horizon_days=20", "run.warmup_days=2", "report.charts=false",
            f"run.results_dir={tmp_path / 'r'}"]
    p = subprocess.run([sys.executable, "-c", probe, *args], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().endswith("frozen True")
    out = Path(next(x for x in p.stdout.splitlines() if x.startswith("results: ")).removeprefix("results: "))
    from sim.runs.manifest import verify

    assert verify(out) is None and (out / "matters.parquet").is_file()
