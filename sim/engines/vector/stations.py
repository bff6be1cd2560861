"""The kernel's stations: events, queues, servers and visits over the ``World``'s arrays.

The station logic of ``sim/engines/agent/queueing.py`` as compiled functions: a
visit starts on an idle on-shift server chosen by the dispatch rule, or queues
by the rule's key (overdue first with reminders) until a freed server pulls it
or its level's time limit passes; work pauses outside the server's shift. The
queue keys, the handler choice and the working-time arithmetic are the rules of
``sim/rules/`` that the agent engine calls too.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engines.vector.heaps import (
    E_A,
    E_B,
    E_SEQ,
    E_TYPE,
    N_VISIT,
    ev_insert,
    ev_push,
    nd_alloc,
    nd_free,
    nd_less,
    ph_meld,
    ph_pop,
)
from sim.engines.vector.world import (
    AS_TRANSFER,
    ERR_EVENT_HEAP,
    ERR_NOW_EVENTS,
    ERR_QUEUE_NODES,
    ERR_VISIT_ROWS,
    EV_EXPIRE,
    EV_FINISH,
    EV_WAKE,
    GRID,
    K_PLATFORM,
    LIMITED,
    NONE,
    ONE,
    OPEN,
    PUSHES,
    SETTLES,
    TOWNSHIP,
    TRACKED,
    TRANSFERRED,
    VILLAGE,
    VISIT_ROWS,
    YES,
    ZERO,
)
from sim.rules.calendar import advance_row, next_open_row
from sim.rules.dispatch import handler_key, queue_key, ranks_handlers
from sim.scenario.constants import IN_SERVICE, QUEUED


@njit(cache=True)
def push(w, t, typ, a, b):
    """Schedule an event. One due now joins the same-instant queue: it runs after every event already
    due now (all pushed earlier) and in push order, which is where the heap would have put it."""
    if t == w.clock[0]:
        tail = w.now_events_span[1]
        if tail >= w.now_events.shape[0]:
            w.error[0] = ERR_NOW_EVENTS
            return
        w.now_events[tail, E_SEQ] = w.counters[PUSHES]
        w.now_events[tail, E_TYPE] = typ
        w.now_events[tail, E_A] = a
        w.now_events[tail, E_B] = b
        w.now_events_span[1] = tail + 1
        w.counters[PUSHES] += 1
    elif not ev_push(w.event_time, w.event_info, w.counters, t, typ, a, b):
        w.error[0] = ERR_EVENT_HEAP


@njit(cache=True)
def limit_add(w, s, row, now):
    """Queue ``row``'s time limit at station s. A station's limits fall due in arrival order, so only the
    earliest live one sits in the event heap, with the push number it was given here."""
    seq = w.counters[PUSHES]
    w.counters[PUSHES] += 1
    w.limit_seq[row] = seq
    w.limit_after[row] = -1
    if w.limit_tail[s] >= 0:
        w.limit_after[w.limit_tail[s]] = row
    else:
        w.limit_head[s] = row
        if not ev_insert(w.event_time, w.event_info, w.counters, now + w.station_limit_h[s], seq, EV_EXPIRE, row, ZERO):
            w.error[0] = ERR_EVENT_HEAP
    w.limit_tail[s] = row


@njit(cache=True)
def limit_next(w, s):
    """Station s's head limit has fired: drop the limits of visits no longer waiting, heap the next."""
    row = np.int64(w.limit_after[w.limit_head[s]])
    while row >= 0 and not w.visit_waiting[row]:
        row = np.int64(w.limit_after[row])
    w.limit_head[s] = row
    if row < 0:
        w.limit_tail[s] = -1
    elif not ev_insert(w.event_time, w.event_info, w.counters, w.visit_t_arrive[row] + w.station_limit_h[s],
                       w.limit_seq[row], EV_EXPIRE, row, ZERO):
        w.error[0] = ERR_EVENT_HEAP


