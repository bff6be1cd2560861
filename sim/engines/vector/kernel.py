"""The compiled event kernel: the agent engine's dynamics over flat arrays.

It follows ``sim/engines/agent/engine.py`` step for step (the step order is in
that module's docstring): the same lifecycle as a state machine per matter
(``pc``), the same station logic (idle-server choice, queue order with
reminders, time limits, pull on finish). Its decisions and working-time
arithmetic are the compiled rule functions of ``sim/rules/`` (routing, outcome,
dispatch, calendar) that the agent engine calls too. Events
run in (time, push order), as SimPy runs them in (time, schedule order), so on
the same matter inputs both engines write the same records.

Array shapes: n matters, S stations, R servers, K categories, C calendars.
Capacities (events, visits, queue nodes) are given by the caller; when one runs
out the kernel returns a non-zero code and the caller grows it and runs again.
All state lives in one ``World`` structref (named arrays, passed by reference).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types
from numba.experimental import structref

from sim.engines.vector.borrowed import borrowed, register_borrowed
from sim.engines.vector.heaps import (
    E_A,
    E_B,
    E_SEQ,
    E_TYPE,
    N_VISIT,
    ev_insert,
    ev_pop,
    ev_push,
    nd_alloc,
    nd_free,
    nd_less,
    ph_meld,
    ph_pop,
)
from sim.rules.calendar import advance_row, next_open_row
from sim.rules.dispatch import handler_key, queue_key, ranks_handlers
from sim.rules.outcome import petitions, reopens, satisfaction_prob1, wrong_module
from sim.rules.routing import attempt, entry_level, next_level, target_level


def _ints(n: int) -> tuple[np.int64, ...]:
    """Codes as numpy integers: Numba types a Python int constant passed to a function as a literal
    and compiles a copy of the function for each value; numpy scalars share one compiled copy."""
    return tuple(np.int64(i) for i in range(n))


# arguments with these values share one compiled copy of each function (see _ints)
ZERO, NONE, YES, NO = np.int64(0), np.int64(-1), np.bool_(True), np.bool_(False)
# event types
EV_DISCOVER, EV_DETOUR, EV_FINISH, EV_EXPIRE, EV_CONTINUE, EV_TRANSFER, EV_MOB_ON, EV_MOB_OFF, EV_WAKE = _ints(9)
# lifecycle resume points (each belongs to a step of sim/steps.py's STEPS)
PC_START, PC_INTAKE, PC_AFTER_INTAKE_PLATFORM, PC_AFTER_CLASSIFY, PC_AFTER_WRONG, PC_AFTER_TRANSFER, \
    PC_AFTER_ATTEMPT, PC_AFTER_REWORK, PC_AFTER_PETITION, PC_DONE = range(10)
# station kinds, levels, statuses, visit outcomes, channels (as in sim.records / constants)
K_GRID, K_VILLAGE, K_PLATFORM, K_MODULE, K_DEPARTMENT = range(5)
GRID, VILLAGE, TOWNSHIP, COUNTY = _ints(4)
UNDISCOVERED, IN_TRANSIT, QUEUED, IN_SERVICE, CLOSED = range(5)
SETTLED, ESCALATED, TRANSFERRED, ABANDONED, REDIRECTED, OPEN = _ints(6)
HOTLINE = 3
# float parameters (fp[...])
P_HORIZON, P_PLATFORM_WORK, P_MISCLASS, P_HOTLINE_SETTLE, P_PARTY, P_ASSESS, P_TRANSFER_H, P_NEAREST_KMH, \
    P_SAT_BASE, P_SAT_DAY, P_SAT_OVERDUE, P_SAT_TRANSFER, P_SAT_FLOOR, P_REOPEN, P_PETITION, P_PATIENCE_D, \
    P_PETITION_WORK, P_FAIL0 = range(18)
# int parameters (ip[...])
I_UNIFIED, I_TEXTBOOK, I_RULE, I_REMINDERS, I_FAST_TRACK, I_MAX_REOPENS, I_MODULE_SHIFT, I_OFF_VILLAGE, \
    I_OFF_PLATFORM, I_OFF_MODULE, I_OFF_DEPT, I_N_MODULES, I_N_DEPARTMENTS = range(13)


#: every array of a run, by name (see engine.py for shapes)
WORLD_FIELDS: tuple[str, ...] = (
    "fp", "ip",
    # matters, static
    "m_cat", "m_sev", "m_chan", "m_tdisc", "m_tint", "m_grid", "m_detour", "m_deadline", "m_tocc", "work", "rework",
    "u_party", "u_hot", "u_mis", "u_misto", "u_sat", "u_reopen", "u_pet", "u_fail", "m_id",
    # catalogue and units
    "cat_module", "cat_dept", "cat_top", "cat_party", "cat_handled", "grid_village", "grid_town", "grid_county",
    "town_instr",
    # stations and servers
    "st_kind", "st_limit", "srv_ptr", "nb_ptr", "nb_st", "nb_dist", "srv_station", "srv_speed", "srv_shift",
    "srv_skills", "srv_spec",
    # calendars
    "c_start", "c_hours", "c_before", "c_ends",
    # matter records
    "o_status", "o_place", "o_tdisc", "o_chan", "o_sev", "o_tint", "o_deadline", "o_tdisp", "o_tstart", "o_tclose",
    "o_level", "o_transfers", "o_escal", "o_reopened", "o_ontime", "o_sat", "o_petition", "o_abandoned",
    "o_reminded",
    # visit records
    "v_matter", "v_station", "v_level", "v_tarr", "v_tstart", "v_tend", "v_work", "v_outcome", "v_server",
    # matter, visit and server state
    "pc", "level_of", "classified", "misrouted", "via", "close_level", "close_station",
    "v_settles", "v_doneas", "v_tracked", "v_waiting", "v_overdue",
    "active", "busy", "busy_h", "wake_pending", "idle", "open_t", "open_v",
    # queues, heaps, counters
    "q_fresh", "q_over", "q_dead", "q_count", "q_seq",
    "et", "ei", "nf", "ni", "pool", "scratch", "cnt", "err",
    # the clock, the same-instant event queue, the per-station time-limit lists
    "clock", "fq", "fpos", "x_next", "x_seq", "x_head", "x_tail",
)


@register_borrowed
class WorldType(types.StructRef):
    def preprocess_fields(self, fields):
        # the caller owns every array of a run: the kernel borrows them (no reference counting)
        return tuple((name, borrowed(types.unliteral(typ))) for name, typ in fields)


class World(structref.StructRefProxy):
    """The kernel's state: construct with the arrays of WORLD_FIELDS, in order."""


