"""Equivalence: on the same matter inputs the vector engine writes the agent engine's records exactly.

Every matter field (times, settling level, transfers, escalations, on-time, satisfaction,
reopenings, petitions, status at the horizon) and every visit (station, arrival, start,
end, work, outcome, server) must be equal — not close: the kernel follows the agent
engine's step order and calendar arithmetic, and runs same-time events in the order
SimPy does. The vector engine approximates nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.agent.engine import run_agent
from sim.engines.prepare import Prepared, prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.records.schema import Records
from sim.runs.config import load_config
from sim.scenario.constants import DISPATCH_MODES, DISPATCH_RULES
from sim.scenario.territory import build_territory
from sim.util.memory import can_release
from tests.equivalence.divergence import assert_same_records

SMALL = ["territory=township", "run.horizon_days=40", "run.warmup_days=5", "staffing.professional_per_township=20"]


def _prepared(overrides: list[str], replication: int = 0) -> Prepared:
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    return prepare(cfg, terr, generate_inputs(cfg, terr, replication))


def _assert_equal(overrides: list[str], replication: int = 0) -> Records:
    p = _prepared(overrides, replication)
    agent, _ = run_agent(p, replication)
    vector = run_vector(p, replication)
    assert_same_records(agent, vector)
    return vector


@pytest.mark.parametrize("mode", DISPATCH_MODES)
@pytest.mark.parametrize("rule", DISPATCH_RULES)
def test_every_rule_and_mode_gives_identical_records(rule: str, mode: str) -> None:
    rec = _assert_equal([*SMALL, f"dispatch.rule={rule}", f"dispatch.mode={mode}"])
    assert rec.matters.n > 3000 and len(rec.visits.matter_id) > rec.matters.n


def test_every_mechanism_at_once_gives_identical_records() -> None:
    rec = _assert_equal([
        "territory=township", "run.horizon_days=60", "run.warmup_days=5", "scenario=flood",
        "scenario.surges.0.start_day=20", "dispatch.all_subject=false", "staffing.fulltime_per_grid=2",
        "scenario.mismatch_share=0.2", "dispatch.escalation_limit_hours=[4,8,24,0]", "dispatch.misclass_prob=0.3",
        "outcome.reopen_prob=0.9", "outcome.petition_patience_days=3", "discovery.hotline_settle_prob=0.5",
        "staffing.committee_share=0.1", "dispatch.rule=edf", "calendar.holidays=[25,26,27]",
        "staffing.professional_per_township=10",
    ])
    m = rec.matters
    # the scenario really exercises what it claims to
    assert m.transfers.sum() > 0 and m.reopened.sum() > 0 and m.petitioned.sum() > 0
    assert (m.registered_grid != m.grid).any() and m.reminded.any() and (m.surge >= 0).any()


@pytest.mark.parametrize("replication", [0, 1])
def test_textbook_with_patience_gives_identical_records(replication: int) -> None:
    rec = _assert_equal(["scenario=textbook", "textbook.servers=3", "textbook.arrival_rate_per_hour=4",
                         "textbook.patience_hours=1.0", "textbook.service_cv=2", "run.horizon_days=60"], replication)
    assert rec.matters.abandoned.any()


def test_default_township_year_gives_identical_records() -> None:
    _assert_equal(["territory=township"])


MULTI = ["territory=township", "territory.counties=3", "territory.villages_per_township=4", "run.horizon_days=60",
         "run.warmup_days=5", "scenario=flood", "scenario.surges.0.start_day=20", "scenario.mismatch_share=0.2",
         "dispatch.escalation_limit_hours=[4,8,24,0]", "staffing.professional_per_township=6"]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_several_counties_give_identical_records_whatever_the_threads(workers: int) -> None:
    # counties share no station: each has its own feeder, visits are grouped county by county,
    # and the vector engine runs blocks of counties in threads
    p = _prepared([*MULTI, f"engine.workers={workers}"])
    agent, _ = run_agent(p)
    vector = run_vector(p)
    assert_same_records(agent, vector)
    county = p.terr.grid_county[p.intake_grid[vector.visits.matter_id]]
    assert np.all(np.diff(county) >= 0) and len(set(county.tolist())) == 3
    assert (vector.matters.surge >= 0).any() and (vector.matters.registered_grid != vector.matters.grid).any()


def test_a_table_not_numbered_by_county_gives_identical_records() -> None:
    # the same matters renumbered in time order (counties interleaved): the vector engine
    # gathers each county's rows instead of taking a slice, and still matches the agent engine
    cfg = load_config(MULTI)
    terr = build_territory(cfg)
    inputs = generate_inputs(cfg, terr)
    rows = np.argsort(inputs.t_occur, kind="stable")
    p = prepare(cfg, terr, inputs.take(rows))
    county = terr.grid_county[p.intake_grid]
    assert np.any(np.diff(county) < 0)
    agent, _ = run_agent(p)
    assert_same_records(agent, run_vector(p))


def test_spending_the_inputs_gives_identical_records_and_gives_their_memory_back() -> None:
    # the command's run: each county's rows of the kernel's tables are released once it has run
    kept = run_vector(_prepared(MULTI))
    p = _prepared(MULTI)
    spent = run_vector(p, spend_inputs=True)
    assert_same_records(kept, spent, ("inputs kept", "inputs spent"))
    if can_release():
        # the released rows read as zeros: the memory went back (whole pages inside each county; the
        # pages a county shares with the next are kept)
        assert np.count_nonzero(p.work) < p.work.size // 4
        assert np.count_nonzero(p.deadline) < p.deadline.size // 2
    # the columns the records share with the inputs are kept
    assert np.array_equal(spent.matters.t_occur, p.inputs.t_occur)
    assert np.all(np.isfinite(p.inputs.t_occur))
