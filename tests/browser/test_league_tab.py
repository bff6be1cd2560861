"""The league tab in a real headless browser (Debian's chromium through Playwright): a planner can read it.

One short township run, then: a choice of level, rank and composite score first, places by name
(no unit codes, no snake_case header), whole residents, a search box that narrows the table,
the top and bottom rows singled out, and all of it in Chinese after the language switch.
The table's cells are read from the accessible table Streamlit's data grid keeps in the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import CHROMIUM

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
CODE = re.compile(r"\bC\d\d-T\d\d")
#: the page's run fields, found by the start of their labels (their units and ranges may change)
SHORT = ((r"^replications", "1"), (r"^simulated time", "20"), (r"^warm-up", "2"))

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():  # CI installs it (.ci/run); say so rather than pass
    pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)


@pytest.fixture(scope="module")
def league_page(server: Any, browser: Any) -> Iterator[Any]:
    """A tab of the session's ``gridsim serve`` (127.0.0.1) after one short township run.

    The session's browser and server: a second ``sync_playwright`` in the same process fails
    while the session's is open.
    """
    page = browser.new_page(viewport={"width": 2600, "height": 1400})  # every column drawn
    page.set_default_timeout(240_000)  # a first run may compile the engine on a busy machine
    page.goto(server.url)
    page.get_by_role("button", name="Run", exact=True).wait_for()
    for label, value in SHORT:
        box = page.get_by_label(re.compile(label)).first
        box.fill(value)
        box.press("Enter")
        page.wait_for_timeout(1200)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_label("Search by name").first.wait_for()
    page.set_default_timeout(60_000)
    yield page
    page.close()


VIEW = ".st-key-league-view"


def _level(page: Any, name: str) -> None:
    page.locator(VIEW).get_by_text(name, exact=True).click()
    page.wait_for_timeout(2500)


def _table(page: Any) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the league table shown (the data grid's accessible table)."""
    grid = page.locator(f'{VIEW} table[role="grid"]').first
    grid.wait_for(state="attached")
    headers = grid.locator("th").all_inner_texts()
    rows = [r.locator("td").all_inner_texts() for r in grid.locator("tbody tr").all()]
    return [h.strip() for h in headers], [[c.strip() for c in r] for r in rows if r]


def _caption(page: Any) -> tuple[int, int]:
    text = page.locator(VIEW).get_by_text(re.compile(r"\d+ (of|/) \d+")).first.inner_text()
    shown, total = re.findall(r"\d+", text)[:2]
    return int(shown), int(total)


def test_the_league_tab_reads_as_a_table_of_named_places(league_page: Any) -> None:
    page = league_page
    for level in ("Townships", "Villages", "Grids"):
        assert page.locator(VIEW).get_by_text(level, exact=True).count() == 1
    _level(page, "Grids")
    headers, rows = _table(page)
    assert headers[:4] == ["rank", "composite score (0–100)", "place", "part of"]  # rank and score first
    assert not any(SNAKE.search(h) for h in headers), headers
    assert rows and rows[0][0] == "1" and rows[0][2].startswith("Village")  # places by name, not code
    text = page.locator(VIEW).inner_text()
    assert not CODE.search(text) and not SNAKE.search(text)
    residents = headers.index("residents")
    assert all(re.fullmatch(r"[\d,]+", r[residents]) for r in rows)  # no fractional residents
    shown, total = _caption(page)
    assert shown == total >= 20
    assert "green: top 10, red: bottom 10" in text


def test_the_search_box_narrows_the_table(league_page: Any) -> None:
    page = league_page
    _level(page, "Grids")
    box = page.locator(VIEW).get_by_role("textbox")
    box.fill("village 3,")
    box.press("Enter")
    page.wait_for_timeout(2500)
    shown, total = _caption(page)
    assert 0 < shown < total
    _headers, rows = _table(page)  # still the grids: a search keeps the level
    assert rows and all(r[2].startswith("Village 3,") for r in rows)
    box.fill("")
    box.press("Enter")
    page.wait_for_timeout(2500)
    assert _caption(page)[0] == total


def test_the_league_tab_in_chinese(league_page: Any) -> None:
    page = league_page
    _level(page, "Villages")
    page.get_by_text("中文", exact=True).click()
    page.get_by_text("按名称搜索").first.wait_for()
    page.wait_for_timeout(1500)
    # the level chosen stays chosen through the switch (the browser holds a radio's choice by its label)
    assert page.locator(VIEW).get_by_role("radio", name="村/社区", exact=True).is_checked()
    for level in ("乡镇/街道", "村/社区", "网格"):
        assert page.locator(VIEW).get_by_text(level, exact=True).count() == 1
    _level(page, "乡镇/街道")
    headers, rows = _table(page)
    assert headers[:4] == ["名次", "综合得分（0–100）", "名称", "所属"]
    assert rows[0][2].endswith("号乡镇")
    text = page.locator(VIEW).inner_text()
    assert not re.search(r"[A-Za-z]{4,}", text), text[:400]  # no English left
    shot = os.environ.get("GRIDSIM_LEAGUE_SCREENSHOT")  # for looking at it by eye
    if shot:
        page.locator(VIEW).screenshot(path=shot)