structref.define_proxy(World, WorldType, list(WORLD_FIELDS))


@njit(cache=True)
def new_world(a, b, c, d, e, f, g, h, i, j, k, m):
    """A World from tuples of arrays in WORLD_FIELDS order. Built in compiled code so that the
    constructor (one argument per field) is compiled once into the cache, not at every start of Python."""
    return World(*a, *b, *c, *d, *e, *f, *g, *h, *i, *j, *k, *m)


@njit(cache=True)
def push(w, t, typ, a, b):
    """Schedule an event. One due now joins the same-instant queue: it runs after every event already
    due now (all pushed earlier) and in push order, which is where the heap would have put it."""
    if t == w.clock[0]:
        tail = w.fpos[1]
        if tail >= w.fq.shape[0]:
            w.err[0] = 4
            return
        w.fq[tail, E_SEQ] = w.cnt[1]
        w.fq[tail, E_TYPE] = typ
        w.fq[tail, E_A] = a
        w.fq[tail, E_B] = b
        w.fpos[1] = tail + 1
        w.cnt[1] += 1
    elif not ev_push(w.et, w.ei, w.cnt, t, typ, a, b):
        w.err[0] = 1


@njit(cache=True)
def limit_add(w, s, row, now):
    """Queue ``row``'s time limit at station s. A station's limits fall due in arrival order, so only the
    earliest live one sits in the event heap, with the push number it was given here."""
    seq = w.cnt[1]
    w.cnt[1] += 1
    w.x_seq[row] = seq
    w.x_next[row] = -1
    if w.x_tail[s] >= 0:
        w.x_next[w.x_tail[s]] = row
    else:
        w.x_head[s] = row
        if not ev_insert(w.et, w.ei, w.cnt, now + w.st_limit[s], seq, EV_EXPIRE, row, ZERO):
            w.err[0] = 1
    w.x_tail[s] = row


