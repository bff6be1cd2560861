"""Problem 1: the language switch keeps the page and every setting; a reload keeps them too (the URL)."""

from __future__ import annotations

from typing import Any

from planner import FULLTIME, HORIZON, REPLICATIONS, WARMUP, body, choose, open_page, set_field, settle

FULLTIME_ZH = "每网格专职网格员 (人; 允许范围 0 至 10,000)"
REPLICATIONS_ZH = "重复次数 (次; 允许范围 1 至 10,000)"


def _selectbox(page: Any, label: str) -> str:
    """The option a selectbox shows (in its input's value)."""
    return str(page.get_by_label(label, exact=True).input_value())


def _switch(page: Any, to: str, landmark: str) -> None:
    page.get_by_text(to, exact=True).click()
    page.get_by_text(landmark).first.wait_for()
    settle(page)


def test_switching_language_and_reloading_keep_the_page_and_every_setting(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    set_field(page, FULLTIME, "3")
    page.get_by_text("Dispatch and escalation").click()
    choose(page, "queue rule", "earliest deadline first")

    _switch(page, "中文", "调整参数")
    text = body(page)
    assert "malformed" not in text and "Error" not in text, text[:500]
    assert "gridsim 工作台" in text and "运行" in text
    assert page.get_by_label(FULLTIME_ZH, exact=True).input_value() == "3"
    assert page.get_by_label(REPLICATIONS_ZH, exact=True).input_value() == "2"
    page.get_by_text("派单与上移").click()
    assert _selectbox(page, "排队规则") == "截止期限优先"  # the queue rule kept, in Chinese

    _switch(page, "English", "Levers")
    assert page.get_by_label(FULLTIME, exact=True).input_value() == "3"
    assert page.get_by_label(REPLICATIONS, exact=True).input_value() == "2"
    page.get_by_text("Dispatch and escalation").click()
    assert _selectbox(page, "queue rule") == "earliest deadline first"

    # a reload (or the link sent to a colleague) opens the same page
    assert "staffing.fulltime_per_grid=3" in page.url and "run.replications=2" in page.url
    assert "dispatch.rule=edf" in page.url
    page.reload()
    page.get_by_role("button", name="Run", exact=True).wait_for()
    settle(page)
    assert page.get_by_label(FULLTIME, exact=True).input_value() == "3"
    assert page.get_by_label(REPLICATIONS, exact=True).input_value() == "2"
    assert "dispatch.rule=edf" in page.url

    _switch(page, "中文", "调整参数")
    page.reload()
    page.get_by_text("调整参数").first.wait_for()
    settle(page)
    assert page.get_by_label(FULLTIME_ZH, exact=True).input_value() == "3"
    page.close()


def test_a_shorter_horizon_takes_the_default_warm_up_along(server: Any, browser: Any) -> None:
    """A new user's walk: only the horizon set to a quarter; the untouched warm-up follows it (the schema's
    rule, a quarter of the horizon up to 90 days) instead of staying at 90 days and blocking Run."""
    page = open_page(browser, server.url, fields=())
    set_field(page, HORIZON, "60")
    assert page.get_by_label(WARMUP, exact=True).input_value() == "15.00"
    assert page.get_by_role("button", name="Run", exact=True).is_enabled()
    assert "to fix before running" not in body(page)
    set_field(page, WARMUP, "20")  # the planner's own warm-up is kept when the horizon moves again
    set_field(page, HORIZON, "70")
    assert page.get_by_label(WARMUP, exact=True).input_value() == "20.00"
    page.close()
