"""Equivalence on a replayed log: both engines write the same records, field for field.

The replayed matters' inputs (``sim.logs.replay``) are a ``MatterInputs`` table like
generated ones; this checks that nothing about them (times from a log, discovery fixed
at intake, places by name) makes the engines part.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.engines.agent.engine import run_agent
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.logs import load_log
from sim.logs.territory import units_from_log
from sim.records.schema import Records
from sim.runs.config import load_config
from sim.runs.source import scenario_inputs
from sim.scenario.territory import build_territory
from tests.equivalence.divergence import assert_same_records

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "12345_sample.csv"
BOSTON = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "boston311_2015.csv.gz"


def _assert_equal(overrides: list[str], replication: int = 0) -> Records:
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    p = prepare(cfg, terr, scenario_inputs(cfg, terr, replication))
    agent, _ = run_agent(p, replication)
    vector = run_vector(p, replication)
    assert_same_records(agent, vector)
    assert len(vector.matters.matter_id) == p.inputs.n > 0
    return vector


@pytest.mark.parametrize("replication", [0, 1])
def test_replayed_12345_log_with_its_own_territory(tmp_path: Path, replication: int) -> None:
    units = units_from_log(load_log(SAMPLE, "12345"), tmp_path / "units.csv", grids_per_village=2).path
    _assert_equal([f"territory.units_file={units}", "run.horizon_days=40", "run.warmup_days=0",
                   f"scenario.replay.log={SAMPLE}", "scenario.replay.mapping=12345",
                   "scenario.replay.catch_all=dispute"], replication)


@pytest.mark.skipif(not BOSTON.exists(), reason="the shared Boston 311 log is not on this machine")
@pytest.mark.parametrize("mode", ["level", "unified"])
def test_replayed_boston_weeks_on_a_township(mode: str) -> None:
    # two weeks of Boston's requests (~4,500) on the township preset, grids drawn by residents
    _assert_equal(["territory=township", "run.horizon_days=28", "run.warmup_days=0", f"dispatch.mode={mode}",
                   f"scenario.replay.log={BOSTON}", "scenario.replay.mapping=boston311",
                   "scenario.replay.catch_all=repair", "scenario.replay.start=2015-03-02",
                   "scenario.replay.until=2015-03-16"])


def test_replayed_log_on_two_counties() -> None:
    # grids drawn over two counties: the matters are numbered county by county, as the vector engine needs
    rec = _assert_equal(["territory=township", "territory.counties=2", "run.horizon_days=40", "run.warmup_days=0",
                         f"scenario.replay.log={SAMPLE}", "scenario.replay.mapping=12345",
                         "scenario.replay.catch_all=dispute"])
    cfg = load_config(["territory=township", "territory.counties=2"])
    county = build_territory(cfg).grid_county[rec.matters.grid]
    assert (np.diff(county) >= 0).all() and len(set(county.tolist())) == 2
