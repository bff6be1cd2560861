"""Discovery (问题发现): whichever comes first of resident report, patrol and part-time reporter.

Pure array functions of the matter inputs and the scenario (MODEL.md 4.2).
Patrol is a fixed share of each full-time worker's time, so when a patrol
passes a matter does not depend on the queues: both engines compute it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.records.inputs import MatterInputs
from sim.rules.calendar import WorkCalendar, at_day, maximum, worked_at
from sim.scenario.constants import PATROL, REPORTER, RESIDENT_CHANNELS, WALK_IN
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.util.parallel import available_workers, run_rows
from sim.util.search import chunks


@dataclass(frozen=True)
class Discovery:
    t_discover: np.ndarray  # [n] float64
    channel: np.ndarray  # [n] int8
    severity: np.ndarray  # [n] int8 after growth while undiscovered


def patrol_cycle_hours(cfg: Config, terr: Territory) -> np.ndarray:
    """Working hours for the grid's patrol to pass every household once [n_grids] (inf if no patrol)."""
    patrol_staff = terr.grid_fulltime * cfg.staffing.patrol_share
    with np.errstate(divide="ignore"):
        return np.where(patrol_staff > 0,
                        terr.grid_households * cfg.discovery.patrol_hours_per_household
                        / np.maximum(patrol_staff, 1e-12),
                        np.inf)


def discover(cfg: Config, terr: Territory, m: MatterInputs, grid_cal: WorkCalendar) -> Discovery:
    """When and how each matter is found, and its severity by then."""
    d = cfg.discovery
    n = m.n
    if d.instant or cfg.textbook.enabled:
        return Discovery(m.t_occur.copy(), np.full(n, WALK_IN, np.int8), m.severity.copy())
    cats = list(cfg.catalog.categories.values())
    # per-category and per-grid factors (each matter indexes them by its category and grid)
    p_report = np.minimum(np.array([c.report_prob for c in cats]) * d.report_factor, 1.0)
    mix = np.asarray(d.channel_mix, dtype=np.float64)[list(RESIDENT_CHANNELS)]
    chan_cum = np.cumsum(mix) / mix.sum()
    delay = np.asarray(d.report_delay_hours, dtype=np.float64)
    cycle = patrol_cycle_hours(cfg, terr)
    rate_h = terr.grid_parttime * d.reporter_rate_per_day / 24.0
    p = d.patrol_detect_prob
    log_keep = float(np.log(1.0 - p)) if p < 1.0 else 0.0
    out = Discovery(np.empty(n), np.empty(n, np.int8), np.empty(n, np.int8))
    draws = _Draws(m.t_occur, m.grid, m.category, m.severity, m.u_report, m.u_channel, m.u_patrol, m.e_report,
                   m.e_reporter, m.e_growth)
    law = _Law(p_report, chan_cum, np.asarray(RESIDENT_CHANNELS, np.int8), delay, cycle, rate_h, log_keep, p < 1.0,
               np.float32(d.growth_hours_mean))
    shift = _Shift(grid_cal.start, grid_cal.hours, grid_cal.before)
    found = _Found(out.t_discover, out.channel, out.severity)

    def rows(lo_rows: int, hi_rows: int) -> None:
        buf = _Buffers(min(hi_rows - lo_rows, _CHUNK))
        scratch = _Scratch(buf.log_miss, buf.t_rep, buf.work, buf.c, buf.day)
        for lo, hi in chunks(hi_rows - lo_rows, _CHUNK, lo_rows):
            k = hi - lo
            if p < 1.0:
                # float32 log by numpy (its SIMD log, which the records depend on): passes that miss the matter
                np.log(np.maximum(m.u_patrol_miss[lo:hi], np.float32(1e-12), out=buf.clipped[:k]),
                       out=buf.log_miss[:k])
            _first_pass(lo, hi, draws, law, shift, scratch, found)
            grid_cal.day_of_worked(buf.c[:k], out=buf.day[:k])
            _second_pass(lo, hi, draws, law, shift, scratch, found)

    run_rows(rows, n, available_workers(cfg.engine.workers))
    return out


class _Draws(NamedTuple):
    """The matter inputs discovery reads (``MatterInputs``' columns of the same names)."""

    t_occur: np.ndarray
    grid: np.ndarray
    category: np.ndarray
    severity: np.ndarray
    u_report: np.ndarray
    u_channel: np.ndarray
    u_patrol: np.ndarray
    e_report: np.ndarray
    e_reporter: np.ndarray
    e_growth: np.ndarray


class _Law(NamedTuple):
    """The scenario's discovery, per category, channel and grid."""

    p_report: np.ndarray  # [K] a resident reports the matter
    chan_cum: np.ndarray  # the residents' channel mix, cumulative
    res_channels: np.ndarray  # the residents' channels (int8)
    delay: np.ndarray  # [channels] mean report delay, hours
    cycle: np.ndarray  # [G] working hours of a patrol's cycle (inf: no patrol)
    rate_h: np.ndarray  # [G] part-time reporters' rate per hour
    log_keep: float  # log of a patrol pass missing the matter
    has_misses: bool  # a pass may miss it
    growth_mean: np.float32  # mean hours a small matter takes to grow