@njit(cache=True)
def limit_next(w, s):
    """Station s's head limit has fired: drop the limits of visits no longer waiting, heap the next."""
    row = np.int64(w.x_next[w.x_head[s]])
    while row >= 0 and not w.v_waiting[row]:
        row = np.int64(w.x_next[row])
    w.x_head[s] = row
    if row < 0:
        w.x_tail[s] = -1
    elif not ev_insert(w.et, w.ei, w.cnt, w.v_tarr[row] + w.st_limit[s], w.x_seq[row], EV_EXPIRE, row, ZERO):
        w.err[0] = 1


@njit(cache=True)
def rule_key(w, row):
    """Visit ``row``'s queue key by the dispatch rule."""
    i = np.int64(w.v_matter[row])
    return queue_key(w.ip[I_RULE], np.int64(w.m_sev[i]), w.m_deadline[i], w.v_tarr[row])


@njit(cache=True)
def q_push_node(w, roots, idx, ka, kb, i, s, row):
    """Queue visit ``row`` of matter i; ties in (ka, kb) go to the lower matter number, then the earlier push."""
    seq = w.q_seq[s]
    w.q_seq[s] += 1
    # m_id is empty when the block's matter numbers keep the order of their ids (a slice of rows)
    ki = w.m_id[i] if w.m_id.shape[0] > 0 else i
    node = nd_alloc(w.nf, w.ni, w.pool, ka, kb, ki, seq, row)
    if node < 0:
        w.err[0] = 3
        return
    roots[idx] = ph_meld(w.nf, w.ni, roots[idx], node)


@njit(cache=True)
def q_push(w, s, row):
    n_k = w.cat_top.shape[0]
    i = np.int64(w.v_matter[row])
    ka, kb = rule_key(w, row)
    w.v_overdue[row] = False
    q_push_node(w, w.q_fresh, s * n_k + np.int64(w.m_cat[i]), ka, kb, i, s, row)
    if w.ip[I_REMINDERS] == 1:
        q_push_node(w, w.q_dead, s, w.m_deadline[i], 0.0, i, s, row)
    w.q_count[s] += 1


@njit(cache=True)
def q_age(w, s, now):
    """Visits whose deadline has passed move to the overdue heaps (reminders)."""
    n_k = w.cat_top.shape[0]
    while w.q_dead[s] >= 0 and w.nf[w.q_dead[s], 0] < now:
        node = w.q_dead[s]
        w.q_dead[s] = ph_pop(w.nf, w.ni, node, w.scratch)
        row = w.ni[node, N_VISIT]
        nd_free(w.ni, w.pool, node)
        if w.v_waiting[row] and not w.v_overdue[row]:
            w.v_overdue[row] = True
            i = np.int64(w.v_matter[row])
            w.o_reminded[i] = True
            ka, kb = rule_key(w, row)
            q_push_node(w, w.q_over, s * n_k + np.int64(w.m_cat[i]), ka, kb, i, s, row)


@njit(cache=True)
def q_top(w, roots, idx, overdue):
    while roots[idx] >= 0:
        node = roots[idx]
        row = w.ni[node, N_VISIT]
        if w.v_waiting[row] and w.v_overdue[row] == overdue:
            return node
        roots[idx] = ph_pop(w.nf, w.ni, node, w.scratch)
        nd_free(w.ni, w.pool, node)
    return -1


@njit(cache=True)
def q_best(w, s, r, now):
    """The best waiting visit of station s that server r may take; -1 if none."""
    n_k = w.cat_top.shape[0]
    if w.q_count[s] == 0:
        return -1
    if w.ip[I_REMINDERS] == 1:
        q_age(w, s, now)
    for state in range(2):
        overdue = state == 0
        roots = w.q_over if overdue else w.q_fresh
        best = NONE
        for k in range(n_k):
            if w.srv_skills[r, k]:
                top = q_top(w, roots, s * n_k + k, overdue)
                if top >= 0 and (best < 0 or nd_less(w.nf, w.ni, top, best)):
                    best = top
        if best >= 0:
            return w.ni[best, N_VISIT]
    return -1


