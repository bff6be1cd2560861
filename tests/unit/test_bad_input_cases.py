"""The bad-input suite (issue 13): every case exits 2 with one line naming the key (or file and line),
no traceback, nothing written, within a time bound.

Cases run in-process through ``sim.entry.cli.main`` (stderr captured); a few run as real
``python -m sim.entry.cli`` subprocesses. ``KIND`` groups them; the suite holds at least 40
cases of at least 12 kinds (checked below).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.entry.cli import main

ROOT = Path(__file__).resolve().parents[2]
T = "territory=township"
TB = "scenario=textbook"
#: seconds one in-process case may take (composition and checks only: nothing is simulated)
BOUND_SECONDS = 20.0

#: (kind, overrides, the key the line must name, a fragment of the problem); {tmp} is the test's directory
CASES: list[tuple[str, list[str], str, str]] = [
    ("unknown key", [T, "staffing.fulltime_per_gird=2"], "staffing.fulltime_per_gird", "unknown key"),
    ("unknown key", [T, "run.horizon=5"], "run.horizon", "unknown key"),
    ("unknown nested key", ["foo.bar=1"], "foo.bar", "unknown key"),
    ("unknown nested key", [T, "territory.foo.bar=1"], "territory.foo.bar", "unknown key"),
    ("unknown preset", ["territory=moon"], "territory", "unknown preset"),
    ("unknown preset", ["scenario=earthquake"], "scenario", "unknown preset"),
    ("wrong type", [T, "staffing.fulltime_per_grid=abc"], "staffing.fulltime_per_grid", "integer"),
    ("wrong type", [T, "run.horizon_days=long"], "run.horizon_days", "number"),
    ("malformed override", [T, "staffing.fulltime_per_grid"], "staffing.fulltime_per_grid", "malformed"),
    ("negative count", [T, "staffing.committee_per_village=-1"], "staffing.committee_per_village", ">= 0"),
    ("kept-open module", [T, "catalog.modules.0.kept_open=true"], "catalog.modules[0].kept_open", "county department"),
    ("negative count", [T, "territory.counties=0"], "territory.counties", ">= 1"),
    ("huge head-count", [T, "staffing.fulltime_per_grid=1000000000"], "staffing.fulltime_per_grid", "at most"),
    ("huge head-count", [T, "staffing.module_staff.governance=1000000000"], "staffing.module_staff.governance",
     "at most"),
    ("huge head-count", [T, "staffing.department_staff.livelihood=99999999"], "staffing.department_staff.livelihood",
     "at most"),
    ("huge head-count", [T, "staffing.volunteers_per_township=1e12"], "staffing.volunteers_per_township", ""),
    ("horizon", [T, "run.horizon_days=1e308"], "run.horizon_days", "at most 36,500"),
    ("horizon", [T, "run.horizon_days=inf"], "run.horizon_days", ""),
    ("horizon", [T, "run.horizon_days=nan"], "run.horizon_days", ""),
    ("horizon", [T, "run.horizon_days=100000"], "run.horizon_days", "at most 36,500"),
    ("horizon", [T, "run.horizon_days=0"], "run.horizon_days", "> 0"),
    ("horizon", [T, "run.horizon_days=-5"], "run.horizon_days", "> 0"),
    ("probability", [T, "dispatch.misclass_prob=1.5"], "dispatch.misclass_prob", "probability"),
    ("probability", [T, "outcome.reopen_prob=-0.1"], "outcome.reopen_prob", "probability"),
    ("rate", [T, "demand.rate_per_1000_per_day=1e300"], "demand.rate_per_1000_per_day", "at most"),
    ("rate", [T, "demand.rate_per_1000_per_day=0"], "demand.rate_per_1000_per_day", "positive"),
    ("rate", [TB, "textbook.arrival_rate_per_hour=1e9"], "textbook.arrival_rate_per_hour", "at most"),
    ("rate", [T, "discovery.reporter_rate_per_day=1e100"], "discovery.reporter_rate_per_day", "at most"),
    ("zero servers", [TB, "textbook.servers=0"], "textbook.servers", "at least 1"),
    ("units file", [T, "territory.units_file={tmp}/missing.csv"], "territory.units_file", "not found"),
    ("units file", [T, "territory.units_file={tmp}/adir"], "territory.units_file", "is a directory"),
    ("units file", [T, "territory.units_file={tmp}/huge.csv"], "territory.units_file", "huge.csv line 3"),
    ("units file", [T, "territory.units_file={tmp}/negative.csv"], "territory.units_file", "negative.csv line 2"),
    ("units file", [T, "territory.units_file={tmp}/header.csv"], "territory.units_file", "line 1"),
    ("units file", [T, "territory.units_file={tmp}/empty.csv"], "territory.units_file", "empty"),
    ("units file", [T, "territory.units_file={tmp}/urban.csv"], "territory.units_file", "urban.csv line 2"),
    ("results dir", [T, "run.results_dir=/proc/x"], "run.results_dir", "cannot be created"),
    ("results dir", [T, "run.results_dir={tmp}/afile"], "run.results_dir", "is a file"),
    ("results dir", [T, "run.results_dir={tmp}/afile/below"], "run.results_dir", "which is a file"),
    ("warm-up", [T, "run.horizon_days=10", "run.warmup_days=20"], "run.warmup_days", "below run.horizon_days"),
    ("warm-up", [T, "run.warmup_days=-1"], "run.warmup_days", ">= 0"),
    ("list", [T, "dispatch.fail_prob=[0.1,0.2]"], "dispatch.fail_prob", "4 values"),
    ("list", [T, "discovery.channel_mix=[0,0,0,0,0]"], "discovery.channel_mix", "positive"),
    ("too big", ["territory=city", "territory.counties=2000"], "territory.counties", "GB of memory"),
    ("too big", ["territory.counties=10001"], "territory.counties", "at most 10,000"),
    ("too big", ["territory.villages_per_township=1000", "territory.townships_per_county=1000",
                 "territory.counties=100"], "territory.counties", "villages"),
    ("vocabulary", [T, "dispatch.rule=random"], "dispatch.rule", "one of"),
    ("vocabulary", [T, "engine.name=gpu"], "engine.name", "one of"),
    ("vocabulary", [T, "engine.backend=spark"], "engine.backend", "one of"),
    ("ray", [T, "engine.backend=ray", "engine.ray.address=nowhere"], "engine.ray.address", "host:port"),
    ("ray", [T, "engine.backend=ray", "engine.ray.address=127.0.0.1:9"], "engine.ray.address", "nothing answers"),
    ("ray", [T, "engine.backend=ray", "engine.ray.address=127.0.0.1:99999"], "engine.ray.address", "not a port"),
    ("ray", [T, "engine.backend=ray", "engine.name=agent"], "engine.backend", "vector engine"),
    ("too big", ["territory=province"], "territory.counties", "engine.backend=ray"),
    ("huge integer", [T, "run.seed=99999999999999999999999"], "run.seed", "at most"),
    ("huge integer", [T, "outcome.max_reopens=1000000"], "outcome.max_reopens", "at most 100"),
    ("huge integer", [T, "run.replications=0"], "run.replications", ">= 1"),
    ("surge", [T, "scenario=flood", "scenario.surges.0.multiplier=1e9"], "scenario.surges[0].multiplier", "at most"),
    ("surge", [T, "scenario=flood", "scenario.surges.0.start_day=-1"], "scenario.surges[0].start_day", ">= 0"),
]


def test_the_suite_is_large_enough() -> None:
    assert len(CASES) >= 40 and len({kind for kind, *_ in CASES}) >= 12


pytestmark = pytest.mark.usefixtures("register_schema_once")  # tests/conftest.py


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the bad files, the current directory for the case (so nothing lands elsewhere)."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("not a directory\n")
    head = "county,township,village,urban,households\n"
    (tmp_path / "huge.csv").write_text(head + "C,T,V1,1,800\nC,T,V2,0,1e308\n")
    (tmp_path / "negative.csv").write_text(head + "C,T,V1,1,-4\n")
    (tmp_path / "header.csv").write_text("county,township,households\nC,T,800\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "urban.csv").write_text(head + "C,T,V1,maybe,800\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _listing(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


@pytest.mark.parametrize(("kind", "overrides", "key", "fragment"), CASES,
                         ids=[f"{k}: {' '.join(o)}" for k, o, _, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(workdir: Path, capsys: pytest.CaptureFixture[str], kind: str,
                                          overrides: list[str], key: str, fragment: str) -> None:
    args = [o.replace("{tmp}", str(workdir)) for o in overrides]
    if not any(a.startswith("run.results_dir=") for a in args):
        args.append(f"run.results_dir={workdir / 'results'}")
    before = _listing(workdir)
    t0 = time.perf_counter()
    rc = main(args)
    seconds = time.perf_counter() - t0
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2, (out, err)
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"gridsim: error: {key}: "), lines[0]
    assert fragment in lines[0], lines[0]
    assert "engine:" not in out  # refused before any simulation
    assert _listing(workdir) == before  # nothing written
    assert seconds < BOUND_SECONDS


SUBPROCESS_CASES = [
    (["territory=township", "run.horizon_days=1e308"], "run.horizon_days"),
    (["territory=city", "territory.counties=2000"], "territory.counties"),
    (["territory=township", "run.results_dir=/proc/x"], "run.results_dir"),
]


@pytest.mark.parametrize(("overrides", "key"), SUBPROCESS_CASES, ids=[" ".join(o) for o, _ in SUBPROCESS_CASES])
def test_bad_input_through_the_real_command(tmp_path: Path, overrides: list[str], key: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    if not any(o.startswith("run.results_dir=") for o in overrides):
        overrides = [*overrides, f"run.results_dir={tmp_path / 'results'}"]
    proc = subprocess.run([sys.executable, "-m", "sim.entry.cli", *overrides], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gridsim: error: {key}: "), proc.stderr
    assert not any(tmp_path.iterdir())
