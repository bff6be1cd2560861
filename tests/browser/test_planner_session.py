"""A planner's session: two levers, run, the briefing, an invalid value, a repeat from the store, Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner import FULLTIME, HOUSEHOLDS, WARMUP, body, open_page, run, set_field, settle


def _result_dirs(results: Path) -> list[Path]:
    return [p for p in results.iterdir() if p.is_dir() and p.name[:1].isdigit()]


def test_a_planner_session(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    before = len(_result_dirs(server.results))
    set_field(page, FULLTIME, "2")
    set_field(page, HOUSEHOLDS, "300")
    page.get_by_text("Capacity check of the levers as set now: every office keeps up").wait_for()
    run(page, 1)
    text = body(page)
    assert "Levers changed: full-time workers per grid 1 → 2; households per grid 400 → 300" in text
    assert "on-time rate" in text and "Served from the store" not in text
    assert len(_result_dirs(server.results)) in (before + 1, before + 2)  # the variant, and the baseline unless stored

    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the one-page briefing (PDF)").click()
    pdf = Path(dl.value.path())
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000

    # an invalid value: its message beside the field and beside Run, no run possible, and the page goes on working
    set_field(page, FULLTIME, "-1")
    page.get_by_text("staffing.fulltime_per_grid: must be from 0 to 10,000, got -1").wait_for()
    page.get_by_text("1 field(s) to fix before running: full-time workers per grid").wait_for()
    assert page.get_by_role("button", name="Run", exact=True).is_disabled()
    set_field(page, FULLTIME, "2")
    assert "must be from 0 to" not in body(page)

    # the same levers again: answered from the store, nothing new written
    n = len(_result_dirs(server.results))
    run(page, 2)
    page.get_by_text("Served from the store of runs").wait_for()
    assert len(_result_dirs(server.results)) == n

    # Chinese: every label switches
    page.get_by_text("中文", exact=True).click()
    page.get_by_text("下载一页简报（PDF）").wait_for()
    settle(page)
    text = body(page)
    for word in ("调整参数", "每网格专职网格员", "结果", "按期办结率", "排名表"):
        assert word in text, word
    assert "Levers" not in text and "Capacity check" not in text
    page.close()


def test_a_validation_error_from_the_model_is_shown_beside_its_field(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    set_field(page, WARMUP, "30")  # at or beyond the 20-day horizon: sim.scenario.validate's own message
    page.get_by_text("run.warmup_days: must be a number of days").wait_for()
    assert "below run.horizon_days (20.0), got 30.0" in body(page)
    set_field(page, WARMUP, "2")
    page.get_by_text("Capacity check of the levers as set now: every office keeps up").wait_for()
    # this tab has its own session: the other tab's runs are not in its history
    assert "History of this session" not in body(page)
    page.close()
