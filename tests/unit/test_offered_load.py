"""The work that reached each station in the KPI window and stayed there (``sim.metrics.offered``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics.offered import offered_work
from sim.records.schema import ESCALATED, OPEN, REDIRECTED, SETTLED

NAN = np.nan


def test_only_work_that_arrived_in_the_window_and_stayed_counts() -> None:
    # station, arrived, started, work, outcome
    rows = [
        (0, 15.0, 16.0, 2.0, SETTLED),  # served: counts
        (0, 5.0, 16.0, 4.0, SETTLED),  # arrived before the window: not this window's load
        (0, 99.0, NAN, 8.0, OPEN),  # still waiting at the horizon: counts, though never started
        (0, 50.0, NAN, 16.0, ESCALATED),  # moved up by a time limit before service: left no work here
        (1, 20.0, NAN, 0.0, REDIRECTED),
        (1, 30.0, 31.0, 32.0, OPEN),  # in service at the horizon: counts whole
        (1, 100.0, 101.0, 64.0, SETTLED),  # arrived at the horizon: the next window's
        (2, 40.0, 41.0, NAN, SETTLED),  # no work recorded: nothing
    ]
    st, ta, ts, w, o = (np.array(c) for c in zip(*rows, strict=True))
    got = offered_work(st.astype(np.int32), ta, ts, w, o.astype(np.int8), OPEN, 10.0, 100.0, 3)
    assert got == pytest.approx([10.0, 32.0, 0.0])
    # a station index outside the table is dropped, as the busy hours drop it
    assert offered_work(np.array([5], np.int32), np.array([20.0]), np.array([21.0]), np.array([1.0]),
                        np.array([SETTLED], np.int8), OPEN, 10.0, 100.0, 3).sum() == 0.0
