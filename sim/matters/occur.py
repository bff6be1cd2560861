"""Matters occur: every matter's random inputs drawn once, up front, from named streams (MODEL.md 4.1).

``generate_inputs`` makes the matter input table (``sim.records.inputs.MatterInputs``)
from a scenario; ``inputs_from_cases`` makes one from cases a log gives (``sim.logs.replay``).
Which of the two a run uses is decided once, in ``sim.runs.source``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from functools import partial

import numpy as np
from numba import njit

from sim.records.inputs import EXPONENTIALS, LEVEL_UNIFORMS, N_LEVELS, UNIFORMS, MatterInputs
from sim.rules.demand import grid_rates_per_hour, hourly_profile, sample_times
from sim.scenario.constants import PATROL, REPORTER, RESIDENT_CHANNELS
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.util.parallel import available_workers, row_ranges, run_rows, run_tasks
from sim.util.rng import Streams, uniform_range
from sim.util.search import make_guide, search_right_into


def _draw_block(s: Streams, prefix: str, t: np.ndarray, grid: np.ndarray, category: np.ndarray,
                surge: int, cfg: Config, terr: Territory) -> MatterInputs:
    """Attributes of one block of matters, each from its own stream named ``prefix:field``.

    The streams are independent, so they are drawn side by side (and the two that
    feed a kernel, range by range): the same numbers whatever the number of threads.
    """
    n = len(t)
    workers = available_workers(cfg.engine.workers)
    grid = grid.astype(np.int32, copy=False)
    category = category.astype(np.int16, copy=False)
    cats = list(cfg.catalog.categories.values())
    sev_cum = np.cumsum([c.severity_mix for c in cats], axis=1)
    severity = np.empty(n, dtype=np.int8)

    def severities(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s(f"{prefix}:severity"), lo, hi):
            _severities(category[a:b], u, sev_cum, severity[a:b])

    cols: dict[str, np.ndarray] = {}

    def column(name: str, kind: str) -> Callable[[], None]:
        def draw() -> None:
            rng = s(f"{prefix}:{name}")
            if kind == "exponential":
                cols[name] = rng.standard_exponential(n, dtype=np.float32)
            else:
                cols[name] = rng.random((n, N_LEVELS) if kind == "level" else n, dtype=np.float32)
        return draw

    registered, moved_tasks = _registered_grids(s, prefix, grid, cfg, terr, workers)
    # the largest first, so that the threads end together
    tasks = ([column(name, "level") for name in LEVEL_UNIFORMS]
             + [column(name, "exponential") for name in EXPONENTIALS]
             + [column(name, "uniform") for name in UNIFORMS]
             + [partial(severities, lo, hi) for lo, hi in row_ranges(n, workers)] + moved_tasks)
    run_tasks(tasks, workers)
    return MatterInputs(t_occur=t, grid=grid, registered_grid=registered, category=category, severity=severity,
                        surge=np.full(n, surge, dtype=np.int8), **cols)


@njit(cache=True, nogil=True)
def _severities(category: np.ndarray, u: np.ndarray, sev_cum: np.ndarray, out: np.ndarray) -> None:
    """Initial severity by the category's mix: searchsorted(cum, u * cum[-1], "right"), at most 3."""
    n_k, n_s = sev_cum.shape
    for i in range(len(u)):
        k = category[i]
        if 0 <= k < n_k:
            x = u[i] * sev_cum[k, n_s - 1]
            j = 0
            for s in range(n_s):
                j += sev_cum[k, s] <= x  # a count is the right search of a sorted row (u is never NaN)
            out[i] = min(j, 3)
        else:
            out[i] = 0


def _registered_grids(s: Streams, prefix: str, grid: np.ndarray, cfg: Config, terr: Territory,
                      workers: int) -> tuple[np.ndarray, list[Callable[[], None]]]:
    """Registered grid: with the mismatch share, another grid of the same county (s001).

    Returns the array and the tasks that fill it (none when nobody moved).
    """
    n = len(grid)
    share = cfg.scenario.mismatch_share
    if not share > 0.0:
        # u < share never holds for u in [0, 1): nobody moved, and the two streams need not be drawn
        return grid.astype(np.int32), []
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties), side="left").astype(np.int64)
    size = np.bincount(terr.grid_county, minlength=terr.n_counties).astype(np.int64)
    out = np.empty(n, dtype=np.int32)

    def fill(lo: int, hi: int) -> None:
        moved = uniform_range(s(f"{prefix}:registration"), lo, hi)
        picks = uniform_range(s(f"{prefix}:registered_grid"), lo, hi)
        for (a, b, u_moved), (_, _, pick) in zip(moved, picks, strict=True):
            _moved_grids(grid[a:b], terr.grid_county, first, size, u_moved, float(share), pick, out[a:b])

    return out, [partial(fill, lo, hi) for lo, hi in row_ranges(n, workers)]


