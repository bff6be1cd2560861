"""Matter inputs: every matter's random inputs, drawn once, up front (ARCHITECTURE 4).

``MatterInputs`` is the table an engine consumes: a struct of arrays, one row per
matter, numbered county by county and by occurrence time within a county,
``matter_id`` = row (counties share no station, so each county's matters are one
contiguous slice the vector engine runs on its own). It holds the matter's
fixed facts (time, grid, category, severity, registered grid) and the uniforms
and unit exponentials that later decide discovery, routing, failure,
satisfaction, reopening and petitioning. Engines turn them into outcomes with
the functions in ``sim.rules``; no engine draws a random number itself.

The table knows nothing of how it was made: ``generate_inputs`` below makes one
from a scenario, and a converter from a real event log can make another.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from sim.rng import Streams
from sim.rules.demand import grid_rates_per_hour, hourly_profile, sample_times
from sim.scenario.schema import Config
from sim.scenario.territory import Territory

N_LEVELS = 4

#: per-matter uniforms U(0,1) (float32), each from its own named stream
UNIFORMS: tuple[str, ...] = (
    "u_report",  # does the resident report it (vs the category's report probability)
    "u_channel",  # which resident channel (walk-in, app, hotline)
    "u_patrol",  # phase of the patrol cycle when the matter occurs
    "u_patrol_miss",  # how many passes the patrol needs to notice it
    "u_misclass",  # is it sent to the wrong module
    "u_misclass_to",  # which wrong module
    "u_party",  # does a party-member household settle a micro-dispute
    "u_hotline_settle",  # is a hotline call settled on the call
    "u_satisfy",  # callback: satisfied or not
    "u_reopen",  # dissatisfied: reopen or not
    "u_petition",  # dissatisfied past patience: petition or not
    "u_rework",  # work of a reopened matter
    "u_tie",  # tie-break among equal handlers
)
#: per-matter unit exponentials (float32): delays scale them by a configured mean
EXPONENTIALS: tuple[str, ...] = (
    "e_report",  # resident's reporting delay
    "e_reporter",  # part-time reporters' sighting delay
    "e_growth",  # time for an undiscovered small matter to grow
)
#: per-matter, per-level uniforms [n, 4] (float32)
LEVEL_UNIFORMS: tuple[str, ...] = (
    "u_service",  # work at each level (inverse CDF of the service distribution)
    "u_fail",  # does the attempt at each level fail
)


@dataclass(frozen=True)
class MatterInputs:
    """The matter input table (struct of arrays; n = number of matters)."""

    t_occur: np.ndarray  # [n] float64 hours since t = 0
    grid: np.ndarray  # [n] int32 origin grid
    registered_grid: np.ndarray  # [n] int32 registered grid (differs after relocation)
    category: np.ndarray  # [n] int16 index into catalog.categories
    severity: np.ndarray  # [n] int8 initial severity tier (0 small .. 3 beyond)
    surge: np.ndarray  # [n] int8 surge window that added it (-1 = base demand)
    u_report: np.ndarray
    u_channel: np.ndarray
    u_patrol: np.ndarray
    u_patrol_miss: np.ndarray
    u_misclass: np.ndarray
    u_misclass_to: np.ndarray
    u_party: np.ndarray
    u_hotline_settle: np.ndarray
    u_satisfy: np.ndarray
    u_reopen: np.ndarray
    u_petition: np.ndarray
    u_rework: np.ndarray
    u_tie: np.ndarray
    e_report: np.ndarray
    e_reporter: np.ndarray
    e_growth: np.ndarray
    u_service: np.ndarray  # [n, 4]
    u_fail: np.ndarray  # [n, 4]

    @property
    def n(self) -> int:
        return len(self.t_occur)

    @property
    def matter_id(self) -> np.ndarray:
        return np.arange(self.n, dtype=np.int64)

    def take(self, idx: np.ndarray) -> MatterInputs:
        """A sub-table (rows idx), e.g. for a sample or a slice of time."""
        return MatterInputs(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def to_frame(self) -> pd.DataFrame:
        """One column per field (per-level arrays as ``name_<level>``)."""
        cols: dict[str, np.ndarray] = {"matter_id": self.matter_id}
        for f in fields(self):
            a = getattr(self, f.name)
            if a.ndim == 2:
                for j in range(a.shape[1]):
                    cols[f"{f.name}_{j}"] = a[:, j]
            else:
                cols[f.name] = a
        return pd.DataFrame(cols)

    @staticmethod
    def concat(parts: list[MatterInputs]) -> MatterInputs:
        return MatterInputs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                               for f in fields(MatterInputs)})


def _draw_block(s: Streams, prefix: str, t: np.ndarray, grid: np.ndarray, category: np.ndarray,
                surge: int, cfg: Config, terr: Territory) -> MatterInputs:
    """Attributes of one block of matters, each from its own stream named ``prefix:field``."""
    n = len(t)
    cats = list(cfg.catalog.categories.values())
    sev_cum = np.cumsum([c.severity_mix for c in cats], axis=1)
    u_sev = s(f"{prefix}:severity").random(n)
    severity = np.zeros(n, dtype=np.int8)
    for k in range(len(cats)):
        m = category == k
        severity[m] = np.minimum(np.searchsorted(sev_cum[k], u_sev[m] * sev_cum[k, -1], side="right"), 3)
    registered = _registered_grids(s, prefix, grid, cfg, terr)
    cols: dict[str, np.ndarray] = {}
    for name in UNIFORMS:
        cols[name] = s(f"{prefix}:{name}").random(n, dtype=np.float32)
    for name in EXPONENTIALS:
        cols[name] = s(f"{prefix}:{name}").standard_exponential(n, dtype=np.float32)
    for name in LEVEL_UNIFORMS:
        cols[name] = s(f"{prefix}:{name}").random((n, N_LEVELS), dtype=np.float32)
    return MatterInputs(t_occur=t, grid=grid.astype(np.int32), registered_grid=registered,
                        category=category.astype(np.int16), severity=severity,
                        surge=np.full(n, surge, dtype=np.int8), **cols)


def _registered_grids(s: Streams, prefix: str, grid: np.ndarray, cfg: Config, terr: Territory) -> np.ndarray:
    """Registered grid: with the mismatch share, another grid of the same county (s001)."""
    n = len(grid)
    moved = s(f"{prefix}:registration").random(n) < cfg.scenario.mismatch_share
    pick = s(f"{prefix}:registered_grid").random(n)
    county = terr.grid_county[grid]
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties), side="left")
    size = np.bincount(terr.grid_county, minlength=terr.n_counties)
    step = 1 + (pick * np.maximum(size[county] - 1, 1)).astype(np.int64)  # never 0: another grid
    other = first[county] + (grid - first[county] + step) % size[county]
    return np.where(moved & (size[county] > 1), other, grid).astype(np.int32)


def horizon_hours(cfg: Config) -> int:
    """Hours the profile covers: the horizon rounded up (the last hour may be partial)."""
    return int(np.ceil(cfg.run.horizon_days * 24.0))


def _last_hour(cfg: Config) -> float:
    """Length of the last profile hour, so that no matter occurs at or after the horizon."""
    h = cfg.run.horizon_days * 24.0
    return float(h - (horizon_hours(cfg) - 1)) if horizon_hours(cfg) > 0 else 1.0


def _profile(cfg: Config) -> np.ndarray:
    """The hourly rate profile over the horizon, the last (partial) hour weighted by its length."""
    prof = hourly_profile(cfg, horizon_hours(cfg))
    if len(prof):
        prof[-1] *= _last_hour(cfg)
    return prof


def expected_counts(cfg: Config, terr: Territory) -> tuple[float, list[float]]:
    """Expected matters over the horizon: (base demand, each surge's extra)."""
    n_hours = horizon_hours(cfg)
    if cfg.textbook.enabled:
        return cfg.textbook.arrival_rate_per_hour * cfg.run.horizon_days * 24.0, []
    prof = _profile(cfg)
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)
    names = list(cfg.catalog.categories)
    extra = []
    for sg in cfg.scenario.surges:
        a, b = _window(sg.start_day, sg.days, n_hours)
        ks = [names.index(c) for c in sg.categories]
        extra.append(float(rates[:, ks].sum() * (sg.multiplier - 1.0) * prof[a:b].sum()))
    return float(rates.sum() * prof.sum()), extra


