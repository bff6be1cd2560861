"""Routing decisions (MODEL.md 4.3-4.6): pure functions, scalar or array.

Where a matter goes first, which level it goes to next, whether a level has the
authority to settle it, and its deadline. Both engines call these; neither
decides routing any other way.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.rules.calendar import WorkCalendar, add_working_days_at
from sim.scenario.catalogue import department_names, module_names
from sim.scenario.constants import GRID, LEVELS, TOWNSHIP
from sim.scenario.schema import Config
from sim.util.parallel import available_workers, run_rows


class Catalog:
    """The catalogue as arrays indexed by category (built once per run)."""

    def __init__(self, cfg: Config) -> None:
        cats = list(cfg.catalog.categories.values())
        names = list(cfg.catalog.categories)
        self.names = names
        self.n = len(cats)
        self.modules, self.departments = module_names(cfg), department_names(cfg)
        self.module = np.array([self.modules.index(c.module) for c in cats], np.int16)
        self.department = np.array([self.departments.index(c.department) for c in cats], np.int16)
        self.service_mean = np.array([c.service_hours for c in cats], np.float64)  # [K, 4]
        self.service_cv = np.array([c.service_cv for c in cats], np.float64)  # [K]
        handled = np.array([[lv in c.handled_at for lv in LEVELS] for c in cats], bool)  # [K, 4]
        on_list = np.array([n not in cfg.dispatch.grid_list_exclude for n in names], bool)
        handled[:, GRID] &= on_list  # the grid matters list (准入审查) bars the rest from grids
        self.handled = handled
        # highest level that may settle it: it never fails there (the county settles in the end)
        self.top = np.array([max(np.flatnonzero(h)) if h.any() else 3 for h in handled], np.int8)
        fam = [c.deadline for c in cats]
        dl = cfg.catalog.deadlines
        # a category's own fitted days (calibration) replace its family's, and are never "complex"
        self.family_days = np.array([getattr(dl, f) if c.deadline_days is None else c.deadline_days
                                     for f, c in zip(fam, cats, strict=True)], np.float64)
        self.is_general = np.array([f == "general" and c.deadline_days is None for f, c in zip(fam, cats, strict=True)],
                                   bool)
        self.party = np.array([n in cfg.dispatch.party_household_categories for n in names], bool)
        if cfg.textbook.enabled:
            tb = cfg.textbook
            self.service_mean[:] = tb.service_mean_hours
            self.service_cv[:] = tb.service_cv


def deadline_days(cat: Catalog, cfg: Config, category: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Days allowed from intake: the category's family; a general matter of hard severity is complex."""
    days = cat.family_days[category]
    complex_ = cat.is_general[category] & (severity >= cfg.catalog.deadlines.complex_from_severity)
    return np.where(complex_, cfg.catalog.deadlines.complex, days)


def deadline(cat: Catalog, cfg: Config, cal: WorkCalendar, t_intake: np.ndarray, category: np.ndarray,
             severity: np.ndarray, t_cap: float = np.inf) -> np.ndarray:
    """Due time of each matter (working or calendar days per the config).

    Intake times past ``t_cap`` count from ``t_cap`` (``np.minimum(t_intake, t_cap)``),
    so a matter never found still gets a finite deadline without a capped copy.
    """
    dl = cfg.catalog.deadlines
    t = np.ascontiguousarray(t_intake, dtype=np.float64)
    category, severity = np.ascontiguousarray(category), np.ascontiguousarray(severity)
    out = np.empty(len(t))
    law = _DeadlineLaw(cat.family_days, cat.is_general, int(dl.complex_from_severity), float(dl.complex),
                       bool(dl.working_days))

    def rows(lo: int, hi: int) -> None:
        _deadline_kernel(t[lo:hi], category[lo:hi], severity[lo:hi], float(t_cap), law, cal.day_cum, cal._first_day,
                         out[lo:hi])

    run_rows(rows, len(t), available_workers(cfg.engine.workers))
    return out


