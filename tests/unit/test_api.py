"""sim.run mirrors the command: KPIs, records, and a results directory with every output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import sim

SHORT = ["territory=township", "run.horizon_days=45", "run.warmup_days=5"]


def test_run_returns_kpis_records_and_writes_outputs(tmp_path: Path) -> None:
    res = sim.run([*SHORT, f"run.results_dir={tmp_path}"])
    assert res.engine == "agent"
    assert res.records is not None
    assert res.kpis["matters"] > 1000
    assert res.kpis["closed"] + res.kpis["open_at_horizon"] == res.kpis["matters"]
    assert 0.0 < res.kpis["on_time_rate"] <= 1.0
    out = res.out_dir
    assert out is not None and out.parent == tmp_path
    for name in ("config.yaml", "overrides.txt", "capacity.json", "kpis.json", "backlog.csv", "utilization.csv",
                 "state_daily.csv", "matters.parquet", "visits.parquet", "stations.parquet"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "kpis.json").read_text())
    assert saved["kpis"]["matters"] == res.kpis["matters"]
    frame = pd.read_parquet(out / "matters.parquet")
    assert len(frame) == res.records.matters.n
    assert np.array_equal(frame["matter_id"].to_numpy(), np.arange(len(frame)))
    assert not any(p.name.startswith(".partial") for p in tmp_path.iterdir())


def test_same_seed_same_results(tmp_path: Path) -> None:
    a = sim.run(SHORT, write=False)
    b = sim.run(SHORT, write=False)
    assert a.records is not None and b.records is not None
    pd.testing.assert_frame_equal(a.records.matters_frame(), b.records.matters_frame())
    assert {k: v for k, v in a.kpis.items() if k != "engine_seconds"} == \
           {k: v for k, v in b.kpis.items() if k != "engine_seconds"}


def test_replications_give_confidence_half_widths() -> None:
    res = sim.run([*SHORT, "run.horizon_days=30", "run.replications=3"], write=False)
    assert len(res.runs) == 3
    assert res.summaries["resolution_hours_mean"].n == 3
    assert res.ci["resolution_hours_mean"] > 0
    # replications draw independent matters
    assert len({r["matters"] for r in res.runs}) > 1
