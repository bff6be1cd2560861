"""League tables: grids, villages and townships ranked (MODEL.md 4 step 8 and 6; 比学赶超).

Built from the records and the territory's unit tables only (no engine, no config
beyond the composite weights), so the CLI, the experiments and the workbench page all
get the same tables. A matter belongs to the units of its origin grid (``matters.grid``);
the KPI window is that of ``sim.metrics.kpis`` (``warmup_h <= t_occur < horizon_h``).

Columns of every table (``LEAGUE_COLUMNS``), one row per unit:

* ``code`` (``C01-T03-V12`` ...), ``name`` (the level: ``township``, ``village``, ``grid``),
  ``parent`` (the township of a village or grid; the county of a township), ``residents``;
* ``matters`` (window matters), ``closed``;
* ``on_time_rate``, ``resolution_hours_mean``, ``resolution_hours_p90``,
  ``satisfaction_rate`` and ``petitions_per_10k`` as the county KPIs define them, open
  matters included (``sim.metrics.open_matters``): on time over the matters due before the
  horizon, product-limit resolution times with open matters censored at the horizon (a p90
  the unit's curve does not reach is NaN, and ranks as the worst p90 of the table), a matter
  open past its deadline by more than the callback patience dissatisfied and petitioning
  with the petition probability; ``settled_locally_share`` (the unit's matters settled at or
  below its own level, of all its matters: one still open is settled nowhere yet);
* ``score`` (0-100, the composite) and ``rank`` (1 = best score; ties share a rank);
* where the territory groups its counties into cities (a province), ``city`` (its code,
  ``S01`` ...) and ``rank_in_city`` (the rank among the units of its city by the same
  score: the scores are scaled over the whole table, so a city's best and lowest units are
  those of the province's table, read within the city).

The composite: each metric of ``report.league_weights`` is scaled within the table to
[0, 1], 1 for the best unit and 0 for the worst (for resolution time and petitions
lower is better); a unit's score is the weighted mean of its scaled metrics over the
metrics it has (a unit with no matter due before the horizon has no on-time rate), times 100. When
every unit has the same value the metric gives each of them 1. A unit without matters
in the window has no score and ranks last.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics.kpis import window
from sim.metrics.league_pass import GridPass, grid_pass, regroup, unit_counts
from sim.metrics.survival import segment_km
from sim.records.schema import Records
from sim.scenario.constants import HOURS_PER_YEAR, LEAGUE_METRICS
from sim.scenario.schema import Config, ReportConfig
from sim.scenario.territory import Territory, build_territory

__all__ = ["LEAGUE_COLUMNS", "LEAGUE_LEVELS", "LEAGUE_METRICS", "LeagueUnits", "league_table",
           "league_rows_by_level", "league_tables", "units_of", "write_league", "write_league_tables"]

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
    city_codes: tuple[str, ...] = ()  # [n_cities]; empty: no city level
    county_city: np.ndarray | None = None  # [n_counties] int, the city of each county


def units_of(terr: Territory) -> LeagueUnits:
    """The ``LeagueUnits`` of a territory."""
    return LeagueUnits(grid_codes=list(terr.grid_codes), grid_village=np.asarray(terr.grid_village),
                       grid_township=np.asarray(terr.grid_township),
                       grid_residents=np.asarray(terr.grid_residents, np.float64),
                       village_codes=list(terr.village_codes), township_codes=list(terr.township_codes),
                       county_codes=list(terr.county_codes), township_county=np.asarray(terr.township_county),
                       city_codes=tuple(terr.city_codes),
                       county_city=np.asarray(terr.county_city) if terr.city_codes else None)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def league_table(rec: Records, units: LeagueUnits, level: str,
                 weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The league table of one level (``township``, ``village`` or ``grid``), best first (``league_tables``
    makes the three from one pass over the matters)."""
    return ranked(league_rows(rec, units, level), weights)


def league_rows(rec: Records, units: LeagueUnits, level: str, grids: GridPass | None = None) -> pd.DataFrame:
    """Every unit's figures (one row per unit, in unit order), not yet scored: a unit's figures come from its
    own matters alone, so the rows of a part of the territory run apart are those of the whole run."""
    if level not in LEAGUE_LEVELS:
        raise ValueError(f"league level must be one of {', '.join(LEAGUE_LEVELS)}, got {level!r}")
    w0, h = window(rec)
    n_grids = len(units.grid_codes)
    gp = grids if grids is not None else grid_pass(rec, w0, h, n_grids)
    grid_unit = {"grid": np.arange(n_grids), "village": np.asarray(units.grid_village),
                 "township": np.asarray(units.grid_township)}[level].astype(np.int64)
    codes = {"grid": units.grid_codes, "village": units.village_codes, "township": units.township_codes}[level]
    n_units = len(codes)
    per_unit = unit_counts(gp, grid_unit, n_units)
    matters, n_closed, unhappy_open = per_unit["matters"], per_unit["closed"], per_unit["open_dissatisfied"]
    satisfied, rated = per_unit["satisfied"], per_unit["rated"] + unhappy_open
    petitions = per_unit["petitioned"] + float(rec.meta.get("petition_prob", 0.0)) * unhappy_open
    local = per_unit[f"local_{LEAGUE_LEVELS[level]}"]
    # open matters censored at the horizon (sim.metrics.open_matters)
    times, starts = (gp.times, gp.starts) if level == "grid" else regroup(gp, grid_unit, n_units)
    p90, res_mean, _open_left = segment_km(times, starts, n_units, 0.9)
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
        "closed": n_closed, "on_time_rate": _ratio(per_unit["on_time"], per_unit["due"]),
        "resolution_hours_mean": res_mean, "resolution_hours_p90": p90,
        "satisfaction_rate": _ratio(satisfied, rated), "petitions_per_10k": per_10k,
        "settled_locally_share": _ratio(local, matters),  # of all its matters: one still open is not settled
    })
    table["county"] = unit_county(units, level)
    if units.county_city is not None:
        county = table["county"].to_numpy()
        city = np.asarray(units.county_city, np.int64)[np.maximum(county, 0)]
        table["city"] = [units.city_codes[int(k)] if c >= 0 else "" for k, c in zip(city, county, strict=True)]
    return table


