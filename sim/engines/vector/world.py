"""The kernel's state and parameters: every field by name, with its shape and meaning.

``World`` holds every array of one block's run (a structref of named arrays,
passed by reference and borrowed, see ``borrowed.py``); ``KernelParams`` holds
the scenario's scalars. The matter and visit columns the kernel writes carry the
records' own names (``sim.records.schema``): a matter's ``t_discover`` here is the
record's ``t_discover``, a visit's ``visit_t_arrive`` the visit record's
``t_arrive``. What the kernel reads about a matter before it runs is prefixed
``in_`` (its prepared inputs) or ``u_`` (its uniform draws, named as in
``sim.matters.occur``).

Shapes: n matters of the block, V visit rows, S stations, R servers, K
categories, G grids, T townships, C shift calendars of D days, E events, N queue
nodes, F same-instant events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core import types
from numba.experimental import structref

import sim.scenario.constants as C
from sim.engines.vector.borrowed import borrowed, register_borrowed
from sim.engines.vector.heaps import HEAP_SIZE, PUSHES


def _ints(n: int) -> tuple[np.int64, ...]:
    """Codes as numpy integers: Numba types a Python int constant passed to a function as a literal
    and compiles a copy of the function for each value; numpy scalars share one compiled copy."""
    return tuple(np.int64(i) for i in range(n))


# arguments with these values share one compiled copy of each function (see _ints)
ZERO, ONE, NONE, YES, NO = np.int64(0), np.int64(1), np.int64(-1), np.bool_(True), np.bool_(False)

# event types
EV_DISCOVER, EV_DETOUR, EV_FINISH, EV_EXPIRE, EV_CONTINUE, EV_TRANSFER, EV_MOB_ON, EV_MOB_OFF, EV_WAKE = _ints(9)
# lifecycle resume points (each belongs to a step of sim/engines/steps.py's STEPS)
PC_START, PC_INTAKE, PC_AFTER_INTAKE_PLATFORM, PC_AFTER_CLASSIFY, PC_AFTER_WRONG, PC_AFTER_TRANSFER, \
    PC_AFTER_ATTEMPT, PC_AFTER_REWORK, PC_AFTER_PETITION, PC_DONE = range(10)
# the platform's station kind (sim.records.schema.STATION_KINDS); statuses and channels are sim.scenario.constants'
K_PLATFORM = C.STATION_KINDS.index("platform")
# levels and visit outcomes, passed as arguments: numpy integers of sim.scenario.constants'
GRID, VILLAGE, TOWNSHIP, COUNTY = (np.int64(x) for x in (C.GRID, C.VILLAGE, C.TOWNSHIP, C.COUNTY))
SETTLED, ESCALATED, TRANSFERRED, ABANDONED, REDIRECTED, OPEN = (
    np.int64(x) for x in (C.SETTLED, C.ESCALATED, C.TRANSFERRED, C.ABANDONED, C.REDIRECTED, C.OPEN))
#: how a visit goes (``stations.visit``'s ``how``, or-ed): it settles the matter when done (else passes it
#: up); its wait is limited by the station's time limit; it moves the matter's status and timestamps;
#: it ends as a transfer (a wrong module)
SETTLES, LIMITED, TRACKED, AS_TRANSFER = np.int64(1), np.int64(2), np.int64(4), np.int64(8)

#: what ``run_block`` returns when a capacity reserved by the caller ran out (0: the run finished)
ERR_EVENT_HEAP, ERR_VISIT_ROWS, ERR_QUEUE_NODES, ERR_NOW_EVENTS = 1, 2, 3, 4
#: the capacity each error code names (the engine grows it and runs again)
CAPACITY_OF_ERROR = {ERR_EVENT_HEAP: "events", ERR_VISIT_ROWS: "visits", ERR_QUEUE_NODES: "nodes",
                     ERR_NOW_EVENTS: "now_events"}

#: positions in ``counters``: the event heap's size and the push number (heaps.py), the visit rows written
VISIT_ROWS = 2


class KernelParams(NamedTuple):
    """The scenario's scalars the kernel reads (built by ``engine.kernel_params``)."""

    horizon_h: float  # the run ends here (hours from the start)
    platform_work_h: float  # a platform intake or classification
    misclass_prob: float  # the platform sends a matter to a wrong module first
    hotline_settle_prob: float  # a small hotline matter settled on the call
    party_settle_prob: float  # a small matter a party-member household mediates
    assess_share: float  # the share of a level's work spent to assess and pass a matter up
    transfer_h: float  # working hours for a wrong module to hand a matter back
    nearest_kmh: float  # travel speed to a neighbouring grid (nearest rule)
    sat_base: float  # satisfaction: the probability for a matter settled at once
    sat_per_day: float  # ... less this per day from occurrence to close
    sat_overdue: float  # ... less this when closed after its deadline
    sat_per_transfer: float  # ... less this per transfer
    sat_floor: float  # ... and never below this
    reopen_prob: float  # a dissatisfied resident reopens the matter
    petition_prob: float  # a dissatisfied resident who waited too long petitions
    patience_days: float  # days after occurrence past which a resident may petition
    petition_work_h: float  # a department's work on a petition
    fail_prob: tuple[float, float, float, float]  # an attempt fails, by level (grid, village, township, county)
    unified: bool  # dispatch.mode: every matter is taken in by the township platform
    textbook: bool  # the one-station textbook queue
    rule: int  # dispatch.rule's index in DISPATCH_RULES
    reminders: bool  # overdue visits are served first (supervision reminders)
    fast_track: bool  # townships with instructors send matters straight on
    max_reopens: int  # reopenings allowed per matter
    module_shift: int  # the modules' shift calendar (a row of the shift tables)
    first_village: int  # station number of village 0 (the villages follow in order)
    first_platform: int  # station number of township 0's platform
    first_module: int  # station number of township 0's first module (T x n_modules in order)
    first_department: int  # station number of county 0's first department (n_departments per county)
    n_modules: int  # the catalogue's modules per township
    n_departments: int  # the catalogue's departments per county


