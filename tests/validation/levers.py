"""What the lever tests share: the bases, the paired replications and the metrics from the records.

The tests are ``test_levers_found_and_taken_in.py`` (occurrence, discovery, intake)
and ``test_levers_dispatched_to_closed.py`` (dispatch to closing, the textbook queue).
Every mechanism's lever moves the model the way a planner expects.

One test per row of the model page's table (docs/model.md) "Mechanisms and the keys that
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

from sim.engines.agent.engine import run_agent
from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.metrics.kpis import compute_kpis
from sim.metrics.replications import Summary, paired_difference
from sim.records.schema import ESCALATED, REDIRECTED, Records
from sim.rules.calendar import build_calendars
from sim.runs.config import load_config
from sim.scenario.constants import VILLAGE
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


def fmt(key: str, d: Summary, a: float, b: float) -> str:
    return f"{key}: {a:.4g} -> {b:.4g}, paired diff {d.mean:+.4g} ± {d.half_width:.3g} (95%, n={d.n})"


def assert_up(base: Ov, new: Ov, key: str, n: int = R) -> Summary:
    d, a, b = paired(base, new, key, n)
    print(fmt(key, d, a, b))
    assert d.n == n and d.lo > 0, "expected an increase: " + fmt(key, d, a, b)
    return d


def assert_down(base: Ov, new: Ov, key: str, n: int = R) -> Summary:
    d, a, b = paired(base, new, key, n)
    print(fmt(key, d, a, b))
    assert d.n == n and d.hi < 0, "expected a decrease: " + fmt(key, d, a, b)
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
def in_window(rec: Records) -> np.ndarray:
    m = rec.matters
    return (m.t_occur >= rec.meta["warmup_h"]) & (m.t_occur < rec.meta["horizon_h"])


def closed_in_window(rec: Records) -> np.ndarray:
    return in_window(rec) & np.isfinite(rec.matters.t_close)


def visit_kind(rec: Records) -> np.ndarray:
    return np.asarray(rec.stations.kind, dtype=object)[rec.visits.station]


def _served_visits(rec: Records) -> np.ndarray:
    """Visits of window matters that started service (a redirect off the grid matters list is no service)."""
    v = rec.visits
    return in_window(rec)[v.matter_id] & np.isfinite(v.t_start) & (v.outcome != REDIRECTED)


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if x.size else math.nan


def grid_wait(rec: Records, cfg: Config) -> float:
    """Mean wait (arrival to service start) of visits at grid stations."""
    v = rec.visits
    s = _served_visits(rec) & (visit_kind(rec) == "grid")
    return _mean((v.t_start - v.t_arrive)[s])


def surge_grid_wait(rec: Records, cfg: Config) -> float:
    """Mean wait of visits arriving at grid stations inside the surge window."""
    v = rec.visits
    a, b = SURGE_DAYS[0] * 24.0, SURGE_DAYS[1] * 24.0
    s = (visit_kind(rec) == "grid") & np.isfinite(v.t_start) & (v.t_arrive >= a) & (v.t_arrive < b)
    return _mean((v.t_start - v.t_arrive)[s])


def lateness(rec: Records, cfg: Config) -> float:
    """Mean lateness max(0, close - deadline) over closed matters."""
    m, c = rec.matters, closed_in_window(rec)
    return _mean(np.maximum(m.t_close - m.deadline, 0.0)[c])


def overrun_of_late(rec: Records, cfg: Config) -> float:
    """Mean overrun (close - deadline) of the matters closed late."""
    m, c = rec.matters, closed_in_window(rec)
    over = (m.t_close - m.deadline)[c]
    return _mean(over[over > 0])


def reminded_share(rec: Records, cfg: Config) -> float:
    return _mean(rec.matters.reminded[in_window(rec)].astype(float))


def village_severe_wait_ratio(rec: Records, cfg: Config) -> float:
    """At villages: mean queueing wait of hard/beyond matters over that of big ones.

    Queueing wait = service start minus the first open instant of the committee's
    shift at or after arrival: the time spent behind other matters, not outside
    office hours (which no queue order can shorten).
    """
    v, m = rec.visits, rec.matters
    cal = build_calendars(cfg.calendar, cfg.run.horizon_days)[cfg.staffing.shifts["committee"]]
    s = _served_visits(rec) & (visit_kind(rec) == "village")
    queued = v.t_start - np.maximum(cal.next_open(v.t_arrive), v.t_arrive)
    sev = m.severity[v.matter_id]
    return _mean(queued[s & (sev >= 2)]) / _mean(queued[s & (sev == 1)])


def time_to_settling_level(rec: Records, cfg: Config) -> float:
    """Matters settled above the grid: intake to first arrival at a station of the settling level."""
    v, m = rec.visits, rec.matters
    kind = visit_kind(rec)
    at_level = (v.level == m.level_settled[v.matter_id]) & (kind != "platform")
    idx = np.flatnonzero(at_level)
    idx = idx[np.lexsort((v.t_arrive[idx], v.matter_id[idx]))]
    ids, first_row = np.unique(v.matter_id[idx], return_index=True)
    reach = np.full(m.n, np.nan)
    reach[ids] = v.t_arrive[idx[first_row]]
    sel = closed_in_window(rec) & (m.level_settled >= VILLAGE)
    return _mean((reach - m.t_intake)[sel & np.isfinite(reach)])


def limit_escalations(rec: Records, cfg: Config) -> float:
    """Visits that left their queue unserved, escalated (the time-limit rule)."""
    v = rec.visits
    return float(np.sum(in_window(rec)[v.matter_id] & (v.outcome == ESCALATED) & np.isnan(v.t_start)))


def professional_share(rec: Records, cfg: Config) -> float:
    """Professional grid workers' share of the busy hours of grid staff."""
    b = rec.meta["busy_hours_by_role"]
    grid = sum(b.get(r, 0.0) for r in ("fulltime", "grid_leader", "professional"))
    return b.get("professional", 0.0) / grid if grid > 0 else math.nan


def category_mask(rec: Records, names: Sequence[str], idx: np.ndarray) -> np.ndarray:
    cats = rec.meta["category_names"]
    return np.isin(rec.matters.category[idx], [cats.index(c) for c in names])


def professional_grid_wait(rec: Records, cfg: Config) -> float:
    """Mean grid wait of the categories of the professional workers' department."""
    v = rec.visits
    names = [k for k, c in cfg.catalog.categories.items() if c.department == cfg.staffing.professional_department]
    s = _served_visits(rec) & (visit_kind(rec) == "grid") & category_mask(rec, names, v.matter_id)
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