@njit(cache=True, nogil=True)
def _moved_grids(grid: np.ndarray, grid_county: np.ndarray, first: np.ndarray, size: np.ndarray,
                 u_moved: np.ndarray, share: float, pick: np.ndarray, out: np.ndarray) -> None:
    """A moved matter's registered grid: ``step`` (never 0) grids on within its county, wrapping round."""
    for i in range(len(grid)):
        g = grid[i]
        c = grid_county[g]
        size_c = size[c]
        if u_moved[i] < share and size_c > 1:
            step = 1 + int(pick[i] * max(size_c - 1, 1))
            out[i] = first[c] + (g - first[c] + step) % size_c
        else:
            out[i] = g


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


def county_streams(s: Streams, county: int) -> Streams:
    """A county's own streams: ``county<c>:<name>``. County 0's keep the plain names, so a one-county
    territory draws exactly what it drew before the streams were keyed by county."""
    return s.within(f"county{county}:" if county else "")


def generate_inputs(cfg: Config, terr: Territory, replication: int = 0,
                    counties: Sequence[int] | None = None) -> MatterInputs:
    """Draw the matter input table of one replication (of ``counties`` only, in county order, when given).

    Each county's matters are drawn from streams keyed by the county (``county_streams``), so a
    block of counties drawn alone (a streamed run's task, ``sim.runs.stream``) is exactly its rows
    of the whole territory's table.
    """
    s = Streams(cfg.run.seed, replication)
    if cfg.textbook.enabled:
        h = cfg.run.horizon_days * 24.0
        n = int(s("occurrence:count").poisson(cfg.textbook.arrival_rate_per_hour * h))
        t = np.sort(s("occurrence:time").random(n) * h)
        zeros = np.zeros(n, dtype=np.int64)
        block = _draw_block(s, "base", t, zeros, zeros, -1, cfg, terr)
        # one station that settles everything: every matter is within the grid's authority
        return replace(block, severity=np.zeros(n, dtype=np.int8))
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)  # [G, K]
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties + 1), side="left")
    wanted = range(terr.n_counties) if counties is None else counties
    tables = [_county_inputs(county_streams(s, c), cfg, terr, rates, int(first[c]), int(first[c + 1]))
              for c in wanted]
    if len(tables) == 1:
        return tables[0]
    return _concatenate(tables)


def county_counts(cfg: Config, terr: Territory, replication: int = 0) -> np.ndarray:
    """Matters of each county in ``generate_inputs``' table (its first draws only: no matter is drawn)."""
    s = Streams(cfg.run.seed, replication)
    if cfg.textbook.enabled:
        return np.array([generate_inputs(cfg, terr, replication).n], np.int64)
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties + 1), side="left")
    prof = _profile(cfg)
    out = np.zeros(terr.n_counties, np.int64)
    for c in range(terr.n_counties):
        sc = county_streams(s, c)
        r = rates[first[c]:first[c + 1]]
        out[c] = int(sc("occurrence:count").poisson(r.sum(axis=1).sum() * prof.sum()))
        for i, lam in _surge_means(cfg, r, prof):
            out[c] += int(sc(f"surge{i}:occurrence:count").poisson(lam).sum())
    return out


