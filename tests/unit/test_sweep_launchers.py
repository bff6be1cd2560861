"""The same multirun through every launcher gives the same sweep table (KPIs equal but engine_seconds).

joblib and submitit come with the ``test`` extra; Ray (``pip install -e '.[ray]'``) is
skipped only where it is not installed. Ray runs on the loopback address only, with
usage stats off and every proxy pointing at a closed loopback port, so that nothing it
probes at start-up leaves the machine; its session files and token stay in the test's
temporary directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.collect import kpi_columns

GRIDSIM = [sys.executable, "-m", "sim.entry.cli"]
SWEEP = ["scenario=textbook", "run.horizon_days=10", "run.warmup_days=0",
         "textbook.servers=1,2", "textbook.arrival_rate_per_hour=1.0"]  # 2 jobs: one for each of 2 workers


def multirun(tmp: Path, *launcher: str) -> tuple[subprocess.CompletedProcess[str], pd.DataFrame]:
    sweep = tmp / "sweep"
    cmd = [*GRIDSIM, "-m", *SWEEP, *launcher, f"run.results_dir={tmp / 'results'}", f"hydra.sweep.dir={sweep}"]
    p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert not (tmp / "outputs").exists()
    return p, pd.read_parquet(sweep / "sweep.parquet")


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    _, table = multirun(tmp_path_factory.mktemp("basic"))
    assert len(table) == 2 and set(table["status"]) == {"ok"}
    return table


def same_results(table: pd.DataFrame, reference: pd.DataFrame) -> None:
    key = ["textbook.servers", "textbook.arrival_rate_per_hour"]
    a = table.sort_values(key).reset_index(drop=True)
    b = reference.sort_values(key).reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert set(a["status"]) == {"ok"}
    cols = [*key, *kpi_columns(b)]
    assert "engine_seconds" not in cols and "on_time_rate" in cols
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=True)


def test_joblib_two_workers_match_the_basic_launcher(basic: pd.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    p, table = multirun(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert "Joblib.Parallel(n_jobs=2" in p.stdout + p.stderr
    same_results(table, basic)


def test_submitit_local_matches_the_basic_launcher(basic: pd.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    _, table = multirun(tmp_path, "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10")
    assert (tmp_path / "sweep" / ".submitit").is_dir()
    same_results(table, basic)


def test_ray_matches_the_basic_launcher(basic: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    pytest.importorskip("ray")
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    monkeypatch.setenv("HOME", str(tmp_path))  # Ray writes its auth token under ~/.ray
    ray_tmp = tmp_path_factory.mktemp("ray")  # short: Ray's socket paths must stay under 108 bytes
    p, table = multirun(tmp_path, "hydra/launcher=ray_local", "++hydra.launcher.ray.init.num_cpus=2",
                        f"++hydra.launcher.ray.init._temp_dir={ray_tmp}")
    assert "'_node_ip_address': '127.0.0.1'" in p.stdout + p.stderr
    assert "'include_dashboard': False" in p.stdout + p.stderr
    same_results(table, basic)
