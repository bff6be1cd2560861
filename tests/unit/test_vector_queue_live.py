"""The vector engine's list of each station's non-empty category heaps (``queue_live``) stays exact.

A freed server looks only at the categories listed for its station, not at every category of the catalogue
(a calibrated city's departments have hundreds, few of them waiting). Whatever happened during the run
(queues filled and drained, visits moved to the overdue heaps by reminders, visits that left a queue at their
time limit), the list must end holding each category whose heap is not empty, once, and no other. Which visit
the server then takes from the listed heaps is checked by the equivalence suite (records equal to the agent
engine's, which looks at every category)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.vector_worlds import worlds_after


@pytest.mark.parametrize("overrides", [
    ["territory=township", "run.horizon_days=30"],
    # reminders: visits past their deadline move to the overdue heaps; a short-staffed department keeps a queue
    ["territory=township", "run.horizon_days=60", "dispatch.reminders=true",
     "staffing.department_staff.urban_construction=1", "staffing.shifts.department=office"],
])
def test_the_listed_categories_are_those_with_a_queue(overrides: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    worlds = worlds_after(overrides, monkeypatch)
    listed_somewhere = 0
    for w in worlds:
        n_st = len(w["queue_waiting"])
        n_k = len(w["queue_fresh"]) // n_st
        for state, roots in enumerate((w["queue_overdue"], w["queue_fresh"])):
            for s in range(n_st):
                listed = w["queue_live"][state, s * n_k: s * n_k + w["queue_live_n"][state, s]]
                live = np.flatnonzero(roots[s * n_k: (s + 1) * n_k] >= 0)
                assert sorted(listed.tolist()) == live.tolist(), (state, s)
                listed_somewhere += len(listed)
    if "dispatch.reminders=true" in overrides:  # the case has queues left at the end, overdue ones among them
        assert listed_somewhere > 0
        assert any(w["queue_live_n"][0].sum() > 0 for w in worlds)