@njit(cache=True)
def on_shift(w, r, now):
    """Is server r's shift open at ``now``? (memoised per shift for the current instant)"""
    sh = w.srv_shift[r]
    if w.open_t[sh] != now:
        w.open_t[sh] = now
        w.open_v[sh] = next_open_row(w.c_start, w.c_hours, w.c_before, w.c_ends, sh, now) == now
    return w.open_v[sh]


@njit(cache=True)
def set_busy(w, r, value):
    """Mark server r busy or free, keeping its station's count of idle active servers."""
    if w.busy[r] != value:
        w.busy[r] = value
        if w.active[r]:
            w.idle[w.srv_station[r]] += -1 if value else 1


@njit(cache=True)
def set_active(w, r, value):
    if w.active[r] != value:
        w.active[r] = value
        if not w.busy[r]:
            w.idle[w.srv_station[r]] += 1 if value else -1


@njit(cache=True)
def choose(w, s, k, now):
    """The idle on-shift server of station s that takes category k, by the dispatch rule; -1 if none.

    Default: the station's own order; skill: specialists first; least_loaded: least busy so far.
    """
    if w.idle[s] == 0:
        return -1
    rule = w.ip[I_RULE]
    ranks = ranks_handlers(rule)
    best = -1
    b1 = 0.0
    for r in range(w.srv_ptr[s], w.srv_ptr[s + 1]):
        if not w.active[r] or w.busy[r] or not w.srv_skills[r, k] or not on_shift(w, r, now):
            continue
        if not ranks:
            return r
        k1 = handler_key(rule, w.busy_h[r], w.srv_spec[r])
        if best < 0 or k1 < b1:
            best = r
            b1 = k1
    return best


@njit(cache=True)
def wake_later(w, r, now):
    """Idle server r, off shift, looks for work when its shift next opens (scheduled once)."""
    if w.wake_pending[r] or on_shift(w, r, now):
        return
    w.wake_pending[r] = True
    t = next_open_row(w.c_start, w.c_hours, w.c_before, w.c_ends, w.srv_shift[r], now)
    push(w, now + (t - now), EV_WAKE, r, ZERO)


@njit(cache=True)
def start(w, r, row, travel, now):
    """Server r starts visit ``row``; the work pauses outside its shift."""
    i = np.int64(w.v_matter[row])
    set_busy(w, r, YES)
    w.v_waiting[row] = False
    sh = w.srv_shift[r]
    t0 = next_open_row(w.c_start, w.c_hours, w.c_before, w.c_ends, sh, now)
    work = w.v_work[row] + travel  # v_work holds the visit's own work until it starts (once)
    eff = work / w.srv_speed[r]
    t1 = advance_row(w.c_start, w.c_hours, w.c_before, w.c_ends, sh, t0, eff)
    w.busy_h[r] += eff
    w.v_tstart[row] = t0
    w.v_work[row] = work
    w.v_server[row] = r
    if w.v_tracked[row]:
        w.o_status[i] = IN_SERVICE
    if w.v_tracked[row] and w.st_kind[np.int64(w.v_station[row])] != K_PLATFORM and np.isnan(w.o_tstart[i]):
        w.o_tstart[i] = t0
    push(w, now + (t1 - now), EV_FINISH, r, row)


@njit(cache=True)
def pull(w, r, now):
    """A free (or newly woken) server takes the best visit waiting at home, then at neighbours."""
    if not w.active[r] or w.busy[r]:
        return
    home = w.srv_station[r]
    lo = w.nb_ptr[home]
    hi = w.nb_ptr[home + 1]
    if not on_shift(w, r, now):
        waiting = w.q_count[home] > 0
        for j in range(lo, hi):
            waiting = waiting or w.q_count[w.nb_st[j]] > 0
        if waiting:
            wake_later(w, r, now)
        return
    for j in range(lo - 1, hi):
        if j < lo:
            st = home
            dist = 0.0
        else:
            st = w.nb_st[j]
            dist = w.nb_dist[j]
        row = q_best(w, st, r, now)
        if row >= 0:
            w.v_waiting[row] = False
            w.q_count[st] -= 1
            start(w, r, row, dist / w.fp[P_NEAREST_KMH] if dist != 0.0 else 0.0, now)
            return


