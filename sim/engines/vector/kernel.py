"""The compiled event kernel: the agent engine's lifecycle of a matter over the ``World``'s arrays.

It follows ``sim/engines/agent/engine.py`` step for step (the steps and their
resume points are ``sim/engines/steps.py``'s STEPS): the same lifecycle as a state
machine per matter (``resume_at``), over the station logic of ``stations.py``.
Its decisions are the compiled rule functions of ``sim/rules/`` (routing,
outcome, dispatch, calendar) that the agent engine calls too. Events run in
(time, push order), as SimPy runs them in (time, schedule order), so on the
same matter inputs both engines write the same records.

Capacities (events, visit rows, queue nodes, same-instant events) are given by
the caller; when one runs out the kernel returns its ERR_* code and the caller
grows it and runs again. The state's fields and shapes are in ``world.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engines.vector.heaps import E_A, E_B, E_SEQ, E_TYPE, HEAP_SIZE, PUSHES, ev_pop
from sim.engines.vector.stations import (
    limit_next,
    new_row,
    pull,
    push,
    set_active,
    set_busy,
    set_wake_pending,
    station_at,
    visit,
)
from sim.engines.vector.world import (
    ABANDONED,
    AS_TRANSFER,
    COUNTY,
    ESCALATED,
    EV_CONTINUE,
    EV_DETOUR,
    EV_DISCOVER,
    EV_EXPIRE,
    EV_FINISH,
    EV_MOB_OFF,
    EV_MOB_ON,
    EV_TRANSFER,
    EV_WAKE,
    GRID,
    LIMITED,
    NO,
    NONE,
    PC_AFTER_ATTEMPT,
    PC_AFTER_CLASSIFY,
    PC_AFTER_INTAKE_PLATFORM,
    PC_AFTER_PETITION,
    PC_AFTER_REWORK,
    PC_AFTER_TRANSFER,
    PC_AFTER_WRONG,
    PC_DONE,
    PC_INTAKE,
    PC_START,
    REDIRECTED,
    SETTLED,
    SETTLES,
    TOWNSHIP,
    TRACKED,
    VILLAGE,
    YES,
    ZERO,
)
from sim.rules.calendar import advance_row
from sim.rules.mode import first_level, via_platform
from sim.rules.outcome import petitions, reopens, satisfaction_prob1, wrong_module
from sim.rules.routing import attempt, next_level
from sim.scenario.constants import CLOSED, HOTLINE, IN_TRANSIT


@njit(cache=True)
def close(w, i, lv, s, now):
    """Settled: the callback; a dissatisfied resident may reopen (rework) or petition."""
    w.t_close[i] = now
    w.level_settled[i] = lv
    w.status[i] = CLOSED
    w.place_level[i] = -1
    on_time = now <= w.deadline[i]
    w.on_time[i] = 1 if on_time else 0
    total = now - w.in_t_occur[i]
    prm = w.params
    p = satisfaction_prob1(prm.sat_base, prm.sat_per_day, prm.sat_overdue, prm.sat_per_transfer, prm.sat_floor,
                           total, not on_time, np.int64(w.transfers[i]))
    sat = float(w.u_satisfy[i]) < p
    w.satisfied[i] = 1 if sat else 0
    if s >= 0 and reopens(sat, np.int64(w.reopened[i]), prm.max_reopens, float(w.u_reopen[i]), prm.reopen_prob):
        w.reopened[i] += 1
        w.t_close[i] = np.nan
        w.level_settled[i] = -1
        w.on_time[i] = -1
        w.satisfied[i] = -1
        w.settle_level[i] = lv
        w.settle_station[i] = s
        w.resume_at[i] = PC_AFTER_REWORK
        visit(w, i, s, lv, w.in_rework[i, lv], SETTLES | TRACKED, now)
        return
    if petitions(sat, total, prm.patience_days, float(w.u_petition[i]), prm.petition_prob):
        w.petitioned[i] = True
        w.resume_at[i] = PC_AFTER_PETITION
        dept = station_at(w, COUNTY, np.int64(w.in_grid[i]), np.int64(w.in_category[i]), NONE)
        visit(w, i, dept, COUNTY, prm.petition_work_h, SETTLES, now)  # untracked: the matter stays closed
        return
    w.resume_at[i] = PC_DONE


@njit(cache=True)
def attempt_visit(w, i, now):
    """The attempt at the current level: assess and pass up, or work and settle unless it fails."""
    c = np.int64(w.in_category[i])
    sev = np.int64(w.in_severity[i])
    lv = np.int64(w.level_now[i])
    top = np.int64(w.category_top[c])
    settles, share = attempt(top, lv, sev, float(w.u_fail[i, lv]), w.params.fail_prob[lv], w.params.assess_share)
    textbook = w.params.textbook
    if textbook:
        settles = True
    s = station_at(w, lv, np.int64(w.in_grid[i]), c, NONE)
    w.settle_station[i] = s
    w.resume_at[i] = PC_AFTER_ATTEMPT
    how = TRACKED | (SETTLES if settles else ZERO) | (LIMITED if lv < top or textbook else ZERO)
    visit(w, i, s, lv, w.in_work[i, lv] * share, how, now)


@njit(cache=True)
def after_classify(w, i, now):
    """Classified at the platform: it may be sent to a wrong module first (a transfer)."""
    at_township = np.int64(w.level_now[i]) == TOWNSHIP
    if at_township and not w.misrouted[i] and float(w.u_misclass[i]) < w.params.misclass_prob:
        w.misrouted[i] = True
        c = np.int64(w.in_category[i])
        n_mod = w.params.n_modules
        wrong = wrong_module(np.int64(w.category_module[c]), n_mod, float(w.u_misclass_to[i]))
        s = station_at(w, TOWNSHIP, np.int64(w.in_grid[i]), c, wrong)
        w.resume_at[i] = PC_AFTER_WRONG
        work = w.in_work[i, TOWNSHIP] * w.params.assess_share
        visit(w, i, s, TOWNSHIP, work, SETTLES | TRACKED | AS_TRANSFER, now)
        return
    attempt_visit(w, i, now)


@njit(cache=True)
def loop_top(w, i, now):
    """The escalation loop's head: arriving at the township means the platform first."""
    if np.int64(w.level_now[i]) == TOWNSHIP and not w.classified[i]:
        w.resume_at[i] = PC_AFTER_CLASSIFY
        town = w.grid_township[np.int64(w.in_grid[i])]
        platform = w.params.first_platform + town
        visit(w, i, platform, TOWNSHIP, w.params.platform_work_h, SETTLES | LIMITED | TRACKED, now)
        return
    after_classify(w, i, now)