class _DeadlineLaw(NamedTuple):
    """The catalogue's deadlines (``deadline_days``)."""

    family_days: np.ndarray  # [K] days of the category's deadline family
    is_general: np.ndarray  # [K] a general matter (complex ones get longer)
    complex_from: int  # the severity from which a general matter is complex
    complex_days: float  # a complex matter's days
    working: bool  # days are working days (else calendar days)


@njit(cache=True, nogil=True)
def _deadline_kernel(t_intake: np.ndarray, category: np.ndarray, severity: np.ndarray, t_cap: float,
                     law: _DeadlineLaw, day_cum: np.ndarray, first_day: np.ndarray, out: np.ndarray) -> None:
    """``cal.add_days(np.minimum(t, t_cap), deadline_days(...), working)`` one matter at a time."""
    for i in range(len(t_intake)):
        t = t_intake[i]
        if not (t <= t_cap or t != t):  # np.minimum: NaN stays
            t = t_cap
        k = category[i]
        days = law.complex_days if (law.is_general[k] and severity[i] >= law.complex_from) else law.family_days[k]
        out[i] = add_working_days_at(day_cum, first_day, t, days) if law.working else t + days * 24.0


#: an integer argument: a Python int from the agent engine, a numpy one from the kernel
Int = int | np.integer

#: the grid as a numpy integer: compiled callers then share one copy of ``target_level`` (a Python int
#: constant would be typed as a literal and compiled into a copy of its own)
_GRID = np.int64(GRID)


@njit(cache=True)
def next_level(handled: np.ndarray, category: Int, level: Int, severity: Int, fast_track: bool) -> int:
    """The next level that may take the matter above ``level`` (the county if none).

    ``handled`` is ``Catalog.handled`` ([K, 4]: may the level take the category).
    """
    nxt = level + 1
    # the grid instructor sends a hard matter from the grid straight to the township
    if fast_track and level == GRID and severity >= TOWNSHIP:
        nxt = TOWNSHIP
    while nxt < 3 and not handled[category, nxt]:
        nxt += 1
    return int(min(nxt, 3))


@njit(cache=True)
def target_level(handled: np.ndarray, category: Int, severity: Int) -> int:
    """Unified dispatch (一体派单): the lowest level with authority that may take it."""
    lv = severity
    while lv < 3 and not handled[category, lv]:
        lv += 1
    return int(lv)


@njit(cache=True)
def entry_level(handled: np.ndarray, category: Int) -> int:
    """Level-by-level dispatch starts at the lowest level that may take the category."""
    return target_level(handled, category, _GRID)


@njit(cache=True)
def attempt(top: Int, level: Int, severity: Int, u_fail: float, fail_prob: float,
            assess_share: float) -> tuple[bool, float]:
    """What a station at ``level`` does: (settles?, share of the level's work spent).

    ``top`` is the category's top level (``Catalog.top``), ``fail_prob`` the level's
    chance that an attempt fails (``dispatch.fail_prob[level]``). Without the authority
    (severity above the level) it assesses and escalates; with it, it does the full
    work and settles unless the attempt fails (never at the category's top level).
    """
    if severity > level and level < top:
        return False, assess_share
    if level >= top:
        return True, 1.0
    return u_fail >= fail_prob, 1.0


def intake_times(t_discover: np.ndarray, registered_grid: np.ndarray, grid: np.ndarray,
                 detour_hours: float, workers: int = 1) -> np.ndarray:
    """Discovery plus the detour through the registered community when it is not the matter's grid."""
    out = np.empty(len(t_discover))

    def rows(lo: int, hi: int) -> None:
        _intake_kernel(t_discover[lo:hi], registered_grid[lo:hi], grid[lo:hi], float(detour_hours), out[lo:hi])

    run_rows(rows, len(out), workers)
    return out


@njit(cache=True, nogil=True)
def _intake_kernel(t_discover: np.ndarray, registered_grid: np.ndarray, grid: np.ndarray, detour_hours: float,
                   out: np.ndarray) -> None:
    # t + 0.0 as numpy added it (it turns -0.0 into 0.0)
    for i in range(len(t_discover)):
        out[i] = t_discover[i] + (detour_hours if registered_grid[i] != grid[i] else 0.0)