@njit(cache=True)
def new_row(w, i, s, lv, now, work):
    row = w.cnt[2]
    if row >= w.v_matter.shape[0]:
        w.err[0] = 2
        return -1
    w.cnt[2] = row + 1
    w.v_matter[row] = i
    w.v_station[row] = s
    w.v_level[row] = lv
    w.v_tarr[row] = now
    w.v_tstart[row] = np.nan
    w.v_tend[row] = np.nan
    w.v_work[row] = work
    w.v_outcome[row] = OPEN
    w.v_server[row] = -1
    return row


@njit(cache=True)
def visit(w, i, s, lv, work, settles, limit, doneas, tracked, now):
    """Matter i arrives at station s: an idle on-shift server starts it, or it queues."""
    if tracked and np.isnan(w.o_tdisp[i]) and w.st_kind[s] != K_PLATFORM:
        w.o_tdisp[i] = now
    row = new_row(w, i, s, lv, now, work)
    if row < 0:
        return
    w.v_settles[row] = settles
    w.v_doneas[row] = doneas
    w.v_tracked[row] = tracked
    w.v_waiting[row] = False
    w.v_overdue[row] = False
    if tracked:
        w.o_status[i] = QUEUED
        w.o_place[i] = lv
    k = np.int64(w.m_cat[i])
    r = choose(w, s, k, now)
    if r >= 0:
        start(w, r, row, 0.0, now)
        return
    lo = w.nb_ptr[s]
    hi = w.nb_ptr[s + 1]
    for j in range(lo, hi):
        r = choose(w, w.nb_st[j], k, now)
        if r >= 0:
            start(w, r, row, w.nb_dist[j] / w.fp[P_NEAREST_KMH], now)
            return
    w.v_waiting[row] = True
    q_push(w, s, row)
    if limit and w.st_limit[s] > 0:
        limit_add(w, s, row, now)
    # idle servers off shift who could take it start at their next opening
    for j in range(lo - 1, hi):
        st = s if j < lo else w.nb_st[j]
        if w.idle[st] == 0:
            continue
        for r in range(w.srv_ptr[st], w.srv_ptr[st + 1]):
            if w.active[r] and not w.busy[r] and w.srv_skills[r, k]:
                wake_later(w, r, now)


@njit(cache=True)
def station_at(w, lv, g, c, module):
    if lv == GRID:
        return g
    if lv == VILLAGE:
        return w.ip[I_OFF_VILLAGE] + w.grid_village[g]
    if lv == TOWNSHIP:
        mod = w.cat_module[c] if module < 0 else module
        return w.ip[I_OFF_MODULE] + w.grid_town[g] * w.ip[I_N_MODULES] + mod
    return w.ip[I_OFF_DEPT] + w.grid_county[g] * w.ip[I_N_DEPARTMENTS] + w.cat_dept[c]


@njit(cache=True)
def close(w, i, lv, s, now):
    """Settled: the callback; a dissatisfied resident may reopen (rework) or petition."""
    fp = w.fp
    w.o_tclose[i] = now
    w.o_level[i] = lv
    w.o_status[i] = CLOSED
    w.o_place[i] = -1
    on_time = now <= w.o_deadline[i]
    w.o_ontime[i] = 1 if on_time else 0
    total = now - w.m_tocc[i]
    p = satisfaction_prob1(fp[P_SAT_BASE], fp[P_SAT_DAY], fp[P_SAT_OVERDUE], fp[P_SAT_TRANSFER], fp[P_SAT_FLOOR],
                           total, not on_time, np.int64(w.o_transfers[i]))
    sat = float(w.u_sat[i]) < p
    w.o_sat[i] = 1 if sat else 0
    if s >= 0 and reopens(sat, np.int64(w.o_reopened[i]), w.ip[I_MAX_REOPENS], float(w.u_reopen[i]), fp[P_REOPEN]):
        w.o_reopened[i] += 1
        w.o_tclose[i] = np.nan
        w.o_level[i] = -1
        w.o_ontime[i] = -1
        w.o_sat[i] = -1
        w.close_level[i] = lv
        w.close_station[i] = s
        w.pc[i] = PC_AFTER_REWORK
        visit(w, i, s, lv, w.rework[i, lv], YES, NO, NONE, YES, now)
        return
    if petitions(sat, total, fp[P_PATIENCE_D], float(w.u_pet[i]), fp[P_PETITION]):
        w.o_petition[i] = True
        w.pc[i] = PC_AFTER_PETITION
        dept = station_at(w, COUNTY, np.int64(w.m_grid[i]), np.int64(w.m_cat[i]), NONE)
        visit(w, i, dept, COUNTY, fp[P_PETITION_WORK], YES, NO, NONE, NO, now)
        return
    w.pc[i] = PC_DONE


