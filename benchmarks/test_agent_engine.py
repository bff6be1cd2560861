"""Agent engine throughput on the township preset (matters per second).

Run: ``pytest benchmarks --benchmark-enable --benchmark-storage=benchmarks/results --benchmark-autosave``;
compare a later run with ``--benchmark-compare``. Matters per second are in each
benchmark's ``extra_info``. Goal (the agent engine issue): a township year under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.goals import check_goal
from sim.engines.agent.engine import run_agent
from sim.engines.prepare import Prepared, prepare
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def _prepared(overrides: list[str]) -> Prepared:
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    return prepare(cfg, terr, generate_inputs(cfg, terr))


@pytest.mark.parametrize("overrides", [["territory=township"], ["territory=township", "dispatch.mode=unified"],
                                       ["territory=township", "scenario=flood", "dispatch.rule=edf"]],
                         ids=["baseline", "unified", "flood-edf"])
def test_agent_township_year(benchmark: Any, overrides: list[str]) -> None:
    p = _prepared(overrides)
    rec, _ = benchmark.pedantic(run_agent, args=(p,), rounds=3, iterations=1)
    seconds = benchmark.stats.stats.median
    benchmark.extra_info["matters"] = p.inputs.n
    benchmark.extra_info["matters_per_second"] = p.inputs.n / seconds
    assert rec.matters.n == p.inputs.n
    check_goal(benchmark, "agent engine, township year", seconds, 60.0, "s")
