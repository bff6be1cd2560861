"""The vector engine: whole-population array stages plus one compiled event kernel.

Discovery, intake, deadlines and work are array stages shared with the agent
engine (``sim.engines.prepare``); the queueing dynamics, which cannot be
vectorised (each start depends on the previous finish at the station), run in
``kernel.run_kernel`` over compressed per-station arrays. The records it writes
equal the agent engine's matter for matter (``tests/equivalence``).
"""

from __future__ import annotations

import numpy as np

from sim.engines.prepare import Prepared, base_meta, records_tables
from sim.engines.vector.calendar import stack_calendars
from sim.engines.vector.kernel import (
    I_FAST_TRACK,
    I_MAX_REOPENS,
    I_MODULE_SHIFT,
    I_OFF_DEPT,
    I_OFF_MODULE,
    I_OFF_PLATFORM,
    I_OFF_VILLAGE,
    I_REMINDERS,
    I_RULE,
    I_TEXTBOOK,
    I_UNIFIED,
    P_ASSESS,
    P_FAIL0,
    P_HORIZON,
    P_HOTLINE_SETTLE,
    P_MISCLASS,
    P_NEAREST_KMH,
    P_PARTY,
    P_PATIENCE_D,
    P_PETITION,
    P_PETITION_WORK,
    P_PLATFORM_WORK,
    P_REOPEN,
    P_SAT_BASE,
    P_SAT_DAY,
    P_SAT_FLOOR,
    P_SAT_OVERDUE,
    P_SAT_TRANSFER,
    P_TRANSFER_H,
    World,
    run_events,
)
from sim.records import STATION_KINDS, Records, VisitRecords, empty_matters
from sim.rules.outcome import party_prob
from sim.scenario.constants import DISPATCH_RULES, ROLES

_KIND_CODE = {k: i for i, k in enumerate(STATION_KINDS)}