@njit(cache=True)
def attempt_visit(w, i, now):
    """The attempt at the current level: assess and pass up, or work and settle unless it fails."""
    c = np.int64(w.m_cat[i])
    sev = np.int64(w.m_sev[i])
    lv = np.int64(w.level_of[i])
    top = np.int64(w.cat_top[c])
    settles, share = attempt(top, lv, sev, float(w.u_fail[i, lv]), w.fp[P_FAIL0 + lv], w.fp[P_ASSESS])
    textbook = w.ip[I_TEXTBOOK] == 1
    if textbook:
        settles = True
    s = station_at(w, lv, np.int64(w.m_grid[i]), c, NONE)
    w.close_station[i] = s
    w.pc[i] = PC_AFTER_ATTEMPT
    visit(w, i, s, lv, w.work[i, lv] * share, settles, lv < top or textbook, NONE, YES, now)


@njit(cache=True)
def after_classify(w, i, now):
    """Classified at the platform: it may be sent to a wrong module first (a transfer)."""
    if np.int64(w.level_of[i]) == TOWNSHIP and not w.misrouted[i] and float(w.u_mis[i]) < w.fp[P_MISCLASS]:
        w.misrouted[i] = True
        c = np.int64(w.m_cat[i])
        n_mod = w.ip[I_N_MODULES]
        wrong = wrong_module(np.int64(w.cat_module[c]), n_mod, float(w.u_misto[i]))
        s = station_at(w, TOWNSHIP, np.int64(w.m_grid[i]), c, wrong)
        w.pc[i] = PC_AFTER_WRONG
        visit(w, i, s, TOWNSHIP, w.work[i, TOWNSHIP] * w.fp[P_ASSESS], YES, NO, TRANSFERRED, YES, now)
        return
    attempt_visit(w, i, now)


@njit(cache=True)
def loop_top(w, i, now):
    """The escalation loop's head: arriving at the township means the platform first."""
    if np.int64(w.level_of[i]) == TOWNSHIP and not w.classified[i]:
        w.pc[i] = PC_AFTER_CLASSIFY
        town = w.grid_town[np.int64(w.m_grid[i])]
        visit(w, i, w.ip[I_OFF_PLATFORM] + town, TOWNSHIP, w.fp[P_PLATFORM_WORK], YES, YES, NONE, YES, now)
        return
    after_classify(w, i, now)


@njit(cache=True)
def loop_init(w, i, now):
    c = np.int64(w.m_cat[i])
    lv = target_level(w.cat_handled, c, np.int64(w.m_sev[i])) if w.ip[I_UNIFIED] == 1 else entry_level(w.cat_handled, c)
    if not w.via[i] and lv > GRID:
        row = new_row(w, i, np.int64(w.m_grid[i]), GRID, now, 0.0)  # redirected off the grid matters list
        if row >= 0:
            w.v_tend[row] = now
            w.v_outcome[row] = REDIRECTED
    w.level_of[i] = lv
    w.classified[i] = w.via[i]
    w.misrouted[i] = False
    loop_top(w, i, now)


@njit(cache=True)
def intake(w, i, now):
    w.o_tint[i] = now
    w.o_deadline[i] = w.m_deadline[i]
    c = np.int64(w.m_cat[i])
    if w.cat_party[c] and np.int64(w.m_sev[i]) == 0 and float(w.u_party[i]) < w.fp[P_PARTY]:
        close(w, i, GRID, NONE, now)  # a party-member household mediated it
        return
    town = w.grid_town[np.int64(w.m_grid[i])]
    w.via[i] = (w.ip[I_UNIFIED] == 1 or w.o_chan[i] == HOTLINE) and w.ip[I_TEXTBOOK] == 0
    if w.via[i]:
        w.pc[i] = PC_AFTER_INTAKE_PLATFORM
        visit(w, i, w.ip[I_OFF_PLATFORM] + town, TOWNSHIP, w.fp[P_PLATFORM_WORK], YES, YES, NONE, YES, now)
        return
    loop_init(w, i, now)