@njit(cache=True)
def loop_init(w, i, now):
    """The escalation loop's start: the entry level (the target level when every matter goes through the
    platform); a matter the grid does not handle leaves a redirection on the grid's list."""
    c = np.int64(w.in_category[i])
    lv = first_level(w.category_handled, c, np.int64(w.in_severity[i]), w.params.unified)
    if not w.via_platform[i] and lv > GRID:
        row = new_row(w, i, np.int64(w.in_grid[i]), GRID, now, 0.0)  # redirected off the grid matters list
        if row >= 0:
            w.visit_t_end[row] = now
            w.visit_outcome[row] = REDIRECTED
    w.level_now[i] = lv
    w.classified[i] = w.via_platform[i]
    w.misrouted[i] = False
    loop_top(w, i, now)


@njit(cache=True)
def intake(w, i, now):
    """Taken in: a party-member household may mediate a small matter; the hotline's (or, in unified mode,
    every) matter goes to the township platform first."""
    w.t_intake[i] = now
    w.deadline[i] = w.in_deadline[i]
    c = np.int64(w.in_category[i])
    if w.category_party[c] and np.int64(w.in_severity[i]) == 0 and float(w.u_party[i]) < w.params.party_settle_prob:
        close(w, i, GRID, NONE, now)  # a party-member household mediated it
        return
    town = w.grid_township[np.int64(w.in_grid[i])]
    w.via_platform[i] = via_platform(w.params.unified, w.params.textbook, w.channel[i])
    if w.via_platform[i]:
        w.resume_at[i] = PC_AFTER_INTAKE_PLATFORM
        platform = w.params.first_platform + town
        visit(w, i, platform, TOWNSHIP, w.params.platform_work_h, SETTLES | LIMITED | TRACKED, now)
        return
    loop_init(w, i, now)


