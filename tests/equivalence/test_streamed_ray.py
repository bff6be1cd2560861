"""A streamed run (engine.backend=ray) equals the in-process run (engine.backend=threads): records and KPIs.

A small city (3 counties of 2 townships, 20 days) in blocks of one county, on a local Ray
started once for the module with the loopback-only settings (its session files under a
test directory), with one and with two tasks at once: the partitioned dataset read back
equals the single-file records row for row, and every KPI is the same float but the three
means made of the blocks' sums, which agree to 1e-12 relative, and the product-limit
percentiles and means, which come from the blocks' sketches: each is the middle of the
interval stated in ``kpis.json``, and that interval holds the in-process (exact) value
(``sim.metrics.merge``, ``sim.metrics.sketch``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import run
from sim.records.schema import MatterRecords, VisitRecords
from sim.runs.manifest import verify
from sim.util.jitcache import cache_root
from sim.util.ray_local import LOCAL_ENV, init_local_ray
from tests.unit.test_streamed_merge import assert_merged_kpis

ray = pytest.importorskip("ray")

CITY = ["territory=city", "territory.counties=3", "territory.townships_per_county=2", "run.horizon_days=20",
        "report.charts=false", "run.reuse=false"]
#: blocks of about one county (each has ~9,000 matters here)
STREAMED = ["engine.backend=ray", "engine.block_matters=7000"]


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local Ray for the module: loopback only, no dashboard, no usage statistics, temp dir in the test's."""
    home = tmp_path_factory.mktemp("home")
    temp = tmp_path_factory.mktemp("ray")  # short: Ray's socket paths must stay under 108 bytes
    with pytest.MonkeyPatch.context() as mp:
        for k, v in LOCAL_ENV.items():
            mp.setenv(k, v)
        mp.setenv("GRIDSIM_CACHE_DIR", str(cache_root()))  # the workers load the compiled code, not recompile it
        mp.setenv("HOME", str(home))  # Ray writes its session token under ~/.ray
        init_local_ray(ray, temp, 2)  # on 127.0.0.1 alone, though Ray was imported above without LOCAL_ENV
        try:
            yield
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def threads(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, float], Path]:
    d = tmp_path_factory.mktemp("threads")
    res = run([*CITY, f"run.results_dir={d}"])
    assert res.out_dir is not None
    return res.kpis, res.out_dir


def _read_dataset(folder: Path, columns: list[str]) -> pd.DataFrame:
    """The parts county by county (their folders' order), each part's rows in its order."""
    frames = [pd.read_parquet(f, columns=columns) for c in sorted(folder.iterdir()) for f in sorted(c.iterdir())]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.usefixtures("local_ray")
