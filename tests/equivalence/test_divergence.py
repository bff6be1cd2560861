"""The equivalence tests' divergence report names the earliest diverging event."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.engines.agent.engine import run_agent
from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.records.schema import Records
from sim.runs.config import load_config
from sim.scenario.territory import build_territory
from tests.equivalence.divergence import first_divergence


@pytest.fixture(scope="module")
def records() -> Records:
    cfg = load_config(["scenario=textbook", "run.horizon_days=5", "run.warmup_days=0", "textbook.servers=2"])
    terr = build_territory(cfg)
    rec, _ = run_agent(prepare(cfg, terr, generate_inputs(cfg, terr, 0)), 0)
    assert len(rec.visits.matter_id) > 50
    return rec


def test_equal_records_have_no_divergence(records: Records) -> None:
    assert first_divergence(records, copy.deepcopy(records)) is None


def test_the_earliest_of_several_differences_is_named(records: Records) -> None:
    other = copy.deepcopy(records)
    v = other.visits
    served = np.flatnonzero(np.isfinite(v.t_start))
    early, late = served[len(served) // 4], served[3 * len(served) // 4]
    assert v.t_start[early] < v.t_start[late]
    v.t_start[late] += 0.5  # a later visit starts later...
    v.server[early] = v.server[early] + 1  # ...and an earlier one went to another server
    closed = np.flatnonzero(np.isfinite(other.matters.t_close))
    last = closed[np.argmax(other.matters.t_close[closed])]
    other.matters.satisfied[last] = 1 - other.matters.satisfied[last]  # and the last closing differs

    text = first_divergence(records, other, ("agent", "vector"))
    assert text is not None
    i = int(v.matter_id[early])
    assert f"matter {i}, visit " in text and "visits.server" in text
    assert f"agent={int(records.visits.server[early])} vector={int(v.server[early])}" in text
    assert f"at {records.visits.t_start[early]:.6g} h" in text
    assert "visits.t_start" in text and "matters.satisfied" in text  # the totals list every field
    assert "1 matter rows and 2 visits differ" in text


def test_a_visit_missing_from_one_side_is_named(records: Records) -> None:
    other = copy.deepcopy(records)
    v = other.visits
    keep = np.ones(len(v.matter_id), bool)
    keep[0] = False
    for f in ("matter_id", "station", "level", "t_arrive", "t_start", "t_end", "work", "outcome", "server"):
        setattr(v, f, getattr(v, f)[keep])
    text = first_divergence(records, other, ("agent", "vector"))
    assert text is not None and "only in agent" in text
    assert f"matter {int(records.visits.matter_id[0])}, visit 0" in text
