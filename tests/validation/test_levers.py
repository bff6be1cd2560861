"""Every mechanism's lever moves the model the way a planner expects.

One test per row of the README table "The model's mechanisms and the keys that
drive them": each changes ONE lever from a baseline and asserts the direction
of the effect. Every assertion would fail if the mechanism were switched off
(a lever without effect gives a paired difference of exactly zero).

* Deterministic under common random numbers (CRN): discovery, deadlines and
  satisfaction are functions of the same per-matter uniforms, so the strict
  direction is asserted on one replication, matter by matter where possible.
* Noisy (queueing): paired replications -- replication r of both arms draws the
  same matters -- and the 95% Student-t interval of the paired mean difference
  (``sim.metrics.replications.paired_difference``) must exclude zero on the
  expected side. Lever sizes are chosen so this holds with near certainty; the
  seeds are the default ``run.seed`` and its replications, never searched.

Runs are a township over 60 days (10 of warm-up), about half a second each;
each (scenario, replication) runs once per session (``functools.cache``).
A replication here is exactly what ``sim.run(..., run.replications=R)`` runs
(``test_replicate_matches_sim_run`` checks it); we go one level down only to
keep every replication's records (``sim.run`` keeps the first one's).

Bases, each a stated departure from the default township:

* ``B``   the default township.
* ``DET`` B with reminders, reopening and petitions off: then deadlines and
  satisfaction parameters do not feed back into the queues, so closing times
  are identical across those levers and on-time / satisfied move per matter.
* ``BV``  B with busy villages (committee share 0.25, utilisation ~0.75): the
  queue-order rules (edf, reminders) only matter where matters queue.
* ``BG``  B with busy grids (patrol share 0.8, grid-leader share 0.1): grid
  staffing, pooling and the nearest rule only matter where grid matters queue.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import sim
from sim.engines.agent.engine import run_agent
from sim.engines.prepare import prepare
from sim.inputs import generate_inputs
from sim.metrics.kpis import compute_kpis, first_visits
from sim.metrics.replications import Summary, paired_difference
from sim.records import ESCALATED, REDIRECTED, Records
from sim.rules.calendar import build_calendars
from sim.scenario.build import load_config
from sim.scenario.constants import HOTLINE, PATROL, REPORTER, TOWNSHIP, VILLAGE
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory

pytestmark = pytest.mark.slow

Ov = tuple[str, ...]

B: Ov = ("territory=township", "run.horizon_days=60", "run.warmup_days=10", "run.progress=false",
         "engine=agent")
DET: Ov = (*B, "dispatch.reminders=false", "outcome.reopen_prob=0", "outcome.petition_prob=0")
BV: Ov = (*B, "staffing.committee_share=0.25")
BG: Ov = (*B, "staffing.patrol_share=0.8", "staffing.grid_leader_share=0.1")

#: paired replications per comparison (the larger where the effect is smaller relative to its noise)
R = 4
R_MORE = 6
R_RULES = 8

SURGE_DAYS = (30.0, 40.0)
SURGE_CATS = ("safety_hazard", "repair", "help_request", "sanitation")


def surge(multiplier: float, volunteers: bool) -> str:
    cats = ",".join(SURGE_CATS)
    return (f"scenario.surges=[{{name:flood,start_day:{SURGE_DAYS[0]:g},days:{SURGE_DAYS[1] - SURGE_DAYS[0]:g},"
            f"multiplier:{multiplier:g},categories:[{cats}],volunteers:{str(volunteers).lower()}}}]")


# ----------------------------------------------------------------- running
@dataclass(frozen=True)
class Rep:
    """One replication: its KPIs (plus the derived metrics below), config, and records (first replication only)."""

    kpis: dict[str, float]
    cfg: Config
    records: Records | None


@functools.cache
def _territory(overrides: Ov) -> tuple[Config, Any]:
    cfg = load_config(list(overrides))
    return cfg, build_territory(cfg)


@functools.cache
def replicate(overrides: Ov, r: int = 0) -> Rep:
    """Replication r of a scenario, exactly as ``sim.run`` runs it (same territory, inputs, engine).

    Every replication's KPIs and derived metrics are kept; its records only for r = 0
    (what ``sim.run`` keeps too), so that a session holds a few dozen record sets at most.
    """
    cfg, terr = _territory(overrides)
    p = prepare(cfg, terr, generate_inputs(cfg, terr, r))
    rec, _model = run_agent(p, r)
    kp = compute_kpis(rec)
    kp.update({name: fn(rec, cfg) for name, fn in METRICS.items()})
    kp.update({f"busy_cv_{kind}": busy_spread(rec, kind) for kind in ("village", "grid")})
    return Rep(kp, cfg, rec if r == 0 else None)


def busy_spread(rec: Records, kind: str) -> float:
    """Mean over stations of a kind of the coefficient of variation of their servers' busy hours.

    A server's busy hours are its visits' work over its speed (the record's ``server`` column).
    """
    v, srv = rec.visits, rec.servers
    assert srv is not None, "the agent engine records its servers"
    served = v.server >= 0
    busy = np.bincount(v.server[served], weights=v.work[served], minlength=len(srv.speed)) / srv.speed
    kinds = np.asarray(rec.stations.kind, dtype=object)
    cvs = []
    for st in np.flatnonzero(kinds == kind):
        b = busy[srv.station == st]
        if b.size > 1 and b.mean() > 0:
            cvs.append(b.std() / b.mean())
    return float(np.mean(cvs)) if cvs else math.nan


def arm(overrides: Ov, n: int) -> list[dict[str, float]]:
    return [replicate(overrides, r).kpis for r in range(n)]


def paired(base: Ov, new: Ov, key: str, n: int) -> tuple[Summary, float, float]:
    """Paired difference new - base over n replications, and the two arms' means."""
    a, b = arm(base, n), arm(new, n)
    d = paired_difference(a, b, key)
    return d, float(np.mean([x[key] for x in a])), float(np.mean([x[key] for x in b]))


def _fmt(key: str, d: Summary, a: float, b: float) -> str:
    return f"{key}: {a:.4g} -> {b:.4g}, paired diff {d.mean:+.4g} ± {d.half_width:.3g} (95%, n={d.n})"


def assert_up(base: Ov, new: Ov, key: str, n: int = R) -> Summary:
    d, a, b = paired(base, new, key, n)
    print(_fmt(key, d, a, b))
    assert d.n == n and d.lo > 0, "expected an increase: " + _fmt(key, d, a, b)
    return d


def assert_down(base: Ov, new: Ov, key: str, n: int = R) -> Summary:
    d, a, b = paired(base, new, key, n)
    print(_fmt(key, d, a, b))
    assert d.n == n and d.hi < 0, "expected a decrease: " + _fmt(key, d, a, b)
    return d


@dataclass(frozen=True)
class One:
    """The first replication of a scenario, with its records."""

    kpis: dict[str, float]
    cfg: Config
    records: Records


def first(overrides: Ov) -> One:
    rep = replicate(overrides, 0)
    assert rep.records is not None
    return One(rep.kpis, rep.cfg, rep.records)


def strictly(kind: str, a: float, b: float, key: str) -> None:
    print(f"{key}: {a:.4g} -> {b:.4g}")
    ok = b > a if kind == "up" else b < a
    assert ok, f"{key} should go {kind}: {a:.6g} -> {b:.6g}"


# ------------------------------------------------- metrics from the records
def _win(rec: Records) -> np.ndarray:
    m = rec.matters
    return (m.t_occur >= rec.meta["warmup_h"]) & (m.t_occur < rec.meta["horizon_h"])


def _closed(rec: Records) -> np.ndarray:
    return _win(rec) & np.isfinite(rec.matters.t_close)


def _visit_kind(rec: Records) -> np.ndarray:
    return np.asarray(rec.stations.kind, dtype=object)[rec.visits.station]


def _served_visits(rec: Records) -> np.ndarray:
    """Visits of window matters that started service (a redirect off the grid matters list is no service)."""
    v = rec.visits
    return _win(rec)[v.matter_id] & np.isfinite(v.t_start) & (v.outcome != REDIRECTED)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if x.size else math.nan


def grid_wait(rec: Records, cfg: Config) -> float:
    """Mean wait (arrival to service start) of visits at grid stations."""
    v = rec.visits
    s = _served_visits(rec) & (_visit_kind(rec) == "grid")
    return _mean((v.t_start - v.t_arrive)[s])


def surge_grid_wait(rec: Records, cfg: Config) -> float:
    """Mean wait of visits arriving at grid stations inside the surge window."""
    v = rec.visits
    a, b = SURGE_DAYS[0] * 24.0, SURGE_DAYS[1] * 24.0
    s = (_visit_kind(rec) == "grid") & np.isfinite(v.t_start) & (v.t_arrive >= a) & (v.t_arrive < b)
    return _mean((v.t_start - v.t_arrive)[s])


def lateness(rec: Records, cfg: Config) -> float:
    """Mean lateness max(0, close - deadline) over closed matters."""
    m, c = rec.matters, _closed(rec)
    return _mean(np.maximum(m.t_close - m.deadline, 0.0)[c])


def overrun_of_late(rec: Records, cfg: Config) -> float:
    """Mean overrun (close - deadline) of the matters closed late."""
    m, c = rec.matters, _closed(rec)
    over = (m.t_close - m.deadline)[c]
    return _mean(over[over > 0])


def reminded_share(rec: Records, cfg: Config) -> float:
    return _mean(rec.matters.reminded[_win(rec)].astype(float))


def village_severe_wait_ratio(rec: Records, cfg: Config) -> float:
    """At villages: mean queueing wait of hard/beyond matters over that of big ones.

    Queueing wait = service start minus the first open instant of the committee's
    shift at or after arrival: the time spent behind other matters, not outside
    office hours (which no queue order can shorten).
    """
    v, m = rec.visits, rec.matters
    cal = build_calendars(cfg.calendar, cfg.run.horizon_days)[cfg.staffing.shifts["committee"]]
    s = _served_visits(rec) & (_visit_kind(rec) == "village")
    queued = v.t_start - np.maximum(cal.next_open(v.t_arrive), v.t_arrive)
    sev = m.severity[v.matter_id]
    return _mean(queued[s & (sev >= 2)]) / _mean(queued[s & (sev == 1)])


def time_to_settling_level(rec: Records, cfg: Config) -> float:
    """Matters settled above the grid: intake to first arrival at a station of the settling level."""
    v, m = rec.visits, rec.matters
    kind = _visit_kind(rec)
    at_level = (v.level == m.level_settled[v.matter_id]) & (kind != "platform")
    idx = np.flatnonzero(at_level)
    idx = idx[np.lexsort((v.t_arrive[idx], v.matter_id[idx]))]
    ids, first_row = np.unique(v.matter_id[idx], return_index=True)
    reach = np.full(m.n, np.nan)
    reach[ids] = v.t_arrive[idx[first_row]]
    sel = _closed(rec) & (m.level_settled >= VILLAGE)
    return _mean((reach - m.t_intake)[sel & np.isfinite(reach)])


def limit_escalations(rec: Records, cfg: Config) -> float:
    """Visits that left their queue unserved, escalated (the time-limit rule)."""
    v = rec.visits
    return float(np.sum(_win(rec)[v.matter_id] & (v.outcome == ESCALATED) & np.isnan(v.t_start)))


def professional_share(rec: Records, cfg: Config) -> float:
    """Professional grid workers' share of the busy hours of grid staff."""
    b = rec.meta["busy_hours_by_role"]
    grid = sum(b.get(r, 0.0) for r in ("fulltime", "grid_leader", "professional"))
    return b.get("professional", 0.0) / grid if grid > 0 else math.nan


def _category_mask(rec: Records, names: Sequence[str], idx: np.ndarray) -> np.ndarray:
    cats = rec.meta["category_names"]
    return np.isin(rec.matters.category[idx], [cats.index(c) for c in names])


def professional_grid_wait(rec: Records, cfg: Config) -> float:
    """Mean grid wait of the categories of the professional workers' department."""
    v = rec.visits
    names = [k for k, c in cfg.catalog.categories.items() if c.department == cfg.staffing.professional_department]
    s = _served_visits(rec) & (_visit_kind(rec) == "grid") & _category_mask(rec, names, v.matter_id)
    return _mean((v.t_start - v.t_arrive)[s])


METRICS: dict[str, Callable[[Records, Config], float]] = {
    "grid_wait": grid_wait,
    "surge_grid_wait": surge_grid_wait,
    "lateness": lateness,
    "overrun_of_late": overrun_of_late,
    "reminded_share": reminded_share,
    "village_severe_wait_ratio": village_severe_wait_ratio,
    "time_to_settling_level": time_to_settling_level,
    "limit_escalations": limit_escalations,
    "professional_share": professional_share,
    "professional_grid_wait": professional_grid_wait,
}


def discovery_delays(rep: One) -> np.ndarray:
    m = rep.records.matters
    return m.t_discover - m.t_occur


def same_matters(a: One, b: One) -> None:
    """Both runs drew the same matters (common random numbers)."""
    ma, mb = a.records.matters, b.records.matters
    assert ma.n == mb.n and np.array_equal(ma.t_occur, mb.t_occur) and np.array_equal(ma.category, mb.category)


# ------------------------------------------------------------------ harness
def test_replicate_matches_sim_run() -> None:
    """The per-replication runner here gives exactly the KPIs of ``sim.run`` with replications."""
    ov = (*B, "run.horizon_days=30", "run.warmup_days=5")
    res = sim.run([*ov, "run.replications=2"], write=False)
    for r in range(2):
        mine = replicate(ov, r).kpis
        theirs = {k: v for k, v in res.runs[r].items() if k != "engine_seconds"}
        for k, x in theirs.items():
            assert mine[k] == pytest.approx(x, nan_ok=True, rel=1e-12, abs=1e-12), (r, k)


# --------------------------------------------------------------- occurrence
def test_occurrence_rate_scales_the_number_of_matters() -> None:
    a, b = first(B), first((*B, "demand.rate_per_1000_per_day=4.11"))
    ratio = b.kpis["matters"] / a.kpis["matters"]
    print(f"matters: {a.kpis['matters']:.0f} -> {b.kpis['matters']:.0f} (x{ratio:.3f}, rate x1.5)")
    assert 1.4 < ratio < 1.6
    strictly("up", a.kpis["utilization_grid"], b.kpis["utilization_grid"], "utilization_grid")


def test_occurrence_category_share_shifts_the_mix() -> None:
    a, b = first(B), first((*B, "catalog.categories.dispute.share=0.42"))
    share = [float(np.mean(x.records.matters.category[_win(x.records)] == 0)) for x in (a, b)]
    strictly("up", share[0], share[1], "share of disputes (share 0.14 -> 0.42)")
    assert share[1] > 1.8 * share[0]


def test_surge_multiplies_its_categories_inside_its_window_only() -> None:
    base, new = B, (*B, surge(4.0, False))
    a, b = first(base), first(new)
    ma, mb = a.records.matters, b.records.matters
    # the base demand is untouched (common random numbers): the surge only adds matters
    extra = mb.surge >= 0
    assert ma.n == int(np.sum(~extra)) and np.array_equal(np.sort(mb.t_occur[~extra]), np.sort(ma.t_occur))
    lo, hi = SURGE_DAYS[0] * 24.0, SURGE_DAYS[1] * 24.0
    assert np.all((mb.t_occur[extra] >= lo) & (mb.t_occur[extra] < hi))
    cats = [a.records.meta["category_names"].index(c) for c in SURGE_CATS]
    assert np.all(np.isin(mb.category[extra], cats))
    in_base = int(np.sum((ma.t_occur >= lo) & (ma.t_occur < hi) & np.isin(ma.category, cats)))
    ratio = int(extra.sum()) / in_base
    print(f"surge matters / base matters of its categories in its window: {ratio:.2f} (expected 3)")
    assert 2.5 < ratio < 3.5
    assert_up(base, new, "resolution_hours_mean")
    assert_up(base, new, "utilization_village")


# ---------------------------------------------------------------- discovery
@pytest.mark.parametrize(("lever", "direction"), [
    (("territory.households_per_grid=800", "territory.rural_households_per_grid=700"), "up"),
    (("discovery.patrol_hours_per_household=0.3",), "up"),
    (("discovery.patrol_detect_prob=0.3",), "up"),
    (("staffing.patrol_share=0.8",), "down"),
    (("staffing.fulltime_per_grid=2",), "down"),
], ids=["households_per_grid", "patrol_hours_per_household", "patrol_detect_prob", "patrol_share",
        "fulltime_per_grid"])
def test_patrol_discovery(lever: Ov, direction: str) -> None:
    """The patrol cycle (households x hours per household / (workers x patrol share)) sets discovery delay."""
    a, b = first(B), first((*B, *lever))
    same_matters(a, b)
    da, db = discovery_delays(a), discovery_delays(b)
    both = np.isfinite(da) & np.isfinite(db)
    # matter by matter: the patrol passes later (earlier); reports and reporters are unchanged
    if direction == "up":
        assert np.all(db[both] >= da[both] - 1e-9)
        assert np.any(db[both] > da[both] + 1e-6)
    else:
        assert np.all(db[both] <= da[both] + 1e-9)
        assert np.any(db[both] < da[both] - 1e-6)
    strictly(direction, a.kpis["discovery_hours_mean"], b.kpis["discovery_hours_mean"], "discovery_hours_mean")


def _channel_share(rep: One, channel: int) -> float:
    m = rep.records.matters
    found = _win(rep.records) & np.isfinite(m.t_discover)
    return float(np.mean(m.channel[found] == channel))


def test_resident_reports_speed_discovery() -> None:
    a, b = first(B), first((*B, "discovery.report_factor=1.5"))
    same_matters(a, b)
    da, db = discovery_delays(a), discovery_delays(b)
    both = np.isfinite(da) & np.isfinite(db)
    assert np.all(db[both] <= da[both] + 1e-9)
    strictly("down", a.kpis["discovery_hours_mean"], b.kpis["discovery_hours_mean"], "discovery_hours_mean")
    strictly("down", _channel_share(a, PATROL), _channel_share(b, PATROL), "patrol's share of discoveries")


def test_resident_report_delay_slows_discovery() -> None:
    a, b = first(B), first((*B, "discovery.report_delay_hours=[0,96,24,16,0]"))
    da, db = discovery_delays(a), discovery_delays(b)
    both = np.isfinite(da) & np.isfinite(db)
    assert np.all(db[both] >= da[both] - 1e-9)
    strictly("up", a.kpis["discovery_hours_mean"], b.kpis["discovery_hours_mean"], "discovery_hours_mean")


def test_parttime_reporters_speed_discovery() -> None:
    a, b = first(B), first((*B, "staffing.parttime_per_grid=6"))
    da, db = discovery_delays(a), discovery_delays(b)
    both = np.isfinite(da) & np.isfinite(db)
    assert np.all(db[both] <= da[both] + 1e-9)
    strictly("down", a.kpis["discovery_hours_mean"], b.kpis["discovery_hours_mean"], "discovery_hours_mean")
    strictly("up", _channel_share(a, REPORTER), _channel_share(b, REPORTER), "reporters' share of discoveries")
    none = first((*B, "staffing.parttime_per_grid=0"))
    assert _channel_share(none, REPORTER) == 0.0


def test_severity_growth() -> None:
    """A faster-growing undiscovered small matter turns big more often, and climbs higher."""
    base, new = B, (*B, "discovery.growth_hours_mean=24")
    a, b = first(base), first(new)
    ma, mb = a.records.matters, b.records.matters
    found = np.isfinite(ma.t_discover) & np.isfinite(mb.t_discover)
    grown_a = found & (ma.severity > ma.severity_initial)
    grown_b = found & (mb.severity > mb.severity_initial)
    assert np.all(grown_b[grown_a]), "growth with a shorter mean time must include the slower growth"
    strictly("up", float(grown_a.mean()), float(grown_b.mean()), "share of matters grown before discovery")
    assert_up(base, new, "escalations_per_matter")
    assert_down(base, new, "settled_share_grid")


# ------------------------------------------------------------------- intake
def test_hotline_intake_goes_through_the_township_platform() -> None:
    base, new = B, (*B, "discovery.channel_mix=[0,0,0,1,0]")
    b = first(new)
    m = b.records.matters
    rows, vis = first_visits(b.records)
    hot = m.channel[rows] == HOTLINE
    assert hot.sum() > 100 and np.all(_visit_kind(b.records)[vis[hot]] == "platform")
    strictly("up", _channel_share(first(base), HOTLINE), _channel_share(b, HOTLINE), "hotline share")
    assert_up(base, new, "utilization_platform")


def test_hotline_settle_on_call() -> None:
    base, new = B, (*B, "discovery.hotline_settle_prob=0.6")
    assert_up(base, new, "settled_share_township")
    assert_down(base, new, "settled_share_grid")
    assert_down(base, new, "resolution_hours_mean", R_MORE)


def test_relocation_detour() -> None:
    base, new = B, (*B, "scenario.mismatch_share=0.3")
    b = first(new)
    m = b.records.matters
    started = np.isfinite(m.t_intake)
    moved = m.registered_grid != m.grid
    assert 0.25 < moved.mean() < 0.35
    detour = (m.t_intake - m.t_discover)[started]
    assert np.allclose(detour[moved[started]], b.cfg.dispatch.detour_hours)
    assert np.allclose(detour[~moved[started]], 0.0)
    assert_up(base, new, "resolution_hours_mean")
    longer = (*new, "dispatch.detour_hours=96")
    assert_up(new, longer, "resolution_hours_mean")


def test_party_member_households_settle_small_disputes() -> None:
    base, new = B, (*B, "dispatch.party_household_settle_prob=0.9")

    def mediated(rep: One) -> int:
        m, v = rep.records.matters, rep.records.visits
        visits = np.bincount(v.matter_id, minlength=m.n)
        return int(np.sum(_closed(rep.records) & (visits == 0) & (m.level_settled == 0)))

    counts = [mediated(first(x)) for x in (base, new, (*B, "territory.party_household_share=0"))]
    print(f"matters mediated by party-member households: {counts[0]} -> {counts[1]} (share 0: {counts[2]})")
    assert counts[1] > counts[0] > 0 and counts[2] == 0
    assert_down(base, new, "resolution_hours_mean", R_MORE)
    assert_down(base, new, "utilization_grid")


def test_grid_matters_list_bars_categories_from_grids() -> None:
    excluded = ("enforcement", "sanitation", "repair")
    base, new = B, (*B, f"dispatch.grid_list_exclude=[{','.join(excluded)}]")
    a, b = first(base), first(new)
    for rep, cats, barred in ((b, excluded, True), (a, excluded[1:], False)):
        v, m = rep.records.visits, rep.records.matters
        on_grid = (_visit_kind(rep.records) == "grid") & _category_mask(rep.records, cats, v.matter_id)
        handled = on_grid & (v.outcome != REDIRECTED)
        settled = np.isfinite(m.t_close) & (m.level_settled == 0) & _category_mask(rep.records, cats, m.matter_id)
        # barred: at most a zero-work redirect at the grid, never handled or settled there
        assert (not handled.any() and not settled.any() and np.all(v.work[on_grid] == 0)) if barred \
            else (handled.any() and settled.any())
    assert_down(base, new, "settled_share_grid")
    assert_up(base, new, "utilization_village")


def test_platform_misclassification_transfers() -> None:
    base, new = B, (*B, "dispatch.misclass_prob=0.8")
    assert_up(base, new, "transfers_per_matter")
    assert_down(base, new, "satisfaction_rate", R_MORE)
    slow = (*B, "dispatch.transfer_hours=80")
    assert_up(base, slow, "resolution_hours_mean")


# ----------------------------------------------------------------- dispatch
def test_unified_dispatch_cuts_escalations_and_time_to_settling_level() -> None:
    base, new = B, (*B, "dispatch=unified")
    assert_down(base, new, "escalations_per_matter")
    assert_down(base, new, "time_to_settling_level", R_MORE)


def test_rule_severity_favours_severe_matters() -> None:
    """At a village, hard matters stop waiting behind big ones (FCFS: the same queueing wait)."""
    base, new = B, (*B, "dispatch.rule=severity")
    d = assert_down(base, new, "village_severe_wait_ratio", R_MORE)
    assert np.mean([x["village_severe_wait_ratio"] for x in arm(new, R_MORE)]) < 0.6, d


def test_rule_edf_cuts_lateness() -> None:
    base, new = BV, (*BV, "dispatch.rule=edf")
    assert_down(base, new, "lateness", R_RULES)
    d, a, b = paired(base, new, "on_time_rate", R_RULES)
    print(_fmt("on_time_rate", d, a, b))
    assert d.mean > 0, _fmt("on_time_rate", d, a, b)


def test_rule_least_loaded_evens_out_busy_hours() -> None:
    """Busy hours spread evenly over a station's servers (FCFS hands work to the first idle one)."""
    base, new = B, (*B, "dispatch.rule=least_loaded")
    for kind in ("village", "grid"):
        assert_down(base, new, f"busy_cv_{kind}")


def test_rule_skill_routes_department_categories_to_professionals() -> None:
    base = (*B, "staffing.professional_per_township=44")
    new = (*base, "dispatch.rule=skill")
    assert_up(base, new, "professional_share")


def test_rule_nearest_lets_idle_neighbours_take_matters() -> None:
    base, new = BG, (*BG, "dispatch.rule=nearest")
    assert_down(base, new, "grid_wait")
    assert_down(base, new, "wait_positive_share")


def test_specialist_grids_wait_longer_than_all_subject_grids() -> None:
    """Splitting categories among two full-time workers loses pooling (one worker idles while the other queues)."""
    base = (*BG, "staffing.fulltime_per_grid=2")
    assert_up(base, (*base, "dispatch.all_subject=false"), "grid_wait")


def test_more_fulltime_workers_shorten_grid_waits() -> None:
    assert_down(BG, (*BG, "staffing.fulltime_per_grid=2"), "grid_wait")


def test_professional_grid_workers_shorten_their_categories_grid_wait() -> None:
    """One professional per grid (人员下沉) for urban construction: its categories should wait less at grids.

    Extra capacity that may take these categories must not make them wait longer. (At the time of
    writing it does: an idle professional whose office shift is closed is chosen over queueing for
    the extended-shift full-time worker, so an evening or weekend matter waits for Monday 8:00.)
    """
    assert_down(B, (*B, "staffing.professional_per_township=44"), "professional_grid_wait")


# --------------------------------------------------- working hours and shares
def test_shorter_shifts_lengthen_resolution() -> None:
    base, new = B, (*B, "calendar.shifts.extended.end_hour=14")
    assert_up(base, new, "resolution_hours_mean")
    assert_up(base, new, "grid_wait")


def test_holidays_lengthen_resolution() -> None:
    holidays = ",".join(str(d) for d in range(21, 40) if d % 7 < 5)  # three weeks off the office calendar
    base, new = B, (*B, f"calendar.holidays=[{holidays}]")
    assert_up(base, new, "resolution_hours_mean")
    assert_down(base, new, "on_time_rate")


def test_committee_time_share() -> None:
    base, new = B, (*B, "staffing.committee_share=0.6")
    assert_down(base, new, "utilization_village")
    assert_down(base, new, "resolution_hours_mean")


# -------------------------------------------------------------- escalation
def test_escalation_on_authority_follows_the_severity_mix() -> None:
    mix = "[0.2,0.3,0.3,0.2]"
    base = B
    new = (*B, f"catalog.categories.sanitation.severity_mix={mix}",
           f"catalog.categories.consultation.severity_mix={mix}")
    a, b = first(base), first(new)
    same_matters(a, b)
    # the same uniform through a heavier mix: no matter gets milder
    assert np.all(b.records.matters.severity_initial >= a.records.matters.severity_initial)
    assert_up(base, new, "escalations_per_matter")
    assert_down(base, new, "settled_share_grid")


def test_escalation_on_failure() -> None:
    base, new = B, (*B, "dispatch.fail_prob=[0.4,0.4,0.3,0.0]")
    assert_up(base, new, "escalations_per_matter")
    assert_down(base, new, "settled_share_grid")


def test_escalation_on_time_limit() -> None:
    base, new = B, (*B, "dispatch.escalation_limit_hours=[4,8,24,0]")
    off = first((*B, "dispatch.escalation_limit_hours=[0,0,0,0]"))
    assert off.kpis["limit_escalations"] == 0
    assert_up(base, new, "limit_escalations")
    assert_up(base, new, "escalations_per_matter")


def test_instructor_fast_track() -> None:
    base, new = B, (*B, "dispatch.instructor_fast_track=false")

    def skipped_village(rep: One) -> int:
        """Matters that went from a grid to the township without a village visit."""
        v = rep.records.visits
        office = _visit_kind(rep.records) != "platform"
        lv = np.zeros((rep.records.matters.n, 4), bool)
        lv[v.matter_id[office], v.level[office]] = True
        return int(np.sum(lv[:, 0] & ~lv[:, VILLAGE] & lv[:, TOWNSHIP]))

    on, off = skipped_village(first(base)), skipped_village(first(new))
    print(f"grid -> township without the village: {on} (fast-track) vs {off} (none)")
    assert on > 0 and off == 0
    assert_up(base, new, "escalations_per_matter")
    assert_up(base, new, "utilization_village")


def test_volunteers_in_a_surge() -> None:
    base, new = (*BG, surge(4.0, False)), (*BG, surge(4.0, True))
    busy = first(new).records.meta["busy_hours_by_role"].get("volunteer", 0.0)
    assert busy > 0
    assert_down(base, new, "surge_grid_wait")


# ------------------------------------------------ deadlines and satisfaction
@pytest.mark.parametrize("lever", [
    ("catalog.deadlines.working_days=false",),
    ("catalog.deadlines.general=2",),
    ("catalog.categories.dispute.deadline=emergency",),
], ids=["calendar_days", "general_2_days", "disputes_same_day"])
def test_tighter_deadlines_lower_the_on_time_rate(lever: Ov) -> None:
    a, b = first(DET), first((*DET, *lever))
    ma, mb = a.records.matters, b.records.matters
    # deadlines do not feed back here (no reminders, reopening or petitions): same closing times
    assert np.array_equal(ma.t_close, mb.t_close, equal_nan=True)
    assert np.all((mb.deadline <= ma.deadline + 1e-9) | np.isnan(ma.deadline))
    closed = np.isfinite(ma.t_close)
    assert np.all(mb.on_time[closed] <= ma.on_time[closed])
    strictly("down", a.kpis["on_time_rate"], b.kpis["on_time_rate"], "on_time_rate")


@pytest.mark.parametrize(("lever", "direction"), [
    (("outcome.satisfaction_base=0.85",), "down"),
    (("outcome.satisfaction_per_day=0.05",), "down"),
    (("outcome.satisfaction_overdue=0.6",), "down"),
    (("outcome.satisfaction_per_transfer=0.5",), "down"),
    (("outcome.satisfaction_floor=0.9",), "up"),
], ids=["base", "per_day", "overdue", "per_transfer", "floor"])
def test_satisfaction_parameters(lever: Ov, direction: str) -> None:
    a, b = first(DET), first((*DET, *lever))
    ma, mb = a.records.matters, b.records.matters
    assert np.array_equal(ma.t_close, mb.t_close, equal_nan=True)
    closed = np.isfinite(ma.t_close)
    if direction == "down":
        assert np.all(mb.satisfied[closed] <= ma.satisfied[closed])
    else:
        assert np.all(mb.satisfied[closed] >= ma.satisfied[closed])
    strictly(direction, a.kpis["satisfaction_rate"], b.kpis["satisfaction_rate"], "satisfaction_rate")


def test_reopening() -> None:
    base, new = B, (*B, "outcome.reopen_prob=0.9")
    assert_up(base, new, "reopen_rate")
    assert_up(base, new, "utilization_village")
    assert first((*B, "outcome.max_reopens=0")).kpis["reopen_rate"] == 0.0


def test_petitions() -> None:
    """Impatient residents petition; each petition is county work (信访 review)."""
    base, new = B, (*B, "outcome.petition_patience_days=5")
    assert_up(base, new, "petitions_per_10k")
    more = (*new, "outcome.petition_prob=0.9")
    assert_up(new, more, "petitions_per_10k")
    assert_up(new, more, "utilization_department")
    assert first((*new, "outcome.petition_prob=0")).kpis["petitions_per_10k"] == 0.0


def test_supervision_reminders() -> None:
    """催办: overdue matters jump their queue; without it none is reminded and late matters run later."""
    base, new = BV, (*BV, "dispatch.reminders=false")
    assert all(x["reminded_share"] > 0 for x in arm(base, R_RULES))
    assert all(x["reminded_share"] == 0 for x in arm(new, R_RULES))
    assert_up(base, new, "overrun_of_late", R_RULES)


# ------------------------------------------------------------------ textbook
def test_more_servers_never_lengthen_waits_in_the_textbook_queue() -> None:
    """FCFS M/M/c with common arrivals and service draws: each customer's wait is non-increasing in c.

    (Kiefer-Wolfowitz: the sorted workload vector is monotone in its initial value, and c
    servers are c + 1 servers one of which starts with infinite work.) So it holds
    path by path: per replication for the mean, per matter in the first replication.
    """
    n = 6
    runs, waits = {}, {}
    for c in (1, 2, 3):
        res = sim.run(["scenario=textbook", f"textbook.servers={c}", "textbook.arrival_rate_per_hour=1.0",
                       "run.horizon_days=120", f"run.replications={n}", "run.progress=false"], write=False)
        runs[c] = [x["wait_hours_mean"] for x in res.runs]
        assert res.records is not None
        m, v = res.records.matters, res.records.visits
        w = np.full(m.n, np.nan)
        w[v.matter_id] = v.t_start - v.t_arrive
        waits[c] = w
        print(f"servers {c}: wait_hours_mean per replication {np.round(runs[c], 3).tolist()}")
    for c in (1, 2):
        assert all(b <= a + 1e-12 for a, b in zip(runs[c], runs[c + 1], strict=True)), c
        assert np.mean(runs[c + 1]) < np.mean(runs[c])
        both = np.isfinite(waits[c]) & np.isfinite(waits[c + 1])
        assert np.all(waits[c + 1][both] <= waits[c][both] + 1e-9), c
