"""The vector engine: whole-population array stages plus one compiled event kernel.

Discovery, intake, deadlines and work are array stages shared with the agent
engine (``sim.engines.prepare``); the queueing dynamics, which cannot be
vectorised (each start depends on the previous finish at the station), run in
``kernel.run_kernel`` over compressed per-station arrays. The records it writes
equal the agent engine's matter for matter (``tests/equivalence``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial

import numpy as np

from sim.engines.prepare import Prepared, base_meta, county_bounds, county_orders, discovery_order, due_if_not_taken_in
from sim.engines.protocol import EngineRun, Preparing
from sim.engines.vector.fixed import StationArrays, busy_by_role, station_arrays
from sim.engines.vector.kernel import run_block
from sim.engines.vector.world import (
    CAPACITY_OF_ERROR,
    MATTER_INPUTS,
    MATTER_RECORDS,
    VISIT_ROWS,
    KernelParams,
    make_world,
)
from sim.records.schema import MatterRecords, Records, VisitRecords, fill_matters, unfilled_matters
from sim.rules.outcome import party_prob
from sim.scenario.constants import DISPATCH_RULES
from sim.util.memory import can_release, physical_memory, release_rows
from sim.util.parallel import available_workers, run_tasks


def kernel_params(p: Prepared) -> KernelParams:
    """The scenario's scalars for the kernel, by name."""
    cfg, lay = p.cfg, p.layout
    d, o = cfg.dispatch, cfg.outcome
    shifts = list(cfg.calendar.shifts)
    fail = tuple(float(x) for x in d.fail_prob)
    return KernelParams(
        horizon_h=float(p.horizon_h), platform_work_h=float(d.platform_work_hours),
        misclass_prob=float(d.misclass_prob), hotline_settle_prob=float(cfg.discovery.hotline_settle_prob),
        party_settle_prob=float(party_prob(cfg.territory.party_household_share, d.party_household_settle_prob)),
        assess_share=float(cfg.catalog.assess_share), transfer_h=float(d.transfer_hours),
        nearest_kmh=float(d.nearest_speed_kmh), sat_base=float(o.satisfaction_base),
        sat_per_day=float(o.satisfaction_per_day), sat_overdue=float(o.satisfaction_overdue),
        sat_per_transfer=float(o.satisfaction_per_transfer), sat_floor=float(o.satisfaction_floor),
        reopen_prob=float(o.reopen_prob), petition_prob=float(o.petition_prob),
        patience_days=float(o.petition_patience_days), petition_work_h=float(o.petition_work_hours),
        fail_prob=(fail[0], fail[1], fail[2], fail[3]),
        unified=d.mode == "unified", textbook=bool(cfg.textbook.enabled), rule=DISPATCH_RULES.index(d.rule),
        reminders=bool(d.reminders), fast_track=bool(d.instructor_fast_track), max_reopens=int(o.max_reopens),
        module_shift=shifts.index(cfg.staffing.shifts.get("module", "office")),
        first_village=int(lay.village(0)), first_platform=int(lay.platform(0)),
        first_module=int(lay.module(0, 0)), first_department=int(lay.department(0, 0)),
        # the catalogue's counts: the kernel has none of its own
        n_modules=int(lay.n_modules), n_departments=int(lay.n_departments))


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
                n_mob: int) -> list[_Capacities] | None:
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
    return [_Capacities(visits=v, nodes=n, now_events=f, events=e)
            for v, n, f, e in zip(cap_v, cap_n, cap_f, cap_e, strict=True)]


def visits_per_matter_bound(max_reopens: int) -> int:
    """Most visit rows one matter can make: a platform intake or a redirection, a classification, a wrong
    module, an attempt at each of the four levels (levels only rise), each reopening, a petition; plus one."""
    return 1 + 1 + 1 + 4 + max(max_reopens, 0) + 1 + 1


