"""The workbench page in a real headless browser: Debian's chromium driven by Playwright.

The test starts ``gridsim serve`` on 127.0.0.1 on a free port (a township, a 20-day horizon,
two replications, so each run takes seconds), then does what a planner does: move two
levers, run, read the KPIs and the comparison, switch to Chinese, download the briefing,
type an invalid value, repeat a run. No browser is downloaded: ``/usr/bin/chromium`` is
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
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # CI installs it (.ci/run); say so rather than pass
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)

FULLTIME = "full-time workers per grid (people; allowed 0 to 20)"
HOUSEHOLDS = "households per grid (households; allowed 50 to 2000)"
REPLICATIONS = "replications (runs; allowed 1 to 30)"
HORIZON = "simulated time (days; allowed 7 to 730)"
WARMUP = "warm-up left out of the KPIs (days; allowed 0 to 365)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    results = tmp_path_factory.mktemp("workbench")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
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
    yield url, results
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _set(page: object, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(400)  # type: ignore[attr-defined]


def _open(browser: object, url: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)  # type: ignore[attr-defined]
    page.set_default_timeout(90_000)
    page.goto(url)
    page.get_by_text("Capacity check (before anything runs)").wait_for()
    for label, value in ((REPLICATIONS, "2"), (HORIZON, "20"), (WARMUP, "2")):
        _set(page, label, value)
    return page


def _run(page: object) -> None:
    page.get_by_role("button", name="Run", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_text("Against the baseline (paired, common random numbers)").wait_for()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


def test_a_planner_session(server: tuple[str, Path], browser: object) -> None:
    url, results = server
    page = _open(browser, url)
    # two levers, then run: KPIs with intervals and the paired comparison in a sentence
    _set(page, FULLTIME, "2")
    _set(page, HOUSEHOLDS, "300")
    page.get_by_text("every office keeps up").wait_for()  # type: ignore[attr-defined]
    _run(page)
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "Headline KPIs (95% interval over replications)" in body
    assert "on-time rate" in body and " points ± " in body  # "on-time rate +x.x points ± y.y"
    assert "Served from the store" not in body
    assert len(list(results.glob("2*"))) == 2  # the baseline and the variant, each its own directory

    # the briefing of the comparison, as a PDF
    with page.expect_download() as dl:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Download the one-page briefing (PDF)").click()  # type: ignore[attr-defined]
    pdf = Path(dl.value.path())
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000

    # an invalid value: its message beside the field, no run possible, and the page goes on working
    _set(page, FULLTIME, "-1")
    page.get_by_text("staffing.fulltime_per_grid: must be from 0 to 20, got -1").wait_for()  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="Run", exact=True).is_disabled()  # type: ignore[attr-defined]
    _set(page, FULLTIME, "2")
    page.get_by_text("every office keeps up").wait_for()  # type: ignore[attr-defined]
    assert "must be from 0 to 20" not in page.inner_text("body")  # type: ignore[attr-defined]

    # the same levers again: answered from the store, nothing new written
    _run(page)
    page.get_by_text("Served from the store of runs").wait_for()  # type: ignore[attr-defined]
    assert len(list(results.glob("2*"))) == 2

    # Chinese: every label switches
    page.get_by_text("中文").click()  # type: ignore[attr-defined]
    page.get_by_text("容量检查（运行前）").wait_for()  # type: ignore[attr-defined]
    page.get_by_text("下载一页简报（PDF）").wait_for()  # type: ignore[attr-defined]  # the rerun reached the end
    body = page.inner_text("body")  # type: ignore[attr-defined]
    for word in ("调整参数", "每网格专职网格员", "主要指标", "与基准对比", "按期办结率", "排名表"):
        assert word in body, word
    assert "Levers" not in body and "Capacity check" not in body
    page.close()  # type: ignore[attr-defined]


def test_a_validation_error_from_the_model_is_shown_beside_its_field(server: tuple[str, Path], browser: object) -> None:
    url, _ = server
    page = _open(browser, url)
    _set(page, WARMUP, "30")  # at or beyond the 20-day horizon: sim.scenario.validate's own message
    page.get_by_text("run.warmup_days: must be a number of days").wait_for()  # type: ignore[attr-defined]
    assert "below run.horizon_days (20.0), got 30.0" in page.inner_text("body")  # type: ignore[attr-defined]
    _set(page, WARMUP, "2")
    page.get_by_text("every office keeps up").wait_for()  # type: ignore[attr-defined]
    # this tab has its own session: the other tab's runs are not in its history
    assert "History of this session" not in page.inner_text("body")  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
