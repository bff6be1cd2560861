"""Both engines give identical league tables (the tables read the records alone)."""

from __future__ import annotations

import pandas as pd

from sim.engines.agent.engine import run_agent
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.metrics.league import league_tables, units_of
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def test_agent_and_vector_give_identical_league_tables() -> None:
    cfg = load_config(["territory=township", "run.horizon_days=40", "run.warmup_days=5", "dispatch.mode=unified"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    agent, _ = run_agent(p, 0)
    vector = run_vector(p, 0)
    units = units_of(terr)
    a, v = league_tables(agent, units), league_tables(vector, units)
    for level in ("township", "village", "grid"):
        pd.testing.assert_frame_equal(a[level], v[level], check_exact=True)
    assert len(a["grid"]) == terr.n_grids and a["grid"]["matters"].sum() > 1000
    assert a["grid"]["score"].nunique() > 10  # the grids really differ, so the order is a real check
