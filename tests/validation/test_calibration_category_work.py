"""Recovery of the categories' paces: a generated log whose department's categories work at known paces.

The truth (``generated_logs``): in one department, one category's work is half the department's
mean and the other's one and a half times it (the same spread); in a second department, two
categories work alike. The log is exported and imported like a real one and its training months
are fitted: the first department's two factors must come out three apart within sampling error,
and the second's at one (no pace invented where there is none).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from generated_logs import export, truth_fit

from sim.calibrate.model import Handling
from sim.calibrate.profile import fit_arrivals, timebase, training
from sim.logs import load_log

T0 = pd.Timestamp("2015-03-02")  # a Monday
EXTRACTED = pd.Timestamp("2015-05-04")
TRAIN_UNTIL = pd.Timestamp("2015-04-13")
CATEGORIES = {"bins": ("repairs", 0.25, 0.0, 0.0), "walls": ("repairs", 0.25, 0.0, 0.0),
              "licences": ("permits", 0.25, 0.0, 0.0), "permits": ("permits", 0.25, 0.0, 0.0)}
PACE = {"bins": 0.5, "walls": 1.5, "licences": 1.0, "permits": 1.0}
CV = 0.8
#: repairs: 210 matters a week x 4 h / (60 x 45 h) = rho 0.31; permits: 210 x 2 h / (15 x 45 h) = 0.62
TRUTH = {"repairs": Handling(servers=60, work_hours=4.0, cv=CV), "permits": Handling(servers=15, work_hours=2.0, cv=CV)}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    fit = truth_fit(T0, EXTRACTED, 120.0, CATEGORIES)
    fit = replace(fit, categories={k: replace(c, work_factor=PACE[k]) for k, c in fit.categories.items()})
    log, mapping, _cfg = export(tmp_path_factory.mktemp("paces"), fit, TRUTH)
    imported = load_log(log, mapping)
    tb = timebase(imported.cases, imported.extracted_at, TRAIN_UNTIL)
    return fit_arrivals(imported.cases, tb), training(imported.cases, tb)


def _log_median_se(rows: int) -> float:
    """Standard error of a log-normal sample's log median: sqrt(pi / 2) sigma / sqrt(n)."""
    sigma = np.sqrt(np.log1p(CV**2))
    return float(np.sqrt(np.pi / 2) * sigma / np.sqrt(rows))


def test_two_paces_in_one_department_recovered_within_sampling_error(fitted) -> None:
    fit, tr = fitted
    n = {k: int((tr["category"] == k).sum()) for k in ("bins", "walls")}
    se = np.hypot(_log_median_se(n["bins"]), _log_median_se(n["walls"]))
    got = np.log(fit.categories["walls"].work_factor / fit.categories["bins"].work_factor)
    assert abs(got - np.log(3.0)) < 4 * se + np.log(3.0) * 30 / min(n.values()), (got, se, n)


def test_categories_that_work_alike_keep_their_departments_pace(fitted) -> None:
    fit, tr = fitted
    for k in ("licences", "permits"):
        se = _log_median_se(int((tr["category"] == k).sum()))
        # a wait shared by both categories (rho 0.62) moves both medians alike
        assert abs(np.log(fit.categories[k].work_factor)) < 4 * se, (k, fit.categories[k].work_factor, se)