def _surge_means(cfg: Config, rates: np.ndarray, prof: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(surge number, expected extra matters [grids, its categories]) of each surge that adds any."""
    names = list(cfg.catalog.categories)
    out = []
    for i, sg in enumerate(cfg.scenario.surges):
        a, b = _window(sg.start_day, sg.days, len(prof))
        if b <= a or sg.multiplier <= 1.0:
            continue
        ks = np.array([names.index(c) for c in sg.categories], dtype=np.int64)
        out.append((i, rates[:, ks] * (sg.multiplier - 1.0) * prof[a:b].sum()))
    return out


def _county_inputs(s: Streams, cfg: Config, terr: Territory, all_rates: np.ndarray, g0: int,
                   g1: int) -> MatterInputs:
    """One county's matters (grids g0..g1-1) in time order, surges merged in, from its own streams."""
    n_hours = horizon_hours(cfg)
    prof = _profile(cfg)
    last = _last_hour(cfg)
    rates = all_rates[g0:g1]
    # Every grid shares the time profile, so N ~ Poisson(total) sorted times with a
    # categorical grid each is the same process as independent per-grid Poisson
    # streams, and needs no permutation of the whole table afterwards.
    per_grid = rates.sum(axis=1)
    n = int(s("occurrence:count").poisson(per_grid.sum() * prof.sum()))
    workers = available_workers(cfg.engine.workers)
    t = sample_times(s("occurrence:time"), n, prof, 0, last, workers)
    t.sort()
    local = _grids(s, n, per_grid, workers)
    category = _categories(s, local, rates, workers)
    blocks = [_draw_block(s, "base", t, local + np.int32(g0), category, -1, cfg, terr)]
    names = list(cfg.catalog.categories)
    for i, lam in _surge_means(cfg, rates, prof):
        sg = cfg.scenario.surges[i]
        a, b = _window(sg.start_day, sg.days, n_hours)
        ks = np.array([names.index(c) for c in sg.categories], dtype=np.int64)
        c = s(f"surge{i}:occurrence:count").poisson(lam).ravel()
        cell = np.repeat(np.arange(lam.size), c)
        g, kk = np.divmod(cell, len(ks))
        ts = sample_times(s(f"surge{i}:occurrence:time"), len(cell), prof[a:b], a, last if b == n_hours else 1.0,
                          workers)
        blocks.append(_draw_block(s, f"surge{i}", ts, g + g0, ks[kk], i, cfg, terr))
    if len(blocks) == 1:
        return blocks[0]
    return _merge_blocks(blocks, terr)


def _concatenate(tables: list[MatterInputs]) -> MatterInputs:
    """The counties' tables end to end, field by field (each county's column let go once copied)."""
    cols = [{f.name: getattr(b, f.name) for f in fields(MatterInputs)} for b in tables]
    tables.clear()
    return MatterInputs(**{f.name: np.concatenate([c.pop(f.name) for c in cols]) for f in fields(MatterInputs)})


def _grids(s: Streams, n: int, per_grid: np.ndarray, workers: int) -> np.ndarray:
    """Each matter's grid, in proportion to the grid's rate: searchsorted(cum, u * cum[-1], "right")."""
    grid = np.empty(n, np.int32)
    g = make_guide(np.cumsum(per_grid))

    def fill(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s("occurrence:grid"), lo, hi):
            search_right_into(g.pad, g.idx, g.lo, g.scale, u, g.a[-1], len(per_grid) - 1, grid[a:b])

    run_rows(fill, n, workers)
    return grid


def _categories(s: Streams, grid: np.ndarray, rates: np.ndarray, workers: int) -> np.ndarray:
    """Category given grid: the grid's category mix, by one uniform (int16)."""
    cum = np.cumsum(rates, axis=1)
    # grids share a handful of distinct mixes (urban / rural): search the grid's distinct mix
    mixes, mix_of_grid = np.unique(np.round(cum / cum[:, -1:], 12), axis=0, return_inverse=True)
    mix_of_grid, mixes = mix_of_grid.ravel().astype(np.int64), np.ascontiguousarray(mixes)
    category = np.empty(len(grid), dtype=np.int16)

    def fill(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s("occurrence:category"), lo, hi):
            _category_of(grid[a:b], mix_of_grid, mixes, u, rates.shape[1] - 1, category[a:b])

    run_rows(fill, len(grid), workers)
    return category


@njit(cache=True, nogil=True)
def _category_of(grid: np.ndarray, mix_of_grid: np.ndarray, mixes: np.ndarray, u: np.ndarray, cap: int,
                 out: np.ndarray) -> None:
    """Category of each matter: searchsorted(its grid's cumulative mix, u, "right"), at most ``cap``."""
    n_k = mixes.shape[1]
    for i in range(len(u)):
        row = mix_of_grid[grid[i]]
        x = u[i]
        j = 0
        for k in range(n_k):
            j += mixes[row, k] <= x  # a count is the right search of a sorted row (u is never NaN)
        out[i] = min(j, cap)


def _merge_blocks(blocks: list[MatterInputs], terr: Territory) -> MatterInputs:
    """The blocks as one table in (county, time) order, ties in block order (as a stable lexsort).

    The base block is already in that order, so only the (small) surge blocks are
    sorted, then merged in. Each field is gathered once, and the list is emptied so
    that the blocks' columns go as they are used: at most one column is extra.
    """
    base = blocks[0]
    cols = [{f.name: getattr(b, f.name) for f in fields(MatterInputs)} for b in blocks]
    blocks.clear()
    surge_t = np.concatenate([c["t_occur"] for c in cols[1:]])
    surge_county = terr.grid_county[np.concatenate([c["grid"] for c in cols[1:]])]
    surge_order = np.lexsort((surge_t, surge_county)).astype(np.int64)
    order = np.empty(base.n + len(surge_t), np.int64)
    _merge_order(terr.grid_county[base.grid], base.t_occur, surge_county[surge_order], surge_t[surge_order],
                 surge_order, order)
    del base
    out: dict[str, np.ndarray] = {}
    for f in fields(MatterInputs):
        out[f.name] = np.concatenate([c.pop(f.name) for c in cols])[order]
    return MatterInputs(**out)


@njit(cache=True, nogil=True)
def _merge_order(county_a: np.ndarray, t_a: np.ndarray, county_b: np.ndarray, t_b: np.ndarray, rows_b: np.ndarray,
                 out: np.ndarray) -> None:
    """Merge sorted runs a (rows 0..) and b (rows len(a) + rows_b) by (county, t); ties go to a."""
    n_a, n_b = len(t_a), len(t_b)
    i = j = 0
    for k in range(n_a + n_b):
        if j >= n_b or (i < n_a and (county_a[i] < county_b[j]
                                     or (county_a[i] == county_b[j] and not t_b[j] < t_a[i]))):
            out[k] = i
            i += 1
        else:
            out[k] = n_a + rows_b[j]
            j += 1


# ------------------------------------------------------------------ inputs from a log (replay)
#: the largest float32 below 1: a patrol phase that puts the first pass a whole cycle away
_LATE = np.float32(np.nextafter(np.float32(1.0), np.float32(0.0)))


def inputs_from_cases(cfg: Config, terr: Territory, t: np.ndarray, grid: np.ndarray, category: np.ndarray,
                      channel: np.ndarray, replication: int = 0) -> MatterInputs:
    """Matter inputs for given matters (a log's cases), in (county, time) order.

    ``t`` (hours since t = 0), ``grid`` and ``category`` are the matters' own;
    everything else (severity, work and failure per level, outcome uniforms, the
    registered grid) is drawn from streams named ``replay:<field>`` as for generated
    matters. ``channel`` (a ``CHANNELS`` index, -1 = unknown) fixes discovery: a
    matter with a channel is discovered at ``t`` through that channel (the log's
    created time is when it was taken in); one without is discovered as a generated
    matter is (patrol, resident report or reporter, whichever comes first, from the
    streams). The discovery rules are not changed: the uniforms that drive them are
    set so that they give exactly that (``sim.logs.replay`` checks each channel is
    possible in the scenario).
    """
    s = Streams(cfg.run.seed, replication)
    block = _draw_block(s, "replay", np.asarray(t, dtype=np.float64), np.asarray(grid, dtype=np.int32),
                        np.asarray(category, dtype=np.int16), -1, cfg, terr)
    ch = np.asarray(channel, dtype=np.int8)
    if not (ch >= 0).any():
        return block
    u_report, e_report, u_channel = block.u_report.copy(), block.e_report.copy(), block.u_channel.copy()
    u_patrol, u_patrol_miss, e_reporter = block.u_patrol.copy(), block.u_patrol_miss.copy(), block.e_reporter.copy()
    patrol, reporter = ch == PATROL, ch == REPORTER
    resident = np.isin(ch, np.asarray(RESIDENT_CHANNELS, np.int8))
    # patrol: a pass at the moment of occurrence (phase 0, no missed passes); patrol wins ties
    u_patrol[patrol], u_patrol_miss[patrol], u_report[patrol] = 0.0, 1.0, 1.0
    # the others: the patrol passes a whole cycle later, the channel's report comes at once
    u_patrol[resident | reporter] = _LATE
    u_report[resident], e_report[resident] = 0.0, 0.0
    mix = np.asarray(cfg.discovery.channel_mix, dtype=np.float64)[list(RESIDENT_CHANNELS)]
    cum = np.cumsum(mix) / mix.sum()
    for q, code in enumerate(RESIDENT_CHANNELS):
        lo, hi = (cum[q - 1] if q else 0.0), cum[q]
        rows = ch == code
        if rows.any() and hi > lo:
            # a uniform inside the channel's share of the mix: the channel the rules then choose
            u_channel[rows] = np.float32((lo + hi) / 2.0)
    u_report[reporter], e_reporter[reporter] = 1.0, 0.0  # no resident report; a reporter sees it at once
    return replace(block, u_report=u_report, e_report=e_report, u_channel=u_channel, u_patrol=u_patrol,
                   u_patrol_miss=u_patrol_miss, e_reporter=e_reporter)
