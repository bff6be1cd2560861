"""A province's cities: counties grouped into cities, league tables ranked within each city, a chart per city."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.metrics.league import LEAGUE_COLUMNS, league_tables, units_of
from sim.report.league import city_chart_name, city_tables, draw_league_chart, league_frame
from sim.report.places import place_names
from sim.runs.config import load_config
from sim.scenario.territory import build_territory
from sim.scenario.units import load_villages
from sim.util.errors import ConfigError

SMALL = ["territory.townships_per_county=2", "territory.villages_per_township=2",
         "territory.households_per_village_mean=800"]


def test_counties_are_grouped_into_cities_in_order() -> None:
    terr = build_territory(load_config(["territory=province", "territory.counties=5", *SMALL]))
    assert terr.city_codes == ["S01"]  # twenty counties a city: five make one
    terr = build_territory(load_config(["territory=province", "territory.counties=5",
                                        "territory.counties_per_city=2", *SMALL]))
    assert terr.city_codes == ["S01", "S02", "S03"]
    assert terr.county_city.tolist() == [0, 0, 1, 1, 2]
    names = place_names(terr, None, "zh")
    assert names["S02"] == "2号市" and place_names(terr, None, "en")["S03"] == "City 3"


def test_a_territory_without_cities_keeps_its_tables_as_they_were() -> None:
    terr = build_territory(load_config(["territory=city", *SMALL]))
    assert terr.city_codes == [] and units_of(terr).county_city is None


def test_counties_per_city_is_checked_like_every_other_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="territory.counties_per_city"):
        load_config(["territory=province", "territory.counties_per_city=-1"])
    units = tmp_path / "units.csv"
    units.write_text("county,township,village,urban,households\nC1,T1,V1,1,1200\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="territory.counties_per_city.*city column"):
        load_config([f"territory.units_file={units}", "territory.counties_per_city=2"])


def test_a_units_table_names_each_countys_city(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("city,county,township,village,urban,households\n"
                    "Hangzhou,Xihu,T1,V1,1,1200\nHangzhou,Xihu,T2,V1,0,800\n"
                    "Ningbo,Yinzhou,T1,V1,1,900\nHangzhou,Binjiang,T1,V1,1,700\n", encoding="utf-8")
    villages = load_villages(path)
    assert villages.city_names == ("Hangzhou", "Ningbo")
    assert villages.county_city is not None and villages.county_city.tolist() == [0, 1, 0]
    terr = build_territory(load_config([f"territory.units_file={path}"]))
    assert terr.city_codes == ["S01", "S02"] and place_names(terr, villages, "en")["S02"] == "Ningbo"
    path.write_text("city,county,township,village,urban,households\n"
                    "Hangzhou,Xihu,T1,V1,1,1200\nNingbo,Xihu,T2,V1,0,800\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3: county 'Xihu' is in city 'Hangzhou'"):
        load_villages(path)


def test_units_are_ranked_within_their_city_by_the_provinces_scores(tmp_path: Path) -> None:
    from sim.runs.api import run

    res = run(["territory=province", "territory.counties=3", "territory.counties_per_city=2", *SMALL,
               "run.horizon_days=10", "run.warmup_days=1", "engine=vector", f"run.results_dir={tmp_path}",
               "run.write_records=false", "report.charts=false"])
    assert res.out_dir is not None and res.records is not None
    terr = build_territory(res.cfg)
    tables = league_tables(res.records, units_of(terr), dict(res.cfg.report.league_weights))
    for level, table in tables.items():
        assert list(table.columns) == [*LEAGUE_COLUMNS, "city", "rank_in_city"]
        written = pd.read_csv(res.out_dir / f"league_{level}.csv")
        assert written["rank_in_city"].tolist() == table["rank_in_city"].tolist()
        county = np.array([terr.county_codes.index(c.split("-")[0]) for c in table["code"]])
        assert table["city"].tolist() == [terr.city_codes[terr.county_city[c]] for c in county]
        for city in terr.city_codes:
            rows = table[table["city"] == city]
            # the city's order is the province's order: rank 1 in the city is its best-scored unit
            best_first = rows.sort_values("rank", kind="stable")["rank_in_city"].to_numpy()
            assert np.all(np.diff(best_first) >= 0) and best_first[0] == 1
            assert set(city_tables(tables, city)[level]["code"]) == set(rows["code"])
    frame = league_frame(city_tables(tables, "S02")["grid"], place_names(terr, None, "en"), "en")
    assert set(frame["city"]) == {"City 2"} and frame["rank in its city"].iloc[0] == 1
    draw_league_chart(tables, res.cfg, tmp_path)  # the run drew none (report.charts=false): the league charts alone
    for city in terr.city_codes:
        assert (tmp_path / city_chart_name(city)).stat().st_size > 10_000
    assert (tmp_path / "league.png").exists()
