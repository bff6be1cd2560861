"""Problem 8 (validation messages): an invalid value on the page in 中文 is explained in Chinese."""

from __future__ import annotations

from typing import Any

from planner import body, open_page, set_field, settle

FULLTIME_ZH = "每网格专职网格员 (人; 允许范围 0 至 10,000)"


def test_an_invalid_value_in_chinese_gets_a_chinese_message(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url, fields=())
    page.get_by_text("中文", exact=True).click()
    page.get_by_text("调整参数").first.wait_for()
    settle(page)
    set_field(page, FULLTIME_ZH, "20000")
    alert = page.get_by_role("alert").filter(has_text="须在 0 至 10,000 之间").first
    alert.wait_for()
    shown = alert.inner_text()
    assert "每网格专职网格员" in shown and "当前为 20,000" in shown, shown
    assert "must be" not in body(page)  # no English problem left on the page
    assert page.get_by_role("button", name="运行", exact=True).is_disabled()

    page.get_by_text("English", exact=True).click()  # the same problem in the CLI's words
    page.get_by_text("Levers").first.wait_for()
    settle(page)
    assert "staffing.fulltime_per_grid: must be from 0 to 10,000, got 20,000" in body(page)
    page.close()