@pytest.mark.parametrize("workers", [1, 2])
def test_ray_gives_the_threads_records_and_kpis(threads: tuple[dict[str, float], Path], workers: int,
                                                tmp_path: Path) -> None:
    kpis, out = threads
    res = run([*CITY, *STREAMED, f"engine.ray.workers={workers}", f"run.results_dir={tmp_path}"])
    assert res.out_dir is not None and res.streamed is not None
    assert len(res.streamed.blocks) == 3
    sketched = json.loads((res.out_dir / "kpis.json").read_text())["sketched"]
    # null: no lower end (above the horizon for certain), no upper end (perhaps above it)
    bounds = {k: (math.nan if low is None else low, math.inf if high is None else high)
              for k, (low, high) in sketched["bounds"][0].items()}
    assert sorted(bounds) == sketched["kpis"] == sorted(res.streamed.bounds[0])
    np.testing.assert_array_equal([bounds[k] for k in sorted(bounds)],
                                  [res.streamed.bounds[0][k] for k in sorted(bounds)])
    assert_merged_kpis({k: v for k, v in kpis.items() if k != "engine_seconds"}, res.kpis, bounds)
    for table, cls in (("matters", MatterRecords), ("visits", VisitRecords)):
        cols = list(cls.__dataclass_fields__)
        whole = pd.read_parquet(out / f"{table}.parquet", columns=cols)
        parts = _read_dataset(res.out_dir / table, cols)
        pd.testing.assert_frame_equal(whole, parts)
    counties = sorted(p.name for p in (res.out_dir / "matters").iterdir())
    assert counties == ["county=C01", "county=C02", "county=C03"]
    # counts conserved: every matter that occurred is closed or open, summed over the blocks
    total = sum(b.matters for b in res.streamed.blocks)
    assert total == len(pd.read_parquet(out / "matters.parquet", columns=["matter_id"]))
    assert not list(tmp_path.glob(".ray-*")) and not list(tmp_path.glob(".partial-*"))
    assert verify(res.out_dir) is None  # the parts' checksums, made by the workers as they wrote them, hold
    for level in ("township", "village", "grid"):  # ranked over the whole territory from the blocks' rows
        name = f"league_{level}.csv"
        pd.testing.assert_frame_equal(pd.read_csv(res.out_dir / name), pd.read_csv(out / name))
    backlog = pd.read_csv(res.out_dir / "backlog.csv")
    pd.testing.assert_frame_equal(backlog, pd.read_csv(out / "backlog.csv"))
    # the utilisation and office tables too: a station's busy hours are one block's
    for name in ("utilization.csv", "offices.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(res.out_dir / name), pd.read_csv(out / name))


def test_a_streamed_runs_resolution_curve_is_the_sketch_of_the_exact_one() -> None:
    """The streamed run's chart of resolution times is drawn from its merged sketch: at every share the
    exact curve reaches, the sketched one reaches it within a bin (0.01%) or two of the same hours."""
    from sim.metrics.sketch import censored_sketch
    from sim.metrics.tables import cdf_table, sketch_cdf_table

    rng = np.random.default_rng(5)
    hours = rng.lognormal(3.0, 1.2, 20_000)
    closed = rng.random(20_000) < 0.85
    exact, sketched = cdf_table(hours, closed), sketch_cdf_table(censored_sketch(hours, closed))
    for q in (0.5, 0.9):  # the rows both tables keep: the median and the 90th percentile drawn
        h_exact = float(exact["hours"][exact["share"] >= q - 1e-12].iloc[0])
        h_sketch = float(sketched["hours"][sketched["share"] >= q - 1e-12].iloc[0])
        assert h_sketch == pytest.approx(h_exact, rel=3e-4)
    # everywhere else: the exact curve, unthinned, at the sketched rows' hours
    full = cdf_table(hours, closed, points=10**6)
    at = np.searchsorted(full["hours"].to_numpy(), sketched["hours"].to_numpy(), side="right") - 1
    np.testing.assert_allclose(sketched["share"].to_numpy(), full["share"].to_numpy()[np.maximum(at, 0)], atol=2e-3)
    assert len(sketched) <= 200 and sketched["share"].is_monotonic_increasing


def test_a_retried_block_writes_the_same_records(tmp_path: Path) -> None:
    """A task run twice (as Ray retries one) writes the same parts: its streams are keyed by its counties."""
    from sim.runs.config import load_config
    from sim.runs.stream import plan, run_block
    from sim.scenario.territory import build_territory

    cfg = load_config([*CITY, *STREAMED])
    tasks = plan(cfg, build_territory(cfg), tmp_path / "a")
    task = tasks[1]
    first = run_block(task)
    again = run_block(type(task)(**{**task.__dict__, "dataset": str(tmp_path / "b")}))
    assert (first.matters, first.visits) == (again.matters, again.visits)
    for table in ("matters", "visits"):
        for part in (tmp_path / "a" / table).rglob("*.parquet"):
            twin = tmp_path / "b" / part.relative_to(tmp_path / "a")
            pd.testing.assert_frame_equal(pd.read_parquet(part), pd.read_parquet(twin))
    assert first.parts is not None and again.parts is not None
    for name in ("res_sketch", "r2c_sketch"):
        a, b = getattr(first.parts, name), getattr(again.parts, name)
        assert np.array_equal(a.events, b.events) and np.array_equal(a.censored, b.censored)
