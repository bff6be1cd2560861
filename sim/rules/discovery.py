"""Discovery (问题发现): whichever comes first of resident report, patrol and part-time reporter.

Pure array functions of the matter inputs and the scenario (MODEL.md 4.2).
Patrol is a fixed share of each full-time worker's time, so when a patrol
passes a matter does not depend on the queues: both engines compute it here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.inputs import MatterInputs
from sim.parallel import available_workers, run_rows
from sim.rules.calendar import WorkCalendar, at_day, maximum, worked_at
from sim.scenario.constants import PATROL, REPORTER, RESIDENT_CHANNELS, WALK_IN
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.search import chunks


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

    def rows(lo_rows: int, hi_rows: int) -> None:
        buf = _Buffers(min(hi_rows - lo_rows, _CHUNK))
        for lo, hi in chunks(hi_rows - lo_rows, _CHUNK, lo_rows):
            k = hi - lo
            log_miss = buf.log_miss[:k]
            if p < 1.0:
                # float32 log by numpy (its SIMD log, which the records depend on): passes that miss the matter
                np.log(np.maximum(m.u_patrol_miss[lo:hi], np.float32(1e-12), out=buf.clipped[:k]), out=log_miss)
            _first_pass(lo, hi, m.t_occur, m.grid, m.category, m.u_report, m.u_channel, m.u_patrol, log_miss,
                        log_keep, p < 1.0, m.e_report, m.e_reporter, p_report, chan_cum,
                        np.asarray(RESIDENT_CHANNELS, np.int8), delay, cycle, rate_h, grid_cal.start, grid_cal.hours,
                        grid_cal.before, out.t_discover, out.channel, buf.t_rep, buf.work, buf.c)
            day = grid_cal.day_of_worked(buf.c[:k], out=buf.day[:k])
            _second_pass(lo, hi, m.t_occur, m.severity, m.e_growth, np.float32(d.growth_hours_mean), grid_cal.start,
                         grid_cal.before, buf.t_rep, buf.work, buf.c, day, out.t_discover, out.channel, out.severity)

    run_rows(rows, n, available_workers(cfg.engine.workers))
    return out


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
def _first_pass(lo: int, hi: int, t_occur: np.ndarray, grid: np.ndarray, category: np.ndarray, u_report: np.ndarray,
                u_channel: np.ndarray, u_patrol: np.ndarray, log_miss: np.ndarray, log_keep: float, has_misses: bool,
                e_report: np.ndarray, e_reporter: np.ndarray, p_report: np.ndarray, chan_cum: np.ndarray,
                res_channels: np.ndarray, delay: np.ndarray, cycle: np.ndarray, rate_h: np.ndarray,
                start: np.ndarray, hours: np.ndarray, before: np.ndarray, t_res: np.ndarray, res_channel: np.ndarray,
                t_rep: np.ndarray, work: np.ndarray, c: np.ndarray) -> None:
    """Rows [lo, hi): resident report (into t_res / res_channel), reporter, and the patrol's work.

    ``work``, ``t_rep`` and ``c`` (working hours at which the patrol passes) are
    indexed from lo. Float32 inputs are widened to float64 where numpy widened them
    (mixed float32 / float64 operations).
    """
    n_ch = len(res_channels)
    for i in range(lo, hi):
        t = t_occur[i]
        g = grid[i]
        # resident report: probability by category, channel by the mix, delay by channel
        uc = np.float64(u_channel[i])
        j = 0
        for q in range(n_ch):
            j += chan_cum[q] <= uc  # searchsorted(chan_cum, u, "right") of a sorted row
        ch = res_channels[min(j, n_ch - 1)]
        res_channel[i] = ch
        if np.float64(u_report[i]) < p_report[category[i]]:
            t_res[i] = t + np.float64(e_report[i]) * delay[ch]
        else:
            t_res[i] = np.inf
        # part-time reporters: each sees a given matter at a rate per day
        r = rate_h[g]
        t_rep[i - lo] = t + np.float64(e_reporter[i]) / max(r, 1e-300) if r > 0 else np.inf
        # patrol: a phase in the cycle plus the passes that miss it, in grid working hours
        misses = np.floor(np.float64(log_miss[i - lo]) / log_keep) if has_misses else 0.0
        w = cycle[g] * (np.float64(u_patrol[i]) + misses)
        work[i - lo] = w
        # patrols end where cumulative working hours reach c (an unused 0 when the work is not finite)
        c[i - lo] = worked_at(start, hours, before, t) + w if np.isfinite(w) else 0.0


@njit(cache=True, nogil=True)
def _second_pass(lo: int, hi: int, t_occur: np.ndarray, severity: np.ndarray, e_growth: np.ndarray,
                 growth_mean: np.float32, start: np.ndarray, before: np.ndarray, t_rep: np.ndarray, work: np.ndarray,
                 c: np.ndarray, day: np.ndarray, t_discover: np.ndarray, channel: np.ndarray,
                 sev_out: np.ndarray) -> None:
    """Rows [lo, hi): the patrol time, the first of (patrol, resident, reporter), growth while undiscovered."""
    for i in range(lo, hi):
        t = t_occur[i]
        w = work[i - lo]
        if not np.isfinite(w):
            t_pat = np.inf
        elif w > 0:
            t_pat = maximum(at_day(start, before, day[i - lo], c[i - lo]), t)
        else:
            t_pat = t
        t_res = t_discover[i]
        t_r = t_rep[i - lo]
        # np.argmin over (patrol, resident, reporter): ties to the earlier, NaN first
        first, best = 0, t_pat
        if best == best and (t_res != t_res or t_res < best):
            first, best = 1, t_res
        if best == best and (t_r != t_r or t_r < best):
            first, best = 2, t_r
        t_discover[i] = best
        if first == 0:
            channel[i] = PATROL
        elif first == 2:
            channel[i] = REPORTER  # first == 1 keeps the resident's channel
        # a small matter left alone long enough becomes a big one (矛盾不上交 fails); float32 product as numpy's
        grows = severity[i] == 0 and best - t > e_growth[i] * growth_mean
        sev_out[i] = 1 if grows else severity[i]