def _window(start_day: float, days: float, n_hours: int) -> tuple[int, int]:
    a = min(int(round(start_day * 24.0)), n_hours)
    return a, min(int(round((start_day + days) * 24.0)), n_hours)


def generate_inputs(cfg: Config, terr: Territory, replication: int = 0) -> MatterInputs:
    """Draw the matter input table of one replication."""
    s = Streams(cfg.run.seed, replication)
    n_hours = horizon_hours(cfg)
    if cfg.textbook.enabled:
        h = cfg.run.horizon_days * 24.0
        n = int(s("occurrence:count").poisson(cfg.textbook.arrival_rate_per_hour * h))
        t = np.sort(s("occurrence:time").random(n) * h)
        zeros = np.zeros(n, dtype=np.int64)
        block = _draw_block(s, "base", t, zeros, zeros, -1, cfg, terr)
        # one station that settles everything: every matter is within the grid's authority
        return replace(block, severity=np.zeros(n, dtype=np.int8))
    prof = _profile(cfg)
    last = _last_hour(cfg)
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)  # [G, K]
    # Every grid shares the time profile, so N ~ Poisson(total) sorted times with a
    # categorical grid each is the same process as independent per-grid Poisson
    # streams, and needs no permutation of the whole table afterwards.
    per_grid = rates.sum(axis=1)
    n = int(s("occurrence:count").poisson(per_grid.sum() * prof.sum()))
    t = np.sort(sample_times(s("occurrence:time"), n, prof, 0, last))
    grid_cum = np.cumsum(per_grid)
    grid = np.searchsorted(grid_cum, s("occurrence:grid").random(n) * grid_cum[-1], side="right")
    grid = np.minimum(grid, terr.n_grids - 1)
    # number the matters county by county (a stable sort keeps time order within a county)
    by_county = np.argsort(terr.grid_county[grid], kind="stable")
    t, grid = t[by_county], grid[by_county]
    # category given grid: per-grid mix, by one uniform
    cum = np.cumsum(rates, axis=1)
    u = s("occurrence:category").random(len(grid))
    category = np.empty(len(grid), dtype=np.int64)
    # grids share a handful of distinct mixes (urban / rural), so search per distinct mix
    mixes, mix_of_grid = np.unique(np.round(cum / cum[:, -1:], 12), axis=0, return_inverse=True)
    mix_of_matter = mix_of_grid.ravel()[grid]
    for j in range(len(mixes)):
        m = mix_of_matter == j
        category[m] = np.searchsorted(mixes[j], u[m], side="right")
    category = np.minimum(category, rates.shape[1] - 1)
    blocks = [_draw_block(s, "base", t, grid, category, -1, cfg, terr)]
    names = list(cfg.catalog.categories)
    for i, sg in enumerate(cfg.scenario.surges):
        a, b = _window(sg.start_day, sg.days, n_hours)
        if b <= a or sg.multiplier <= 1.0:
            continue
        ks = np.array([names.index(c) for c in sg.categories], dtype=np.int64)
        lam = rates[:, ks] * (sg.multiplier - 1.0) * prof[a:b].sum()  # [G, len(ks)]
        c = s(f"surge{i}:occurrence:count").poisson(lam).ravel()
        cell = np.repeat(np.arange(lam.size), c)
        g, kk = np.divmod(cell, len(ks))
        ts = sample_times(s(f"surge{i}:occurrence:time"), len(cell), prof[a:b], a, last if b == n_hours else 1.0)
        blocks.append(_draw_block(s, f"surge{i}", ts, g, ks[kk], i, cfg, terr))
    if len(blocks) == 1:
        return blocks[0]
    table = MatterInputs.concat(blocks)
    return table.take(np.lexsort((table.t_occur, terr.grid_county[table.grid])))
