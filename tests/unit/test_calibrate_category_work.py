"""A category's pace within its department's queue (``sim.calibrate.category_work``), by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calibrate.category_work import MIN_QUEUE_ROWS, SHRINK_ROWS, weighted_median, work_factors


def _cases(groups: list[tuple[str, str, float, int, int]]) -> tuple[np.ndarray, ...]:
    """(department, category, hours, closed cases, open cases) -> the arrays work_factors reads."""
    x, op, w, cat, dep = [], [], [], [], []
    for d, c, h, n_closed, n_open in groups:
        for is_open in [False] * n_closed + [True] * n_open:
            x.append(math.log(h))
            op.append(is_open)
            w.append(1.0)
            cat.append(c)
            dep.append(d)
    return (np.array(x), np.array(op), np.array(w), np.array(cat, dtype=object), np.array(dep, dtype=object))


def test_two_paces_in_one_department_by_hand() -> None:
    # 90 cases of 2 h and 90 of 8 h: the department's (lower) median is 2 h; "bins" keeps the
    # department's pace, "walls" moves 90 / (90 + 30) of the way to 4 times it; scaled to mean 1
    x, op, w, cat, dep = _cases([("roads", "bins", 2.0, 90, 0), ("roads", "walls", 8.0, 90, 0)])
    f = work_factors(x, op, w, cat, dep)
    walls = 4.0 ** (90 / (90 + SHRINK_ROWS))
    assert f["walls"] / f["bins"] == pytest.approx(walls)
    assert (f["walls"] + f["bins"]) / 2 == pytest.approx(1.0)
    assert f["bins"] == pytest.approx(2.0 / (1.0 + walls))


def test_departments_are_scaled_apart_and_one_category_keeps_its_departments_work() -> None:
    x, op, w, cat, dep = _cases([("roads", "bins", 2.0, 40, 0), ("roads", "walls", 8.0, 40, 0),
                                 ("permits", "licences", 50.0, 25, 0)])
    f = work_factors(x, op, w, cat, dep)
    assert f["licences"] == 1.0
    assert (f["walls"] + f["bins"]) / 2 == pytest.approx(1.0)


def test_an_open_case_counts_above_every_closed_one() -> None:
    # "slow": 20 closed at 1 h and 30 still open after 0.5 h: open for at least that long, so its
    # median is unknown (open share over one half) and it keeps the department's pace; read as closed
    # at 0.5 h, its median would be half the department's and its factor below the other's
    x, op, w, cat, dep = _cases([("roads", "quick", 1.0, 50, 0), ("roads", "slow", 1.0, 20, 0),
                                 ("roads", "slow", 0.5, 0, 30)])
    f = work_factors(x, op, w, cat, dep)
    assert f["quick"] == pytest.approx(f["slow"])
    as_closed = work_factors(x, np.zeros(len(x), bool), w, cat, dep)
    assert as_closed["slow"] < as_closed["quick"]
    assert math.isnan(weighted_median(x[cat == "slow"], w[cat == "slow"], op[cat == "slow"]))
    # 20 closed, 10 open: the open ones lift the median to the largest closed value's side
    y = np.log(np.array([1.0] * 10 + [3.0] * 10 + [1.0] * 10))
    o = np.array([False] * 20 + [True] * 10)
    assert weighted_median(y, np.ones(30), o) == pytest.approx(math.log(3.0))


def test_few_cases_keep_the_departments_pace_and_unweighted_cases_are_not_read() -> None:
    x, op, w, cat, dep = _cases([("roads", "bins", 2.0, 60, 0), ("roads", "rare", 50.0, MIN_QUEUE_ROWS - 1, 0),
                                 ("roads", "elsewhere", 500.0, 60, 0)])
    w[cat == "elsewhere"] = 0.0  # not through the queue (settled at once, quick path or left open)
    f = work_factors(x, op, w, cat, dep)
    assert "elsewhere" not in f
    assert f["rare"] == pytest.approx(f["bins"])


def test_weights_decide_the_median() -> None:
    y = np.log(np.array([1.0, 2.0, 4.0]))
    assert weighted_median(y, np.array([1.0, 1.0, 1.0]), np.zeros(3, bool)) == pytest.approx(math.log(2.0))
    assert weighted_median(y, np.array([0.1, 0.1, 5.0]), np.zeros(3, bool)) == pytest.approx(math.log(4.0))
    assert math.isnan(weighted_median(y, np.zeros(3), np.zeros(3, bool)))
