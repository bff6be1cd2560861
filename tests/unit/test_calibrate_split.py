"""Categories handled by several departments, split by department (``sim.calibrate.split``)."""

from __future__ import annotations

import pandas as pd

from sim.calibrate.profile import MIN_ROWS
from sim.calibrate.split import split_by_department

UNTIL = pd.Timestamp("2015-03-01")


def _cases(rows: list[tuple[str, str | None, int, str]]) -> pd.DataFrame:
    """(category, department, count, month) -> a cases frame of the contract's columns used here."""
    out = []
    for cat, dept, n, when in rows:
        out += [{"category": cat, "department": dept, "created": pd.Timestamp(when)}] * n
    return pd.DataFrame(out)


def test_a_second_department_with_enough_cases_gets_its_own_category_in_both_windows() -> None:
    cases = _cases([("comments", "info", 100, "2015-01-10"), ("comments", "works", MIN_ROWS, "2015-01-12"),
                    ("comments", "works", 5, "2015-03-10"), ("comments", "parks", MIN_ROWS - 1, "2015-01-12"),
                    ("lights", "works", 50, "2015-01-05")])
    out, added = split_by_department(cases, UNTIL)
    assert added == 1
    works = out[(cases["category"] == "comments") & (cases["department"] == "works")]
    assert set(works["category"]) == {"comments (works)"}  # the held-out months' cases too
    assert len(works) == MIN_ROWS + 5
    # the main department keeps the name; a department below MIN_ROWS stays with it
    assert set(out.loc[cases["department"] == "info", "category"]) == {"comments"}
    assert set(out.loc[cases["department"] == "parks", "category"]) == {"comments"}
    assert set(out.loc[cases["category"] == "lights", "category"]) == {"lights"}
    assert len(out) == len(cases) and (out.index == cases.index).all()


def test_no_department_column_and_one_department_per_category_change_nothing() -> None:
    cases = _cases([("comments", None, 100, "2015-01-10"), ("lights", None, 50, "2015-01-05")])
    out, added = split_by_department(cases, UNTIL)
    assert added == 0 and out["category"].tolist() == cases["category"].tolist()
    cases = _cases([("comments", "info", 100, "2015-01-10"), ("lights", "works", 50, "2015-01-05")])
    out, added = split_by_department(cases, UNTIL)
    assert added == 0 and out["category"].tolist() == cases["category"].tolist()


def test_a_name_the_log_already_uses_is_not_taken_twice() -> None:
    cases = _cases([("comments", "info", 100, "2015-01-10"), ("comments", "works", MIN_ROWS, "2015-01-12"),
                    ("comments (works)", "works", 40, "2015-01-12")])
    out, added = split_by_department(cases, UNTIL)
    assert added == 1
    assert set(out.loc[(cases["category"] == "comments") & (cases["department"] == "works"), "category"]) == {
        "comments (works)'"}
    assert set(out.loc[cases["category"] == "comments (works)", "category"]) == {"comments (works)"}


def test_a_pair_seen_only_in_the_held_out_months_stays_with_the_main_department() -> None:
    cases = _cases([("comments", "info", 100, "2015-01-10"), ("comments", "works", 50, "2015-03-10")])
    out, added = split_by_department(cases, UNTIL)
    assert added == 0 and set(out["category"]) == {"comments"}
