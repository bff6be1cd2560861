"""The workbench in a real headless browser: Debian's chromium driven by Playwright, one server for the session.

``gridsim serve`` starts once on 127.0.0.1 on a free port with its own results directory
and a presets directory holding one calibrated preset (a department whose fitted
head-count, 2,849, is far above any fixed range a page might have); every test opens its
own tab, so each has its own history. No browser is downloaded: ``/usr/bin/chromium`` is
the system's (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from serving import ARGS, CHROMIUM, ROOT, serving

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # CI installs it (.ci/run); say so rather than pass
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

#: a calibrated preset as ``gridsim calibrate`` writes one: its own territory, a department of 2,849 people
PRESET = """# @package _global_
territory:
  name: harbourtown
  counties: 1
  townships_per_county: 2
  villages_per_township: 3
staffing:
  department_staff:
    urban_construction: 2849
"""


@dataclass(frozen=True)
class Server:
    url: str
    results: Path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    results = tmp_path_factory.mktemp("workbench")
    presets = tmp_path_factory.mktemp("presets")
    (presets / "calibrated").mkdir()
    (presets / "calibrated" / "harbour.yaml").write_text(PRESET, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               GRIDSIM_PRESETS_DIR=str(presets))
    # the engine's compiled cache, filled before any page waits on it (a changed source compiles once, for
    # minutes on a busy machine, which no click should wait for)
    subprocess.run([sys.executable, "-m", "sim.entry.cli", "territory=township", "engine=vector", "run.horizon_days=7",
                    f"run.results_dir={tmp_path_factory.mktemp('warm')}", "report.charts=false"],
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True, timeout=900)
    with serving(results, env) as url:
        yield Server(url, results)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