#: a matter's prepared inputs (read only)
MATTER_INPUTS: tuple[tuple[str, str], ...] = (
    ("in_category", "[n] int16  category"),
    ("in_severity", "[n] int8  severity when found"),
    ("in_channel", "[n] int8  channel it is found through"),
    ("in_t_discover", "[n] float64  found at"),
    ("in_t_intake", "[n] float64  taken in at (after a detour through the registered community)"),
    ("in_grid", "[n] int32  the grid that takes it in"),
    ("in_detour", "[n] bool  found away from its registered grid (taken in later)"),
    ("in_deadline", "[n] float64  due at"),
    ("in_t_occur", "[n] float64  occurred at"),
    ("in_work", "[n, 4] float64  work of an attempt at each level"),
    ("in_rework", "[n, 4] float64  work of a reopening at each level"),
    ("u_party", "[n] float32  party-member mediation draw"),
    ("u_hotline_settle", "[n] float32  settled-on-the-call draw"),
    ("u_misclass", "[n] float32  misclassification draw"),
    ("u_misclass_to", "[n] float32  which wrong module"),
    ("u_satisfy", "[n] float32  satisfaction draw"),
    ("u_reopen", "[n] float32  reopening draw"),
    ("u_petition", "[n] float32  petition draw"),
    ("u_fail", "[n, 4] float32  attempt-failure draw by level"),
    ("matter_id", "[n] or [0] int64  the matters' own numbers (empty: block numbers keep their order)"),
)
#: the catalogue and the territory
TERRITORY: tuple[tuple[str, str], ...] = (
    ("category_module", "[K] int64  township module"),
    ("category_department", "[K] int64  county department"),
    ("category_top", "[K] int64  highest level that may settle it"),
    ("category_party", "[K] bool  party-member households mediate it"),
    ("category_handled", "[K, 4] bool  the levels that handle it"),
    ("grid_village", "[G] int64"),
    ("grid_township", "[G] int64"),
    ("grid_county", "[G] int64"),
    ("township_instructors", "[T] int64  instructors stationed (fast track)"),
)
#: stations and servers
STATIONS: tuple[tuple[str, str], ...] = (
    ("station_kind", "[S] int64  K_* kind"),
    ("station_limit_h", "[S] float64  time limit of a wait (0: none)"),
    ("server_ptr", "[S + 1] int64  station s's servers are server_ptr[s]:server_ptr[s + 1]"),
    ("neighbour_ptr", "[S + 1] int64  station s's neighbours are neighbour_ptr[s]:neighbour_ptr[s + 1]"),
    ("neighbour_station", "[*] int64  neighbouring grids, nearest first"),
    ("neighbour_km", "[*] float64  their distances"),
    ("server_station", "[R] int64  home station"),
    ("server_speed", "[R] float64  work done per hour"),
    ("server_shift", "[R] int64  shift calendar"),
    ("station_shift", "[S] int64  the shift calendar all its servers share (-1: several, or no server)"),
    ("server_skills", "[R, K] bool  categories it takes"),
    ("server_specialist", "[R] bool  takes only some categories"),
)
#: shift calendars (sim.rules.calendar.stack_calendars)
SHIFTS: tuple[tuple[str, str], ...] = (
    ("shift_start", "[C, D] float64  hour of day a shift opens"),
    ("shift_hours", "[C, D] float64  working hours that day"),
    ("shift_before", "[C, D + 1] float64  working hours before the day"),
    ("shift_ends", "[C, D] float64  working hours by the day's end"),
)
#: the matter records the kernel writes (sim.records.schema.MatterRecords, same names)
MATTER_RECORDS: tuple[tuple[str, str], ...] = (
    ("status", "[n] int8"), ("place_level", "[n] int8"), ("t_discover", "[n] float64"), ("channel", "[n] int8"),
    ("severity", "[n] int8"), ("t_intake", "[n] float64"), ("deadline", "[n] float64"),
    ("t_dispatch", "[n] float64"), ("t_start", "[n] float64"), ("t_close", "[n] float64"),
    ("level_settled", "[n] int8"), ("transfers", "[n] int16"), ("escalations", "[n] int16"),
    ("reopened", "[n] int8"), ("on_time", "[n] int8"), ("satisfied", "[n] int8"), ("petitioned", "[n] bool"),
    ("abandoned", "[n] bool"), ("reminded", "[n] bool"),
)
#: the visit records it writes (sim.records.schema.VisitRecords, prefixed)
VISIT_RECORDS: tuple[tuple[str, str], ...] = (
    ("visit_matter", "[V] int32  the block's number of the matter"),
    ("visit_station", "[V] int32"), ("visit_level", "[V] int8"), ("visit_t_arrive", "[V] float64"),
    ("visit_t_start", "[V] float64"), ("visit_t_end", "[V] float64"),
    ("visit_work", "[V] float64  its own work until it starts, then with the travel"),
    ("visit_outcome", "[V] int8"), ("visit_server", "[V] int32"),
)
#: a matter's place in its lifecycle
LIFECYCLE: tuple[tuple[str, str], ...] = (
    ("resume_at", "[n] int8  PC_* point its lifecycle resumes at"),
    ("level_now", "[n] int8  the level it is at"),
    ("classified", "[n] bool  classified at the platform for this stay at the township"),
    ("misrouted", "[n] bool  sent to a wrong module already"),
    ("via_platform", "[n] bool  taken in by the platform"),
    ("settle_level", "[n] int8  the level of the settling attempt (reworked on a reopening)"),
    ("settle_station", "[n] int32  the station of the settling attempt"),
)
#: a visit's own state
VISIT_STATE: tuple[tuple[str, str], ...] = (
    ("visit_settles", "[V] bool  settles the matter when done (else passes it up)"),
    ("visit_done_as", "[V] int8  its outcome when done, if fixed (-1: settled or escalated)"),
    ("visit_tracked", "[V] bool  moves the matter's status and timestamps"),
    ("visit_waiting", "[V] bool  in a queue"),
    ("visit_overdue", "[V] bool  in the overdue queue (reminders)"),
)
#: servers and shifts
SERVER_STATE: tuple[tuple[str, str], ...] = (
    ("server_active", "[R] bool  on duty (volunteers only while mobilised)"),
    ("server_busy", "[R] bool"),
    ("server_busy_h", "[R] float64  hours worked"),
    ("server_wake_pending", "[R] bool  a wake-up at its shift's next opening is scheduled"),
    ("server_wake_next", "[R] int64  the server woken after it by the same wake-up event (-1: none)"),
    ("station_idle", "[S] int64  idle active servers"),
    ("station_unwoken", "[S] int64  idle active servers with no wake-up scheduled"),
    ("station_first_idle", "[S] int64  a server at or before the station's first idle active one (those "
                           "before it are busy or off duty)"),
    ("shift_checked_at", "[C] float64  the instant shift_open was computed for"),
    ("shift_open", "[C] bool  the shift is open then"),
)
#: station queues (pairing heaps of nodes)
QUEUES: tuple[tuple[str, str], ...] = (
    ("queue_fresh", "[S * K] int64  root node of each station and category (-1: empty)"),
    ("queue_overdue", "[S * K] int64  the overdue visits' roots"),
    ("queue_live", "[2, S * K] int32  a station's categories whose overdue [0] / fresh [1] heap is not empty, "
                   "the first queue_live_n of its K places, in no order"),
    ("queue_live_n", "[2, S] int64  how many"),
    ("queue_deadlines", "[S] int64  root of the station's visits by deadline (reminders)"),
    ("queue_waiting", "[S] int64  visits waiting"),
    ("queue_pushes", "[S] int64  pushes so far (ties in a queue go to the earlier)"),
)
#: the event heap, the node pool, counters
HEAPS: tuple[tuple[str, str], ...] = (
    ("event_time", "[E] float64"),
    ("event_info", "[E, 4] int64  push number, type, two payloads (heaps.E_*)"),
    ("node_key", "[N, 2] float64  the queue key"),
    ("node_info", "[N, 5] int64  tie key, push number, visit row, child, sibling (heaps.N_*)"),
    ("node_pool", "[2] int64  free list head, high-water mark"),
    ("node_scratch", "[N] int64  the pairing heap's merge stack"),
    ("counters", f"[3] int64  heap size [{HEAP_SIZE}], push number [{PUSHES}], visit rows [{VISIT_ROWS}]"),
    ("error", "[1] int64  0 or an ERR_* code"),
)
#: the clock, the same-instant events, the per-station time-limit lists
CLOCK_AND_LIMITS: tuple[tuple[str, str], ...] = (
    ("clock", "[1] float64  now"),
    ("now_events", "[F, 4] int64  events due now, in push order (as event_info)"),
    ("now_events_span", "[2] int64  their head and tail"),
    ("limit_after", "[V] int32  the next visit in its station's time-limit list (-1: last)"),
    ("limit_seq", "[V] int64  push number of the visit's time-limit event"),
    ("limit_head", "[S] int64  the station's earliest live time limit (-1: none)"),
    ("limit_tail", "[S] int64  its latest"),
)

