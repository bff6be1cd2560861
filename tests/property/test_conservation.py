"""Conservation and time-order invariants of the agent engine's records on random small scenarios.

Each example runs the township preset (2-10 villages) for 20-60 days, in tenths of a
day, with random levers (staffing, dispatch rule and mode, all-subject grids,
relocation mismatch, misclassification, professional grid workers, reopening,
petitions, hotline settlement, party-member households, reminders, a flood surge
early in the run) and checks the records (MODEL.md 4, last paragraph: "nothing is
lost"):

* every matter that occurred is exactly one of closed / open somewhere / undiscovered:
  the status counts add up to n, closed <=> t_close set, undiscovered <=> not
  discovered by the horizon, and an open discovered matter is in exactly one place
  (queued or in service: exactly one open visit; in transit: none);
* a matter's timestamps never go backwards:
  t_occur <= t_discover <= t_intake <= t_dispatch <= t_start <= t_close where set;
* every visit has t_arrive <= t_start <= t_end (where set), and a matter's visits do
  not overlap in time (sorted by arrival, each arrives when or after the previous left).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.records.schema import Records
from sim.scenario.constants import (
    CLOSED,
    DISPATCH_MODES,
    DISPATCH_RULES,
    IN_SERVICE,
    IN_TRANSIT,
    QUEUED,
    STATUSES,
    UNDISCOVERED,
)

#: slack for float comparisons of times (hours); times are sums of a few float64 terms
EPS = 1e-7


@st.composite
def scenarios(draw: st.DrawFn) -> list[str]:
    """Hydra overrides of a random small township scenario."""
    horizon = draw(st.integers(200, 600)) / 10.0  # days; tenths of a day need not be whole hours
    ov = [
        "territory=township",
        f"territory.villages_per_township={draw(st.integers(2, 10))}",
        f"run.horizon_days={horizon:g}",
        f"run.warmup_days={draw(st.integers(0, 10))}",
        "run.replications=1",
        "run.progress=false",
        f"staffing.fulltime_per_grid={draw(st.integers(0, 3))}",
        f"staffing.professional_per_township={draw(st.integers(0, 6))}",
        f"dispatch.rule={draw(st.sampled_from(DISPATCH_RULES))}",
        f"dispatch.mode={draw(st.sampled_from(DISPATCH_MODES))}",
        f"dispatch.all_subject={draw(st.booleans())}",
        f"dispatch.reminders={draw(st.booleans())}",
        f"dispatch.misclass_prob={draw(st.floats(0.0, 0.3)):.4f}",
        f"scenario.mismatch_share={draw(st.floats(0.0, 0.3)):.4f}",
        f"outcome.reopen_prob={draw(st.floats(0.0, 1.0)):.4f}",
        f"outcome.petition_prob={draw(st.floats(0.0, 1.0)):.4f}",
        f"outcome.petition_patience_days={draw(st.sampled_from([0.0, 2.0, 30.0]))}",
        f"outcome.max_reopens={draw(st.integers(0, 2))}",
        f"discovery.hotline_settle_prob={draw(st.floats(0.0, 0.8)):.4f}",
        f"dispatch.party_household_settle_prob={draw(st.floats(0.0, 1.0)):.4f}",
    ]
    if draw(st.booleans()):
        # a flood surge (x3 hazards, repairs, help requests; volunteers mobilised) early in the run
        ov += ["scenario=flood",
               f"scenario.surges.0.start_day={draw(st.integers(0, int(horizon) - 5))}",
               f"scenario.surges.0.days={draw(st.integers(1, 10))}"]
    return ov


def _check_statuses(rec: Records, problems: list[str]) -> None:
    m, v = rec.matters, rec.visits
    h = float(rec.meta["horizon_h"])
    n = m.n
    st_ = m.status.astype(np.int64)
    occurred = m.t_occur < h
    if not occurred.all():
        problems.append(f"{int((~occurred).sum())} matters occur at or after the horizon")
    bad = (st_ < 0) | (st_ >= len(STATUSES))
    if bad.any():
        problems.append(f"{int(bad.sum())} statuses outside STATUSES")
        return
    counts = np.bincount(st_, minlength=len(STATUSES))
    if int(counts.sum()) != n:
        problems.append(f"status counts {counts.tolist()} do not add up to n={n}")
    closed = st_ == CLOSED
    has_close = np.isfinite(m.t_close)
    if np.any(closed != has_close):
        problems.append(f"{int(np.sum(closed != has_close))} matters: closed status disagrees with t_close")
    if np.any(has_close & (m.t_close > h + EPS)):
        problems.append("t_close after the horizon")
    undiscovered = ~(m.t_discover <= h)  # NaN (never found) or found after the horizon
    if np.any((st_ == UNDISCOVERED) != undiscovered):
        problems.append(f"{int(np.sum((st_ == UNDISCOVERED) != undiscovered))} matters: undiscovered status "
                        "disagrees with t_discover")
    # an open, discovered matter is in exactly one place
    open_visit = np.isnan(v.t_end)
    n_open = np.bincount(v.matter_id[open_visit], minlength=n)[:n]
    n_visits = np.bincount(v.matter_id, minlength=n)[:n]
    placed = (st_ == QUEUED) | (st_ == IN_SERVICE)
    if np.any(placed & (n_open != 1)):
        problems.append(f"{int(np.sum(placed & (n_open != 1)))} queued / in-service matters without exactly "
                        "one open visit")
    if np.any(placed & (m.place_level < 0)):
        problems.append("queued / in-service matters without a place_level")
    if np.any((st_ == IN_TRANSIT) & (n_open != 0)):
        problems.append("in-transit matters with an open visit")
    if np.any((st_ == UNDISCOVERED) & (n_visits != 0)):
        problems.append("undiscovered matters with visits")
    # a closed matter's only open visit can be the county's review of its petition
    if np.any(closed & (n_open > 0) & ~m.petitioned):
        problems.append(f"{int(np.sum(closed & (n_open > 0) & ~m.petitioned))} closed, unpetitioned matters "
                        "with an open visit")
    # an in-service matter's open visit has started; a queued one's has not
    rows = np.flatnonzero(open_visit)
    started = np.isfinite(v.t_start[rows])
    mid = v.matter_id[rows]
    s_mid = st_[mid]
    if np.any((s_mid == IN_SERVICE) & ~started):
        problems.append("in-service matters whose open visit has not started")
    if np.any((s_mid == QUEUED) & started):
        problems.append("queued matters whose open visit has started")


def _check_matter_times(rec: Records, problems: list[str]) -> None:
    m = rec.matters
    names = ("t_occur", "t_discover", "t_intake", "t_dispatch", "t_start", "t_close")
    cols = [getattr(m, k) for k in names]
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            a, b = cols[i], cols[j]
            bad = np.isfinite(a) & np.isfinite(b) & (a > b + EPS)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                problems.append(f"{int(bad.sum())} matters with {names[i]} > {names[j]} "
                                f"(e.g. matter {k}: {a[k]!r} > {b[k]!r})")
    # what is reached implies what comes before it
    for later, earlier in (("t_close", "t_intake"), ("t_start", "t_dispatch"), ("t_dispatch", "t_intake"),
                           ("t_intake", "t_discover"), ("t_discover", "t_occur")):
        bad = np.isfinite(getattr(m, later)) & ~np.isfinite(getattr(m, earlier))
        if bad.any():
            problems.append(f"{int(bad.sum())} matters with {later} set but {earlier} not")


def _check_visits(rec: Records, problems: list[str]) -> None:
    v = rec.visits
    h = float(rec.meta["horizon_h"])
    ta, ts, te = v.t_arrive, v.t_start, v.t_end
    if not np.all(np.isfinite(ta)):
        problems.append("visits without t_arrive")
    for name, bad in (
        ("t_start < t_arrive", np.isfinite(ts) & (ts < ta - EPS)),
        ("t_end < t_start", np.isfinite(ts) & np.isfinite(te) & (te < ts - EPS)),
        ("t_end < t_arrive", np.isfinite(te) & (te < ta - EPS)),
        ("t_arrive after the horizon", ta > h + EPS),
        ("t_end after the horizon", np.isfinite(te) & (te > h + EPS)),
        ("negative work", v.work < 0),
    ):
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            problems.append(f"{int(bad.sum())} visits with {name} (e.g. row {k}: matter {int(v.matter_id[k])}, "
                            f"arrive {ta[k]!r}, start {ts[k]!r}, end {te[k]!r})")
    # a matter's visits do not overlap: sorted by arrival (ties in log order), each arrives
    # when or after the previous one left; a visit still open must be the matter's last
    rows = np.arange(len(ta))
    order = np.lexsort((rows, ta, v.matter_id))
    mid, a_, e_ = v.matter_id[order], ta[order], te[order]
    same = mid[1:] == mid[:-1]
    bad = same & ~(a_[1:] >= e_[:-1] - EPS)  # NaN previous end (still open) is a violation too
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        problems.append(f"{int(bad.sum())} overlapping visit pairs (e.g. matter {int(mid[k])}: a visit "
                        f"[{a_[k]!r}, {e_[k]!r}] then one arriving at {a_[k + 1]!r})")
    # the petition review follows the closure: it arrives at t_close, after every other visit
    m = rec.matters
    pet = m.petitioned & np.isfinite(m.t_close)
    last = np.full(m.n, -math.inf)
    np.maximum.at(last, v.matter_id, ta)
    if np.any(pet & (last < m.t_close[np.arange(m.n)] - EPS)):
        problems.append("petitioned matters without a visit at or after closure")


def check_records(rec: Records) -> list[str]:
    """Every violated invariant, as a message (empty when the records conserve matters)."""
    problems: list[str] = []
    _check_statuses(rec, problems)
    _check_matter_times(rec, problems)
    _check_visits(rec, problems)
    return problems


#: Minimal failing examples found by the property below (reported as engine bugs):
#: 1. a horizon that is not a whole number of hours: matters are drawn up to the next whole
#:    hour, so the records hold matters that occur after the horizon (sim/matters/occur.py);
#: 2. a matter settled without a handling station (here on the hotline call) that petitions:
#:    the county's review after closure sets its t_dispatch and t_start, so t_start > t_close.
BUG_HORIZON = ["territory=township", "run.horizon_days=25.42", "run.warmup_days=0", "run.progress=false"]
BUG_PETITION = ["territory=township", "run.horizon_days=20", "run.warmup_days=0", "run.progress=false",
                "discovery.hotline_settle_prob=1", "outcome.petition_prob=1", "outcome.petition_patience_days=0",
                "outcome.satisfaction_base=0", "outcome.satisfaction_floor=0", "outcome.reopen_prob=0"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=scenarios())
def test_matters_are_conserved_and_times_ordered(overrides: list[str]) -> None:
    rec = sim.run(overrides, write=False).records
    assert rec is not None
    problems = check_records(rec)
    assert not problems, "\n".join(["overrides: " + " ".join(overrides), *problems])


@pytest.mark.parametrize("overrides", [BUG_HORIZON, BUG_PETITION], ids=["fractional_horizon", "petition_review"])
def test_minimal_examples(overrides: list[str]) -> None:
    rec = sim.run(overrides, write=False).records
    assert rec is not None
    problems = check_records(rec)
    assert not problems, "\n".join(["overrides: " + " ".join(overrides), *problems])


def test_invariants_of_the_default_township() -> None:
    """The default levers (a fixed example, so the property runs at least once on the preset)."""
    rec = sim.run(["territory=township", "run.horizon_days=30", "run.warmup_days=5", "run.progress=false"],
                  write=False).records
    assert rec is not None
    assert rec.matters.n > 1000
    assert not check_records(rec)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=scenarios())
def test_vector_engine_conserves_matters_and_orders_times(overrides: list[str]) -> None:
    """The same properties on the vector engine (fast, so it explores as many scenarios again)."""
    rec = sim.run([*overrides, "engine.name=vector"], write=False).records
    assert rec is not None and rec.meta["engine"] == "vector"
    problems = check_records(rec)
    assert not problems, "\n".join(["overrides: " + " ".join(overrides), *problems])
