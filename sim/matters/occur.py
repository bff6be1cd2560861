"""Matters occur: every matter's random inputs drawn once, up front, from named streams (MODEL.md 4.1).

``generate_inputs`` makes the matter input table (``sim.records.inputs.MatterInputs``)
from a scenario; ``inputs_from_cases`` makes one from cases a log gives (``sim.logs.replay``).
Which of the two a run uses is decided once, in ``sim.runs.source``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

import numpy as np
from numba import njit

from sim.matters.table import empty_table, merge_surges_into, rows_of
from sim.records.inputs import EXPONENTIALS, LEVEL_UNIFORMS, UNIFORMS, MatterInputs
from sim.rules.demand import grid_rates_per_hour, hourly_profile, sample_times
from sim.scenario.constants import PATROL, REPORTER, RESIDENT_CHANNELS
from sim.scenario.schema import Config
from sim.scenario.territory import Territory
from sim.util.parallel import available_workers, row_ranges, run_rows, run_tasks
from sim.util.rng import Streams, uniform_range
from sim.util.search import make_guide, search_right_into


def _fill_block(s: Streams, prefix: str, out: MatterInputs, surge: int, cfg: Config, terr: Territory) -> None:
    """Draw the attributes of one block of matters into ``out`` (its time, grid and category already there).

    Each attribute comes from its own stream named ``prefix:field``. The streams are
    independent, so they are drawn side by side (and the two that feed a kernel, range
    by range), each straight into its column: the same numbers whatever the number of threads.
    """
    n = out.n
    workers = available_workers(cfg.engine.workers)
    cats = list(cfg.catalog.categories.values())
    sev_cum = np.cumsum([c.severity_mix for c in cats], axis=1)

    def severities(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s(f"{prefix}:severity"), lo, hi):
            _severities(out.category[a:b], u, sev_cum, out.severity[a:b])

    def column(name: str, exponential: bool) -> Callable[[], None]:
        def draw() -> None:
            rng, col = s(f"{prefix}:{name}"), getattr(out, name)
            if exponential:
                rng.standard_exponential(dtype=np.float32, out=col)
            else:
                rng.random(dtype=np.float32, out=col)
        return draw

    moved_tasks = _registered_grids(s, prefix, out.grid, out.registered_grid, cfg, terr, workers)
    # the largest first, so that the threads end together
    tasks = ([column(name, False) for name in LEVEL_UNIFORMS]
             + [column(name, True) for name in EXPONENTIALS]
             + [column(name, False) for name in UNIFORMS]
             + [partial(severities, lo, hi) for lo, hi in row_ranges(n, workers)] + moved_tasks)
    run_tasks(tasks, workers)
    out.surge.fill(surge)


def _block_of(s: Streams, prefix: str, t: np.ndarray, grid: np.ndarray, category: np.ndarray, surge: int,
              cfg: Config, terr: Territory) -> MatterInputs:
    """A new table of the matters at times ``t`` in ``grid`` of ``category``, the rest drawn (``_fill_block``)."""
    out = empty_table(len(t))
    out.t_occur[:], out.grid[:], out.category[:] = t, grid, category
    _fill_block(s, prefix, out, surge, cfg, terr)
    return out


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


def _registered_grids(s: Streams, prefix: str, grid: np.ndarray, out: np.ndarray, cfg: Config, terr: Territory,
                      workers: int) -> list[Callable[[], None]]:
    """Registered grid into ``out``: with the mismatch share, another grid of the same county (s001).

    Returns the tasks that fill it (none when nobody moved: it is then filled at once).
    """
    n = len(grid)
    share = cfg.scenario.mismatch_share
    if not share > 0.0:
        # u < share never holds for u in [0, 1): nobody moved, and the two streams need not be drawn
        out[:] = grid
        return []
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties), side="left").astype(np.int64)
    size = np.bincount(terr.grid_county, minlength=terr.n_counties).astype(np.int64)

    def fill(lo: int, hi: int) -> None:
        moved = uniform_range(s(f"{prefix}:registration"), lo, hi)
        picks = uniform_range(s(f"{prefix}:registered_grid"), lo, hi)
        for (a, b, u_moved), (_, _, pick) in zip(moved, picks, strict=True):
            _moved_grids(grid[a:b], terr.grid_county, first, size, u_moved, float(share), pick, out[a:b])

    return [partial(fill, lo, hi) for lo, hi in row_ranges(n, workers)]


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
    of the whole territory's table. The table is allocated once, each county's count known
    from its count streams' first draws, and each county draws straight into its rows
    (``sim.matters.table``).
    """
    s = Streams(cfg.run.seed, replication)
    if cfg.textbook.enabled:
        out = empty_table(_textbook_count(s, cfg))
        rng = s("occurrence:time")
        rng.random(out=out.t_occur)
        np.multiply(out.t_occur, cfg.run.horizon_days * 24.0, out=out.t_occur)
        out.t_occur.sort()
        out.grid.fill(0)
        out.category.fill(0)
        _fill_block(s, "base", out, -1, cfg, terr)
        # one station that settles everything: every matter is within the grid's authority
        out.severity.fill(0)
        return out
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)  # [G, K]
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties + 1), side="left")
    prof = _profile(cfg)
    wanted = list(range(terr.n_counties) if counties is None else counties)
    counts = [_county_counts(county_streams(s, c), cfg, rates[first[c]:first[c + 1]], prof) for c in wanted]
    out = empty_table(sum(_rows(n, extra) for n, extra in counts))
    lo = 0
    for c, (n, extra) in zip(wanted, counts, strict=True):
        hi = lo + _rows(n, extra)
        _county_inputs(county_streams(s, c), cfg, terr, rates, int(first[c]), int(first[c + 1]), n, extra,
                       rows_of(out, lo, hi))
        lo = hi
    return out


