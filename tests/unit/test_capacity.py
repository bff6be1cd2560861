"""The capacity check against a hand calculation on the township preset."""

from __future__ import annotations

import numpy as np
import pytest

from sim.checks.capacity import format_capacity
from sim.checks.quick import scaled
from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.runs.source import capacity_of as capacity_check
from sim.scenario.territory import build_territory

# Switch off what a hand calculation would not follow: failures, rework, party households,
# the grid matters list, misrouting, the hotline and the instructor's fast track.
SIMPLE = ["territory=township", "dispatch.fail_prob=[0,0,0,0]", "outcome.reopen_prob=0",
          "dispatch.party_household_settle_prob=0", "dispatch.grid_list_exclude=[]", "dispatch.misclass_prob=0",
          "discovery.channel_mix=[0,0.5,0.5,0,0]", "dispatch.instructor_fast_track=false"]


@pytest.fixture(scope="module")
def setup():
    cfg = load_config(SIMPLE)
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr))
    return cfg, terr, capacity_check(p)


def _rates_per_day(cfg, terr) -> np.ndarray:
    """Matters per day per category, by hand from residents, rates and shares."""
    cats = list(cfg.catalog.categories.values())
    shares = np.array([c.share for c in cats]) / sum(c.share for c in cats)
    out = np.zeros(len(cats))
    for g in range(terr.n_grids):
        urban = bool(terr.grid_urban[g])
        per_day = cfg.demand.rate_per_1000_per_day * terr.grid_residents[g] / 1000 * (1 if urban else 0.85)
        factor = np.array([c.urban_factor if urban else c.rural_factor for c in cats])
        out += per_day * shares * factor
    return out


def test_grid_load_matches_hand_calculation(setup) -> None:
    cfg, terr, rep = setup
    cats = list(cfg.catalog.categories.values())
    lam = _rates_per_day(cfg, terr)
    small = np.array([c.severity_mix[0] for c in cats])
    mean0 = np.array([c.service_hours[0] for c in cats])
    # small matters: full work at the grid; the rest: 15% of it to assess, then up
    work = float((lam * (small * mean0 + (1 - small) * 0.15 * mean0)).sum())
    # 1 full-time worker (60% of the day after patrol) + a leader at 30%, 08:00-20:00 every day
    cap = terr.n_grids * (0.6 + 0.3) * 12.0
    grid = next(s for s in rep.loads if s.name == "grid")
    assert grid.arrivals_per_day == pytest.approx(lam.sum(), rel=1e-9)
    assert grid.work_hours_per_day == pytest.approx(work, rel=1e-9)
    assert grid.capacity_hours_per_day == pytest.approx(cap, rel=1e-9)
    assert grid.utilization == pytest.approx(work / cap, rel=1e-9)
    assert rep.matters_per_day == pytest.approx(lam.sum(), rel=1e-9)


def test_village_load_matches_hand_calculation(setup) -> None:
    cfg, terr, rep = setup
    cats = list(cfg.catalog.categories.values())
    lam = _rates_per_day(cfg, terr)
    mix = np.array([c.severity_mix for c in cats])
    mean1 = np.array([c.service_hours[1] for c in cats])
    arrivals = float((lam * (1 - mix[:, 0])).sum())
    work = float((lam * (mix[:, 1] * mean1 + (mix[:, 2] + mix[:, 3]) * 0.15 * mean1)).sum())
    cap = terr.n_villages * 7 * 0.3 * 9.0 * 5 / 7  # 7 members at 30%, 08:00-17:00 on weekdays
    village = next(s for s in rep.loads if s.name == "village")
    assert village.arrivals_per_day == pytest.approx(arrivals, rel=1e-9)
    assert village.work_hours_per_day == pytest.approx(work, rel=1e-9)
    assert village.capacity_hours_per_day == pytest.approx(cap, rel=1e-9)
    assert rep.per_level_per_day["village"] == pytest.approx(arrivals, rel=1e-9)


def test_overloaded_station_type_is_flagged() -> None:
    cfg = load_config([*SIMPLE, "staffing.committee_share=0.05"])
    terr = build_territory(cfg)
    rep = capacity_check(prepare(cfg, terr, generate_inputs(cfg, terr)))
    assert [s.name for s in rep.unstable] == ["village"]
    assert next(s for s in rep.loads if s.name == "village").utilization >= 1.0


def test_the_territory_line_counts_units_in_words(setup) -> None:
    _, _, rep = setup
    first = format_capacity(rep).splitlines()[0]
    assert first.startswith("territory: 1 county, 1 township, 10 villages, 44 grids; ")  # not "1 counties"
    big = format_capacity(scaled(rep, 250.0)).splitlines()[0]
    assert big.startswith("territory: 250 counties, 250 townships, 2,500 villages, 11,000 grids; ")


def test_matters_no_channel_finds_are_counted_and_flagged(setup) -> None:
    """No full-time or part-time grid workers: no patrol and no reporter, so the matters residents do
    not report are never found; the check gives their share (the quick check, on a sample, too)."""
    _, _, rep = setup
    assert rep.never_found_share == 0.0 and all(name != "finding" for name, _, _ in rep.verdict_loads())
    cfg = load_config([*SIMPLE, "staffing.fulltime_per_grid=0", "staffing.parttime_per_grid=0"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr))
    cut = capacity_check(p)
    unreported = float(np.isinf(p.found.t_discover).mean())
    assert cut.never_found_share == pytest.approx(unreported) and 0.2 < unreported < 0.8
    assert ("finding", "grid", np.inf) in cut.verdict_loads()
    assert "UNSTABLE: " in format_capacity(cut) and "never found" in format_capacity(cut)
    assert cut.to_dict()["never_found_share"] == cut.never_found_share
    assert scaled(cut, 3.0).never_found_share == cut.never_found_share
