"""The vector engine: whole-population array stages plus one compiled event kernel.

Discovery, intake, deadlines and work are array stages shared with the agent
engine (``sim.engines.prepare``); the queueing dynamics, which cannot be
vectorised (each start depends on the previous finish at the station), run in
``kernel.run_kernel`` over compressed per-station arrays. The records it writes
equal the agent engine's matter for matter (``tests/equivalence``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from sim.engines.prepare import Prepared, base_meta, county_bounds, county_orders, discovery_order, records_tables
from sim.engines.vector.kernel import (
    I_FAST_TRACK,
    I_MAX_REOPENS,
    I_MODULE_SHIFT,
    I_N_DEPARTMENTS,
    I_N_MODULES,
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
    new_world,
    run_block,
)
from sim.memory import can_release, physical_memory, release_rows
from sim.parallel import available_workers, run_tasks
from sim.records import STATION_KINDS, MatterRecords, Records, VisitRecords, fill_matters, unfilled_matters
from sim.rules.calendar import stack_calendars
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
    ip = np.zeros(I_N_DEPARTMENTS + 1, np.int64)
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
    ip[I_N_MODULES] = lay.n_modules  # the catalogue's counts: the kernel has none of its own
    ip[I_N_DEPARTMENTS] = lay.n_departments
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


def _blocks(sizes: list[int], k: int) -> list[tuple[int, int]]:
    """Split counties 0..len(sizes) into at most k contiguous blocks of about equal matter counts."""
    cum = np.cumsum([0, *sizes])
    total = float(cum[-1])
    cuts = [0]
    for j in range(1, k):
        c = int(np.searchsorted(cum, total * j / k, side="left"))
        cuts.append(min(max(c, cuts[-1]), len(sizes)))
    cuts.append(len(sizes))
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


#: bytes of one reserved visit row, queue node, same-instant event and heap event (see _BlockRun.go)
_ROW_BYTES, _NODE_BYTES, _FIFO_BYTES, _EVENT_BYTES = 63, 64, 32, 40


def _capacities(sizes: list[int], largest: list[int], per_matter: int, n_srv: int, n_st: int,
                n_mob: int) -> tuple[list[int], list[int], list[int], list[int]] | None:
    """Capacities per block that a run cannot exceed, so that it never has to be repeated; None when
    reserving them would take more address space than the machine has memory (they are reserved, not
    touched: memory is used only as rows are written)."""
    cap_v = [1024 + per_matter * s for s in sizes]  # visit rows accumulate over the block's counties
    cap_n = [1024 + 2 * per_matter * c for c in largest]  # a visit holds at most two queue nodes; per county
    # same-instant events: a visit's finish and its continuation, a matter's detour and transfer, mobilisations
    cap_f = [1024 + 2 * n_srv + 2 * n_mob + 2 * (per_matter + 1) * c for c in largest]
    cap_e = [1024 + 2 * n_srv + n_st + 2 * n_mob + c for c in largest]  # finishes, wakes, limits, detours
    reserved = sum(v * _ROW_BYTES + n * _NODE_BYTES + f * _FIFO_BYTES + e * _EVENT_BYTES
                   for v, n, f, e in zip(cap_v, cap_n, cap_f, cap_e, strict=True))
    if reserved > physical_memory():
        return None
    return cap_v, cap_n, cap_f, cap_e


def visits_per_matter_bound(max_reopens: int) -> int:
    """Most visit rows one matter can make: a platform intake or a redirection, a classification, a wrong
    module, an attempt at each of the four levels (levels only rise), each reopening, a petition; plus one."""
    return 1 + 1 + 1 + 4 + max(max_reopens, 0) + 1 + 1


def run_vector(p: Prepared, replication: int = 0, spend_inputs: bool = False) -> Records:
    """Run one replication on the compiled kernel; same records as the agent engine.

    Counties share no station, so blocks of counties run in threads side by side (the
    kernel releases the GIL); each county's visits are made in the same order whatever
    the number of threads, and the blocks are joined in county order.

    With ``spend_inputs`` (for a caller that will not use ``p`` again) the memory of the
    per-matter tables the kernel alone reads is given back county by county as the run
    goes (``sim.memory``): those rows of ``p`` read as zeros afterwards.
    """
    cfg, inp, lay, cat, terr = p.cfg, p.inputs, p.layout, p.catalog, p.terr
    fp, ip = _params(p)
    names = list(cfg.calendar.shifts)
    c_start, c_hours, c_before, c_ends = stack_calendars([p.calendars[k] for k in names])
    bounds = county_bounds(p)
    # each county's matters: a slice of rows (generated tables), else its discovery order
    counties: list[slice | np.ndarray] = []
    if bounds is not None:
        counties.extend(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    else:
        counties.extend(county_orders(p))
    sizes_c = [(c.stop - c.start) if isinstance(c, slice) else len(c) for c in counties]
    nb_ptr, nb_st, nb_dist = _neighbours(p)
    srv_station = np.repeat(np.arange(lay.n, dtype=np.int64), np.diff(lay.server_ptr))
    srv_shift = np.array([names.index(s) for s in lay.server_shift], np.int64)
    srv_spec = ~lay.server_skills.all(axis=1)
    has_vol = bool(lay.server_volunteer.any())
    windows = [(sg.start_day * 24.0, (sg.start_day + sg.days) * 24.0) for sg in cfg.scenario.surges
               if sg.volunteers and has_vol]
    mob_a = np.array([a for a, _ in windows], np.float64)
    mob_b = np.array([b for _, b in windows], np.float64)
    # each county's volunteers (server numbers ascending), as CSR over counties
    srv_county = _station_county(p)[srv_station]
    vol_ids = np.flatnonzero(lay.server_volunteer).astype(np.int64)
    vol_ids = vol_ids[np.argsort(srv_county[vol_ids], kind="stable")]
    vol_ptr = np.zeros(terr.n_counties + 1, np.int64)
    vol_ptr[1:] = np.cumsum(np.bincount(srv_county[vol_ids], minlength=terr.n_counties))
    st_kind = np.array([_KIND_CODE[k] for k in lay.kind], np.int64)
    n_st, n_k, n_srv = lay.n, cat.n, len(lay.server_role)
    blocks = _blocks(sizes_c, available_workers(cfg.engine.workers))
    # the tables' own narrow types (no copies; one compiled kernel for the types generate_inputs makes)
    ms = (inp.category.astype(np.int16, copy=False), p.found.severity.astype(np.int8, copy=False),
          p.found.channel.astype(np.int8, copy=False), p.found.t_discover, p.t_intake,
          p.intake_grid.astype(np.int32, copy=False), inp.registered_grid != inp.grid, p.deadline, inp.t_occur,
          p.work, p.rework, inp.u_party, inp.u_hotline_settle, inp.u_misclass, inp.u_misclass_to, inp.u_satisfy,
          inp.u_reopen, inp.u_petition, inp.u_fail)
    ct = (cat.module.astype(np.int64), cat.department.astype(np.int64), cat.top.astype(np.int64), cat.party,
          cat.handled, terr.grid_village.astype(np.int64), terr.grid_township.astype(np.int64),
          terr.grid_county.astype(np.int64), terr.township_instructors.astype(np.int64))
    ly = (st_kind, _station_limits(p), lay.server_ptr, nb_ptr, nb_st, nb_dist, srv_station, lay.server_speed,
          srv_shift, lay.server_skills, srv_spec)
    cl = (c_start, c_hours, c_before, c_ends)
    sizes = [sum(sizes_c[a:b]) for a, b in blocks]
    largest = [max(sizes_c[a:b]) for a, b in blocks]
    caps = _capacities(sizes, largest, visits_per_matter_bound(cfg.outcome.max_reopens), n_srv, n_st, len(mob_a))
    bounded = caps is not None
    if caps is None:  # bounds too large to reserve here: estimates, grown and rerun when one runs out
        caps = ([max(1024, int(s * 2.5)) for s in sizes], [max(1024, s // 4) for s in sizes],
                [max(1024, s // 64) for s in sizes], [4096 + 2 * n_srv + n_st + s // 64 for s in sizes])
    cap_v, cap_n, cap_f, cap_e = caps
    # rows are given back only where each county is a slice and a run can never be repeated
    spend = spend_inputs and bounds is not None and bounded and can_release()
    while True:
        m = _fresh_matters(p)
        # rows are filled by the block that runs them (in its thread), or here when blocks gather rows
        fill = partial(_fill_rows, m, p)
        if bounds is None:
            fill(0, inp.n)
        runs = [_BlockRun(j, counties[a:b], p.found.t_discover, p.horizon_h, vol_ids[vol_ptr[a]:vol_ptr[b]],
                          vol_ptr[a:b + 1] - vol_ptr[a], cap_v[j], cap_n[j], cap_f[j], cap_e[j], n_st, n_k,
                          lay.server_volunteer, srv_station, len(names)) for j, (a, b) in enumerate(blocks)]
        shared = (fp, ip, ms, (*ct, *ly, *cl), _matter_columns(m))
        run_tasks([partial(r.go, shared, (mob_a, mob_b), fill, spend) for r in runs], len(runs))
        failed = [r for r in runs if r.err]
        if not failed:
            break
        if spend:  # the released rows cannot be run again; a bound in _capacities is wrong
            raise RuntimeError(f"vector engine: capacity {failed[0].err} exceeded its bound")
        for r in failed:  # a capacity ran out: grow it and run again
            j = r.index
            if r.err == 1:
                cap_e[j] *= 2
            elif r.err == 2:
                cap_v[j] *= 2
            elif r.err == 3:
                cap_n[j] *= 2
            else:
                cap_f[j] *= 2
    visits = VisitRecords(*_join_visits(runs))
    busy_h = np.sum([r.busy_h for r in runs], axis=0)
    stations, servers = records_tables(p)
    meta = base_meta(p, "vector", replication)
    by_role: dict[str, float] = {}
    for srv, role in enumerate(lay.server_role):
        name = ROLES[int(role)]
        by_role[name] = by_role.get(name, 0.0) + float(busy_h[srv])
    meta["busy_hours_by_role"] = by_role
    return Records(matters=m, visits=visits, stations=stations, meta=meta, servers=servers)


def _join_visits(runs: list[_BlockRun]) -> list[np.ndarray]:
    """The blocks' visit columns end to end (county order), each block's buffer let go once copied;
    the matter column turned from block numbers into the matters' own (int64)."""
    out = []
    total = sum(r.rows for r in runs)
    for c in range(9):
        col = np.empty(total, np.int64 if c == 0 else runs[0].vcols[c].dtype)
        k = 0
        for r in runs:
            x = r.vcols[c]
            if c == 0:
                r.matter_ids(x, col[k:k + len(x)])
            else:
                col[k:k + len(x)] = x
            k += len(x)
            r.vcols = tuple(y if j != c else np.zeros(0, y.dtype) for j, y in enumerate(r.vcols))
        out.append(col)
    return out