@njit(cache=True)
def resume(w, i, outcome, now):
    """Run matter i's lifecycle from where it waited until it waits again."""
    p = np.int64(w.pc[i])
    if p == PC_START:
        w.o_tdisc[i] = w.m_tdisc[i]
        w.o_chan[i] = np.int64(w.m_chan[i])
        w.o_sev[i] = np.int64(w.m_sev[i])
        if w.m_detour[i]:
            w.o_status[i] = IN_TRANSIT  # the detour through the registered community
            w.pc[i] = PC_INTAKE
            push(w, now + (w.m_tint[i] - now), EV_DETOUR, i, ZERO)
            return
        intake(w, i, now)
    elif p == PC_INTAKE:
        intake(w, i, now)
    elif p == PC_AFTER_INTAKE_PLATFORM:
        if w.o_chan[i] == HOTLINE and np.int64(w.m_sev[i]) == 0 and float(w.u_hot[i]) < w.fp[P_HOTLINE_SETTLE]:
            close(w, i, TOWNSHIP, NONE, now)  # settled on the call
            return
        loop_init(w, i, now)
    elif p == PC_AFTER_CLASSIFY:
        w.classified[i] = True
        after_classify(w, i, now)
    elif p == PC_AFTER_WRONG:
        w.o_transfers[i] += 1
        w.o_status[i] = IN_TRANSIT
        back = advance_row(w.c_start, w.c_hours, w.c_before, w.c_ends, w.ip[I_MODULE_SHIFT], now, w.fp[P_TRANSFER_H])
        w.pc[i] = PC_AFTER_TRANSFER
        push(w, now + (back - now), EV_TRANSFER, i, ZERO)
    elif p == PC_AFTER_TRANSFER:
        attempt_visit(w, i, now)
    elif p == PC_AFTER_ATTEMPT:
        lv = np.int64(w.level_of[i])
        if outcome == SETTLED:
            close(w, i, lv, np.int64(w.close_station[i]), now)
            return
        w.o_escal[i] += 1
        if outcome == ABANDONED:
            w.o_abandoned[i] = True
            if w.ip[I_TEXTBOOK] == 1:
                close(w, i, VILLAGE, NONE, now)  # escalated out of the one-station system
                return
        fast = w.ip[I_FAST_TRACK] == 1 and w.town_instr[w.grid_town[np.int64(w.m_grid[i])]] > 0
        lv = np.int64(next_level(w.cat_handled, np.int64(w.m_cat[i]), lv, np.int64(w.m_sev[i]), fast))
        w.level_of[i] = lv
        if lv == TOWNSHIP:
            w.classified[i] = False
        loop_top(w, i, now)
    elif p == PC_AFTER_REWORK:
        close(w, i, np.int64(w.close_level[i]), np.int64(w.close_station[i]), now)
    elif p == PC_AFTER_PETITION:
        w.pc[i] = PC_DONE


@njit(cache=True)
def feed(w, order, a, now):
    """The feeder: matters order[a], ... found by now start; returns the end of that batch."""
    n_order = order.shape[0]
    end = a
    while end < n_order and not (w.m_tdisc[order[end]] > now):
        end += 1
    return end


@njit(cache=True, nogil=True)
def run_block(w, order, ptr, mob_a, mob_b, vols, vptr):
    """Run counties one after another: county j's matters are order[ptr[j]:ptr[j+1]] (in order of
    discovery), its volunteers vols[vptr[j]:vptr[j+1]]. Returns 0 or the code of the capacity that ran out."""
    for j in range(ptr.shape[0] - 1):
        run_events(w, order[ptr[j]:ptr[j + 1]], mob_a, mob_b, vols[vptr[j]:vptr[j + 1]])
        if w.err[0] != 0:
            break
    return w.err[0]


