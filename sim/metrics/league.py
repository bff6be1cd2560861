"""League tables: grids, villages and townships ranked (MODEL.md 4 step 8 and 6; 比学赶超).

Built from the records and the territory's unit tables only (no engine, no config
beyond the composite weights), so the CLI, the experiments and the workbench page all
get the same tables. A matter belongs to the units of its origin grid (``matters.grid``);
the KPI window is that of ``sim.metrics.kpis`` (``warmup_h <= t_occur < horizon_h``).

Columns of every table (``LEAGUE_COLUMNS``), one row per unit:

* ``code`` (``C01-T03-V12`` ...), ``name`` (the level: ``township``, ``village``, ``grid``),
  ``parent`` (the township of a village or grid; the county of a township), ``residents``;
* ``matters`` (window matters), ``closed``;
* ``on_time_rate`` (on time / closed), ``resolution_hours_mean`` and
  ``resolution_hours_p90`` (``t_close - t_occur`` of closed matters; p90 by linear
  interpolation, as ``numpy.percentile``), ``satisfaction_rate`` (satisfied / rated),
  ``petitions_per_10k`` (per 10,000 residents per year, as the county KPI),
  ``settled_locally_share`` (closed matters settled at or below the unit's own level);
* ``score`` (0-100, the composite) and ``rank`` (1 = best score; ties share a rank).

The composite: each metric of ``report.league_weights`` is scaled within the table to
[0, 1], 1 for the best unit and 0 for the worst (for resolution time and petitions
lower is better); a unit's score is the weighted mean of its scaled metrics over the
metrics it has (a unit without closed matters has no on-time rate), times 100. When
every unit has the same value the metric gives each of them 1. A unit without matters
in the window has no score and ranks last.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.metrics.kpis import window
from sim.records.schema import Records
from sim.scenario.constants import CLOSED, HOURS_PER_YEAR, LEAGUE_METRICS
from sim.scenario.schema import ReportConfig

if TYPE_CHECKING:
    from sim.scenario.territory import Territory

__all__ = ["LEAGUE_COLUMNS", "LEAGUE_LEVELS", "LEAGUE_METRICS", "LeagueUnits", "league_table",
           "league_tables", "units_of", "write_league"]

#: the levels that get a table, and each one's level index (LEVELS) for "settled at or below"
LEAGUE_LEVELS: dict[str, int] = {"township": 2, "village": 1, "grid": 0}
LEAGUE_COLUMNS = ["rank", "code", "level", "parent", "residents", "matters", "closed", "on_time_rate",
                  "resolution_hours_mean", "resolution_hours_p90", "satisfaction_rate", "petitions_per_10k",
                  "settled_locally_share", "score"]


@dataclass(frozen=True)
class LeagueUnits:
    """The unit tables a league needs (a slice of ``Territory``)."""

    grid_codes: list[str]
    grid_village: np.ndarray  # [n_grids] int
    grid_township: np.ndarray  # [n_grids] int
    grid_residents: np.ndarray  # [n_grids] float
    village_codes: list[str]
    township_codes: list[str]
    county_codes: list[str]
    township_county: np.ndarray  # [n_townships] int


def units_of(terr: Territory) -> LeagueUnits:
    """The ``LeagueUnits`` of a territory."""
    return LeagueUnits(grid_codes=list(terr.grid_codes), grid_village=np.asarray(terr.grid_village),
                       grid_township=np.asarray(terr.grid_township),
                       grid_residents=np.asarray(terr.grid_residents, np.float64),
                       village_codes=list(terr.village_codes), township_codes=list(terr.township_codes),
                       county_codes=list(terr.county_codes), township_county=np.asarray(terr.township_county))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _group_p90(unit: np.ndarray, x: np.ndarray, n_units: int) -> np.ndarray:
    """90th percentile (numpy's linear rule) of ``x`` per unit; NaN for a unit without values."""
    out = np.full(n_units, np.nan)
    if x.size == 0:
        return out
    order = np.lexsort((x, unit))
    u, xs = unit[order], x[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    ends = np.r_[starts[1:], len(u)]
    for s, e in zip(starts, ends, strict=True):
        out[u[s]] = float(np.percentile(xs[s:e], 90))
    return out


def league_table(rec: Records, units: LeagueUnits, level: str,
                 weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The league table of one level (``township``, ``village`` or ``grid``), best first."""
    if level not in LEAGUE_LEVELS:
        raise ValueError(f"league level must be one of {', '.join(LEAGUE_LEVELS)}, got {level!r}")
    w0, h = window(rec)
    m = rec.matters
    grid_unit = {"grid": np.arange(len(units.grid_codes)), "village": np.asarray(units.grid_village),
                 "township": np.asarray(units.grid_township)}[level].astype(np.int64)
    codes = {"grid": units.grid_codes, "village": units.village_codes, "township": units.township_codes}[level]
    n_units = len(codes)
    inwin = (m.t_occur >= w0) & (m.t_occur < h)
    unit = grid_unit[np.asarray(m.grid, np.int64)[inwin]]
    status = np.asarray(m.status)[inwin]
    closed = status == CLOSED
    res = (np.asarray(m.t_close) - np.asarray(m.t_occur))[inwin]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(unit[mask], minlength=n_units).astype(np.float64)

    matters = np.bincount(unit, minlength=n_units).astype(np.float64)
    n_closed = count(closed)
    on_time = count(closed & (np.asarray(m.on_time)[inwin] == 1))
    sat = np.asarray(m.satisfied)[inwin]
    satisfied, rated = count(sat == 1), count(sat >= 0)
    petitions = count(np.asarray(m.petitioned, bool)[inwin])
    local = count(closed & (np.asarray(m.level_settled)[inwin] >= 0)
                  & (np.asarray(m.level_settled)[inwin] <= LEAGUE_LEVELS[level]))
    ok = closed & np.isfinite(res)
    res_sum = np.bincount(unit[ok], weights=res[ok], minlength=n_units)
    res_n = count(ok)
    residents = np.bincount(grid_unit, weights=units.grid_residents, minlength=n_units)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_10k = np.where(residents > 0, petitions / np.where(residents > 0, residents, 1) * 10_000.0
                           * HOURS_PER_YEAR / (h - w0), np.nan)
    if level == "township":
        parent = [units.county_codes[int(c)] for c in units.township_county]
    elif level == "village":
        vt = np.full(n_units, -1, np.int64)
        vt[np.asarray(units.grid_village)] = np.asarray(units.grid_township)
        parent = [units.township_codes[int(t)] if t >= 0 else "" for t in vt]
    else:
        parent = [units.township_codes[int(t)] for t in units.grid_township]
    table = pd.DataFrame({
        "code": list(codes), "level": level, "parent": parent, "residents": residents, "matters": matters,
        "closed": n_closed, "on_time_rate": _ratio(on_time, n_closed),
        "resolution_hours_mean": _ratio(res_sum, res_n), "resolution_hours_p90": _group_p90(unit[ok], res[ok], n_units),
        "satisfaction_rate": _ratio(satisfied, rated), "petitions_per_10k": per_10k,
        "settled_locally_share": _ratio(local, n_closed),
    })
    score = composite_score(table, weights if weights is not None else DEFAULT_WEIGHTS)
    table["score"] = np.where(matters > 0, score, np.nan)  # a unit without matters is not ranked on its zeros
    table["rank"] = table["score"].rank(ascending=False, method="min", na_option="bottom").astype(int)
    table = table.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
    return table[LEAGUE_COLUMNS]


#: the composite's weights when the config gives none (``report.league_weights``'s default)
DEFAULT_WEIGHTS: dict[str, float] = ReportConfig().league_weights


def composite_score(table: pd.DataFrame, weights: Mapping[str, float]) -> np.ndarray:
    """The 0-100 composite of each row (see the module docstring); NaN if a row has no weighed metric."""
    num = np.zeros(len(table))
    den = np.zeros(len(table))
    for metric, w in weights.items():
        if metric not in LEAGUE_METRICS:
            raise ValueError(f"report.league_weights: unknown metric {metric!r}; "
                             f"known: {', '.join(LEAGUE_METRICS)}")
        if w == 0:
            continue
        x = table[metric].to_numpy(dtype=np.float64)
        have = np.isfinite(x)
        if not have.any():
            continue
        lo, hi = float(np.min(x[have])), float(np.max(x[have]))
        scaled = np.ones(len(x)) if hi == lo else (x - lo) / (hi - lo)
        if not LEAGUE_METRICS[metric]:
            scaled = 1.0 - scaled if hi != lo else scaled
        num += np.where(have, w * scaled, 0.0)
        den += np.where(have, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), math.nan)


def league_tables(rec: Records, units: LeagueUnits,
                  weights: Mapping[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """``{"township": ..., "village": ..., "grid": ...}``: every league table of a run."""
    return {level: league_table(rec, units, level, weights) for level in LEAGUE_LEVELS}


def write_league(tables: Mapping[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write ``league_<level>.csv`` for each table into ``directory``; return the paths."""
    paths = []
    for level, table in tables.items():
        path = Path(directory) / f"league_{level}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths
