"""Matter inputs: determinism, independence of named streams, and rates within sampling error."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from sim.matters.occur import expected_counts, generate_inputs
from sim.records.inputs import MatterInputs
from sim.rules.demand import hourly_profile
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def _inputs(overrides: list[str], replication: int = 0) -> MatterInputs:
    cfg = load_config(["territory=township", *overrides])
    return generate_inputs(cfg, build_territory(cfg), replication)


def _equal(a: MatterInputs, b: MatterInputs, skip: tuple[str, ...] = ()) -> list[str]:
    """Names of the fields that differ."""
    return [f.name for f in fields(MatterInputs) if f.name not in skip
            and not np.array_equal(getattr(a, f.name), getattr(b, f.name))]


def test_same_seed_identical_table() -> None:
    assert _equal(_inputs([]), _inputs([])) == []


def test_other_seed_or_replication_differs() -> None:
    base = _inputs([])
    assert "t_occur" in _equal(base, _inputs(["run.seed=7"]))
    assert "t_occur" in _equal(base, _inputs([], replication=1))


@pytest.mark.parametrize("lever", ["staffing.fulltime_per_grid=3", "dispatch.rule=edf", "dispatch.mode=unified",
                                   "outcome.reopen_prob=0.9", "discovery.patrol_detect_prob=0.3",
                                   "catalog.deadlines.general=3"])
def test_staffing_and_dispatch_levers_leave_inputs_untouched(lever: str) -> None:
    assert _equal(_inputs([]), _inputs([lever])) == []


def test_mismatch_share_changes_only_registered_grid() -> None:
    a, b = _inputs([]), _inputs(["scenario.mismatch_share=0.3"])
    assert _equal(a, b) == ["registered_grid"]
    moved = b.registered_grid != b.grid
    assert 0.25 < moved.mean() < 0.35
    assert np.all(a.registered_grid == a.grid)


def test_severity_mix_changes_only_severity() -> None:
    a = _inputs([])
    b = _inputs(["catalog.categories.dispute.severity_mix=[0.1,0.3,0.3,0.3]"])
    assert _equal(a, b) == ["severity"]


def test_surge_keeps_every_base_matter() -> None:
    base = _inputs([])
    surged = _inputs(["scenario=flood"])
    assert surged.n > base.n
    kept = surged.take(np.flatnonzero(surged.surge == -1))
    assert _equal(base, kept) == []
    extra = surged.surge >= 0
    start, end = 180 * 24, 190 * 24
    assert np.all((surged.t_occur[extra] >= start) & (surged.t_occur[extra] < end))


def test_table_sorted_and_ids_follow_rows() -> None:
    m = _inputs(["scenario=flood"])
    assert np.all(np.diff(m.t_occur) >= 0)
    assert np.array_equal(m.matter_id, np.arange(m.n))


@pytest.mark.parametrize("scenario", ["baseline", "flood"])
def test_matters_numbered_county_by_county_then_by_time(scenario: str) -> None:
    cfg = load_config(["territory=township", "territory.counties=3", "territory.villages_per_township=4",
                       f"scenario={scenario}", "scenario.mismatch_share=0.3"])
    terr = build_territory(cfg)
    m = generate_inputs(cfg, terr)
    county = terr.grid_county[m.grid]
    assert np.all(np.diff(county) >= 0) and set(county.tolist()) == {0, 1, 2}
    for c in range(3):
        assert np.all(np.diff(m.t_occur[county == c]) >= 0)
    # a matter registered elsewhere stays in its county (counties share no station)
    assert np.array_equal(terr.grid_county[m.registered_grid], county)
    assert (m.registered_grid != m.grid).any()


def test_count_matches_configured_rate_within_sampling_error() -> None:
    # Over 10 replications the total is Poisson with mean 10 * expected: 4 standard deviations.
    cfg = load_config(["territory=township", "scenario=flood"])
    terr = build_territory(cfg)
    base, extra = expected_counts(cfg, terr)
    total = sum(generate_inputs(cfg, terr, r).n for r in range(10))
    mean = 10 * (base + sum(extra))
    assert abs(total - mean) < 4 * np.sqrt(mean)


def test_hour_of_day_and_category_shares_match_the_profile() -> None:
    cfg = load_config(["territory=township"])
    terr = build_territory(cfg)
    m = generate_inputs(cfg, terr)
    n_hours = int(cfg.run.horizon_days * 24)
    prof = hourly_profile(cfg, n_hours)
    hours = np.arange(n_hours)
    p_day = prof[(hours % 24 >= 8) & (hours % 24 < 17)].sum() / prof.sum()
    observed = np.mean((m.t_occur % 24 >= 8) & (m.t_occur % 24 < 17))
    se = np.sqrt(p_day * (1 - p_day) / m.n)
    assert abs(observed - p_day) < 4 * se
    # weekday profile: Monday is busier than Sunday by the configured ratio
    day = (m.t_occur // 24).astype(int) % 7
    ratio = np.sum(day == 0) / np.sum(day == 6)
    want = cfg.demand.weekday_profile[0] / cfg.demand.weekday_profile[6]
    assert abs(ratio - want) < 4 * want * np.sqrt(1 / np.sum(day == 0) + 1 / np.sum(day == 6))


def test_textbook_inputs_are_poisson_at_the_rate() -> None:
    cfg = load_config(["scenario=textbook", "textbook.arrival_rate_per_hour=2.0"])
    m = generate_inputs(cfg, build_territory(cfg))
    mean = 2.0 * cfg.run.horizon_days * 24
    assert abs(m.n - mean) < 4 * np.sqrt(mean)
    assert np.all(m.severity == 0) and np.all(m.grid == 0)
    gaps = np.diff(m.t_occur)
    # exponential gaps: coefficient of variation 1 (SE of the CV ~ 1/sqrt(n))
    assert abs(gaps.std() / gaps.mean() - 1.0) < 4 / np.sqrt(len(gaps))