def _station_county(p: Prepared) -> np.ndarray:
    """The county of each station, from its kind and unit (a grid, village, township or county)."""
    terr, lay = p.terr, p.layout
    county_of_unit = {"grid": terr.grid_county, "village": terr.township_county[terr.village_township],
                      "platform": terr.township_county, "module": terr.township_county,
                      "department": np.arange(terr.n_counties)}
    kind = np.asarray(lay.kind)
    out = np.empty(lay.n, np.int64)
    for k, county in county_of_unit.items():
        at = kind == k
        out[at] = county[lay.unit[at]]
    return out


class _BlockRun:
    """One thread's share: a block of counties run one after another in one World of its own.

    The kernel numbers the block's matters from 0. When every county's matters are a
    slice of rows (tables from ``generate_inputs``) the block is one slice and the
    kernel reads and writes views of the shared columns; otherwise its matters are
    gathered county by county in order of discovery and the results scattered back.
    Either way the matters in flight at any time sit close together in memory.
    """

    def __init__(self, index: int, counties: list[slice | np.ndarray], t_discover: np.ndarray, horizon_h: float,
                 vols: np.ndarray, vptr: np.ndarray, cap_v: int, cap_n: int, cap_f: int, cap_e: int, n_st: int,
                 n_k: int, server_volunteer: np.ndarray, srv_station: np.ndarray, n_cal: int) -> None:
        self.index = index
        self.counties = counties
        self.t_discover = t_discover
        self.horizon_h = horizon_h
        self.vols = vols
        self.vptr = vptr
        self.caps = (cap_v, cap_n, cap_f, cap_e, n_st, n_k, n_cal)
        self.server_volunteer = server_volunteer
        self.srv_station = srv_station
        self.err = 0
        self.rows = 0
        self.vcols: tuple[np.ndarray, ...] = ()
        self.sel: slice | np.ndarray = slice(0, 0)
        self.busy_h = np.zeros(len(server_volunteer))

    def _selection(self) -> tuple[slice | np.ndarray, np.ndarray, np.ndarray]:
        """(the block's rows, its counties' matters in discovery order as block numbers, where each county
        starts in that order)."""
        cs = self.counties
        parts: list[np.ndarray] = []
        sel: slice | np.ndarray
        if all(isinstance(c, slice) for c in cs):
            slices = [c for c in cs if isinstance(c, slice)]
            lo = slices[0].start if slices else 0
            sel = slice(lo, slices[-1].stop if slices else 0)
            parts = [discovery_order(self.t_discover[c], self.horizon_h) + (c.start - lo) for c in slices]
        else:
            arrays = [np.asarray(c) for c in cs]
            sel = np.concatenate(arrays) if arrays else np.zeros(0, np.int64)
            k = 0
            for c in arrays:
                parts.append(np.arange(k, k + len(c), dtype=np.int64))
                k += len(c)
        ptr = np.zeros(len(cs) + 1, np.int64)
        ptr[1:] = np.cumsum([len(x) for x in parts])
        order = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        return sel, order, ptr

    def go(self, shared: tuple, mob: tuple[np.ndarray, np.ndarray], fill: Callable[[int, int], None],
           spend: bool) -> None:
        fp, ip, ms, fixed, m_cols = shared
        cap_v, cap_n, cap_f, cap_e, n_st, n_k, n_cal = self.caps
        sel, order, ptr = self._selection()
        if isinstance(sel, slice):
            fill(sel.start, sel.stop)
        # matter ids break ties in the queues: a slice's own numbers keep their order (no ids needed)
        m_id = np.zeros(0, np.int64) if isinstance(sel, slice) else sel.astype(np.int64)
        local = (*(x[sel] for x in ms), m_id)  # views of a slice; copies of gathered rows
        mo = tuple(x[sel] for x in m_cols)
        nb = len(local[0])
        n_srv = len(self.server_volunteer)
        # pc, level_of, classified, misrouted, via, close_level, close_station (levels and resume points fit int8)
        mr = (np.zeros(nb, np.int8), np.zeros(nb, np.int8), np.zeros(nb, np.bool_), np.zeros(nb, np.bool_),
              np.zeros(nb, np.bool_), np.zeros(nb, np.int8), np.zeros(nb, np.int32))
        # visit rows name the block's matters by their block numbers (int32: a block is far below 2**31 matters)
        self.vcols = (np.zeros(cap_v, np.int32), np.zeros(cap_v, np.int32), np.zeros(cap_v, np.int8),
                      np.zeros(cap_v), np.zeros(cap_v), np.zeros(cap_v), np.zeros(cap_v), np.zeros(cap_v, np.int8),
                      np.zeros(cap_v, np.int32))
        vr = (np.zeros(cap_v, np.bool_), np.zeros(cap_v, np.int8), np.zeros(cap_v, np.bool_),
              np.zeros(cap_v, np.bool_), np.zeros(cap_v, np.bool_))
        active = ~self.server_volunteer
        idle = np.bincount(self.srv_station[active], minlength=n_st).astype(np.int64)
        sr = (active, np.zeros(n_srv, np.bool_), self.busy_h, np.zeros(n_srv, np.bool_), idle,
              np.full(n_cal, -1.0), np.zeros(n_cal, np.bool_))
        qs = (np.full(n_st * n_k, -1, np.int64), np.full(n_st * n_k, -1, np.int64), np.full(n_st, -1, np.int64),
              np.zeros(n_st, np.int64), np.zeros(n_st, np.int64))
        cnt = np.zeros(3, np.int64)
        hp = (np.zeros(cap_e), np.zeros((cap_e, 4), np.int64), np.zeros((cap_n, 2)), np.zeros((cap_n, 5), np.int64),
              np.array([-1, 0], np.int64), np.zeros(cap_n, np.int64), cnt, np.zeros(1, np.int64))
        lim = (np.zeros(1), np.zeros((cap_f, 4), np.int64), np.zeros(2, np.int64), np.zeros(cap_v, np.int32),
               np.zeros(cap_v, np.int64), np.full(n_st, -1, np.int64), np.full(n_st, -1, np.int64))
        # the World borrows these arrays: they stay referenced here until the kernel returns
        world = new_world((fp, ip), local, fixed, mo, self.vcols, mr, vr, sr, qs, hp, lim, ())
        for j in range(len(ptr) - 1):  # county by county (each call runs one county's event loop)
            self.err = int(run_block(world, order, ptr[j:j + 2], mob[0], mob[1], self.vols, self.vptr[j:j + 2]))
            if self.err:
                break
            county = self.counties[j]
            if spend and isinstance(sel, slice) and isinstance(county, slice):
                # its rows of the tables only the kernel reads will not be read again
                for k in _SPENDABLE:
                    release_rows(local[k], county.start - sel.start, county.stop - sel.start)
        self.rows = int(cnt[2])
        self.vcols = tuple(c[:self.rows] for c in self.vcols)
        self.sel = sel
        if not isinstance(sel, slice) and self.err == 0:
            for dst, src in zip(m_cols, mo, strict=True):  # each block writes only its own matters' rows
                dst[sel] = src

    def matter_ids(self, block_numbers: np.ndarray, out: np.ndarray) -> None:
        """The matters' own numbers (int64) of the block's numbers in its visit rows."""
        if isinstance(self.sel, slice):
            out[:] = block_numbers
            out += self.sel.start
        else:
            out[:] = self.sel[block_numbers]