class _Shift(NamedTuple):
    """The grid calendar's tables (``WorkCalendar``)."""

    start: np.ndarray
    hours: np.ndarray
    before: np.ndarray


class _Scratch(NamedTuple):
    """A chunk's working arrays, indexed from its first row."""

    log_miss: np.ndarray  # float32 log of the patrol-miss draw
    t_rep: np.ndarray  # the reporter's time
    work: np.ndarray  # working hours until the patrol passes
    c: np.ndarray  # the grid's cumulative working hours when it passes
    day: np.ndarray  # the day those hours are reached


class _Found(NamedTuple):
    """The results (``Discovery``'s columns)."""

    t_discover: np.ndarray  # the resident's report time after the first pass, the first of all after the second
    channel: np.ndarray
    severity: np.ndarray


_CHUNK = 1 << 14


class _Buffers:
    """Per-chunk scratch arrays, made once per call."""

    def __init__(self, size: int) -> None:
        self.clipped = np.empty(size, np.float32)
        self.log_miss = np.empty(size, np.float32)
        self.t_rep = np.empty(size)
        self.work = np.empty(size)
        self.c = np.empty(size)
        self.day = np.empty(size, np.int64)


@njit(cache=True, nogil=True)
def _first_pass(lo: int, hi: int, m: _Draws, law: _Law, cal: _Shift, buf: _Scratch, out: _Found) -> None:
    """Rows [lo, hi): resident report (into out.t_discover / out.channel), reporter, and the patrol's work.

    ``buf``'s arrays are indexed from lo. Float32 inputs are widened to float64 where numpy
    widened them (mixed float32 / float64 operations).
    """
    res_channels = law.res_channels
    n_ch = len(res_channels)
    for i in range(lo, hi):
        t = m.t_occur[i]
        g = m.grid[i]
        # resident report: probability by category, channel by the mix, delay by channel
        uc = np.float64(m.u_channel[i])
        j = 0
        for q in range(n_ch):
            j += law.chan_cum[q] <= uc  # searchsorted(chan_cum, u, "right") of a sorted row
        ch = res_channels[min(j, n_ch - 1)]
        out.channel[i] = ch
        if np.float64(m.u_report[i]) < law.p_report[m.category[i]]:
            out.t_discover[i] = t + np.float64(m.e_report[i]) * law.delay[ch]
        else:
            out.t_discover[i] = np.inf
        # part-time reporters: each sees a given matter at a rate per day
        r = law.rate_h[g]
        buf.t_rep[i - lo] = t + np.float64(m.e_reporter[i]) / max(r, 1e-300) if r > 0 else np.inf
        # patrol: a phase in the cycle plus the passes that miss it, in grid working hours
        misses = np.floor(np.float64(buf.log_miss[i - lo]) / law.log_keep) if law.has_misses else 0.0
        w = law.cycle[g] * (np.float64(m.u_patrol[i]) + misses)
        buf.work[i - lo] = w
        # patrols end where cumulative working hours reach c (an unused 0 when the work is not finite)
        buf.c[i - lo] = worked_at(cal.start, cal.hours, cal.before, t) + w if np.isfinite(w) else 0.0


@njit(cache=True, nogil=True)
def _second_pass(lo: int, hi: int, m: _Draws, law: _Law, cal: _Shift, buf: _Scratch, out: _Found) -> None:
    """Rows [lo, hi): the patrol time, the first of (patrol, resident, reporter), growth while undiscovered."""
    for i in range(lo, hi):
        t = m.t_occur[i]
        w = buf.work[i - lo]
        if not np.isfinite(w):
            t_pat = np.inf
        elif w > 0:
            t_pat = maximum(at_day(cal.start, cal.before, buf.day[i - lo], buf.c[i - lo]), t)
        else:
            t_pat = t
        t_res = out.t_discover[i]
        t_r = buf.t_rep[i - lo]
        # np.argmin over (patrol, resident, reporter): ties to the earlier, NaN first
        first, best = 0, t_pat
        if best == best and (t_res != t_res or t_res < best):
            first, best = 1, t_res
        if best == best and (t_r != t_r or t_r < best):
            first, best = 2, t_r
        out.t_discover[i] = best
        if first == 0:
            out.channel[i] = PATROL
        elif first == 2:
            out.channel[i] = REPORTER  # first == 1 keeps the resident's channel
        # a small matter left alone long enough becomes a big one (矛盾不上交 fails); float32 product as numpy's
        sev = m.severity[i]
        grows = sev == 0 and best - t > m.e_growth[i] * law.growth_mean
        out.severity[i] = 1 if grows else sev