def unit_county(units: LeagueUnits, level: str) -> np.ndarray:
    """The county of each unit of ``level``."""
    county = np.asarray(units.township_county, np.int64)
    if level == "township":
        return county
    grid_county = county[np.asarray(units.grid_township, np.int64)]
    if level == "grid":
        return grid_county
    out = np.full(len(units.village_codes), -1, np.int64)
    out[np.asarray(units.grid_village, np.int64)] = grid_county
    return out


def ranked(table: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """``league_rows``' table (of the whole territory, in unit order) scored and ranked, best first."""
    matters, p90 = table["matters"].to_numpy(), table["resolution_hours_p90"].to_numpy()
    table = table.reset_index(drop=True)
    # a p90 above the horizon is the worst of the table, not a metric the unit lacks
    scored = table.assign(resolution_hours_p90=np.where(np.isnan(p90) & (matters > 0), np.inf, p90))
    score = composite_score(scored, weights if weights is not None else DEFAULT_WEIGHTS)
    table["score"] = np.where(matters > 0, score, np.nan)  # a unit without matters is not ranked on its zeros
    table["rank"] = table["score"].rank(ascending=False, method="min", na_option="bottom").astype(int)
    table = table.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
    if "city" not in table.columns:
        return table[LEAGUE_COLUMNS]
    table["rank_in_city"] = (table.groupby("city", sort=False)["score"]
                             .rank(ascending=False, method="min", na_option="bottom").astype(int))
    return table[[*LEAGUE_COLUMNS, "city", "rank_in_city"]]


def _scale(x: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1], 1 for the highest, NaN kept: finite ones among themselves, all 1
    when equal; when some are +inf (a p90 above the horizon) those take 1 and the finite
    ones share [0, 0.5], so the worst finite value still scores above them."""
    fin = np.isfinite(x)
    out = np.where(np.isposinf(x), 1.0, np.where(np.isnan(x), np.nan, 0.0))
    if not fin.any():
        return np.where(np.isnan(x), np.nan, 1.0) if not np.isposinf(x).any() else out
    lo, hi = float(np.min(x[fin])), float(np.max(x[fin]))
    top = 0.5 if np.isposinf(x).any() else 1.0
    if hi == lo:
        return np.where(fin, 0.0 if top < 1.0 else 1.0, out)
    return np.where(fin, (np.where(fin, x, lo) - lo) / (hi - lo) * top, out)


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
        have = ~np.isnan(x)  # +inf: past every finite value (a p90 above the horizon)
        if not have.any():
            continue
        scaled = _scale(x)
        if not LEAGUE_METRICS[metric]:
            scaled = 1.0 - scaled if np.ptp(x[have]) > 0 else scaled
        num += np.where(have, w * scaled, 0.0)
        den += np.where(have, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), math.nan)


def league_rows_by_level(rec: Records, units: LeagueUnits) -> dict[str, pd.DataFrame]:
    """``league_rows`` of every level, from one grid pass over the matters."""
    w0, h = window(rec)
    grids = grid_pass(rec, w0, h, len(units.grid_codes))
    return {level: league_rows(rec, units, level, grids) for level in LEAGUE_LEVELS}


def league_tables(rec: Records, units: LeagueUnits,
                  weights: Mapping[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """``{"township": ..., "village": ..., "grid": ...}``: every league table of a run."""
    return {level: ranked(rows, weights) for level, rows in league_rows_by_level(rec, units).items()}


#: counts a league file gives in whole numbers: matters, and residents (a unit's households times the
#: mean household size, which the per-10,000 rates keep unrounded)
WHOLE_COLUMNS = ("residents", "matters", "closed")


def write_league(tables: Mapping[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write ``league_<level>.csv`` for each table into ``directory``, its counts whole; return the paths."""
    paths = []
    for level, table in tables.items():
        path = Path(directory) / f"league_{level}.csv"
        whole = {c: np.rint(table[c].to_numpy(dtype=float)).astype(np.int64)
                 for c in WHOLE_COLUMNS if c in table.columns}
        table.assign(**whole).to_csv(path, index=False)
        paths.append(path)
    return paths


def write_league_tables(rec: Records, cfg: Config, directory: Path) -> dict[str, pd.DataFrame]:
    """Write ``league_<level>.csv``; return the tables. Here, not beside the chart in ``sim.report.league``: a
    results directory's background writer calls it while the replications still run, and it must not
    wait for Matplotlib's import (a second at start-up) when the run draws no chart."""
    terr = build_territory(cfg)  # deterministic and cheap (ms for a county)
    tables = league_tables(rec, units_of(terr), dict(cfg.report.league_weights))
    write_league(tables, directory)
    return tables