def _params(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    cfg = p.cfg
    d, o = cfg.dispatch, cfg.outcome
    fp = np.zeros(P_FAIL0 + 4)
    fp[P_HORIZON] = p.horizon_h
    fp[P_PLATFORM_WORK] = d.platform_work_hours
    fp[P_MISCLASS] = d.misclass_prob
    fp[P_HOTLINE_SETTLE] = cfg.discovery.hotline_settle_prob
    fp[P_PARTY] = party_prob(cfg.territory.party_household_share, d.party_household_settle_prob)
    fp[P_ASSESS] = cfg.catalog.assess_share
    fp[P_TRANSFER_H] = d.transfer_hours
    fp[P_NEAREST_KMH] = d.nearest_speed_kmh
    fp[P_SAT_BASE] = o.satisfaction_base
    fp[P_SAT_DAY] = o.satisfaction_per_day
    fp[P_SAT_OVERDUE] = o.satisfaction_overdue
    fp[P_SAT_TRANSFER] = o.satisfaction_per_transfer
    fp[P_SAT_FLOOR] = o.satisfaction_floor
    fp[P_REOPEN] = o.reopen_prob
    fp[P_PETITION] = o.petition_prob
    fp[P_PATIENCE_D] = o.petition_patience_days
    fp[P_PETITION_WORK] = o.petition_work_hours
    fp[P_FAIL0:P_FAIL0 + 4] = d.fail_prob
    names = list(cfg.calendar.shifts)
    lay = p.layout
    ip = np.zeros(11, np.int64)
    ip[I_UNIFIED] = d.mode == "unified"
    ip[I_TEXTBOOK] = cfg.textbook.enabled
    ip[I_RULE] = DISPATCH_RULES.index(d.rule)
    ip[I_REMINDERS] = d.reminders
    ip[I_FAST_TRACK] = d.instructor_fast_track
    ip[I_MAX_REOPENS] = o.max_reopens
    ip[I_MODULE_SHIFT] = names.index(cfg.staffing.shifts.get("module", "office"))
    ip[I_OFF_VILLAGE] = lay.village(0)
    ip[I_OFF_PLATFORM] = lay.platform(0)
    ip[I_OFF_MODULE] = lay.module(0, 0)
    ip[I_OFF_DEPT] = lay.department(0, 0)
    return fp, ip


def _station_limits(p: Prepared) -> np.ndarray:
    cfg, lay = p.cfg, p.layout
    limits = list(cfg.dispatch.escalation_limit_hours)
    if cfg.textbook.enabled:
        limits = [cfg.textbook.patience_hours or 0.0, 0.0, 0.0, 0.0]
    return np.array([0.0 if lay.kind[s] == "platform" else float(limits[int(lay.level[s])])
                     for s in range(lay.n)])


def _neighbours(p: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR lists of the other grids of each grid's village, nearest first (only for the nearest rule)."""
    lay, terr = p.layout, p.terr
    lists: list[list[tuple[int, float]]] = [[] for _ in range(lay.n)]
    if p.cfg.dispatch.rule == "nearest":
        for v in range(terr.n_villages):
            grids = np.flatnonzero(terr.grid_village == v)
            for g in grids:
                d = np.hypot(*(terr.grid_xy[grids] - terr.grid_xy[g]).T)
                lists[int(g)] = [(int(grids[k]), float(d[k])) for k in np.argsort(d, kind="stable") if grids[k] != g]
    ptr = np.zeros(lay.n + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    st = np.array([h for x in lists for h, _ in x], np.int64)
    dist = np.array([dd for x in lists for _, dd in x], np.float64)
    return ptr, st, dist


def run_vector(p: Prepared, replication: int = 0) -> Records:
    """Run one replication on the compiled kernel; same records as the agent engine."""
    cfg, inp, lay, cat, terr = p.cfg, p.inputs, p.layout, p.catalog, p.terr
    n = inp.n
    fp, ip = _params(p)
    names = list(cfg.calendar.shifts)
    c_start, c_hours, c_before, c_ends = stack_calendars([p.calendars[k] for k in names])
    t = p.found.t_discover
    order = np.argsort(t, kind="stable")
    order = order[t[order] < p.horizon_h].astype(np.int64)
    nb_ptr, nb_st, nb_dist = _neighbours(p)
    srv_station = np.repeat(np.arange(lay.n, dtype=np.int64), np.diff(lay.server_ptr))
    srv_shift = np.array([names.index(s) for s in lay.server_shift], np.int64)
    srv_spec = ~lay.server_skills.all(axis=1)
    has_vol = bool(lay.server_volunteer.any())
    windows = [(sg.start_day * 24.0, (sg.start_day + sg.days) * 24.0) for sg in cfg.scenario.surges
               if sg.volunteers and has_vol]
    mob_a = np.array([a for a, _ in windows], np.float64)
    mob_b = np.array([b for _, b in windows], np.float64)
    st_kind = np.array([_KIND_CODE[k] for k in lay.kind], np.int64)
    cap_v = max(1024, int(n * 2.5))
    n_st, n_k, n_srv = lay.n, cat.n, len(lay.server_role)
    # the heap holds at most a finish and a wake-up per server, a time limit per station, and transits
    cap_e = 4096 + 2 * n_srv + n_st + n // 64
    cap_n = max(1024, n // 4)
    cap_f = max(1024, n // 64)
    ms = (inp.category.astype(np.int64), p.found.severity.astype(np.int64), p.found.channel.astype(np.int64), t,
          p.t_intake, p.intake_grid.astype(np.int64), inp.registered_grid != inp.grid, p.deadline, inp.t_occur,
          p.work, p.rework, inp.u_party, inp.u_hotline_settle, inp.u_misclass, inp.u_misclass_to, inp.u_satisfy,
          inp.u_reopen, inp.u_petition, inp.u_fail)
    ct = (cat.module.astype(np.int64), cat.department.astype(np.int64), cat.top.astype(np.int64), cat.party,
          cat.handled, terr.grid_village.astype(np.int64), terr.grid_township.astype(np.int64),
          terr.grid_county.astype(np.int64), terr.township_instructors.astype(np.int64))
    ly = (st_kind, _station_limits(p), lay.server_ptr, nb_ptr, nb_st, nb_dist, srv_station, lay.server_speed,
          srv_shift, lay.server_skills, lay.server_volunteer, srv_spec)
    cl = (c_start, c_hours, c_before, c_ends)
    while True:
        m = empty_matters(n)
        m.grid[:] = inp.grid
        m.registered_grid[:] = inp.registered_grid
        m.category[:] = inp.category
        m.severity_initial[:] = inp.severity
        m.severity[:] = inp.severity
        m.surge[:] = inp.surge
        m.t_occur[:] = inp.t_occur
        mo = (m.status, m.place_level, m.t_discover, m.channel, m.severity, m.t_intake, m.deadline, m.t_dispatch,
              m.t_start, m.t_close, m.level_settled, m.transfers, m.escalations, m.reopened, m.on_time,
              m.satisfied, m.petitioned, m.abandoned, m.reminded)
        vcols = (np.zeros(cap_v, np.int64), np.zeros(cap_v, np.int32), np.zeros(cap_v, np.int8), np.zeros(cap_v),
                 np.zeros(cap_v), np.zeros(cap_v), np.zeros(cap_v), np.zeros(cap_v, np.int8),
                 np.zeros(cap_v, np.int32))
        mr = (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.bool_), np.zeros(n, np.bool_),
              np.zeros(n, np.bool_), np.zeros(n, np.int64), np.zeros(n, np.int64))
        vr = (np.zeros(cap_v), np.zeros(cap_v, np.bool_), np.zeros(cap_v, np.int64), np.zeros(cap_v, np.bool_),
              np.zeros(cap_v, np.bool_), np.zeros(cap_v, np.bool_))
        active = ~lay.server_volunteer
        idle = np.bincount(srv_station[active], minlength=n_st).astype(np.int64)
        n_cal = len(names)
        sr = (active, np.zeros(n_srv, np.bool_), np.zeros(n_srv), np.zeros(n_srv, np.bool_), idle,
              np.full(n_cal, -1.0), np.zeros(n_cal, np.bool_))
        qs = (np.full(n_st * n_k, -1, np.int64), np.full(n_st * n_k, -1, np.int64), np.full(n_st, -1, np.int64),
              np.zeros(n_st, np.int64), np.zeros(n_st, np.int64))
        cnt = np.zeros(3, np.int64)
        hp = (np.zeros(cap_e), np.zeros((cap_e, 4), np.int64), np.zeros((cap_n, 2)), np.zeros((cap_n, 5), np.int64),
              np.array([-1, 0], np.int64), np.zeros(cap_n, np.int64), cnt, np.zeros(1, np.int64))
        lim = (np.zeros(1), np.zeros((cap_f, 4), np.int64), np.zeros(2, np.int64), np.zeros(cap_v, np.int64),
               np.zeros(cap_v, np.int64), np.full(n_st, -1, np.int64), np.full(n_st, -1, np.int64))
        world = World(fp, ip, *ms, *ct, *ly, *cl, *mo, *vcols, *mr, *vr, *sr, *qs, *hp, *lim)
        err = run_events(world, order, mob_a, mob_b)
        if err == 0:
            break
        # a capacity ran out: grow it and run again (the run is deterministic)
        if err == 1:
            cap_e *= 2
        elif err == 2:
            cap_v *= 2
        elif err == 3:
            cap_n *= 2
        else:
            cap_f *= 2
    busy_h = sr[2]
    rows = int(cnt[2])
    visits = VisitRecords(*(c[:rows].copy() for c in vcols))
    stations, servers = records_tables(p)
    meta = base_meta(p, "vector", replication)
    by_role: dict[str, float] = {}
    for r, role in enumerate(lay.server_role):
        name = ROLES[int(role)]
        by_role[name] = by_role.get(name, 0.0) + float(busy_h[r])
    meta["busy_hours_by_role"] = by_role
    return Records(matters=m, visits=visits, stations=stations, meta=meta, servers=servers)
