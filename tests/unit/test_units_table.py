"""The units table: a good CSV loads; a bad one names the file and the line of the bad row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scenario.units import load_villages
from sim.util.errors import ConfigError

HEADER = "county,township,village,urban,households"
GOOD = f"""{HEADER}
C1,T1,V1,1,1200
C1,T1,V2,0,800

C1,T2,V1,true,950
C2,T1,V1,rural,400
"""


def write(tmp_path: Path, text: str, name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_villages(path)
    err = info.value
    assert err.key == "territory.units_file"
    assert "\n" not in str(err), str(err)
    return err


def test_good_table_loads(tmp_path: Path) -> None:
    table = load_villages(write(tmp_path, GOOD))
    assert table.county_names == ["C1", "C2"]
    assert table.township_names == ["T1", "T2", "T1"]  # townships are keyed by (county, township)
    assert table.township_county.tolist() == [0, 0, 1]
    assert table.village_names == ["V1", "V2", "V1", "V1"]
    assert table.village_township.tolist() == [0, 0, 1, 2]
    assert table.urban.tolist() == [True, False, True, False]
    assert table.households.tolist() == [1200, 800, 950, 400]
    assert table.grids.tolist() == [0, 0, 0, 0]
    assert table.households.dtype == np.int64 and table.urban.dtype == bool


def test_grids_column_bom_and_header_case(tmp_path: Path) -> None:
    text = "\ufeffCounty,Township,Village,Urban,Households,Grids\nA,B,C,yes,1000,3\nA,B,D,no,500,1\n"
    table = load_villages(write(tmp_path, text))
    assert table.grids.tolist() == [3, 1]
    assert table.urban.tolist() == [True, False]


def test_empty_grids_cell_means_the_households_rule(tmp_path: Path) -> None:
    table = load_villages(write(tmp_path, f"{HEADER},grids\nA,B,C,1,1000,\nA,B,D,0,500,2\n"))
    assert table.grids.tolist() == [0, 2]


def test_chinese_names(tmp_path: Path) -> None:
    table = load_villages(write(tmp_path, f"{HEADER}\n某县,某镇,幸福社区,1,1500\n"))
    assert table.village_names == ["幸福社区"]


def test_missing_file(tmp_path: Path) -> None:
    err = error_for(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in err.problem and "not found" in err.problem


def test_empty_file(tmp_path: Path) -> None:
    err = error_for(write(tmp_path, ""))
    assert "units.csv" in err.problem and "empty" in err.problem


def test_header_only(tmp_path: Path) -> None:
    err = error_for(write(tmp_path, HEADER + "\n"))
    assert "units.csv" in err.problem and "no village rows" in err.problem


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_bytes((HEADER + "\nC,T,乡村,1,100\n").encode("gbk"))
    err = error_for(path)
    assert "units.csv" in err.problem and "UTF-8" in err.problem


@pytest.mark.parametrize(("body", "line", "fragment"), [
    ("county,township,village,households\nC,T,V,100\n", 1, "urban"),
    ("county,village,urban\nC,V,1\n", 1, "township, households"),
    (f"{HEADER}\nC,T,V1,1,100\nC,T,V2,1\n", 3, "expected 5 fields, got 4"),
    (f"{HEADER}\nC,T,V1,1,100,7\n", 2, "expected 5 fields, got 6"),
    (f"{HEADER}\nC,T,V1,1,100\nC,T,V2,0,many\n", 3, "households"),
    (f"{HEADER}\nC,T,V1,1,12.5\n", 2, "whole number"),
    (f"{HEADER}\nC,T,V1,1,0\n", 2, ">= 1"),
    (f"{HEADER}\nC,T,V1,1,-40\n", 2, ">= 1"),
    (f"{HEADER}\nC,T,V1,maybe,100\n", 2, "urban"),
    (f"{HEADER}\nC,T,V1,1,100\nC,T,V2,1,100\n\nC,T,V1,0,300\n", 5, "appears twice"),
    (f"{HEADER}\nC,T,,1,100\n", 2, "village is empty"),
    (f"{HEADER},grids\nC,T,V1,1,100,0\n", 2, "grids"),
])
def test_bad_row_names_file_and_line(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    err = error_for(write(tmp_path, body, name="my_units.csv"))
    assert f"my_units.csv line {line}" in err.problem, str(err)
    assert fragment in err.problem, str(err)


def test_same_village_name_in_two_townships_is_fine(tmp_path: Path) -> None:
    table = load_villages(write(tmp_path, f"{HEADER}\nC,T1,V,1,100\nC,T2,V,1,100\n"))
    assert table.village_township.tolist() == [0, 1]
