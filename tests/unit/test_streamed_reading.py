"""Issue 20, item 7: reading a streamed run's results — the league chart drawn from the merged league
tables, and the DuckDB query of docs/province.md over the partitioned dataset."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim.runs.config import load_config
from sim.runs.stream import Streamed, in_process, stream, write_streamed_outputs
from sim.scenario.territory import build_territory

ROOT = Path(__file__).resolve().parents[2]
CITY = ["territory=city", "territory.counties=3", "territory.townships_per_county=2", "run.horizon_days=8",
        "run.warmup_days=0", "engine.block_matters=3000"]


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Streamed, Path]:
    d = tmp_path_factory.mktemp("streamed")
    cfg = load_config([*CITY, "report.charts=true"])
    s = stream(cfg, d, lambda _s: None, in_process)  # the blocks in this process, as Ray tasks run them
    write_streamed_outputs(s, cfg, d)
    return s, d


def test_the_league_chart_is_drawn_from_the_merged_tables(streamed: tuple[Streamed, Path]) -> None:
    s, d = streamed
    assert len(s.blocks) > 1
    with Image.open(d / "league.png") as png:
        assert png.size[0] > 400 and png.size[1] > 300
    township = pd.read_csv(d / "league_township.csv")
    assert len(township) == build_territory(load_config(CITY)).n_townships
    assert sorted(township["rank"]) == list(range(1, len(township) + 1))


def test_every_chart_and_table_of_an_in_process_run_is_drawn_from_the_merged_summaries(
        streamed: tuple[Streamed, Path]) -> None:
    from sim.report.charts import OFFICE_CHART, RUN_CHARTS

    _, d = streamed
    for name in (*RUN_CHARTS, OFFICE_CHART):
        with Image.open(d / name) as png:
            assert png.size[0] > 400 and png.size[1] > 300, name
    assert set(pd.read_csv(d / "utilization.csv")["kind"]) >= {"grid", "village", "module", "department"}
    assert len(pd.read_csv(d / "offices.csv")) == 10 + 7  # the default catalogue's modules and departments


def test_no_chart_without_report_charts(tmp_path: Path, streamed: tuple[Streamed, Path]) -> None:
    write_streamed_outputs(streamed[0], load_config([*CITY, "report.charts=false"]), tmp_path)
    assert not (tmp_path / "league.png").exists() and (tmp_path / "league_grid.csv").exists()
    assert not (tmp_path / "resolution_cdf.png").exists() and (tmp_path / "offices.csv").exists()


def test_a_curve_with_nothing_closed_is_drawn_flat() -> None:
    from sim.metrics.sketch import censored_sketch
    from sim.metrics.tables import sketch_cdf_table

    flat = sketch_cdf_table(censored_sketch(np.array([5.0, 9.0]), np.array([False, False])))
    assert flat["hours"].tolist() == [0.0, 9.0] and flat["share"].tolist() == [0.0, 0.0]
    assert sketch_cdf_table(censored_sketch(np.array([]), np.array([], bool))).empty


def test_the_documented_duckdb_query_reads_the_dataset(streamed: tuple[Streamed, Path]) -> None:
    s, d = streamed
    text = (ROOT / "docs" / "province.md").read_text(encoding="utf-8")
    query = re.search(r"(SELECT county.*?;)", text, re.S)
    assert query is not None
    sql = query.group(1).replace("results/<run>", str(d)).rstrip(";")
    relation = duckdb.sql(sql)
    assert relation is not None
    got = relation.df()
    terr = build_territory(load_config(CITY))
    assert list(got["county"].astype(str)) == sorted(terr.county_codes)
    assert int(got["matters"].sum()) == sum(b.matters for b in s.blocks)
    assert ((got["on_time"] >= 0) & (got["on_time"] <= 1)).all()