def _textbook_count(s: Streams, cfg: Config) -> int:
    """The textbook case's matters over the horizon (one Poisson draw)."""
    h = cfg.run.horizon_days * 24.0  # the hours first, then the rate times them: the mean as it always was
    return int(s("occurrence:count").poisson(cfg.textbook.arrival_rate_per_hour * h))


def county_counts(cfg: Config, terr: Territory, replication: int = 0) -> np.ndarray:
    """Matters of each county in ``generate_inputs``' table (its first draws only: no matter is drawn)."""
    s = Streams(cfg.run.seed, replication)
    if cfg.textbook.enabled:
        return np.array([_textbook_count(s, cfg)], np.int64)
    rates = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban)
    first = np.searchsorted(terr.grid_county, np.arange(terr.n_counties + 1), side="left")
    prof = _profile(cfg)
    out = np.zeros(terr.n_counties, np.int64)
    for c in range(terr.n_counties):
        out[c] = _rows(*_county_counts(county_streams(s, c), cfg, rates[first[c]:first[c + 1]], prof))
    return out


def _county_counts(s: Streams, cfg: Config, rates: np.ndarray, prof: np.ndarray
                   ) -> tuple[int, list[tuple[int, np.ndarray]]]:
    """A county's base matters and, for each surge that adds any, (surge number, extra matters
    [grids, its categories]): the first draws of its count streams, which ``_county_inputs`` uses."""
    n = int(s("occurrence:count").poisson(rates.sum(axis=1).sum() * prof.sum()))
    return n, [(i, s(f"surge{i}:occurrence:count").poisson(lam)) for i, lam in _surge_means(cfg, rates, prof)]


def _rows(n: int, extra: list[tuple[int, np.ndarray]]) -> int:
    """A county's rows: its base matters and every surge's."""
    return n + sum(int(per_cell.sum()) for _, per_cell in extra)


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


def _county_inputs(s: Streams, cfg: Config, terr: Territory, all_rates: np.ndarray, g0: int, g1: int,
                   n: int, extra: list[tuple[int, np.ndarray]], out: MatterInputs) -> None:
    """One county's matters (grids g0..g1-1) into ``out``, its rows, in time order, surges merged in.

    ``n`` base matters and the ``extra`` surge counts are its count streams' first draws
    (``_county_counts``); every other draw comes from the county's streams here.
    """
    n_hours = horizon_hours(cfg)
    prof = _profile(cfg)
    last = _last_hour(cfg)
    rates = all_rates[g0:g1]
    # Every grid shares the time profile, so N ~ Poisson(total) sorted times with a
    # categorical grid each is the same process as independent per-grid Poisson
    # streams, and needs no permutation of the whole table afterwards.
    per_grid = rates.sum(axis=1)
    workers = available_workers(cfg.engine.workers)
    base = rows_of(out, 0, n)  # all of out when there is no surge
    sample_times(s("occurrence:time"), n, prof, 0, last, workers, out=base.t_occur)
    base.t_occur.sort()
    _grids(s, n, per_grid, workers, base.grid)
    _categories(s, base.grid, rates, workers, base.category)  # by the grid within the county
    np.add(base.grid, np.int32(g0), out=base.grid)  # in place (the table's fields cannot be rebound)
    _fill_block(s, "base", base, -1, cfg, terr)
    names = list(cfg.catalog.categories)
    surges = []
    for i, per_cell in extra:
        sg = cfg.scenario.surges[i]
        a, b = _window(sg.start_day, sg.days, n_hours)
        ks = np.array([names.index(c) for c in sg.categories], dtype=np.int64)
        cell = np.repeat(np.arange(per_cell.size), per_cell.ravel())
        g, kk = np.divmod(cell, len(ks))
        ts = sample_times(s(f"surge{i}:occurrence:time"), len(cell), prof[a:b], a, last if b == n_hours else 1.0,
                          workers)
        surges.append(_block_of(s, f"surge{i}", ts, g + g0, ks[kk], i, cfg, terr))
    if surges:
        merge_surges_into(out, n, surges, terr.grid_county)


def _grids(s: Streams, n: int, per_grid: np.ndarray, workers: int, grid: np.ndarray) -> None:
    """Each matter's grid into ``grid`` (int32 [n]), in proportion to the grid's rate:
    searchsorted(cum, u * cum[-1], "right")."""
    g = make_guide(np.cumsum(per_grid))

    def fill(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s("occurrence:grid"), lo, hi):
            search_right_into(g.pad, g.idx, g.lo, g.scale, u, g.a[-1], len(per_grid) - 1, grid[a:b])

    run_rows(fill, n, workers)


def _categories(s: Streams, grid: np.ndarray, rates: np.ndarray, workers: int, category: np.ndarray) -> None:
    """Category given grid into ``category`` (int16): the grid's category mix, by one uniform."""
    cum = np.cumsum(rates, axis=1)
    # grids share a handful of distinct mixes (urban / rural): search the grid's distinct mix
    mixes, mix_of_grid = np.unique(np.round(cum / cum[:, -1:], 12), axis=0, return_inverse=True)
    mix_of_grid, mixes = mix_of_grid.ravel().astype(np.int64), np.ascontiguousarray(mixes)

    def fill(lo: int, hi: int) -> None:
        for a, b, u in uniform_range(s("occurrence:category"), lo, hi):
            _category_of(grid[a:b], mix_of_grid, mixes, u, rates.shape[1] - 1, category[a:b])

    run_rows(fill, len(grid), workers)


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
    block = _block_of(s, "replay", np.asarray(t, dtype=np.float64), np.asarray(grid, dtype=np.int32),
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
