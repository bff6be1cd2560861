"""Regenerate the workbench's screenshots: the first view, an answer, a comparison, the league tab and
both briefings (English, Chinese), as PNGs beside this script.

    python docs/screenshots/make_screenshots.py [territory=township] [horizon=90] [replications=3]

It starts ``gridsim serve`` on a free loopback port with a fresh results directory, drives
Debian's chromium through Playwright (``/usr/bin/chromium``, nothing downloaded), makes two
what-ifs (full-time workers per grid 1 → 2, then → 3), and saves what a planner sees. The
briefings are the PNG twins the page writes beside each briefing PDF. Look at the pictures
after regenerating them: they are the review by eye of the page.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEW: Any = {"width": 1400, "height": 1000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")


def _set(page: Any, label: str, value: str) -> None:
    box = page.get_by_label(label)
    box.fill(value)
    box.press("Enter")
    _settle(page)


def _run(page: Any, n: int) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(f"Run #{n}:").first.wait_for(timeout=600_000)
    _settle(page)


def _section(page: Any, heading: str, path: Path, height: int = 1000) -> None:
    """A screenshot of the page from ``heading`` down (the sidebar stays in view)."""
    page.get_by_role("heading", name=heading).first.scroll_into_view_if_needed()
    page.evaluate("h => { const e = [...document.querySelectorAll('h2,h3')].find(x => x.innerText.startsWith(h));"
                  " e.scrollIntoView(); }", heading)
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": VIEW["width"], "height": height})


def main(args: list[str]) -> int:
    opts = {"territory": "township", "horizon": "90", "replications": "3"}
    for a in args:
        key, _, value = a.partition("=")
        if key not in opts or not value:
            print(f"make_screenshots: error: {a!r}: expected territory=, horizon= or replications=", file=sys.stderr)
            return 2
        opts[key] = value
    results = Path(tempfile.mkdtemp(prefix="gridsim-screens-"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/?territory={opts['territory']}"
    proc = subprocess.Popen([sys.executable, "-m", "sim.entry.cli", "serve", f"port={port}", f"results={results}"],
                            cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport=VIEW, accept_downloads=True)
            page.set_default_timeout(120_000)
            page.goto(url)
            page.get_by_role("button", name="Run", exact=True).wait_for()
            _settle(page)
            _set(page, "replications (runs;", opts["replications"])
            _set(page, "simulated time (days;", opts["horizon"])
            page.locator("h1").first.click()  # the last field loses its focus
            page.locator('[data-testid="stSidebarContent"]').evaluate("e => e.scrollTo(0, 0)")
            page.wait_for_timeout(300)
            page.screenshot(path=str(HERE / "first_view.png"))
            _set(page, "full-time workers per grid (people;", "2")
            _run(page, 1)
            _section(page, "The answer", HERE / "answer.png")
            _set(page, "full-time workers per grid (people;", "3")
            _run(page, 2)
            _section(page, "Compare two runs", HERE / "comparison.png", 900)
            _section(page, "League tables", HERE / "league.png", 900)
            for lang, button in (("en", "Download the one-page briefing (PDF)"), ("zh", "下载一页简报（PDF）")):
                if lang == "zh":
                    page.get_by_text("中文", exact=True).click()
                    _settle(page)
                with page.expect_download():
                    page.get_by_role("button", name=button).click()
                png = max((results / "workbench").glob(f"briefing-*-{lang}.png"), key=lambda q: q.stat().st_mtime)
                shutil.copy(png, HERE / f"briefing_{lang}.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(results, ignore_errors=True)
    for name in ("first_view", "answer", "comparison", "league", "briefing_en", "briefing_zh"):
        print(HERE / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