def run_vector(p: Prepared, replication: int = 0, spend_inputs: bool = False,
               stations: StationArrays | None = None) -> Records:
    """Run one replication on the compiled kernel; same records as the agent engine.

    Counties share no station, so blocks of counties run in threads side by side (the
    kernel releases the GIL); each county's visits are made in the same order whatever
    the number of threads, and the blocks are joined in county order.

    With ``spend_inputs`` (for a caller that will not use ``p`` again) the memory of the
    per-matter tables the kernel alone reads is given back county by county as the run
    goes (``sim.util.memory``): those rows of ``p`` read as zeros afterwards.

    ``stations``: ``station_arrays(p)`` when the caller has it already, made for the same config and
    territory (a streamed run's worker makes it once for all its blocks).
    """
    cfg, inp, lay, cat, terr = p.cfg, p.inputs, p.layout, p.catalog, p.terr
    names = list(cfg.calendar.shifts)
    bounds = county_bounds(p)
    # each county's matters: a slice of rows (generated tables), else its discovery order
    counties: list[slice | np.ndarray] = []
    if bounds is not None:
        counties.extend(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    else:
        counties.extend(county_orders(p))
    sizes_c = [(c.stop - c.start) if isinstance(c, slice) else len(c) for c in counties]
    fixed = stations if stations is not None else station_arrays(p)
    srv_station = fixed.server_station
    has_vol = bool(lay.server_volunteer.any())
    windows = [(sg.start_day * 24.0, (sg.start_day + sg.days) * 24.0) for sg in cfg.scenario.surges
               if sg.volunteers and has_vol]
    # each county's volunteers (server numbers ascending), as CSR over counties
    srv_county = fixed.station_county[srv_station]
    vol_ids = np.flatnonzero(lay.server_volunteer).astype(np.int64)
    vol_ids = vol_ids[np.argsort(srv_county[vol_ids], kind="stable")]
    vol_ptr = np.zeros(terr.n_counties + 1, np.int64)
    vol_ptr[1:] = np.cumsum(np.bincount(srv_county[vol_ids], minlength=terr.n_counties))
    n_srv = len(lay.server_role)
    blocks = _blocks(sizes_c, available_workers(cfg.engine.workers))
    sizes = [sum(sizes_c[a:b]) for a, b in blocks]
    largest = [max(sizes_c[a:b]) for a, b in blocks]
    caps = _capacities(sizes, largest, visits_per_matter_bound(cfg.outcome.max_reopens), n_srv, lay.n, len(windows))
    bounded = caps is not None
    if caps is None:  # bounds too large to reserve here: estimates, grown and rerun when one runs out
        caps = [_Capacities(visits=max(1024, int(s * 2.5)), nodes=max(1024, s // 4), now_events=max(1024, s // 64),
                            events=4096 + 2 * n_srv + lay.n + s // 64) for s in sizes]
    # rows are given back only where each county is a slice and a run can never be repeated
    spend = spend_inputs and bounds is not None and bounded and can_release()
    shared = _Shared(params=kernel_params(p), inputs=_matter_inputs(p), fixed=fixed.fixed,
                     matters={}, t_discover=p.found.t_discover, horizon_h=p.horizon_h,
                     server_volunteer=lay.server_volunteer, server_station=srv_station, n_stations=lay.n,
                     n_categories=cat.n, n_shifts=len(names), mob_on=np.array([a for a, _ in windows], np.float64),
                     mob_off=np.array([b for _, b in windows], np.float64))
    while True:
        m = _fresh_matters(p)
        shared.matters = {name: getattr(m, name) for name in _KERNEL_WRITES}
        # rows are filled by the block that runs them (in its thread), or here when blocks gather rows
        fill = partial(_fill_rows, m, p)
        if bounds is None:
            fill(0, inp.n)
        runs = [_BlockRun(j, counties[a:b], vol_ids[vol_ptr[a]:vol_ptr[b]], vol_ptr[a:b + 1] - vol_ptr[a], caps[j])
                for j, (a, b) in enumerate(blocks)]
        run_tasks([partial(r.go, shared, fill, spend) for r in runs], len(runs))
        failed = [r for r in runs if r.err]
        if not failed:
            break
        if spend:  # the released rows cannot be run again; a bound in _capacities is wrong
            raise RuntimeError(f"vector engine: capacity {CAPACITY_OF_ERROR[failed[0].err]} exceeded its bound")
        for r in failed:  # a capacity ran out: grow it and run again
            name = CAPACITY_OF_ERROR[r.err]
            caps[r.index] = replace(caps[r.index], **{name: 2 * getattr(caps[r.index], name)})
    visits = VisitRecords(**_join_visits(runs))
    due_if_not_taken_in(p, m)
    busy_h = np.sum([r.busy_h for r in runs], axis=0)
    meta = base_meta(p, "vector", replication)
    meta["busy_hours_by_role"] = busy_by_role(lay.server_role, busy_h)
    return Records(matters=m, visits=visits, stations=fixed.stations, meta=meta, servers=fixed.servers)


def _matter_inputs(p: Prepared) -> dict[str, np.ndarray]:
    """The kernel's per-matter inputs by World field, in the tables' own narrow types (no copies; one
    compiled kernel for the types generate_inputs makes)."""
    inp, found = p.inputs, p.found
    return {"in_category": inp.category.astype(np.int16, copy=False),
            "in_severity": found.severity.astype(np.int8, copy=False),
            "in_channel": found.channel.astype(np.int8, copy=False), "in_t_discover": found.t_discover,
            "in_t_intake": p.t_intake, "in_grid": p.intake_grid.astype(np.int32, copy=False),
            "in_detour": inp.registered_grid != inp.grid, "in_deadline": p.deadline, "in_t_occur": inp.t_occur,
            "in_work": p.work, "in_rework": p.rework, "u_party": inp.u_party, "u_hotline_settle": inp.u_hotline_settle,
            "u_misclass": inp.u_misclass, "u_misclass_to": inp.u_misclass_to, "u_satisfy": inp.u_satisfy,
            "u_reopen": inp.u_reopen, "u_petition": inp.u_petition, "u_fail": inp.u_fail}


#: the visit records' columns as the kernel names them (its matter column holds the block's numbers)
_VISIT_COLUMNS = {f.name: "visit_matter" if f.name == "matter_id" else f"visit_{f.name}" for f in fields(VisitRecords)}


def _join_visits(runs: list[_BlockRun]) -> dict[str, np.ndarray]:
    """The blocks' visit columns end to end (county order) by record name, each block's buffer let go once
    copied; the matter column turned from block numbers into the matters' own (int64)."""
    out = {}
    total = sum(r.rows for r in runs)
    for record, field in _VISIT_COLUMNS.items():
        col = np.empty(total, np.int64 if record == "matter_id" else runs[0].visits[field].dtype)
        k = 0
        for r in runs:
            x = r.visits[field]
            if record == "matter_id":
                r.matter_ids(x, col[k:k + len(x)])
            else:
                col[k:k + len(x)] = x
            k += len(x)
            r.visits[field] = np.zeros(0, x.dtype)
        out[record] = col
    return out


@dataclass(frozen=True)
class _Capacities:
    """Rows reserved for one block's run (each named by the kernel's ERR_* code for it, CAPACITY_OF_ERROR)."""

    visits: int  # visit rows, over all the block's counties
    nodes: int  # queue nodes, per county
    now_events: int  # events due at the same instant, per county
    events: int  # the event heap, per county


@dataclass
class _Shared:
    """What every block reads: the parameters and the whole run's arrays by World field."""

    params: KernelParams
    inputs: dict[str, np.ndarray]  # the matters' inputs (in_*, u_*), all rows
    fixed: dict[str, np.ndarray]  # catalogue, territory, stations, servers, shifts
    matters: dict[str, np.ndarray]  # the matter records' columns the kernel writes, all rows
    t_discover: np.ndarray
    horizon_h: float
    server_volunteer: np.ndarray
    server_station: np.ndarray
    n_stations: int
    n_categories: int
    n_shifts: int
    mob_on: np.ndarray  # the surges' mobilisations of volunteers: start and end hours
    mob_off: np.ndarray


class _BlockRun:
    """One thread's share: a block of counties run one after another in one World of its own.

    The kernel numbers the block's matters from 0. When every county's matters are a
    slice of rows (tables from ``generate_inputs``) the block is one slice and the
    kernel reads and writes views of the shared columns; otherwise its matters are
    gathered county by county in order of discovery and the results scattered back.
    Either way the matters in flight at any time sit close together in memory.
    """

    def __init__(self, index: int, counties: list[slice | np.ndarray], vols: np.ndarray, vptr: np.ndarray,
                 caps: _Capacities) -> None:
        self.index = index
        self.counties = counties
        self.vols = vols
        self.vptr = vptr
        self.caps = caps
        self.err = 0
        self.rows = 0
        self.visits: dict[str, np.ndarray] = {}
        self.sel: slice | np.ndarray = slice(0, 0)
        self.busy_h = np.zeros(0)

    def _selection(self, t_discover: np.ndarray, horizon_h: float) -> tuple[slice | np.ndarray, np.ndarray,
                                                                             np.ndarray]:
        """(the block's rows, its counties' matters in discovery order as block numbers, where each county
        starts in that order)."""
        cs = self.counties
        parts: list[np.ndarray] = []
        sel: slice | np.ndarray
        if all(isinstance(c, slice) for c in cs):
            slices = [c for c in cs if isinstance(c, slice)]
            lo = slices[0].start if slices else 0
            sel = slice(lo, slices[-1].stop if slices else 0)
            parts = [discovery_order(t_discover[c], horizon_h) + (c.start - lo) for c in slices]
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

    def _state(self, sh: _Shared, nb: int) -> dict[str, np.ndarray]:
        """The block's fresh state arrays by World field: lifecycle, visits, servers, queues, heaps."""
        cap, n_st, n_k, n_srv, n_cal = self.caps, sh.n_stations, sh.n_categories, len(sh.server_volunteer), sh.n_shifts
        v = cap.visits
        active = ~sh.server_volunteer
        # levels and resume points fit int8; visit rows name the block's matters by their block numbers (int32:
        # a block is far below 2**31 matters)
        return {"resume_at": np.zeros(nb, np.int8), "level_now": np.zeros(nb, np.int8),
                "classified": np.zeros(nb, np.bool_), "misrouted": np.zeros(nb, np.bool_),
                "via_platform": np.zeros(nb, np.bool_), "settle_level": np.zeros(nb, np.int8),
                "settle_station": np.zeros(nb, np.int32),
                "visit_matter": np.zeros(v, np.int32), "visit_station": np.zeros(v, np.int32),
                "visit_level": np.zeros(v, np.int8), "visit_t_arrive": np.zeros(v), "visit_t_start": np.zeros(v),
                "visit_t_end": np.zeros(v), "visit_work": np.zeros(v), "visit_outcome": np.zeros(v, np.int8),
                "visit_server": np.zeros(v, np.int32), "visit_settles": np.zeros(v, np.bool_),
                "visit_done_as": np.zeros(v, np.int8), "visit_tracked": np.zeros(v, np.bool_),
                "visit_waiting": np.zeros(v, np.bool_), "visit_overdue": np.zeros(v, np.bool_),
                "server_active": active, "server_busy": np.zeros(n_srv, np.bool_), "server_busy_h": np.zeros(n_srv),
                "server_wake_pending": np.zeros(n_srv, np.bool_), "server_wake_next": np.full(n_srv, -1, np.int64),
                "station_idle": np.bincount(sh.server_station[active], minlength=n_st).astype(np.int64),
                "station_unwoken": np.bincount(sh.server_station[active], minlength=n_st).astype(np.int64),
                "station_first_idle": np.asarray(sh.fixed["server_ptr"][:-1], np.int64).copy(),
                "shift_checked_at": np.full(n_cal, -1.0), "shift_open": np.zeros(n_cal, np.bool_),
                "queue_fresh": np.full(n_st * n_k, -1, np.int64), "queue_overdue": np.full(n_st * n_k, -1, np.int64),
                "queue_live": np.zeros((2, n_st * n_k), np.int32), "queue_live_n": np.zeros((2, n_st), np.int64),
                "queue_deadlines": np.full(n_st, -1, np.int64), "queue_waiting": np.zeros(n_st, np.int64),
                "queue_pushes": np.zeros(n_st, np.int64),
                "event_time": np.zeros(cap.events), "event_info": np.zeros((cap.events, 4), np.int64),
                "node_key": np.zeros((cap.nodes, 2)), "node_info": np.zeros((cap.nodes, 5), np.int64),
                "node_pool": np.array([-1, 0], np.int64), "node_scratch": np.zeros(cap.nodes, np.int64),
                "counters": np.zeros(3, np.int64), "error": np.zeros(1, np.int64), "clock": np.zeros(1),
                "now_events": np.zeros((cap.now_events, 4), np.int64), "now_events_span": np.zeros(2, np.int64),
                "limit_after": np.zeros(v, np.int32), "limit_seq": np.zeros(v, np.int64),
                "limit_head": np.full(n_st, -1, np.int64), "limit_tail": np.full(n_st, -1, np.int64)}

    def go(self, sh: _Shared, fill: Callable[[int, int], None], spend: bool) -> None:
        sel, order, ptr = self._selection(sh.t_discover, sh.horizon_h)
        if isinstance(sel, slice):
            fill(sel.start, sel.stop)
        # matter ids break ties in the queues: a slice's own numbers keep their order (no ids needed)
        matter_id = np.zeros(0, np.int64) if isinstance(sel, slice) else sel.astype(np.int64)
        local = {k: x[sel] for k, x in sh.inputs.items()}  # views of a slice; copies of gathered rows
        written = {k: x[sel] for k, x in sh.matters.items()}
        state = self._state(sh, len(local["in_category"]))
        self.busy_h = state["server_busy_h"]
        # the World borrows these arrays: they stay referenced here until the kernel returns
        world = make_world(sh.params, {**local, "matter_id": matter_id, **sh.fixed, **written, **state})
        for j in range(len(ptr) - 1):  # county by county (each call runs one county's event loop)
            self.err = int(run_block(world, order, ptr[j:j + 2], sh.mob_on, sh.mob_off, self.vols,
                                     self.vptr[j:j + 2]))
            if self.err:
                break
            county = self.counties[j]
            if spend and isinstance(sel, slice) and isinstance(county, slice):
                # its rows of the tables only the kernel reads will not be read again
                for k in _SPENDABLE:
                    release_rows(local[k], county.start - sel.start, county.stop - sel.start)
        self.rows = int(state["counters"][VISIT_ROWS])
        self.visits = {f: state[f][:self.rows] for f in _VISIT_COLUMNS.values()}
        self.sel = sel
        if not isinstance(sel, slice) and self.err == 0:
            for k, src in written.items():  # each block writes only its own matters' rows
                sh.matters[k][sel] = src

    def matter_ids(self, block_numbers: np.ndarray, out: np.ndarray) -> None:
        """The matters' own numbers (int64) of the block's numbers in its visit rows."""
        if isinstance(self.sel, slice):
            out[:] = block_numbers
            out += self.sel.start
        else:
            out[:] = self.sel[block_numbers]


#: the kernel's per-matter inputs that nothing reads after the run: all but the category and the occurrence
#: time, which the records share (and the block's own matter ids)
_SPENDABLE = tuple(name for name, _ in MATTER_INPUTS if name not in ("in_category", "in_t_occur", "matter_id"))

#: the matter records' columns the kernel writes (the World's fields of the same names)
_KERNEL_WRITES = tuple(name for name, _ in MATTER_RECORDS)

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


class VectorEngine(Preparing):
    """The vector engine as an ``Engine`` (``sim.engines.protocol``); it has no daily state."""

    name = "vector"

    def run(self, p: Prepared, replication: int = 0, *, progress: bool = False,
            spend_inputs: bool = False) -> EngineRun:
        return EngineRun(run_vector(p, replication, spend_inputs=spend_inputs))
