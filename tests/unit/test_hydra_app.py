"""``gridsim`` is one Hydra application: Hydra's flags work, a single run writes only its results.

Every command is a subprocess (Hydra keeps global state), run from an empty directory so
that anything written outside the results directory is seen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GRIDSIM = [sys.executable, "-m", "sim.entry.cli"]
PRESET = "# @package _global_\nterritory:\n  name: mytown\n  townships_per_county: 2\n"


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(GRIDSIM + args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_cfg_job_prints_the_composed_config_and_writes_nothing(tmp_path: Path) -> None:
    p = _run(["--cfg", "job", "territory=township", "dispatch.mode=unified"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "name: township" in p.stdout and "mode: unified" in p.stdout
    assert "hydra:" not in p.stdout  # the job's config only
    assert _tree(tmp_path) == set()


def test_cfg_hydra_and_info_show_hydras_side(tmp_path: Path) -> None:
    (tmp_path / "presets" / "calibrated").mkdir(parents=True)
    (tmp_path / "presets" / "calibrated" / "mytown.yaml").write_text(PRESET, encoding="utf-8")
    p = _run(["--cfg", "hydra"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "sweep:" in p.stdout and "job_logging" in p.stdout
    info = _run(["--info", "searchpath"], tmp_path)
    assert info.returncode == 0, info.stderr
    assert "pkg://sim.configs" in info.stdout
    assert f"file://{(tmp_path / 'presets').resolve()}" in info.stdout
    assert _tree(tmp_path) == {"presets", "presets/calibrated", "presets/calibrated/mytown.yaml"}


def test_help_lists_groups_and_presets_including_the_users(tmp_path: Path) -> None:
    presets = tmp_path / "elsewhere"
    (presets / "calibrated").mkdir(parents=True)
    (presets / "calibrated" / "mytown.yaml").write_text(PRESET, encoding="utf-8")
    p = _run(["--help"], tmp_path, GRIDSIM_PRESETS_DIR=str(presets))
    assert p.returncode == 0, p.stderr
    assert "territory: city, county, province, township" in p.stdout
    assert "dispatch: default, unified" in p.stdout
    assert "calibrated: mytown" in p.stdout
    assert "gridsim -m" in p.stdout


def test_single_run_writes_only_its_results_directory(tmp_path: Path) -> None:
    p = _run(["scenario=textbook", "run.horizon_days=5", "run.warmup_days=0", "report.charts=false",
              "run.results_dir=res"], tmp_path)
    assert p.returncode == 0, p.stderr
    out = p.stdout.strip().splitlines()[-1].removeprefix("results: ")
    top = {path.split("/")[0] for path in _tree(tmp_path)}
    assert top == {"res"}, _tree(tmp_path)
    assert Path(out).parent == (tmp_path / "res").resolve() or Path(out).parent == Path("res")
    assert {"config.yaml", "kpis.json", "matters.parquet"} <= {q.name for q in (tmp_path / "res").glob("*/*")}


def test_hydra_run_dir_and_output_subdir_are_hydras_own(tmp_path: Path) -> None:
    p = _run(["scenario=textbook", "run.horizon_days=5", "run.warmup_days=0", "report.charts=false",
              "run.results_dir=res", "hydra.run.dir=hy", "hydra.output_subdir=.hydra"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "hy" / ".hydra" / "config.yaml").is_file()
    assert (tmp_path / "hy" / ".hydra" / "overrides.yaml").is_file()
    assert {path.split("/")[0] for path in _tree(tmp_path)} == {"res", "hy"}


def test_calibrated_preset_through_the_command(tmp_path: Path) -> None:
    (tmp_path / "presets" / "calibrated").mkdir(parents=True)
    (tmp_path / "presets" / "calibrated" / "mytown.yaml").write_text(PRESET, encoding="utf-8")
    p = _run(["--cfg", "job", "calibrated=mytown"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "name: mytown" in p.stdout and "townships_per_county: 2" in p.stdout
    bad = _run(["--cfg", "job", "calibrated=other"], tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "gridsim: error: calibrated: unknown preset 'other'; available: mytown"


def test_bad_value_under_a_hydra_flag_is_one_line(tmp_path: Path) -> None:
    p = _run(["--cfg", "job", "staffing.fulltime_per_grd=2"], tmp_path)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridsim: error: staffing.fulltime_per_grd: unknown key")