@njit(cache=True)
def rule_key(w, row):
    """Visit ``row``'s queue key by the dispatch rule."""
    i = np.int64(w.visit_matter[row])
    return queue_key(w.params.rule, np.int64(w.in_severity[i]), w.in_deadline[i], w.visit_t_arrive[row])


@njit(cache=True)
def q_push_node(w, roots, idx, ka, kb, i, s, row, state):
    """Queue visit ``row`` of matter i; ties in (ka, kb) go to the lower matter number, then the earlier push.
    ``state`` 0 / 1: a category's overdue / fresh heap, listed in ``queue_live`` when it stops being empty
    (-1: the deadline heap, not listed)."""
    seq = w.queue_pushes[s]
    w.queue_pushes[s] += 1
    # matter_id is empty when the block's matter numbers keep the order of their ids (a slice of rows)
    ki = w.matter_id[i] if w.matter_id.shape[0] > 0 else i
    node = nd_alloc(w.node_key, w.node_info, w.node_pool, ka, kb, ki, seq, row)
    if node < 0:
        w.error[0] = ERR_QUEUE_NODES
        return
    if state >= 0 and roots[idx] < 0:  # listed once its heap holds a node (a failed allocation lists nothing)
        j = w.queue_live_n[state, s]
        w.queue_live[state, s * w.category_top.shape[0] + j] = idx - s * w.category_top.shape[0]
        w.queue_live_n[state, s] = j + 1
    roots[idx] = ph_meld(w.node_key, w.node_info, roots[idx], node)


@njit(cache=True)
def q_push(w, s, row):
    """Queue visit ``row`` at station s by its category and the rule's key (and by deadline, with reminders)."""
    n_k = w.category_top.shape[0]
    i = np.int64(w.visit_matter[row])
    ka, kb = rule_key(w, row)
    w.visit_overdue[row] = False
    q_push_node(w, w.queue_fresh, s * n_k + np.int64(w.in_category[i]), ka, kb, i, s, row, 1)
    if w.params.reminders:
        q_push_node(w, w.queue_deadlines, s, w.in_deadline[i], 0.0, i, s, row, -1)
    w.queue_waiting[s] += 1


@njit(cache=True)
def q_age(w, s, now):
    """Visits whose deadline has passed move to the overdue heaps (reminders)."""
    n_k = w.category_top.shape[0]
    while w.queue_deadlines[s] >= 0 and w.node_key[w.queue_deadlines[s], 0] < now:
        node = w.queue_deadlines[s]
        w.queue_deadlines[s] = ph_pop(w.node_key, w.node_info, node, w.node_scratch)
        row = w.node_info[node, N_VISIT]
        nd_free(w.node_info, w.node_pool, node)
        if w.visit_waiting[row] and not w.visit_overdue[row]:
            w.visit_overdue[row] = True
            i = np.int64(w.visit_matter[row])
            w.reminded[i] = True
            ka, kb = rule_key(w, row)
            q_push_node(w, w.queue_overdue, s * n_k + np.int64(w.in_category[i]), ka, kb, i, s, row, 0)


@njit(cache=True)
def q_top(w, roots, idx, overdue):
    """The root node of heap ``roots[idx]`` once visits no longer waiting there are dropped; -1 if empty."""
    while roots[idx] >= 0:
        node = roots[idx]
        row = w.node_info[node, N_VISIT]
        if w.visit_waiting[row] and w.visit_overdue[row] == overdue:
            return node
        roots[idx] = ph_pop(w.node_key, w.node_info, node, w.node_scratch)
        nd_free(w.node_info, w.node_pool, node)
    return -1


