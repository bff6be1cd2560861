"""The workbench's answer as a planner waits for it: click Run on the page, time until the answer shows.

Run: ``pytest benchmarks/test_page_answer.py --benchmark-enable -s``. ``gridsim serve`` on
127.0.0.1 (its own results directory) in Debian's chromium through Playwright: a county, 3
replications; the baseline is run first (so it is in the store, as it is once a planner has
opened the page), then each round moves one lever to a value not run before and clicks Run.
The figure is the median, over the rounds, of the time from the click to the answer's
heading (the page's own "Answered in" figure is printed beside it). Goal (issue 17): 5 s on
the 2-core machine; the machine's load average is printed with it, since others' work on
the same cores lengthens every figure.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.goals import check_goal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
from planner import REPLICATIONS, choose, set_field, settle  # noqa: E402
from serving import ARGS, CHROMIUM, ROOT, serving  # noqa: E402

playwright_api = pytest.importorskip("playwright.sync_api")
PLATFORM = "platform staff per township (people; allowed 0 to 10,000)"
ROUNDS = 3


def _answer(page: Any, n: int) -> tuple[float, float]:
    """Click Run; (seconds from the click to run ``n``'s answer, the page's own "Answered in" figure)."""
    t0 = time.perf_counter()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(f"Run #{n}:").first.wait_for(timeout=600_000)
    waited = time.perf_counter() - t0
    settle(page)
    said = re.search(r"Answered in ([\d.]+) s", str(page.inner_text("body")))
    return waited, float(said.group(1)) if said else float("nan")


def _what_ifs(tmp_path: Path, territory: str, replications: int, rounds: int,
              benchmark: Any) -> list[tuple[float, float]]:
    """The baseline of ``territory`` run first, then ``rounds`` what-ifs timed from the click to the answer."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    with serving(tmp_path / "results", env) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_role("button", name="Run", exact=True).wait_for()
        settle(page)
        choose(page, "Territory", territory)
        set_field(page, REPLICATIONS, str(replications))
        _answer(page, 1)  # the baseline into the store (and the engine's kernels loaded)
        start = int(page.get_by_label(PLATFORM, exact=True).input_value())
        figures: list[tuple[float, float]] = []

        def click() -> None:
            n = len(figures) + 2
            set_field(page, PLATFORM, str(start + n))
            figures.append(_answer(page, n))

        benchmark.pedantic(click, rounds=rounds, iterations=1)
        browser.close()
    waits = ", ".join(f"{w:.2f}" for w, _ in figures)
    print(f"\n{territory}, {replications} replication(s), click to answer: {waits} s;"
          f" the page's figure: {', '.join(f'{s:.1f}' for _, s in figures)} s; load average {os.getloadavg()}")
    benchmark.extra_info["page_figures"] = [s for _, s in figures]
    return figures


def test_county_what_if_answered_on_the_page(benchmark: Any, tmp_path: Path) -> None:
    figures = _what_ifs(tmp_path, "county", 3, ROUNDS, benchmark)
    waited = statistics.median(w for w, _ in figures)
    check_goal(benchmark, "page: county what-if, 3 replications, click to answer (median)", waited, 5.0, "s")


def test_city_what_if_answered_on_the_page(benchmark: Any, tmp_path: Path) -> None:
    """A city year (9.3M matters), one replication: the baseline, then one what-if (issue 21: 20 s)."""
    figures = _what_ifs(tmp_path, "city", 1, 1, benchmark)
    check_goal(benchmark, "page: city what-if, 1 replication, click to answer", figures[0][0], 20.0, "s")