@njit(cache=True)
def run_events(w, order, mob_a, mob_b, vols):
    """One county's event loop until the horizon; returns 0 or the code of the capacity that ran out.

    Three sources hold the pending events, each in (time, push number) order: the heap, the
    feeder's one next discovery, and the same-instant queue; the loop runs the least of their
    heads, so events run in exactly the order one heap of them all would give.
    """
    horizon = w.fp[P_HORIZON]
    textbook = w.ip[I_TEXTBOOK] == 1
    n_order = order.shape[0]
    et = w.et
    ei = w.ei
    fq = w.fq
    fpos = w.fpos
    cnt = w.cnt
    inf = np.inf
    now = 0.0
    w.clock[0] = now
    # the previous county's events past the horizon are dropped and its queue nodes reused
    # (its stations are never visited again)
    cnt[0] = 0
    fpos[0] = 0
    fpos[1] = 0
    w.pool[0] = -1
    w.pool[1] = 0
    # the feeder's first batch and timeout, then the mobilisations, then the batch's lifecycles
    end = feed(w, order, ZERO, now) if n_order > 0 else 0
    d_t = inf
    d_seq = 0
    if end < n_order:
        d_t = w.m_tdisc[order[end]]
        d_seq = cnt[1]
        cnt[1] += 1
    for k in range(mob_a.shape[0]):
        push(w, now + max(mob_a[k] - now, 0.0), EV_MOB_ON, k, ZERO)
    for j in range(0, end):
        resume(w, order[j], NONE, now)
    while w.err[0] == 0:
        # the least head of the three sources
        src = 0
        t = inf
        seq = 0
        if cnt[0] > 0:
            src = 1
            t = et[0]
            seq = ei[0, E_SEQ]
        if d_t < t or (d_t == t and d_seq < seq):
            src = 2
            t = d_t
            seq = d_seq
        if fpos[0] < fpos[1]:
            f_seq = fq[fpos[0], E_SEQ]
            if now < t or (now == t and f_seq < seq):
                src = 3
                t = now
        if src == 0 or t >= horizon:
            break
        if src == 1:
            typ = ei[0, E_TYPE]
            a = ei[0, E_A]
            b = ei[0, E_B]
            ev_pop(et, ei, cnt)
        elif src == 2:
            typ = EV_DISCOVER
            a = end
            b = 0
            d_t = inf
        else:
            h = fpos[0]
            typ = fq[h, E_TYPE]
            a = fq[h, E_A]
            b = fq[h, E_B]
            h += 1
            if h == fpos[1]:
                h = 0
                fpos[1] = 0
            fpos[0] = h
        now = t
        w.clock[0] = now
        if typ == EV_DISCOVER:
            end = feed(w, order, a + 1, now)
            if end < n_order:
                d_t = now + (w.m_tdisc[order[end]] - now)
                d_seq = cnt[1]
                cnt[1] += 1
            for j in range(a, end):
                resume(w, order[j], NONE, now)
        elif typ == EV_FINISH:
            set_busy(w, a, NO)
            out = SETTLED if w.v_settles[b] else ESCALATED
            w.v_tend[b] = now
            w.v_outcome[b] = w.v_doneas[b] if w.v_doneas[b] >= 0 else out
            push(w, now, EV_CONTINUE, np.int64(w.v_matter[b]), out)
            pull(w, a, now)
        elif typ == EV_EXPIRE:
            if w.v_waiting[a]:
                w.v_waiting[a] = False
                w.q_count[np.int64(w.v_station[a])] -= 1
                out = ABANDONED if textbook else ESCALATED
                w.v_tend[a] = now
                w.v_outcome[a] = out
                push(w, now, EV_CONTINUE, np.int64(w.v_matter[a]), out)
            limit_next(w, np.int64(w.v_station[a]))
        elif typ == EV_CONTINUE:
            resume(w, a, b, now)
        elif typ == EV_DETOUR or typ == EV_TRANSFER:
            resume(w, a, NONE, now)
        elif typ == EV_WAKE:
            w.wake_pending[a] = False
            pull(w, a, now)
        elif typ == EV_MOB_ON:
            for r in vols:
                set_active(w, r, YES)
                pull(w, r, now)
            push(w, now + max(mob_b[a] - now, 0.0), EV_MOB_OFF, a, ZERO)
        elif typ == EV_MOB_OFF:
            for r in vols:
                set_active(w, r, NO)
    return w.err[0]
