"""The package installs anywhere: build the wheel, install it into a fresh venv, run a township
from another directory.

The wheel is built from a copy of the tree (pip's isolated build fetches setuptools; the
checkout gets no ``build/``). The new venv gets gridsim from the wheel only; its
dependencies come from this interpreter's site-packages through a ``.pth`` line (a plain
path: the editable install of the checkout living there is not activated), so nothing
else is downloaded. The run must import ``sim`` from the new venv, never the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "sim", "hydra_plugins")


def _sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert p.returncode == 0, f"{' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-4000:]}"
    return p.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_a_township_from_another_directory(tmp_path: Path) -> None:
    # no PYTHONPATH: pip would see the checkout's gridsim.egg-info as installed, and sim would import from it
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRIDSIM_CONFIG_DIR",
                                                            "GRIDSIM_PRESETS_DIR")}
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    _sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(src)],
        tmp_path, env)
    wheel = next((tmp_path / "dist").glob("gridsim-*.whl"))

    venv = tmp_path / "venv"
    # no pip of its own (seeding one takes seconds): this interpreter's pip installs into it (--python)
    _sh([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    py = venv / "bin" / "python"
    _sh([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)], tmp_path, env)
    # after the install: pip would otherwise find this interpreter's gridsim and install nothing
    site = Path(_sh([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path, env).strip())
    (site / "deps-from-test-runner.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    work = tmp_path / "elsewhere"  # no configs/, no checkout, nothing but the installed package
    work.mkdir()
    where = _sh([str(py), "-c", "import sim, sim.configs; print(sim.__file__); print(sim.configs.__file__)"],
                work, env).split()
    assert all(Path(w).is_relative_to(venv) for w in where), where

    out = _sh([str(venv / "bin" / "gridsim"), "territory=township", "run.horizon_days=60"], work, env)
    last = out.strip().splitlines()[-1]
    assert last.startswith("results: "), out[-2000:]
    results = (work / last.removeprefix("results: ")).resolve()
    assert results.parent == (work / "results").resolve()
    kpis = json.loads((results / "kpis.json").read_text())
    assert kpis["kpis"]["matters"] > 1000 and kpis["engine"] == "agent"
    for name in ("config.yaml", "matters.parquet", "visits.parquet", "resolution_cdf.png"):
        assert (results / name).is_file(), name
    assert {p.name for p in work.iterdir()} == {"results"}  # nothing but the results directory
