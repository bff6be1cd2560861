"""The vector engine reserves visit rows, queue nodes and events by bounds a run cannot exceed
(``visits_per_matter_bound``): the command's run gives each county's inputs back once it has
run, so it can never be repeated with more room. Here the bound holds where every matter
takes the longest path the model allows: misrouted at the platform, failing at every level
below the top, never satisfied, reopened as often as allowed, then petitioning.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector, visits_per_matter_bound
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory

LONGEST = ["territory=township", "run.horizon_days=60", "run.warmup_days=0", "dispatch.misclass_prob=1.0",
           "dispatch.fail_prob=[1.0,1.0,1.0,1.0]", "outcome.satisfaction_base=0.0", "outcome.satisfaction_floor=0.0",
           "outcome.reopen_prob=1.0", "outcome.petition_prob=1.0", "outcome.petition_patience_days=0.0",
           "discovery.hotline_settle_prob=0.0", "staffing.professional_per_township=40"]


@pytest.mark.parametrize("mode", ["level", "unified"])
@pytest.mark.parametrize("max_reopens", [0, 3])
def test_no_matter_makes_more_visits_than_the_bound(mode: str, max_reopens: int) -> None:
    cfg = load_config([*LONGEST, f"dispatch.mode={mode}", f"outcome.max_reopens={max_reopens}"])
    terr = build_territory(cfg)
    rec = run_vector(prepare(cfg, terr, generate_inputs(cfg, terr)))
    per_matter = np.bincount(rec.visits.matter_id, minlength=rec.matters.n)
    bound = visits_per_matter_bound(max_reopens)
    assert per_matter.max() <= bound
    # the scenario does walk the long paths: a misrouted grid-to-county climb with every reopening
    assert per_matter.max() >= bound - 3
    assert rec.matters.petitioned.any() and (rec.matters.reopened == max_reopens).any()
