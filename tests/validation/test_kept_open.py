"""A department that stands for a log's never-closed cases is open by design, not an office that cannot keep up.

A calibrated scenario sends the cases its log never closed to a ``left_open`` department whose
one server never finishes them (``sim.calibrate.model``). The capacity check read it at 75,365
times its capacity and the verdict of every calibrated what-if was ``UNSTABLE (capacity)``,
naming it first, whatever the offices did; its matters also made the daily open count climb,
so the backlog and warm-up rules judged them too. Marked ``kept_open``, it is shown but not
judged: its matters still count in every KPI but the judged open count's (``backlog_growth_*``,
``warmup_mser5_*``): late, open, as in the log.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.metrics.open_matters import daily_open

# a township whose emergency/fire department has no staff: as left_open, it never closes what reaches it
BASE = ["territory=township", "run.horizon_days=60", "run.warmup_days=15", "report.charts=false",
        "run.progress=false", "staffing.department_staff.emergency_fire=0"]


@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_a_kept_open_department_is_shown_but_not_judged(engine: str) -> None:
    starved = sim.run([*BASE, f"engine={engine}"], write=False)
    kept = sim.run([*BASE, f"engine={engine}", "catalog.departments.6.kept_open=true"], write=False)
    load = next(s for s in kept.capacity.loads if s.name == "department:emergency_fire")
    assert load.kept_open and np.isinf(load.utilization) and not kept.capacity.unstable
    assert [s.name for s in starved.capacity.unstable] == ["department:emergency_fire"]
    assert "department:emergency_fire" not in [name for name, _, _ in kept.capacity.verdict_loads()]
    assert starved.stability.unstable and starved.stability.rule == "capacity"
    assert not [r for r in kept.stability.reasons if r.kind == "capacity"]
    # its matters still count in the KPIs (records and KPIs are the same run's), not in the judged open count
    assert kept.kpis["open_at_horizon"] == starved.kpis["open_at_horizon"]
    assert kept.kpis["on_time_rate"] == starved.kpis["on_time_rate"]
    assert kept.records is not None and starved.records is not None
    cats = kept.records.meta["kept_open_categories"]
    assert cats and not starved.records.meta["kept_open_categories"]
    _, judged = daily_open(kept.records)
    _, every = daily_open(starved.records)
    assert judged[-1] < every[-1]
    m = kept.records.matters
    never = int(((np.isin(m.category, cats)) & (m.t_occur < 60 * 24.0) & ~np.isfinite(m.t_close)).sum())
    assert every[-1] - judged[-1] <= never
