"""Issue 20, item 6: the results' disk size in the pre-flight estimate, a refusal when the destination
lacks it, and ``run.records=all|matters|summary`` on both backends."""

from __future__ import annotations

import json
from collections import namedtuple
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from sim.checks import preflight
from sim.checks.preflight import check_disk, estimate, free_disk
from sim.entry.cli import main
from sim.runs.api import run
from sim.runs.config import load_config
from sim.runs.stream import in_process, stream, write_streamed_outputs
from sim.util.errors import ConfigError

SMALL = ["territory=township", "run.horizon_days=10", "run.warmup_days=0", "report.charts=false",
         "run.progress=false", "run.reuse=false"]
CITY = ["territory=city", "territory.counties=3", "territory.townships_per_county=2", "run.horizon_days=8",
        "run.warmup_days=0", "report.charts=false", "engine.block_matters=3000"]


def test_a_bad_records_value_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(["run.records=visits"])
    assert info.value.key == "run.records" and "all|matters|summary" in str(info.value)
    assert main([*SMALL, "run.records=visits", f"run.results_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run.records" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_the_estimate_counts_the_records_kept() -> None:
    """A county-year: ~70 MB with every record (measured 30.9 + 36.6 MB, plus the tables), less with fewer."""
    sizes = {kept: estimate(load_config(["territory=county", f"run.records={kept}"])).disk_bytes
             for kept in ("all", "matters", "summary")}
    assert 60e6 < sizes["all"] < 80e6
    assert 27e6 < sizes["matters"] < 36e6
    assert 0 < sizes["summary"] < 2e6
    assert estimate(load_config(["territory=county", "run.write_records=false"])).disk_bytes == sizes["summary"]
    assert estimate(load_config(["territory=county"]), writes=False).disk_bytes == 0.0
    assert "MB on disk" in estimate(load_config(["territory=county"])).line()


def test_a_province_year_needs_about_fourteen_gigabytes() -> None:
    est = estimate(load_config(["territory=province", "engine.backend=ray"]))
    assert 11e9 < est.disk_bytes < 17e9 and "GB on disk" in est.line()


def test_the_streamed_pre_flight_line_counts_its_blocks_and_says_where_they_run() -> None:
    local = estimate(load_config(["territory=province", "engine.backend=ray", "engine.ray.workers=1"])).line()
    assert "50 county blocks of at most about" in local and "1 local worker:" in local
    one = estimate(load_config(["territory=county", "engine.backend=ray"])).line()
    assert "1 county block of at most about" in one
    cluster = estimate(load_config(["territory=province", "engine.backend=ray",
                                    "engine.ray.address=ray://10.0.0.5:10001"])).line()
    assert "the blocks on the Ray cluster at ray://10.0.0.5:10001, this machine the driver alone" in cluster
    assert "local worker" not in cluster


def _little_room(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda _p: usage(10 * free, 9 * free, free))


def test_a_run_the_disk_cannot_hold_is_refused_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _little_room(monkeypatch, 200_000)  # less than the tables alone
    dest = tmp_path / "not" / "yet"
    assert main([*SMALL, f"run.results_dir={dest}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run.results_dir" in err and "on disk" in err and "free" in err
    assert "run.records=matters" in err and "Traceback" not in err
    assert not dest.exists() and not list(tmp_path.iterdir())


def test_fewer_records_fit_where_all_would_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config([*SMALL, f"run.results_dir={tmp_path}"])
    est = estimate(cfg)
    summary = estimate(load_config([*SMALL, "run.records=summary"]))
    _little_room(monkeypatch, int((est.disk_bytes + summary.disk_bytes) / 2))
    with pytest.raises(ConfigError):
        check_disk(cfg, est)
    check_disk(cfg, summary)  # the summary fits
    assert free_disk(tmp_path / "a" / "b") == free_disk(tmp_path)  # the nearest existing parent's disk


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    """The same KPIs (nan where undefined), but the engine's own time."""
    keys = set(a) - {"engine_seconds"}
    return keys == set(b) - {"engine_seconds"} and all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in keys)


def _files(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


def test_records_kept_on_the_in_process_backend(tmp_path: Path) -> None:
    out = {kept: run([*SMALL, f"run.records={kept}", f"run.results_dir={tmp_path / kept}"])
           for kept in ("all", "matters", "summary")}
    names = {kept: _files(r.out_dir) for kept, r in out.items() if r.out_dir is not None}
    assert {"matters.parquet", "visits.parquet", "stations.parquet"} <= names["all"]
    assert "matters.parquet" in names["matters"] and "visits.parquet" not in names["matters"]
    assert not {"matters.parquet", "visits.parquet"} & names["summary"]
    for kept in ("matters", "summary"):  # the same run, fewer files
        assert {"kpis.json", "backlog.csv", "league_grid.csv", "league_township.csv"} <= names[kept]
        assert _same(out[kept].kpis, out["all"].kpis)
        listed = json.loads((out[kept].out_dir / "manifest.json").read_text())  # type: ignore[operator]
        assert "visits.parquet" not in json.dumps(listed)


def test_records_kept_on_the_streamed_backend(tmp_path: Path) -> None:
    """The blocks of a streamed run (here in this process, as a Ray task runs them) write the matters alone,
    or nothing, with the same KPIs."""
    cfg = load_config(CITY)
    every = stream(cfg, tmp_path / "all", lambda _s: None, in_process)
    alone = stream(cfg, tmp_path / "matters", lambda _s: None, in_process, visits=False)
    summary = stream(cfg, None, lambda _s: None, in_process)
    assert len(every.blocks) > 1
    assert _files(tmp_path / "all") == {"matters", "visits"} and _files(tmp_path / "matters") == {"matters"}
    rows = [ds.dataset(tmp_path / k / "matters", format="parquet", partitioning="hive").count_rows()
            for k in ("all", "matters")]
    assert rows[0] == rows[1] == sum(b.matters for b in every.blocks)
    assert _same(every.kpis[0], alone.kpis[0]) and _same(every.kpis[0], summary.kpis[0])
    # the files beside the dataset are an in-process run's: no stations table for a summary
    for kept, streamed in (("all", every), ("summary", summary)):
        out = tmp_path / f"beside-{kept}"
        out.mkdir()
        write_streamed_outputs(streamed, load_config([*CITY, f"run.records={kept}", "report.charts=false"]), out)
        assert ("stations.parquet" in _files(out)) == (kept == "all"), kept