#: every array of a World with its shape, dtype and meaning, in the structref's field order
WORLD_ARRAYS: tuple[tuple[str, str], ...] = (
    *MATTER_INPUTS, *TERRITORY, *STATIONS, *SHIFTS, *MATTER_RECORDS, *VISIT_RECORDS, *LIFECYCLE, *VISIT_STATE,
    *SERVER_STATE, *QUEUES, *HEAPS, *CLOCK_AND_LIMITS,
)

#: the World's fields: the parameters, then the arrays
WORLD_FIELDS: tuple[str, ...] = ("params", *(name for name, _ in WORLD_ARRAYS))


@register_borrowed
class WorldType(types.StructRef):
    def preprocess_fields(self, fields):
        # the caller owns every array of a run: the kernel borrows them (no reference counting)
        return tuple((name, borrowed(types.unliteral(typ))) for name, typ in fields)


class World(structref.StructRefProxy):
    """The kernel's state (build with ``make_world``)."""


structref.define_proxy(World, WorldType, list(WORLD_FIELDS))


@njit(cache=True)
def _new_world(params, arrays):
    """A World from the parameters and the arrays in WORLD_ARRAYS order. Compiled (and cached) here so
    that the constructor, one argument per field, is not compiled again at every start of Python."""
    return World(params, *arrays)


def make_world(params: KernelParams, arrays: Mapping[str, np.ndarray]) -> World:
    """A World from its arrays by name; a missing or unknown name is an error naming it."""
    names = [name for name, _ in WORLD_ARRAYS]
    missing = [k for k in names if k not in arrays]
    unknown = sorted(set(arrays) - set(names))
    if missing or unknown:
        raise KeyError(f"World fields missing: {missing}, unknown: {unknown}")
    return _new_world(params, tuple(arrays[k] for k in names))
