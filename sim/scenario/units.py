"""Villages and communities, generated from counts or loaded from a units table.

A units table is a CSV with one row per village / community and the header
``county,township,village,urban,households`` plus optional ``grids`` (an explicit
grid count; otherwise the households-per-grid rule decides) and ``city`` (the city,
地级市, each county belongs to: a province's league tables rank units within their
city). Rows are grouped by county and township in the order they first appear. Errors name the file and
its line number (the header is line 1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.scenario.schema import TerritoryConfig
from sim.util.errors import ConfigError

REQUIRED_COLUMNS = ("county", "township", "village", "urban", "households")
KEY = "territory.units_file"


@dataclass(frozen=True)
class VillageTable:
    """One entry per village: names, parents, urban flag, households, optional grid count."""

    county_names: list[str]  # [n_counties]
    township_names: list[str]  # [n_townships]
    township_county: np.ndarray  # [n_townships] int32
    village_names: list[str]  # [n_villages]
    village_township: np.ndarray  # [n_villages] int32
    urban: np.ndarray  # [n_villages] bool
    households: np.ndarray  # [n_villages] int64
    grids: np.ndarray  # [n_villages] int64; 0 = apply the households-per-grid rule
    city_names: tuple[str, ...] = ()  # [n_cities]; empty: no city level
    county_city: np.ndarray | None = None  # [n_counties] int32 city of each county; None: no city level


def generate_villages(t: TerritoryConfig, rng: np.random.Generator) -> VillageTable:
    """Villages from counts and a gamma size distribution (mean and CV from the config)."""
    n_c, n_t = t.counties, t.counties * t.townships_per_county
    n_v = n_t * t.villages_per_township
    shape = 1.0 / max(t.households_per_village_cv, 1e-9) ** 2
    sizes = rng.gamma(shape, t.households_per_village_mean / shape, size=n_v)
    households = np.maximum(np.rint(sizes), 1).astype(np.int64)
    # Urban communities are chosen at random with the configured share.
    urban = rng.random(n_v) < t.urban_share
    township_county = np.repeat(np.arange(n_c, dtype=np.int32), t.townships_per_county)
    village_township = np.repeat(np.arange(n_t, dtype=np.int32), t.villages_per_township)
    per_city = t.counties_per_city
    county_city = np.arange(n_c, dtype=np.int32) // per_city if per_city > 0 else None
    n_cities = int(county_city[-1]) + 1 if county_city is not None else 0
    return VillageTable(
        county_names=[f"C{c + 1:02d}" for c in range(n_c)],
        township_names=[f"T{i + 1:02d}" for i in range(n_t)],
        township_county=township_county,
        village_names=[f"V{i + 1:02d}" for i in range(n_v)],
        village_township=village_township,
        urban=urban,
        households=households,
        grids=np.zeros(n_v, dtype=np.int64),
        city_names=tuple(f"S{k + 1:02d}" for k in range(n_cities)),
        county_city=county_city,
    )


#: the largest value of a numeric column (a village of a million households is already a city)
MAXIMUM = {"households": 1_000_000, "grids": 10_000}


def _parse_int(value: str, where: str, column: str, minimum: int) -> int:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(KEY, f"{where}: {column} must be a whole number, got {value!r}") from None
    if not number.is_integer() or number < minimum:
        raise ConfigError(KEY, f"{where}: {column} must be a whole number >= {minimum}, got {value!r}")
    if number > MAXIMUM[column]:
        raise ConfigError(KEY, f"{where}: {column} must be at most {MAXIMUM[column]:,}, got {value!r}")
    return int(number)


def _parse_bool(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "urban", "y"):
        return True
    if v in ("0", "false", "no", "rural", "n"):
        return False
    raise ConfigError(KEY, f"{where}: urban must be 0/1 or true/false, got {value!r}")


def load_villages(path: str | Path) -> VillageTable:
    """Read a units table, raising ConfigError naming the file and line of the first bad row."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(KEY, f"{str(p)!r} is a directory, not a file (expected a CSV units table)")
    if not p.is_file():
        raise ConfigError(KEY, f"file not found: {str(p)!r}")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(KEY, f"{p.name}: cannot be read as UTF-8 text ({type(e).__name__})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise ConfigError(KEY, f"{p.name}: the file is empty (expected a header {','.join(REQUIRED_COLUMNS)})")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ConfigError(KEY, f"{p.name} line 1: missing column(s) {', '.join(missing)}")
    col = {name: header.index(name) for name in header}
    counties: dict[str, int] = {}
    townships: dict[tuple[str, str], int] = {}
    township_county: list[int] = []
    names: list[str] = []
    v_town: list[int] = []
    urban: list[bool] = []
    households: list[int] = []
    grids: list[int] = []
    cities: dict[str, int] = {}
    county_city: dict[int, int] = {}
    seen: set[tuple[str, str, str]] = set()
    for line_no, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"{p.name} line {line_no}"
        if len(row) != len(header):
            raise ConfigError(KEY, f"{where}: expected {len(header)} fields, got {len(row)}")
        county, town, village = (row[col[k]].strip() for k in ("county", "township", "village"))
        for k, v in (("county", county), ("township", town), ("village", village)):
            if not v:
                raise ConfigError(KEY, f"{where}: {k} is empty")
        if (county, town, village) in seen:
            raise ConfigError(KEY, f"{where}: village {village!r} appears twice in {county}/{town}")
        seen.add((county, town, village))
        c_idx = counties.setdefault(county, len(counties))
        if "city" in col:
            _city_of(row[col["city"]].strip(), c_idx, county, where, cities, county_city)
        if (county, town) not in townships:
            townships[(county, town)] = len(townships)
            township_county.append(c_idx)
        v_town.append(townships[(county, town)])
        names.append(village)
        urban.append(_parse_bool(row[col["urban"]], where))
        households.append(_parse_int(row[col["households"]], where, "households", 1))
        # an empty grids cell means: apply the households-per-grid rule
        g_cell = row[col["grids"]].strip() if "grids" in col else ""
        grids.append(_parse_int(g_cell, where, "grids", 1) if g_cell else 0)
    if not names:
        raise ConfigError(KEY, f"{p.name}: no village rows after the header")
    return VillageTable(
        county_names=list(counties),
        township_names=[t for (_, t) in townships],
        township_county=np.asarray(township_county, dtype=np.int32),
        village_names=names,
        village_township=np.asarray(v_town, dtype=np.int32),
        urban=np.asarray(urban, dtype=bool),
        households=np.asarray(households, dtype=np.int64),
        grids=np.asarray(grids, dtype=np.int64),
        city_names=tuple(cities),
        county_city=np.asarray([county_city[c] for c in range(len(counties))], np.int32) if cities else None,
    )


def _city_of(city: str, c_idx: int, county: str, where: str, cities: dict[str, int],
             county_city: dict[int, int]) -> None:
    """Note county ``c_idx``'s city (cities numbered as they first appear); a county names one city."""
    if not city:
        raise ConfigError(KEY, f"{where}: city is empty")
    k = cities.setdefault(city, len(cities))
    if county_city.setdefault(c_idx, k) != k:
        first = next(name for name, i in cities.items() if i == county_city[c_idx])
        raise ConfigError(KEY, f"{where}: county {county!r} is in city {first!r} on an earlier line, not {city!r}")