@njit(cache=True)
def resume(w, i, outcome, now):
    """Run matter i's lifecycle from where it waited until it waits again."""
    p = np.int64(w.resume_at[i])
    if p == PC_START:
        w.t_discover[i] = w.in_t_discover[i]
        w.channel[i] = np.int64(w.in_channel[i])
        w.severity[i] = np.int64(w.in_severity[i])
        if w.in_detour[i]:
            w.status[i] = IN_TRANSIT  # the detour through the registered community
            w.resume_at[i] = PC_INTAKE
            push(w, now + (w.in_t_intake[i] - now), EV_DETOUR, i, ZERO)
            return
        intake(w, i, now)
    elif p == PC_INTAKE:
        intake(w, i, now)
    elif p == PC_AFTER_INTAKE_PLATFORM:
        small = np.int64(w.in_severity[i]) == 0
        if w.channel[i] == HOTLINE and small and float(w.u_hotline_settle[i]) < w.params.hotline_settle_prob:
            close(w, i, TOWNSHIP, NONE, now)  # settled on the call
            return
        loop_init(w, i, now)
    elif p == PC_AFTER_CLASSIFY:
        w.classified[i] = True
        after_classify(w, i, now)
    elif p == PC_AFTER_WRONG:
        w.transfers[i] += 1
        w.status[i] = IN_TRANSIT
        back = advance_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, w.params.module_shift, now,
                           w.params.transfer_h)
        w.resume_at[i] = PC_AFTER_TRANSFER
        push(w, now + (back - now), EV_TRANSFER, i, ZERO)
    elif p == PC_AFTER_TRANSFER:
        attempt_visit(w, i, now)
    elif p == PC_AFTER_ATTEMPT:
        lv = np.int64(w.level_now[i])
        if outcome == SETTLED:
            close(w, i, lv, np.int64(w.settle_station[i]), now)
            return
        w.escalations[i] += 1
        if outcome == ABANDONED:
            w.abandoned[i] = True
            if w.params.textbook:
                close(w, i, VILLAGE, NONE, now)  # escalated out of the one-station system
                return
        fast = w.params.fast_track and w.township_instructors[w.grid_township[np.int64(w.in_grid[i])]] > 0
        lv = np.int64(next_level(w.category_handled, np.int64(w.in_category[i]), lv, np.int64(w.in_severity[i]), fast))
        w.level_now[i] = lv
        if lv == TOWNSHIP:
            w.classified[i] = False
        loop_top(w, i, now)
    elif p == PC_AFTER_REWORK:
        close(w, i, np.int64(w.settle_level[i]), np.int64(w.settle_station[i]), now)
    elif p == PC_AFTER_PETITION:
        w.resume_at[i] = PC_DONE


@njit(cache=True)
def feed(w, order, a, now):
    """The feeder: matters order[a], ... found by now start; returns the end of that batch."""
    n_order = order.shape[0]
    end = a
    while end < n_order and not (w.in_t_discover[order[end]] > now):
        end += 1
    return end


@njit(cache=True, nogil=True)
def run_block(w, order, ptr, mob_a, mob_b, vols, vptr):
    """Run counties one after another: county j's matters are order[ptr[j]:ptr[j+1]] (in order of
    discovery), its volunteers vols[vptr[j]:vptr[j+1]]. Returns 0 or the code of the capacity that ran out."""
    for j in range(ptr.shape[0] - 1):
        run_events(w, order[ptr[j]:ptr[j + 1]], mob_a, mob_b, vols[vptr[j]:vptr[j + 1]])
        if w.error[0] != 0:
            break
    return w.error[0]


