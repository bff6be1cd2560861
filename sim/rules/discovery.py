"""Discovery (问题发现): whichever comes first of resident report, patrol and part-time reporter.

Pure array functions of the matter inputs and the scenario (MODEL.md 4.2).
Patrol is a fixed share of each full-time worker's time, so when a patrol
passes a matter does not depend on the queues: both engines compute it here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs import MatterInputs
from sim.rules.calendar import WorkCalendar
from sim.scenario.constants import HOTLINE, PATROL, REPORTER, RESIDENT_CHANNELS, WALK_IN
from sim.scenario.schema import Config
from sim.scenario.territory import Territory


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
    # resident report: probability by category, channel by the mix, delay by channel
    p_report = np.minimum(np.array([c.report_prob for c in cats]) * d.report_factor, 1.0)[m.category]
    mix = np.asarray(d.channel_mix, dtype=np.float64)[list(RESIDENT_CHANNELS)]
    cum = np.cumsum(mix) / mix.sum()
    res_channel = np.asarray(RESIDENT_CHANNELS, np.int8)[np.minimum(np.searchsorted(cum, m.u_channel, side="right"), 2)]
    res_delay = m.e_report * np.asarray(d.report_delay_hours, dtype=np.float64)[res_channel]
    t_res = np.where(m.u_report < p_report, m.t_occur + res_delay, np.inf)
    # patrol: a phase in the cycle plus the passes that miss it, in grid working hours
    cycle = patrol_cycle_hours(cfg, terr)[m.grid]
    p = d.patrol_detect_prob
    misses = np.floor(np.log(np.maximum(m.u_patrol_miss, 1e-12)) / np.log(1.0 - p)) if p < 1.0 else 0.0
    patrol_work = cycle * (m.u_patrol + misses)
    t_pat = np.full(n, np.inf)
    ok = np.isfinite(patrol_work)
    t_pat[ok] = grid_cal.advance(m.t_occur[ok], patrol_work[ok])
    # part-time reporters: each sees a given matter at a rate per day
    rate_h = terr.grid_parttime[m.grid] * d.reporter_rate_per_day / 24.0
    with np.errstate(divide="ignore"):
        t_rep = np.where(rate_h > 0, m.t_occur + m.e_reporter / np.maximum(rate_h, 1e-300), np.inf)
    times = np.stack([t_pat, t_res, t_rep])
    first = np.argmin(times, axis=0)
    t_discover = times[first, np.arange(n)]
    channel = np.where(first == 0, PATROL, np.where(first == 1, res_channel, REPORTER)).astype(np.int8)
    # a small matter left alone long enough becomes a big one (矛盾不上交 fails)
    grows = (m.severity == 0) & (t_discover - m.t_occur > m.e_growth * d.growth_hours_mean)
    severity = np.where(grows, 1, m.severity).astype(np.int8)
    return Discovery(t_discover, channel, severity)


def is_hotline(channel: np.ndarray) -> np.ndarray:
    return channel == HOTLINE
