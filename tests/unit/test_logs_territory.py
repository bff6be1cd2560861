"""units_from_log: a units table from a log's places that territory.units_file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.logs import load_log
from sim.logs.territory import UNKNOWN, units_from_log
from sim.runs.config import load_config
from sim.scenario.territory import build_territory
from sim.scenario.units import load_villages
from sim.util.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "12345_sample.csv"


@pytest.fixture(scope="module")
def log():
    return load_log(SAMPLE, "12345")


def test_places_become_townships_and_villages(log, tmp_path: Path) -> None:
    u = units_from_log(log, tmp_path / "units.csv", grids_per_village=2)
    t = u.table
    cases = log.cases
    assert set(t["township"]) == (set(cases["place1"]) - {""}) | {UNKNOWN}
    assert t["cases"].sum() == len(cases)  # every case is in a unit
    no_place = int(((cases["place1"] == "") | (cases["place2"] == "")).sum())
    assert u.unknown_cases == no_place == 1
    # each (place1, place2) pair is a village with its own count
    pairs = cases[cases["place1"] != ""].groupby(["place1", "place2"]).size()
    got = t.set_index(["township", "village"])["cases"]
    for key, n in pairs.items():
        assert got[key] == n
    assert t.iloc[-1]["township"] == UNKNOWN  # unknown units last
    assert u.path is not None  # written, since a path was given
    vt = load_villages(u.path)
    assert vt.village_names == t["village"].tolist()
    assert vt.township_names == list(dict.fromkeys(t["township"]))
    cfg = load_config([f"territory.units_file={u.path}", "run.horizon_days=40", "run.warmup_days=0"])
    terr = build_territory(cfg)
    assert terr.n_counties == 1 and terr.n_villages == len(t) and terr.n_grids == 2 * len(t)


def test_population_applies_the_households_rule(log, tmp_path: Path) -> None:
    u = units_from_log(log, tmp_path / "units.csv", population={("城关街道", "东门社区"): 10_000.0},
                       residents_per_household=2.5)
    units, key = u.table.set_index(["township", "village"]), ("城关街道", "东门社区")
    assert units.loc[key, "households"] == 4000 and units.loc[key, "grids"] == ""
    cfg = load_config([f"territory.units_file={u.path}", "territory.households_per_grid=400",
                       "run.horizon_days=40", "run.warmup_days=0"])
    terr = build_territory(cfg)
    # 4000 households / 400 per grid = 10 grids, the other villages one each
    assert terr.n_grids == 10 + (len(u.table) - 1)


def test_half_a_place_goes_to_the_unknown_village_of_its_township(log) -> None:
    cases = log.cases.copy()
    cases.loc[cases.index[0], "place2"] = ""
    t = units_from_log(cases).table.set_index(["township", "village"])
    assert t.loc[(cases["place1"].iloc[0], UNKNOWN), "cases"] == 1


def test_bad_parameters(log) -> None:
    with pytest.raises(ConfigError, match="grids_per_village"):
        units_from_log(log, grids_per_village=0)
    with pytest.raises(ConfigError, match="population"):
        units_from_log(log, population={("城关街道", "东门社区"): 0.0})
    with pytest.raises(ConfigError, match="no cases"):
        units_from_log(log.cases.iloc[:0])
