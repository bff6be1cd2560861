"""Equivalence for catalogues of any size: 3 and 25 departments, end to end on both engines.

A catalogue of its own (``catalog=<preset>``: its modules, departments, one category per
department and their staff) runs through ``sim.run`` on the agent and on the vector
engine; the records must be equal field for field, as for the default catalogue. Two
counties of one township each, so the station numbering (township x module,
county x department) is exercised beyond the first unit.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.runs.api import RunResult
from tests.catalogues import overrides, write_catalogue
from tests.equivalence.divergence import assert_same_records

RUN = ["territory=township", "territory.counties=2", "territory.villages_per_township=5", "run.horizon_days=40",
       "run.warmup_days=5", "run.progress=false", "dispatch.misclass_prob=0.2", "staffing.professional_per_township=4"]


def _run(tmp_path: Path, name: str, engine: str) -> RunResult:
    return sim.run([*overrides(tmp_path, name), *RUN, f"engine={engine}",
                    f"run.results_dir={tmp_path / 'results' / engine}"])


@pytest.mark.parametrize(("n_departments", "n_modules"), [(3, 2), (25, 5)])
def test_a_catalogue_of_any_size_gives_identical_records_end_to_end(tmp_path: Path, n_departments: int,
                                                                    n_modules: int) -> None:
    name = write_catalogue(tmp_path, n_departments, n_modules)
    agent, vector = _run(tmp_path, name, "agent"), _run(tmp_path, name, "vector")
    assert agent.engine == "agent" and vector.engine == "vector"
    assert agent.records is not None and vector.records is not None
    assert_same_records(agent.records, vector.records)
    assert agent.kpis.keys() == vector.kpis.keys()
    # equal, NaN included (a percentile above the horizon, a growth not judged over whole cycles)
    assert all(agent.kpis[k] == vector.kpis[k] or (math.isnan(agent.kpis[k]) and math.isnan(vector.kpis[k]))
               for k in agent.kpis if k != "engine_seconds")

    rec = vector.records
    st = rec.stations
    kinds = np.asarray(st.kind)
    # the layout has one station per county and department and per township and module
    assert int((kinds == "department").sum()) == 2 * n_departments
    assert int((kinds == "module").sum()) == 2 * n_modules
    depts = [f"dept_{d:02d}" for d in range(n_departments)]
    codes = [c for c, k in zip(st.code, kinds, strict=True) if k == "department"]
    assert sorted(c.rsplit("-", 1)[1] for c in codes) == sorted(depts * 2)
    # every department of both counties really takes matters, and misrouting moves
    # matters between this catalogue's modules
    visited = np.bincount(rec.visits.station, minlength=len(kinds))
    assert (visited[kinds == "department"] > 0).all()
    assert (visited[kinds == "module"] > 0).all()
    assert rec.matters.transfers.sum() > 0
    # the capacity check lists every department and module of the catalogue
    names = [load.name for load in vector.capacity.loads]
    assert [n for n in names if n.startswith("department:")] == [f"department:{d}" for d in depts]
    assert [n for n in names if n.startswith("module:")] == [f"module:mod_{m:02d}" for m in range(n_modules)]
    # the run wrote its charts, and one row and bar per module and department
    assert vector.out_dir is not None
    for chart in ("resolution_cdf.png", "level_funnel.png", "backlog.png", "utilization.png", "offices.png"):
        assert (vector.out_dir / chart).stat().st_size > 0
    offices = pd.read_csv(vector.out_dir / "offices.csv")
    assert offices["office"].tolist() == [f"mod_{m:02d}" for m in range(n_modules)] + depts
    assert (offices["stations"] == 2).all() and (offices["busy_hours"] > 0).all()