@njit(cache=True)
def q_best(w, s, r, now):
    """The best waiting visit of station s that server r may take; -1 if none."""
    n_k = w.category_top.shape[0]
    if w.queue_waiting[s] == 0:
        return -1
    if w.params.reminders:
        q_age(w, s, now)
    base = s * n_k
    for state in range(2):
        overdue = state == 0
        roots = w.queue_overdue if overdue else w.queue_fresh
        best = NONE
        # only the categories whose heap is not empty: a county's department has hundreds of categories and
        # few waiting. Their order does not matter, since no two nodes tie (nd_less ends on the push number)
        j = 0
        while j < w.queue_live_n[state, s]:
            k = np.int64(w.queue_live[state, base + j])
            if w.server_skills[r, k]:
                top = q_top(w, roots, base + k, overdue)
                if top < 0:  # emptied of visits no longer waiting: the last listed takes its place
                    last = w.queue_live_n[state, s] - 1
                    w.queue_live[state, base + j] = w.queue_live[state, base + last]
                    w.queue_live_n[state, s] = last
                    continue
                if best < 0 or nd_less(w.node_key, w.node_info, top, best):
                    best = top
            j += 1
        if best >= 0:
            return w.node_info[best, N_VISIT]
    return -1


@njit(cache=True)
def shift_open_at(w, sh, now):
    """Is shift calendar sh open at ``now``? (memoised per shift for the current instant)"""
    if w.shift_checked_at[sh] != now:
        w.shift_checked_at[sh] = now
        w.shift_open[sh] = next_open_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, sh, now) == now
    return w.shift_open[sh]


@njit(cache=True)
def on_shift(w, r, now):
    """Is server r's shift open at ``now``?"""
    return shift_open_at(w, w.server_shift[r], now)


@njit(cache=True)
def idle_from(w, r):
    """Server r has become idle and active: its station's scans start no later than r."""
    s = w.server_station[r]
    if r < w.station_first_idle[s]:
        w.station_first_idle[s] = r


@njit(cache=True)
def set_busy(w, r, value):
    """Mark server r busy or free, keeping its station's counts of idle active servers (and of those with no
    wake-up scheduled)."""
    if w.server_busy[r] != value:
        w.server_busy[r] = value
        if w.server_active[r]:
            w.station_idle[w.server_station[r]] += -1 if value else 1
            if not value:
                idle_from(w, r)
            if not w.server_wake_pending[r]:
                w.station_unwoken[w.server_station[r]] += -1 if value else 1


@njit(cache=True)
def set_active(w, r, value):
    """Put server r on or off duty (a volunteer's mobilisation), keeping its station's idle counts."""
    if w.server_active[r] != value:
        w.server_active[r] = value
        if not w.server_busy[r]:
            w.station_idle[w.server_station[r]] += 1 if value else -1
            if value:
                idle_from(w, r)
            if not w.server_wake_pending[r]:
                w.station_unwoken[w.server_station[r]] += 1 if value else -1


@njit(cache=True)
def set_wake_pending(w, r, value):
    """Mark server r's wake-up scheduled or done, keeping its station's count of idle active servers with
    none scheduled."""
    if w.server_wake_pending[r] != value:
        w.server_wake_pending[r] = value
        if w.server_active[r] and not w.server_busy[r]:
            w.station_unwoken[w.server_station[r]] += -1 if value else 1


@njit(cache=True)
def choose(w, s, k, now):
    """The idle on-shift server of station s that takes category k, by the dispatch rule; -1 if none.

    Default: the station's own order; skill: specialists first; least_loaded: least busy so far.
    """
    if w.station_idle[s] == 0:
        return -1
    # a station whose servers share one shift, closed now: none of them can start (at night a department's
    # thousands of servers were each looked at for every matter that came in)
    if w.station_shift[s] >= 0 and not shift_open_at(w, w.station_shift[s], now):
        return -1
    rule = w.params.rule
    ranks = ranks_handlers(rule)
    best = -1
    b1 = 0.0
    # from the first server that may be idle: a busy department keeps its first hundreds of servers busy, and
    # they were looked at for every matter. The scan moves the mark up to the first idle one it meets
    first = w.server_ptr[s + 1]
    for r in range(w.station_first_idle[s], w.server_ptr[s + 1]):
        if not w.server_active[r] or w.server_busy[r]:
            continue
        if first > r:
            first = r
            w.station_first_idle[s] = r
        if not w.server_skills[r, k] or not on_shift(w, r, now):
            continue
        if not ranks:
            return r
        k1 = handler_key(rule, w.server_busy_h[r], w.server_specialist[r])
        if best < 0 or k1 < b1:
            best = r
            b1 = k1
    w.station_first_idle[s] = first
    return best


