"""Territory: codes, parents, the households-per-grid rule, staff per unit, presets' sizes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.runs.config import load_config
from sim.scenario.territory import build_territory


@pytest.mark.parametrize(("preset", "grids", "residents"), [("township", 40, 40_000), ("county", 500, 500_000),
                                                            ("city", 10_000, 10_000_000)])
def test_presets_have_about_the_advertised_size(preset: str, grids: int, residents: int) -> None:
    terr = build_territory(load_config([f"territory={preset}"]))
    assert 0.75 * grids <= terr.n_grids <= 1.25 * grids
    assert 0.75 * residents <= terr.residents <= 1.25 * residents


def test_codes_are_hierarchical_unique_and_stable() -> None:
    cfg = load_config(["territory=township"])
    terr = build_territory(cfg)
    assert len(set(terr.grid_codes)) == terr.n_grids
    for g, code in enumerate(terr.grid_codes):
        assert re.fullmatch(r"C\d\d-T\d\d-V\d\d-G\d\d", code)
        assert code.startswith(terr.village_codes[terr.grid_village[g]] + "-")
    # the territory has its own stream: a staffing lever does not move a grid
    again = build_territory(load_config(["territory=township", "staffing.fulltime_per_grid=3"]))
    assert again.grid_codes == terr.grid_codes
    assert np.array_equal(again.grid_households, terr.grid_households)


def test_households_per_grid_rule() -> None:
    small = build_territory(load_config(["territory=township", "territory.households_per_grid=300",
                                         "territory.rural_households_per_grid=300"]))
    large = build_territory(load_config(["territory=township", "territory.households_per_grid=1000",
                                         "territory.rural_households_per_grid=1000"]))
    assert small.n_grids > 2 * large.n_grids
    assert small.grid_households.sum() == large.grid_households.sum()
    # every grid within one household of the even split of its village
    for terr in (small, large):
        for v in range(terr.n_villages):
            h = terr.grid_households[terr.grid_village == v]
            assert h.max() - h.min() <= 1


def test_staff_per_unit_follows_staffing() -> None:
    terr = build_territory(load_config(["territory=township", "staffing.fulltime_per_grid=2",
                                        "staffing.committee_per_village=9", "staffing.module_staff.governance=11"]))
    assert np.all(terr.grid_fulltime == 2)
    assert np.all(terr.village_committee == 9)
    assert terr.staff_by_role()["fulltime"] == 2 * terr.n_grids
    assert terr.township_modules[0, 7] == 11  # governance is the eighth module


def test_units_table_builds_territory(tmp_path) -> None:
    f = tmp_path / "units.csv"
    f.write_text("county,township,village,urban,households,grids\n"
                 "A,T1,V1,1,1200,\nA,T1,V2,0,700,2\nB,T9,V1,1,400,1\n", encoding="utf-8")
    terr = build_territory(load_config([f"territory.units_file={f}"]))
    assert terr.n_counties == 2 and terr.n_townships == 2 and terr.n_villages == 3
    assert terr.n_grids == 3 + 2 + 1  # 1200 urban households / 400 per grid = 3
    assert terr.grid_codes[-1] == "C02-T01-V01-G01"
    assert terr.grid_households.sum() == 2300
