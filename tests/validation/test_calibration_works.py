"""Recovery of two works: a generated log whose department's queue holds a known share of long work.

The truth (``generated_logs``): two departments working office hours. In one, a known share of
each category's queue cases takes a long work (20 working hours against 1), both through the
same servers; the other has one work. The log is exported and imported like a real one and the
training months are fitted: the first department must come out as two works with the long share
within sampling error, the second as one work (its overnight and weekend waits are not a second
work: they are read on the offices' clock).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from generated_logs import fitted_training

from sim.calibrate.model import Handling

T0 = pd.Timestamp("2015-03-02")  # a Monday
EXTRACTED = pd.Timestamp("2015-05-04")
LONG = 0.4
CATEGORIES = {"potholes": ("roads", 0.3, 0.05, 0.0, LONG), "signs": ("roads", 0.2, 0.0, 0.0, LONG),
              "licences": ("permits", 0.5, 0.05, 0.0, 0.0)}
#: roads: 420 matters a week x (0.6 x 1 h + 0.4 x 20 h) / (110 x 45 h) = rho 0.73;
#: permits: 400 x 2 h / (25 x 45 h) = 0.71
TRUTH = {"roads": Handling(servers=110, work_hours=1.0, cv=0.5, long_work_hours=20.0, long_cv=0.5, long_share=LONG),
         "permits": Handling(servers=25, work_hours=2.0, cv=1.0)}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    return fitted_training(tmp_path_factory.mktemp("works"), T0, EXTRACTED, pd.Timestamp("2015-04-13"), CATEGORIES,
                           TRUTH)


def test_long_share_recovered_within_sampling_error(fitted) -> None:
    fit, tr = fitted
    roads = fit.works["roads"]
    assert roads.chosen == "two works", roads.why
    for name in ("potholes", "signs"):
        rows = int((tr["category"] == name).sum())
        se = np.sqrt(LONG * (1 - LONG) / rows)
        got = fit.categories[name].long_share
        assert abs(got - LONG) < 4 * se, (name, got, se, roads.why)
    assert roads.long_share == pytest.approx(LONG, abs=4 * np.sqrt(LONG * (1 - LONG) / roads.cases))
    # the works' means as the truth has them (a wait is added to the short one: rho ~0.7, 110 servers)
    assert roads.long_mean_hours == pytest.approx(20.0, rel=0.15), roads
    assert roads.short_mean_hours == pytest.approx(1.0, rel=0.3), roads


def test_one_work_is_one_work(fitted) -> None:
    fit, _tr = fitted
    permits = fit.works["permits"]
    assert permits.chosen == "one work", permits.why
    assert fit.categories["licences"].long_share == 0.0
