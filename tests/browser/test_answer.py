"""Problems 2-5: comparisons follow the newest runs, the verdict comes first, replications are shown
everywhere, and the answer is a decision table in the planner's units."""

from __future__ import annotations

import re
from typing import Any

from planner import FULLTIME, REPLICATIONS, body, choose, open_page, run, set_field, settle

#: the background of a row whose change is worse / better for the planner (sim.app.answer.COLOURS)
WORSE, BETTER = "rgb(248, 215, 215)", "rgb(215, 240, 220)"


def _row_colour(page: Any, kpi: str) -> str:
    cell = page.locator("td", has_text=kpi).last
    return str(cell.evaluate("e => getComputedStyle(e).backgroundColor"))


def test_the_comparison_follows_the_newest_runs_and_states_replications(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    set_field(page, FULLTIME, "2")
    run(page, 1)
    set_field(page, FULLTIME, "3")
    run(page, 2)
    assert page.get_by_label("first (the reference)", exact=True).input_value() == "#1"
    assert page.get_by_label("second", exact=True).input_value() == "#2"
    text = body(page)
    assert "Run #2: township, baseline scenario, 2 replications" in text
    assert "Levers changed: full-time workers per grid 2 → 3" in text  # the comparison's own levers
    # #1 changed a lever: it is the reference, not the baseline (the briefing calls it so too)
    assert "reference (#1, 2 replications)" in text and "variant (#2, 2 replications)" in text
    assert "baseline (#1" not in text
    assert "#1 against #1" not in text
    history = page.locator("table", has_text="from the store").inner_text()
    assert "replications" in history and re.search(r"#2\s+full-time workers per grid 1 → 3\s+2\s", history)

    # the pair a planner picked stays picked through a switch to Chinese and back
    choose(page, "first (the reference)", "#2")
    page.get_by_text("中文", exact=True).click()
    page.get_by_text("万元").first.wait_for()
    settle(page)
    page.get_by_text("English", exact=True).click()
    page.get_by_text("thousand yuan").first.wait_for()
    settle(page)
    assert page.get_by_label("first (the reference)", exact=True).input_value() == "#2"
    choose(page, "first (the reference)", "#1")

    # a third run with three replications: the comparison says why it cannot pair them
    set_field(page, REPLICATIONS, "3")
    run(page, 3)
    assert page.get_by_label("first (the reference)", exact=True).input_value() == "#2"
    assert page.get_by_label("second", exact=True).input_value() == "#3"
    page.get_by_text("#2 has 2 replication(s) and #3 has 3: they cannot be paired").wait_for()
    assert "not paired: the replications differ" in body(page)
    page.close()


def test_the_answer_is_a_decision_in_the_planners_units(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    set_field(page, FULLTIME, "2")
    run(page, 1)
    text = body(page)
    answer = text[text.index("The answer"):text.index("Charts")]
    assert "Levers changed: full-time workers per grid 1 → 2" in answer
    for head in ("baseline (2 replications)", "variant (#1, 2 replications)", "change (95% interval)"):
        assert head in answer, head
    assert "thousand yuan" in answer and " points" in answer and re.search(r"\d days|\d hours", answer)
    assert not re.search(r"\de[+-]\d", text), "scientific notation on the page"
    assert "Answered in" in answer and "(baseline and variant)" in answer
    assert _row_colour(page, "staff cost a year") == WORSE  # more full-time workers cost more: worse for cost
    page.get_by_text("中文", exact=True).click()
    page.get_by_text("万元").first.wait_for()
    settle(page)
    assert "个百分点" in body(page) and "更差" in body(page)
    page.close()


def test_the_stability_verdict_comes_first_with_the_capacity_warning(server: Any, browser: Any) -> None:
    page = open_page(browser, server.url)
    page.get_by_text("County department staff (per county)").click()
    # the lever by the department's display name, not its key (urban_construction)
    set_field(page, re.compile("^Housing and urban management", re.I), "0")  # a department with no staff at all
    run(page, 1)
    text = body(page)
    answer = text[text.index("The answer"):text.index("Charts")]
    verdict = answer.index("Unstable")
    assert verdict < answer.index("Levers changed") < answer.index("on-time rate")
    # the department by its display name (urban_construction: "Housing and urban management"), and why: no staff
    assert re.search(r"urban management cannot keep up: it has no staff", answer[verdict:], re.I)
    assert "(utilisation –)" not in answer and "Levers changed: Housing and urban management" in answer
    assert "reads better, but unstable" in answer  # its cheaper staff is not called better
    page.close()
