"""Recovery of the quick path: a generated log whose departments close a known share quickly.

The truth (``generated_logs``): two departments with queues that form, working office hours;
in one of them a category sends a known share of its matters down a quick path (the intake
grid, round the clock, lognormal time of its own), in the other no category does. The log
is exported and imported like a real one, and the training months are fitted: the first
department must come out as two paths with the quick share within sampling error, the
second as one path (its own quick service within office hours is not a second path).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from generated_logs import fitted_training

from sim.calibrate.model import Handling

T0 = pd.Timestamp("2015-03-02")  # a Monday
EXTRACTED = pd.Timestamp("2015-05-04")
QUICK = 0.3
CATEGORIES = {"streetlight": ("works", 0.35, 0.05, QUICK), "graffiti": ("works", 0.15, 0.0, 0.0),
              "benefits": ("welfare", 0.5, 0.1, 0.0)}
TRUTH = {"works": Handling(servers=5, work_hours=2.0, cv=1.0), "welfare": Handling(servers=5, work_hours=1.5, cv=1.0)}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    return fitted_training(tmp_path_factory.mktemp("paths"), T0, EXTRACTED, pd.Timestamp("2015-04-13"), CATEGORIES,
                           TRUTH)


def test_quick_share_recovered_within_sampling_error(fitted) -> None:
    fit, tr = fitted
    works = fit.paths["works"]
    assert works.chosen == "two paths", works.why
    rows = int((tr["category"] == "streetlight").sum())
    got = fit.categories["streetlight"].quick_share
    se = np.sqrt(QUICK * (1 - QUICK) / rows)
    assert abs(got - QUICK) < 4 * se, (got, se, works.why)
    # the category without a quick path gets (nearly) none; the quick time is the truth's (0.3 h mean)
    assert fit.categories["graffiti"].quick_share < 4 * np.sqrt(QUICK * (1 - QUICK) / rows)
    assert works.quick_mean_hours == pytest.approx(0.3, rel=0.15), works


def test_a_queue_alone_is_one_path(fitted) -> None:
    fit, _tr = fitted
    welfare = fit.paths["welfare"]
    assert welfare.chosen == "one path", welfare.why
    assert fit.categories["benefits"].quick_share == 0.0
