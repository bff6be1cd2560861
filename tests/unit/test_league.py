"""League tables against a small case computed by hand, the config keys that weigh them, and the run's files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics.league import LEAGUE_COLUMNS, LeagueUnits, composite_score, league_table, league_tables, write_league
from sim.records.schema import MatterRecords, Records, StationTable, VisitRecords
from sim.runs.config import load_config
from sim.scenario.constants import CLOSED, HOURS_PER_YEAR, STATUSES
from sim.util.errors import ConfigError

OPEN = STATUSES.index("queued") if "queued" in STATUSES else (CLOSED + 1) % len(STATUSES)

# two townships; T01 has village V01 (grids G01, G02), T02 has village V01 (grid G01)
UNITS = LeagueUnits(
    grid_codes=["C01-T01-V01-G01", "C01-T01-V01-G02", "C01-T02-V01-G01"],
    grid_village=np.array([0, 0, 1]), grid_township=np.array([0, 0, 1]),
    grid_residents=np.array([1000.0, 3000.0, 2000.0]),
    village_codes=["C01-T01-V01", "C01-T02-V01"], township_codes=["C01-T01", "C01-T02"],
    county_codes=["C01"], township_county=np.array([0, 0]),
)

# six matters in the window [10, 110) h and one before it (left out)
#            grid  t_occur  t_close  level  on_time  satisfied  petitioned
ROWS = [(0, 20.0, 30.0, 0, 1, 1, False),     # grid 0: closed at grid in 10 h
        (0, 30.0, 70.0, 1, 0, 0, True),      # grid 0: closed at village in 40 h, late, petitioned
        (1, 40.0, 60.0, 0, 1, 1, False),     # grid 1: 20 h at grid
        (1, 50.0, math.nan, -1, -1, -1, False),  # grid 1: still open
        (2, 15.0, 115.0, 2, 1, 0, False),   # grid 2: 100 h at township
        (2, 60.0, 64.0, 0, 1, -1, False),    # grid 2: 4 h at grid, no rating
        (2, 5.0, 8.0, 0, 1, 1, True)]        # before the window: ignored


def _records(rows: list[tuple]) -> Records:
    n = len(rows)
    col = list(zip(*rows, strict=True))
    i8 = np.int8
    m = MatterRecords(
        matter_id=np.arange(n), grid=np.array(col[0], np.int32), registered_grid=np.array(col[0], np.int32),
        category=np.zeros(n, np.int16), severity_initial=np.zeros(n, i8), severity=np.zeros(n, i8),
        channel=np.zeros(n, i8), surge=np.full(n, -1, i8), t_occur=np.array(col[1]),
        t_discover=np.array(col[1]), t_intake=np.array(col[1]), t_dispatch=np.array(col[1]),
        t_start=np.array(col[1]), t_close=np.array(col[2]), deadline=np.array(col[1]) + 50,
        level_settled=np.array(col[3], i8), transfers=np.zeros(n, np.int16), escalations=np.zeros(n, np.int16),
        reopened=np.zeros(n, np.int16), on_time=np.array(col[4], i8), satisfied=np.array(col[5], i8),
        petitioned=np.array(col[6], bool), abandoned=np.zeros(n, bool), reminded=np.zeros(n, bool),
        status=np.array([CLOSED if math.isfinite(c) else OPEN for c in col[2]], i8),
        place_level=np.zeros(n, i8),
    )
    empty = np.zeros(0)
    v = VisitRecords(matter_id=empty.astype(np.int64), station=empty.astype(np.int32), level=empty.astype(i8),
                     t_arrive=empty, t_start=empty, t_end=empty, work=empty, outcome=empty.astype(i8),
                     server=empty.astype(np.int32))
    st = StationTable(kind=[], level=np.zeros(0, i8), unit=np.zeros(0, np.int32), code=[], servers=empty,
                      capacity_hours=empty)
    return Records(m, v, st, meta={"horizon_h": 110.0, "warmup_h": 10.0})


REC = _records(ROWS)
YEAR = HOURS_PER_YEAR / 100.0  # the window is 100 h: per-year rates scale by this


def _row(table: pd.DataFrame, code: str) -> dict:
    return table.set_index("code").loc[code].to_dict()


def test_grid_table_by_hand() -> None:
    t = league_table(REC, UNITS, "grid")
    assert list(t.columns) == LEAGUE_COLUMNS and len(t) == 3
    g1 = _row(t, "C01-T01-V01-G01")
    assert (g1["matters"], g1["closed"]) == (2, 2)
    assert g1["on_time_rate"] == 0.5 and g1["satisfaction_rate"] == 0.5
    assert g1["resolution_hours_mean"] == 25.0
    assert g1["resolution_hours_p90"] == 40.0  # product limit: S is 0.5 after 10 h, 0 after 40 h
    assert g1["petitions_per_10k"] == pytest.approx(1 / 1000 * 10_000 * YEAR)
    assert g1["settled_locally_share"] == 0.5  # one of two at the grid
    g2 = _row(t, "C01-T01-V01-G02")
    # the open matter (due at 100 h, before the horizon) is late; censored at 60 h it halves S from 20 h to 60 h
    assert (g2["matters"], g2["closed"], g2["on_time_rate"], g2["resolution_hours_mean"]) == (2, 1, 0.5, 40.0)
    assert math.isnan(g2["resolution_hours_p90"])  # above the horizon
    # of its two matters one is settled at the grid, the other still open: settled nowhere yet
    assert g2["petitions_per_10k"] == 0.0 and g2["settled_locally_share"] == 0.5
    g3 = _row(t, "C01-T02-V01-G01")
    assert g3["satisfaction_rate"] == 0.0  # one rated, dissatisfied; the unrated one does not count
    assert g3["resolution_hours_mean"] == 52.0 and g3["settled_locally_share"] == 0.5
    assert g3["on_time_rate"] == 1.0  # the matter due at the horizon itself is not yet due
    assert g3["parent"] == "C01-T02" and g3["residents"] == 2000.0


def test_village_and_township_tables_by_hand() -> None:
    tables = league_tables(REC, UNITS)
    v = _row(tables["village"], "C01-T01-V01")
    assert (v["matters"], v["closed"], v["residents"]) == (4, 3, 4000.0)
    assert v["settled_locally_share"] == 0.75  # grid, village, grid at or below the village; one still open
    # 10, 20, 40 closed and 60 open: S = 3/4, 1/2, 1/4 after each closing, area up to 60 h
    assert v["resolution_hours_mean"] == pytest.approx(10 + 0.75 * 10 + 0.5 * 20 + 0.25 * 20)
    t2 = _row(tables["township"], "C01-T02")
    assert t2["settled_locally_share"] == 1.0 and t2["on_time_rate"] == 1.0 and t2["parent"] == "C01"
    t1 = _row(tables["township"], "C01-T01")
    assert t1["petitions_per_10k"] == pytest.approx(1 / 4000 * 10_000 * YEAR)


def test_the_files_give_whole_residents_and_matters(tmp_path) -> None:
    """A grid of 321 households at 2.5 people holds 802.5 residents on average: the file says 802; rates are
    computed on the unrounded figure."""
    tables = league_tables(REC, UNITS)
    tables["grid"].loc[0, "residents"] = 802.5
    write_league(tables, tmp_path)
    back = pd.read_csv(tmp_path / "league_grid.csv")
    for c in ("residents", "matters", "closed"):
        assert back[c].dtype == np.int64, c
    assert back.loc[0, "residents"] == 802 and back["matters"].tolist() == tables["grid"]["matters"].tolist()
    assert back["petitions_per_10k"].tolist() == pytest.approx(tables["grid"]["petitions_per_10k"].tolist(),
                                                               nan_ok=True)


def test_composite_score_and_rank_by_hand() -> None:
    # weigh on-time rate alone: the grid at 1.0 scores 100, the two at 0.5 (G02's open matter is late) score 0
    t = league_table(REC, UNITS, "grid", {"on_time_rate": 1.0})
    assert t["code"].tolist()[0] == "C01-T02-V01-G01"
    assert _row(t, "C01-T02-V01-G01")["score"] == 100.0 and _row(t, "C01-T02-V01-G01")["rank"] == 1
    assert _row(t, "C01-T01-V01-G01")["score"] == 0.0 and _row(t, "C01-T01-V01-G01")["rank"] == 2
    assert _row(t, "C01-T01-V01-G02")["rank"] == 2  # a tie shares the rank
    # lower is better for resolution time: 25 h best, 52 h worst, 40 h in between
    t = league_table(REC, UNITS, "grid", {"resolution_hours_mean": 1.0})
    assert _row(t, "C01-T01-V01-G02")["score"] == pytest.approx(100 * (52 - 40) / 27)
    # a p90 above the horizon ranks below every p90 the curve reaches
    t = league_table(REC, UNITS, "grid", {"resolution_hours_p90": 1.0})
    assert t["code"].tolist()[-1] == "C01-T01-V01-G02" and _row(t, "C01-T01-V01-G02")["score"] == 0.0
    # two metrics: the weighted mean of the scaled values
    both = composite_score(pd.DataFrame({"on_time_rate": [0.0, 1.0], "petitions_per_10k": [0.0, 2.0]}),
                           {"on_time_rate": 3.0, "petitions_per_10k": 1.0})
    assert both.tolist() == [25.0, 75.0]


def test_a_unit_without_matters_has_no_rates_and_ranks_last() -> None:
    rows = [r for r in ROWS if r[0] != 2]
    t = league_table(_records(rows), UNITS, "grid")
    g3 = _row(t, "C01-T02-V01-G01")
    assert g3["matters"] == 0 and math.isnan(g3["on_time_rate"]) and math.isnan(g3["score"])
    assert g3["rank"] == 3


def test_weights_are_config_keys_checked_like_every_other() -> None:
    cfg = load_config(["territory=township", "report.league_weights.on_time_rate=2"])
    assert cfg.report.league_weights["on_time_rate"] == 2
    with pytest.raises(ConfigError, match="report.league_weights.on_time_rate: must be a number >= 0"):
        load_config(["territory=township", "report.league_weights.on_time_rate=-1"])
    with pytest.raises(ConfigError, match="report.league_weights: needs at least one weight > 0"):
        load_config(["territory=township"] + [f"report.league_weights.{k}=0" for k in
                                              ("on_time_rate", "satisfaction_rate", "resolution_hours_mean",
                                               "petitions_per_10k", "settled_locally_share")])


def test_every_run_writes_the_three_tables_and_the_chart(tmp_path) -> None:
    from sim.runs.api import run

    res = run(["territory=township", "run.horizon_days=20", "run.warmup_days=2", "engine=vector",
               f"run.results_dir={tmp_path}", "run.write_records=false"])
    assert res.out_dir is not None
    for level, n in (("township", 1), ("grid", res.records.stations.kind.count("grid"))):  # type: ignore[union-attr]
        table = pd.read_csv(res.out_dir / f"league_{level}.csv")
        assert list(table.columns) == LEAGUE_COLUMNS and len(table) == n
    assert (res.out_dir / "league_village.csv").exists() and (res.out_dir / "league.png").stat().st_size > 10_000
    town = pd.read_csv(res.out_dir / "league_township.csv")
    assert town["matters"].iloc[0] == res.kpis["matters"]  # the one township holds every window matter