#: the kernel's per-matter tables (positions in ``ms``) that nothing reads after the run: all but the
#: category and occurrence time, which the records share
_SPENDABLE = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)

#: matter columns the records take unchanged from the inputs: shared, not copied (neither the engines nor
#: the metrics write them; they stay writable because compiled code is typed by writability too)
_FROM_INPUTS = {"grid": "grid", "registered_grid": "registered_grid", "category": "category",
                "severity_initial": "severity", "surge": "surge", "t_occur": "t_occur"}


def _fresh_matters(p: Prepared) -> MatterRecords:
    """The matter table, unfilled but for the columns shared with the inputs (``_fill_rows`` fills the rest)."""
    inp = p.inputs
    return unfilled_matters(inp.n, **{name: getattr(inp, src) for name, src in _FROM_INPUTS.items()})


def _fill_rows(m: MatterRecords, p: Prepared, lo: int, hi: int) -> None:
    """Rows lo:hi of the matter table before the run: every outcome not reached, severity as it occurred."""
    fill_matters(m, lo, hi, skip=tuple(_FROM_INPUTS))
    m.severity[lo:hi] = p.inputs.severity[lo:hi]


def _matter_columns(m: MatterRecords) -> tuple[np.ndarray, ...]:
    """The matter columns the kernel writes (WORLD_FIELDS' o_* order)."""
    return (m.status, m.place_level, m.t_discover, m.channel, m.severity, m.t_intake, m.deadline, m.t_dispatch,
            m.t_start, m.t_close, m.level_settled, m.transfers, m.escalations, m.reopened, m.on_time,
            m.satisfied, m.petitioned, m.abandoned, m.reminded)
