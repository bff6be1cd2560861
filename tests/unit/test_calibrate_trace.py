"""The traced run's categories: a log's case goes to its category or to one of its twins by their shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.model import LEFT_OPEN_SUFFIX, LONG_SUFFIX, QUICK_SUFFIX
from sim.calibrate.profile import CategoryFit
from sim.calibrate.trace import case_categories


def test_cases_split_between_a_category_and_its_twins_by_their_shares() -> None:
    fit = {"potholes": CategoryFit(name="potholes", key="potholes", department="roads", rows=1, share=1.0,
                                   fast_share=0.1, fast_hours=0.01, due_share=1.0, deadline_days=5.0, deadline_rows=1,
                                   open_share=0.1, quick_share=0.2, long_share=0.5)}
    names = ["potholes", "potholes" + QUICK_SUFFIX, "potholes" + LEFT_OPEN_SUFFIX, "potholes" + LONG_SUFFIX]
    n = 200_000
    u = np.random.default_rng(1).random(n)
    got = np.bincount(case_categories(pd.DataFrame({"category": ["potholes"] * n}), fit, names, u), minlength=4) / n
    # quick 0.2, left open 0.1, long half of the queue's 1 - 0.1 - 0.1 - 0.2, the rest (settled at once too) main
    want = [1.0 - 0.2 - 0.1 - 0.3, 0.2, 0.1, 0.3]
    assert got == pytest.approx(want, abs=4 * np.sqrt(0.25 / n))
