"""Levers of dispatch, handling, escalation, deadlines and satisfaction, and the textbook queue,
move the model the way a planner expects (see ``levers.py`` for the bases and the paired replications)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario.constants import TOWNSHIP, VILLAGE
from tests.validation.levers import (
    BG,
    BV,
    DET,
    R_MORE,
    R_RULES,
    B,
    One,
    Ov,
    arm,
    assert_down,
    assert_up,
    first,
    fmt,
    paired,
    same_matters,
    strictly,
    surge,
    visit_kind,
)

pytestmark = pytest.mark.slow


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
    print(fmt("on_time_rate", d, a, b))
    assert d.mean > 0, fmt("on_time_rate", d, a, b)


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
        office = visit_kind(rep.records) != "platform"
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
