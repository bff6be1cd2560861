"""Territory: every unit as arrays with stable hierarchical codes and staff (MODEL.md 1-2).

Codes follow the hierarchy: county ``C01``, township ``C01-T03``, village
``C01-T03-V12``, grid ``C01-T03-V12-G04``; indices within a parent start at 1. A
province's counties may be grouped into cities (地级市, ``S01``, ...: ``territory.counties_per_city``
or a units table's ``city`` column); a city is a grouping for the league tables, not a level
that handles matters (MODEL.md's levels end at the county).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario.catalogue import department_names, module_names
from sim.scenario.schema import Config
from sim.scenario.units import VillageTable, generate_villages, load_villages
from sim.util.rng import stream


@dataclass(frozen=True)
class Territory:
    """All units and their staff. Shapes in the comments; n_* are unit counts."""

    county_codes: list[str]  # [n_counties]
    township_codes: list[str]  # [n_townships]
    township_county: np.ndarray  # [n_townships] int32 parent county
    village_codes: list[str]  # [n_villages]
    village_township: np.ndarray  # [n_villages] int32 parent township
    village_urban: np.ndarray  # [n_villages] bool
    grid_codes: list[str]  # [n_grids]
    grid_village: np.ndarray  # [n_grids] int32 parent village
    grid_township: np.ndarray  # [n_grids] int32
    grid_county: np.ndarray  # [n_grids] int32
    grid_urban: np.ndarray  # [n_grids] bool
    grid_households: np.ndarray  # [n_grids] int64
    grid_residents: np.ndarray  # [n_grids] float64
    grid_xy: np.ndarray  # [n_grids, 2] float64 km, for the "nearest" rule
    # staff head-counts per unit
    grid_leaders: np.ndarray  # [n_grids] int64
    grid_fulltime: np.ndarray  # [n_grids] int64
    grid_parttime: np.ndarray  # [n_grids] int64
    village_committee: np.ndarray  # [n_villages] int64
    township_platform: np.ndarray  # [n_townships] int64
    township_instructors: np.ndarray  # [n_townships] int64
    township_professional: np.ndarray  # [n_townships] int64
    township_volunteers: np.ndarray  # [n_townships] int64
    township_modules: np.ndarray  # [n_townships, len(catalog.modules)] int64
    county_departments: np.ndarray  # [n_counties, len(catalog.departments)] int64
    city_codes: list[str] = field(default_factory=list)  # [n_cities]; empty: no city level
    county_city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # [n_counties] int32, or empty

    @property
    def n_grids(self) -> int:
        return len(self.grid_codes)

    @property
    def n_villages(self) -> int:
        return len(self.village_codes)

    @property
    def n_townships(self) -> int:
        return len(self.township_codes)

    @property
    def n_counties(self) -> int:
        return len(self.county_codes)

    @property
    def residents(self) -> float:
        return float(self.grid_residents.sum())

    def staff_by_role(self) -> dict[str, int]:
        """Total head-count per role."""
        return {
            "grid_leader": int(self.grid_leaders.sum()),
            "fulltime": int(self.grid_fulltime.sum()),
            "parttime": int(self.grid_parttime.sum()),
            "instructor": int(self.township_instructors.sum()),
            "professional": int(self.township_professional.sum()),
            "committee": int(self.village_committee.sum()),
            "platform": int(self.township_platform.sum()),
            "module": int(self.township_modules.sum()),
            "department": int(self.county_departments.sum()),
            "volunteer": int(self.township_volunteers.sum()),
        }


def grids_per_village(villages: VillageTable, cfg: Config) -> np.ndarray:
    """The households-per-grid rule (s000): urban 300-500 households, rural by villager group."""
    size = np.where(villages.urban, cfg.territory.households_per_grid, cfg.territory.rural_households_per_grid)
    by_rule = np.maximum(1, np.rint(villages.households / size)).astype(np.int64)
    return np.where(villages.grids > 0, villages.grids, by_rule)


def _codes_within(parents: np.ndarray, parent_codes: list[str], letter: str) -> list[str]:
    """Child codes numbered from 1 within each parent, e.g. C01-T03 -> C01-T03-V01."""
    counters: dict[int, int] = {}
    out = []
    for p in parents.tolist():
        counters[p] = counters.get(p, 0) + 1
        out.append(f"{parent_codes[p]}-{letter}{counters[p]:02d}")
    return out


def _layout(grid_township: np.ndarray, spacing: float) -> np.ndarray:
    """Grid centres on a square lattice per township, townships side by side (km)."""
    xy = np.zeros((len(grid_township), 2))
    offset = 0.0
    for t in np.unique(grid_township):
        idx = np.flatnonzero(grid_township == t)
        width = int(np.ceil(np.sqrt(len(idx))))
        k = np.arange(len(idx))
        xy[idx, 0] = offset + (k % width) * spacing
        xy[idx, 1] = (k // width) * spacing
        offset += (width + 1) * spacing
    return xy


def build_territory(cfg: Config) -> Territory:
    """Generate (or load) the villages, split them into grids and staff every unit."""
    t = cfg.territory
    if cfg.textbook.enabled:
        villages = VillageTable(["C01"], ["T01"], np.zeros(1, np.int32), ["V01"], np.zeros(1, np.int32),
                                np.ones(1, bool), np.array([t.households_per_grid]), np.ones(1, np.int64))
    elif t.units_file:
        villages = load_villages(t.units_file)
    else:
        # The territory has its own stream: staffing or dispatch levers never move a village.
        villages = generate_villages(t, stream(cfg.run.seed, "territory"))
    n_grid_v = grids_per_village(villages, cfg)
    grid_village = np.repeat(np.arange(len(n_grid_v), dtype=np.int32), n_grid_v)
    # households split as evenly as integers allow across a village's grids
    first = np.concatenate([[0], np.cumsum(n_grid_v)[:-1]])
    rank = np.arange(len(grid_village)) - first[grid_village]
    base = villages.households[grid_village] // n_grid_v[grid_village]
    extra = (rank < villages.households[grid_village] % n_grid_v[grid_village]).astype(np.int64)
    grid_households = base + extra
    county_codes = [f"C{i + 1:02d}" for i in range(len(villages.county_names))]
    township_codes = _codes_within(villages.township_county, county_codes, "T")
    village_codes = _codes_within(villages.village_township, township_codes, "V")
    grid_codes = _codes_within(grid_village, village_codes, "G")
    grid_township = villages.village_township[grid_village]
    grid_county = villages.township_county[grid_township]
    n_g, n_v, n_t, n_c = len(grid_codes), len(village_codes), len(township_codes), len(county_codes)
    s = cfg.staffing
    if cfg.textbook.enabled:
        fulltime = np.full(n_g, cfg.textbook.servers, np.int64)
        leaders = np.zeros(n_g, np.int64)
        parttime = np.zeros(n_g, np.int64)
    else:
        fulltime = np.full(n_g, s.fulltime_per_grid, np.int64)
        leaders = np.full(n_g, s.grid_leaders_per_grid, np.int64)
        parttime = np.full(n_g, s.parttime_per_grid, np.int64)
    grids_per_town = np.bincount(grid_township, minlength=n_t)
    instructors = (np.ceil(grids_per_town / s.grids_per_instructor).astype(np.int64) if s.grids_per_instructor > 0
                   else np.zeros(n_t, np.int64))
    # the textbook station stands alone: no one above it
    above = 0 if cfg.textbook.enabled else 1
    if cfg.textbook.enabled:
        instructors[:] = 0
    return Territory(
        county_codes=county_codes,
        township_codes=township_codes,
        township_county=villages.township_county,
        village_codes=village_codes,
        village_township=villages.village_township,
        village_urban=villages.urban,
        grid_codes=grid_codes,
        grid_village=grid_village,
        grid_township=grid_township,
        grid_county=grid_county,
        grid_urban=villages.urban[grid_village],
        grid_households=grid_households,
        grid_residents=grid_households * t.residents_per_household,
        grid_xy=_layout(grid_township, t.grid_spacing_km),
        grid_leaders=leaders,
        grid_fulltime=fulltime,
        grid_parttime=parttime,
        village_committee=np.full(n_v, s.committee_per_village * above, np.int64),
        township_platform=np.full(n_t, s.platform_per_township * above, np.int64),
        township_instructors=instructors,
        township_professional=np.full(n_t, s.professional_per_township * above, np.int64),
        township_volunteers=np.full(n_t, s.volunteers_per_township * above, np.int64),
        township_modules=np.tile(np.array([s.module_staff.get(m, 0) * above for m in module_names(cfg)], np.int64),
                                 (n_t, 1)),
        county_departments=np.tile(np.array([s.department_staff.get(d, 0) * above for d in department_names(cfg)],
                                            np.int64), (n_c, 1)),
        city_codes=[f"S{k + 1:02d}" for k in range(len(villages.city_names))],
        county_city=villages.county_city if villages.county_city is not None else np.zeros(0, np.int32),
    )
