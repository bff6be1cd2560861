"""The vector engine's count of idle servers with no wake-up scheduled (``station_unwoken``) stays exact.

A matter that arrives while a station's servers are off shift schedules a wake-up for each idle one that could
take it; the count lets a station whose idle servers all have one skip the servers (the loop that made a
calibrated city's nights slow). Whatever happened during the run (shifts, volunteers mobilised and stood
down, servers busy across a shift's opening), it must end equal to a recount of its servers.

So must the mark a station's scans for an idle server start from (``station_first_idle``): every server before
it busy or off duty, whatever freed or stood down servers behind it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.vector_worlds import worlds_after


@pytest.mark.parametrize("overrides", [
    ["territory=township", "run.horizon_days=30"],
    # the flood's volunteers mobilised (from day 180) and stood down, with the grid staff on office hours
    ["territory=township", "scenario=flood", "run.horizon_days=220", "staffing.shifts.grid_leader=office",
     "staffing.shifts.fulltime=office", "staffing.shifts.volunteer=office"],
    ["territory=township", "run.horizon_days=20", "staffing.shifts.grid_leader=office",
     "staffing.shifts.fulltime=office"],
    # two counties one after the other in one World, departments on office hours
    ["territory=city", "territory.counties=2", "territory.townships_per_county=1", "run.horizon_days=20",
     "engine.workers=1", "staffing.shifts.department=office"],
])
def test_the_count_of_idle_servers_without_a_wake_up_matches_a_recount(overrides: list[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    worlds = worlds_after(overrides, monkeypatch)
    advanced = 0
    for w in worlds:
        idle = w["server_active"] & ~w["server_busy"] & ~w["server_wake_pending"]
        recount = np.bincount(w["server_station"], weights=idle, minlength=len(w["station_unwoken"]))
        np.testing.assert_array_equal(w["station_unwoken"], recount.astype(np.int64))
        assert w["server_wake_pending"].any() or "office" not in " ".join(overrides)
        ptr, mark = w["server_ptr"], w["station_first_idle"]
        idle_active = w["server_active"] & ~w["server_busy"]
        assert ((ptr[:-1] <= mark) & (mark <= ptr[1:])).all()
        assert not any(idle_active[ptr[s]:mark[s]].any() for s in range(len(mark)))
        advanced += int((mark > ptr[:-1]).sum())
        if "scenario=flood" in overrides:  # the volunteers were on duty at some time
            assert w["server_busy_h"][~w["server_active"]].sum() > 0
    assert advanced > 0, "no scan moved a mark: nothing checked"
