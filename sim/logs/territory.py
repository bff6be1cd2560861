"""A territory from a log's places: a units table that ``territory.units_file`` loads.

The log's upper place (``place1``, e.g. a neighbourhood or 街道) becomes a township,
its lower place (``place2``, e.g. a ward or 社区) a village of that township; the
whole log is one county. A case with no upper place goes to township ``unknown``, one
with no lower place to village ``unknown`` of its township: never dropped, and
counted (the ``cases`` column, and ``unknown_cases`` of ``LogUnits``).

Grids: where a population (residents) is given for a unit, its households are
residents / residents_per_household and the households-per-grid rule of the
scenario decides its grids (the ``grids`` cell is left empty); elsewhere the
village gets a fixed number of grids (``grids_per_village``) of a nominal size
(``households_per_grid`` households each), written in the ``grids`` cell.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.logs.load import ImportedLog
from sim.util.errors import ConfigError

UNKNOWN = "unknown"
#: the units table's columns (``sim.scenario.units``) and the extra ``cases`` count, which it ignores
COLUMNS: tuple[str, ...] = ("county", "township", "village", "urban", "households", "grids", "cases")


@dataclass(frozen=True)
class LogUnits:
    """The units table of a log, and how many cases had no (or half a) place."""

    table: pd.DataFrame  # columns COLUMNS, one row per village
    unknown_cases: int  # cases in a township or village named ``unknown``
    path: Path | None = None  # where it was written, if it was


def place_names(cases: pd.DataFrame, unknown: str = UNKNOWN) -> tuple[pd.Series, pd.Series]:
    """(township, village) name of every case: its places, ``unknown`` where a place is empty."""
    town = cases["place1"].astype(str).str.strip()
    village = cases["place2"].astype(str).str.strip()
    return town.where(town.ne(""), unknown), village.where(village.ne(""), unknown)


def units_from_log(log: ImportedLog | pd.DataFrame, path: str | Path | None = None, *,
                   county: str | None = None, grids_per_village: int = 1, households_per_grid: int = 400,
                   population: Mapping[tuple[str, str], float] | None = None,
                   residents_per_household: float = 2.5, urban: bool = True,
                   unknown: str = UNKNOWN) -> LogUnits:
    """The units table of a log's places (written as CSV to ``path`` when given).

    ``population`` maps (place1, place2) — the log's own names, ``""`` for a missing
    place — to residents. Villages are in order of township then village name, the
    ``unknown`` ones last in their township; townships likewise.
    """
    cases = log.cases if isinstance(log, ImportedLog) else log
    if county is None:
        county = log.mapping.name if isinstance(log, ImportedLog) else "county"
    if isinstance(grids_per_village, bool) or not isinstance(grids_per_village, int) or grids_per_village < 1:
        raise ConfigError("grids_per_village", f"must be a whole number >= 1, got {grids_per_village!r}")
    if isinstance(households_per_grid, bool) or not isinstance(households_per_grid, int) or households_per_grid < 1:
        raise ConfigError("households_per_grid", f"must be a whole number >= 1, got {households_per_grid!r}")
    if not residents_per_household > 0:
        raise ConfigError("residents_per_household", f"must be > 0, got {residents_per_household!r}")
    if len(cases) == 0:
        raise ConfigError("log", "no cases: a territory needs at least one place")
    town, village = place_names(cases, unknown)
    counts = pd.DataFrame({"township": town, "village": village}).value_counts(sort=False).rename("cases")
    table = counts.reset_index()
    # the unknown units last within their parent, the rest by name: stable whatever the log's order
    table["_t"] = table["township"].eq(unknown)
    table["_v"] = table["village"].eq(unknown)
    table = table.sort_values(["_t", "township", "_v", "village"], kind="stable").drop(columns=["_t", "_v"])
    table = table.reset_index(drop=True)
    households = np.full(len(table), grids_per_village * households_per_grid, dtype=np.int64)
    grids = np.full(len(table), grids_per_village, dtype=object)
    if population:
        residents = {(_known(a, unknown), _known(b, unknown)): float(v) for (a, b), v in population.items()}
        for i, key in enumerate(zip(table["township"], table["village"], strict=True)):
            if key in residents:
                if not residents[key] > 0:
                    raise ConfigError("population", f"{key[0]} / {key[1]}: residents must be > 0, "
                                                    f"got {residents[key]!r}")
                households[i] = max(1, int(round(residents[key] / residents_per_household)))
                grids[i] = ""  # the scenario's households-per-grid rule decides
    table.insert(0, "county", county)
    table.insert(3, "urban", int(bool(urban)))
    table.insert(4, "households", households)
    table.insert(5, "grids", grids)
    table = table[list(COLUMNS)]
    unknown_cases = int(table.loc[table["township"].eq(unknown) | table["village"].eq(unknown), "cases"].sum())
    out = LogUnits(table=table, unknown_cases=unknown_cases, path=Path(path) if path is not None else None)
    if path is not None:
        write_units(table, Path(path))
    return out


def _known(name: str, unknown: str) -> str:
    name = str(name).strip()
    return name if name else unknown


def write_units(table: pd.DataFrame, path: Path) -> None:
    """Write the table as the CSV ``sim.scenario.units.load_villages`` reads (UTF-8, header first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for row in table.itertuples(index=False):
            w.writerow(row)
    tmp.replace(path)  # nothing half-written under the final name