@njit(cache=True)
def wake_later(w, r, now):
    """Idle server r, off shift, looks for work when its shift next opens (scheduled once)."""
    if w.server_wake_pending[r] or on_shift(w, r, now):
        return
    set_wake_pending(w, r, True)
    t = next_open_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, w.server_shift[r], now)
    w.server_wake_next[r] = -1
    push(w, now + (t - now), EV_WAKE, r, ONE)


@njit(cache=True)
def push_wakes(w, t, first, count):
    """One event for ``count`` servers chained from ``first`` (``server_wake_next``) who wake at ``t``, in
    place of one event each: the same order (their events would have been pushed one after another, at one
    time, so nothing could fall between them) and the same push numbers for every later event."""
    push(w, t, EV_WAKE, first, count)
    w.counters[PUSHES] += count - 1


@njit(cache=True)
def wake_idle_servers(w, s, k, lo, hi, now):
    """Idle off-shift servers of station s and its neighbours ``lo..hi`` who take category k wake at their
    shifts' next openings: those waking at one time share one wake-up event (thousands of a department's
    servers, every night). Exact only because nothing here pushes or numbers another event between a group's
    first server and its ``push_wakes``: a group stands for events with consecutive push numbers."""
    first = -1
    last = -1
    count = 0
    t_group = 0.0
    memo_sh = np.int64(-1)
    memo_t = 0.0
    for j in range(lo - 1, hi):
        st = s if j < lo else w.neighbour_station[j]
        # a station whose idle servers all have a wake-up scheduled already has nothing to do here
        if w.station_unwoken[st] == 0:
            continue
        for r in range(w.station_first_idle[st], w.server_ptr[st + 1]):
            if (not w.server_active[r] or w.server_busy[r] or not w.server_skills[r, k] or w.server_wake_pending[r]
                    or on_shift(w, r, now)):
                continue
            if w.server_shift[r] != memo_sh:  # a shift's next opening, searched once for its servers here
                memo_sh = w.server_shift[r]
                memo_t = next_open_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, memo_sh, now)
                memo_t = now + (memo_t - now)
            t = memo_t
            if count > 0 and t != t_group:
                push_wakes(w, t_group, first, count)
                count = 0
            set_wake_pending(w, r, True)
            w.server_wake_next[r] = -1
            if count == 0:
                first = r
            else:
                w.server_wake_next[last] = r
            last = r
            t_group = t
            count += 1
    if count > 0:
        push_wakes(w, t_group, first, count)


@njit(cache=True)
def start(w, r, row, travel, now):
    """Server r starts visit ``row``; the work pauses outside its shift."""
    i = np.int64(w.visit_matter[row])
    set_busy(w, r, YES)
    w.visit_waiting[row] = False
    sh = w.server_shift[r]
    t0 = next_open_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, sh, now)
    work = w.visit_work[row] + travel  # visit_work holds the visit's own work until it starts (once)
    eff = work / w.server_speed[r]
    t1 = advance_row(w.shift_start, w.shift_hours, w.shift_before, w.shift_ends, sh, t0, eff)
    w.server_busy_h[r] += eff
    w.visit_t_start[row] = t0
    w.visit_work[row] = work
    w.visit_server[row] = r
    if w.visit_tracked[row]:
        w.status[i] = IN_SERVICE
    if w.visit_tracked[row] and w.station_kind[np.int64(w.visit_station[row])] != K_PLATFORM and np.isnan(w.t_start[i]):
        w.t_start[i] = t0
    push(w, now + (t1 - now), EV_FINISH, r, row)


