"""Cutting the staff who find matters must read worse, on both engines (MODEL.md 6: open matters count).

A deadline runs from intake. Before a matter no one had found got a due time, a township
whose grids lost their full-time and part-time workers (the patrols that find matters)
read better over 40 days on the on-time rate (0.954 against the baseline's 0.932), on
satisfaction (0.936 against 0.913) and on petitions (none against 18.3 per 10,000), though
47.5% of its matters were still open: what was never found was never late. A matter still
not taken in at the horizon now gets the due time it would have had, taken in when it was
found (or when it occurred, if no one found it), and counts as late once past it, like any
open matter. The callback patience is 5 days, so that a matter left open past its due time
reaches it within the run.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario.constants import CLOSED, UNDISCOVERED

BASE = ["territory=township", "run.horizon_days=40", "run.warmup_days=10", "report.charts=false",
        "run.progress=false", "outcome.petition_patience_days=5"]
NO_PATROLS = ["staffing.fulltime_per_grid=0", "staffing.parttime_per_grid=0"]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_fewer_finders_read_worse(engine: str) -> None:
    base = sim.run([*BASE, f"engine={engine}"], write=False)
    cut = sim.run([*BASE, f"engine={engine}", *NO_PATROLS], write=False)
    b, c = base.kpis, cut.kpis
    assert c["open_at_horizon_share"] > b["open_at_horizon_share"] + 0.1
    assert c["on_time_rate"] < b["on_time_rate"]
    assert c["satisfaction_rate"] < b["satisfaction_rate"]
    assert c["petitions_per_10k"] > b["petitions_per_10k"]
    # a matter not yet found counts its time so far: fewer finders, slower discovery
    assert c["discovery_hours_mean"] > b["discovery_hours_mean"]
    # the capacity check sees the matters no channel finds, and the verdict says so first
    assert cut.capacity.never_found_share > 0.2 and base.capacity.never_found_share == 0.0
    assert cut.stability.unstable and cut.stability.rule == "capacity"
    assert any(r.office == "finding" for r in cut.stability.reasons)
    assert not any(r.office == "finding" for r in base.stability.reasons)
    # every matter still open has a due time; one never found is due its deadline after it occurred
    assert cut.records is not None
    m = cut.records.matters
    still = m.status != CLOSED
    assert not np.isnan(m.deadline[still]).any()
    unfound = m.status == UNDISCOVERED
    assert unfound.sum() > 0 and (m.deadline[unfound] > m.t_occur[unfound]).all()
