"""The workbench in a real headless browser: Debian's chromium driven by Playwright, one server for the session.

``gridsim serve`` starts once on 127.0.0.1 on a free port with its own results directory
and a presets directory holding one calibrated preset (a department whose fitted
head-count, 2,849, is far above any fixed range a page might have); every test opens its
own tab, so each has its own history. No browser is downloaded: ``/usr/bin/chromium`` is
the system's (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ROOT = Path(__file__).resolve().parents[2]

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    results = tmp_path_factory.mktemp("workbench")
    presets = tmp_path_factory.mktemp("presets")
    (presets / "calibrated").mkdir()
    (presets / "calibrated" / "harbour.yaml").write_text(PRESET, encoding="utf-8")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               GRIDSIM_PRESETS_DIR=str(presets))
    # the engine's compiled cache, filled before any page waits on it (a changed source compiles once, for
    # minutes on a busy machine, which no click should wait for)
    subprocess.run([sys.executable, "-m", "sim.entry.cli", "territory=township", "engine=vector", "run.horizon_days=7",
                    f"run.results_dir={tmp_path_factory.mktemp('warm')}", "report.charts=false"],
                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True, timeout=900)
    proc = subprocess.Popen([sys.executable, "-m", "sim.entry.cli", "serve", f"port={port}", f"results={results}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the server did not start: {proc.communicate()}")
        time.sleep(0.3)
    yield Server(url, results)
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