@njit(cache=True)
def pull(w, r, now):
    """A free (or newly woken) server takes the best visit waiting at home, then at neighbours."""
    if not w.server_active[r] or w.server_busy[r]:
        return
    home = w.server_station[r]
    lo = w.neighbour_ptr[home]
    hi = w.neighbour_ptr[home + 1]
    if not on_shift(w, r, now):
        waiting = w.queue_waiting[home] > 0
        for j in range(lo, hi):
            waiting = waiting or w.queue_waiting[w.neighbour_station[j]] > 0
        if waiting:
            wake_later(w, r, now)
        return
    for j in range(lo - 1, hi):
        if j < lo:
            st = home
            dist = 0.0
        else:
            st = w.neighbour_station[j]
            dist = w.neighbour_km[j]
        row = q_best(w, st, r, now)
        if row >= 0:
            w.visit_waiting[row] = False
            w.queue_waiting[st] -= 1
            start(w, r, row, dist / w.params.nearest_kmh if dist != 0.0 else 0.0, now)
            return


@njit(cache=True)
def new_row(w, i, s, lv, now, work):
    """A new visit record of matter i at station s, open; -1 (and ERR_VISIT_ROWS) when the rows ran out."""
    row = w.counters[VISIT_ROWS]
    if row >= w.visit_matter.shape[0]:
        w.error[0] = ERR_VISIT_ROWS
        return -1
    w.counters[VISIT_ROWS] = row + 1
    w.visit_matter[row] = i
    w.visit_station[row] = s
    w.visit_level[row] = lv
    w.visit_t_arrive[row] = now
    w.visit_t_start[row] = np.nan
    w.visit_t_end[row] = np.nan
    w.visit_work[row] = work
    w.visit_outcome[row] = OPEN
    w.visit_server[row] = -1
    return row


@njit(cache=True)
def visit(w, i, s, lv, work, how, now):
    """Matter i arrives at station s for ``work`` hours: an idle on-shift server starts it, or it queues.

    ``how`` or-s SETTLES, LIMITED, TRACKED and AS_TRANSFER (see ``world.py``)."""
    tracked = (how & TRACKED) != 0
    if tracked and np.isnan(w.t_dispatch[i]) and w.station_kind[s] != K_PLATFORM:
        w.t_dispatch[i] = now
    row = new_row(w, i, s, lv, now, work)
    if row < 0:
        return
    w.visit_settles[row] = (how & SETTLES) != 0
    w.visit_done_as[row] = TRANSFERRED if (how & AS_TRANSFER) != 0 else NONE
    w.visit_tracked[row] = tracked
    w.visit_waiting[row] = False
    w.visit_overdue[row] = False
    if tracked:
        w.status[i] = QUEUED
        w.place_level[i] = lv
    k = np.int64(w.in_category[i])
    r = choose(w, s, k, now)
    if r >= 0:
        start(w, r, row, 0.0, now)
        return
    lo = w.neighbour_ptr[s]
    hi = w.neighbour_ptr[s + 1]
    for j in range(lo, hi):
        r = choose(w, w.neighbour_station[j], k, now)
        if r >= 0:
            start(w, r, row, w.neighbour_km[j] / w.params.nearest_kmh, now)
            return
    w.visit_waiting[row] = True
    q_push(w, s, row)
    if (how & LIMITED) != 0 and w.station_limit_h[s] > 0:
        limit_add(w, s, row, now)
    # idle servers off shift who could take it start at their next opening
    wake_idle_servers(w, s, k, lo, hi, now)


@njit(cache=True)
def station_at(w, lv, g, c, module):
    """The station of level lv that takes category c from grid g (a given township module, or -1: c's own)."""
    if lv == GRID:
        return g
    if lv == VILLAGE:
        return w.params.first_village + w.grid_village[g]
    if lv == TOWNSHIP:
        mod = w.category_module[c] if module < 0 else module
        return w.params.first_module + w.grid_township[g] * w.params.n_modules + mod
    return w.params.first_department + w.grid_county[g] * w.params.n_departments + w.category_department[c]