@njit(cache=True)
def run_events(w, order, mob_a, mob_b, vols):
    """One county's event loop until the horizon; returns 0 or the code of the capacity that ran out.

    Three sources hold the pending events, each in (time, push number) order: the heap, the
    feeder's one next discovery, and the same-instant queue; the loop runs the least of their
    heads, so events run in exactly the order one heap of them all would give.
    """
    horizon = w.params.horizon_h
    textbook = w.params.textbook
    n_order = order.shape[0]
    ev_time = w.event_time
    ev_info = w.event_info
    now_q = w.now_events
    now_span = w.now_events_span
    counters = w.counters
    inf = np.inf
    now = 0.0
    w.clock[0] = now
    # the previous county's events past the horizon are dropped and its queue nodes reused
    # (its stations are never visited again)
    counters[HEAP_SIZE] = 0
    now_span[0] = 0
    now_span[1] = 0
    w.node_pool[0] = -1
    w.node_pool[1] = 0
    # the feeder's first batch and timeout, then the mobilisations, then the batch's lifecycles
    end = feed(w, order, ZERO, now) if n_order > 0 else 0
    d_t = inf
    d_seq = 0
    if end < n_order:
        d_t = w.in_t_discover[order[end]]
        d_seq = counters[PUSHES]
        counters[PUSHES] += 1
    for k in range(mob_a.shape[0]):
        push(w, now + max(mob_a[k] - now, 0.0), EV_MOB_ON, k, ZERO)
    for j in range(0, end):
        resume(w, order[j], NONE, now)
    while w.error[0] == 0:
        # the least head of the three sources
        src = 0
        t = inf
        seq = 0
        if counters[HEAP_SIZE] > 0:
            src = 1
            t = ev_time[0]
            seq = ev_info[0, E_SEQ]
        if d_t < t or (d_t == t and d_seq < seq):
            src = 2
            t = d_t
            seq = d_seq
        if now_span[0] < now_span[1]:
            f_seq = now_q[now_span[0], E_SEQ]
            if now < t or (now == t and f_seq < seq):
                src = 3
                t = now
        if src == 0 or t >= horizon:
            break
        if src == 1:
            typ = ev_info[0, E_TYPE]
            a = ev_info[0, E_A]
            b = ev_info[0, E_B]
            ev_pop(ev_time, ev_info, counters)
        elif src == 2:
            typ = EV_DISCOVER
            a = end
            b = 0
            d_t = inf
        else:
            h = now_span[0]
            typ = now_q[h, E_TYPE]
            a = now_q[h, E_A]
            b = now_q[h, E_B]
            h += 1
            if h == now_span[1]:
                h = 0
                now_span[1] = 0
            now_span[0] = h
        now = t
        w.clock[0] = now
        if typ == EV_DISCOVER:
            end = feed(w, order, a + 1, now)
            if end < n_order:
                d_t = now + (w.in_t_discover[order[end]] - now)
                d_seq = counters[PUSHES]
                counters[PUSHES] += 1
            for j in range(a, end):
                resume(w, order[j], NONE, now)
        elif typ == EV_FINISH:
            set_busy(w, a, NO)
            out = SETTLED if w.visit_settles[b] else ESCALATED
            w.visit_t_end[b] = now
            w.visit_outcome[b] = w.visit_done_as[b] if w.visit_done_as[b] >= 0 else out
            push(w, now, EV_CONTINUE, np.int64(w.visit_matter[b]), out)
            pull(w, a, now)
        elif typ == EV_EXPIRE:
            if w.visit_waiting[a]:
                w.visit_waiting[a] = False
                w.queue_waiting[np.int64(w.visit_station[a])] -= 1
                out = ABANDONED if textbook else ESCALATED
                w.visit_t_end[a] = now
                w.visit_outcome[a] = out
                push(w, now, EV_CONTINUE, np.int64(w.visit_matter[a]), out)
            limit_next(w, np.int64(w.visit_station[a]))
        elif typ == EV_CONTINUE:
            resume(w, a, b, now)
        elif typ == EV_DETOUR or typ == EV_TRANSFER:
            resume(w, a, NONE, now)
        elif typ == EV_WAKE:  # b servers chained from a, in the order their wake-ups were scheduled
            r = a
            for _ in range(b):
                nxt = w.server_wake_next[r]
                set_wake_pending(w, r, False)
                pull(w, r, now)
                r = nxt
        elif typ == EV_MOB_ON:
            for r in vols:
                set_active(w, r, YES)
                pull(w, r, now)
            push(w, now + max(mob_b[a] - now, 0.0), EV_MOB_OFF, a, ZERO)
        elif typ == EV_MOB_OFF:
            for r in vols:
                set_active(w, r, NO)
    return w.error[0]
