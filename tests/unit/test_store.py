"""The store of runs: every written run registered, a repeated request answered from it, never a deleted one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from sim.runs import cached, store
from sim.runs.config import load_config

SMALL = ["territory=township", "run.horizon_days=15", "run.warmup_days=2", "run.write_records=false",
         "report.charts=false", "run.progress=false"]


def _args(tmp: Path, *more: str) -> list[str]:
    return [*SMALL, f"run.results_dir={tmp}", *more]


def test_a_repeated_run_is_served_from_the_store(tmp_path: Path) -> None:
    said: list[str] = []
    first, hit1 = cached.run_cached(_args(tmp_path))
    second, hit2 = cached.run_cached(_args(tmp_path), echo=said.append)
    assert (hit1, hit2) == (False, True)
    assert first.out_dir is not None
    assert second.out_dir == first.out_dir.resolve()
    assert second.kpis == pytest.approx(first.kpis, nan_ok=True) and len(second.runs) == len(first.runs)
    assert all(b == pytest.approx(a, nan_ok=True) for a, b in zip(first.runs, second.runs, strict=True))
    assert second.stability == first.stability  # the verdict comes back from kpis.json as it was judged
    assert any("served from the store" in s for s in said)
    assert len(list(tmp_path.glob("2*"))) == 1  # nothing was run or written again


def test_the_store_is_queryable_with_sql(tmp_path: Path) -> None:
    result, _ = cached.run_cached(_args(tmp_path), source="page")
    assert result.out_dir is not None
    with sqlite3.connect(tmp_path / store.DB_NAME) as con:
        rows = con.execute("SELECT territory, seed, replications, source, on_time_rate, results_dir, config_json "
                           "FROM runs WHERE territory = 'township'").fetchall()
    assert len(rows) == 1
    territory, seed, reps, source, on_time, results_dir, config_json = rows[0]
    assert (territory, seed, reps, source) == ("township", 12345, 1, "page")
    assert on_time == pytest.approx(result.kpis["on_time_rate"]) and Path(results_dir) == result.out_dir.resolve()
    assert json.loads(config_json)["run"]["horizon_days"] == 15
    assert len(store.runs_frame(tmp_path)) == 1


def test_another_seed_or_lever_is_a_new_run(tmp_path: Path) -> None:
    cached.run_cached(_args(tmp_path))
    _, hit_seed = cached.run_cached(_args(tmp_path, "run.seed=7"))
    _, hit_lever = cached.run_cached(_args(tmp_path, "staffing.fulltime_per_grid=2"))
    _, hit_again = cached.run_cached(_args(tmp_path, "run.seed=7"))
    assert (hit_seed, hit_lever, hit_again) == (False, False, True)
    assert len(store.runs_frame(tmp_path)) == 3


def test_a_deleted_results_dir_is_never_served(tmp_path: Path) -> None:
    first, _ = cached.run_cached(_args(tmp_path))
    assert first.out_dir is not None
    shutil.rmtree(first.out_dir)
    again, hit = cached.run_cached(_args(tmp_path))
    assert again.out_dir is not None
    assert not hit and again.out_dir.is_dir()
    assert again.kpis["matters"] == first.kpis["matters"]  # same config and seed: the same results
    frame = store.runs_frame(tmp_path)
    assert frame["results_dir"].tolist() == [str(again.out_dir.resolve())]  # the stale row was dropped


def test_reuse_false_runs_again(tmp_path: Path) -> None:
    cached.run_cached(_args(tmp_path))
    again, hit = cached.run_cached(_args(tmp_path, "run.reuse=false"))
    assert not hit and len(store.runs_frame(tmp_path)) == 2
    _, hit = cached.run_cached(_args(tmp_path))  # run.reuse is not part of the hash: either run answers
    assert hit


def test_the_hash_ignores_what_cannot_change_results_only() -> None:
    base = store.config_hash(load_config(SMALL))
    assert store.config_hash(load_config([*SMALL, "run.progress=true", "engine.workers=1"])) == base
    assert store.config_hash(load_config([*SMALL, "run.seed=1"])) != base
    assert store.config_hash(load_config([*SMALL, "run.replications=2"])) != base
    assert store.config_hash(load_config([*SMALL, "dispatch.mode=unified"])) != base


def test_changed_model_code_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cached.run_cached(_args(tmp_path))
    monkeypatch.setattr(store, "code_hash", lambda: "another model")
    assert store.lookup(load_config(_args(tmp_path))) is None


def test_the_cli_says_a_run_came_from_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sim.entry.cli import main

    assert main(_args(tmp_path)) == 0
    first = capsys.readouterr().out
    assert main(_args(tmp_path)) == 0
    second = capsys.readouterr().out
    assert "served from the store" not in first and "served from the store" in second
    assert first.strip().splitlines()[-1] == second.strip().splitlines()[-1]  # the same results line


def test_each_run_is_stored_with_its_verdict_and_an_older_store_gains_the_column(tmp_path: Path) -> None:
    old = tmp_path / store.DB_NAME  # a store an older gridsim made: no stability column
    with sqlite3.connect(old) as con:
        con.execute("CREATE TABLE runs (results_dir TEXT PRIMARY KEY, hash TEXT NOT NULL, code TEXT NOT NULL, "
                    "created TEXT NOT NULL, seed INTEGER NOT NULL, replications INTEGER NOT NULL, engine TEXT NOT NULL,"
                    " territory TEXT NOT NULL, scenario TEXT NOT NULL, horizon_days REAL NOT NULL, seconds REAL, "
                    "source TEXT NOT NULL, overrides TEXT NOT NULL, config_json TEXT NOT NULL, kpis_json TEXT NOT "
                    "NULL, ci_json TEXT NOT NULL, " + ", ".join(f"{k} REAL" for k in store.HEADLINE) + ")")
        earlier = tmp_path / "20260101-000000-county-baseline"  # an older gridsim's run: its verdict in kpis.json
        earlier.mkdir()
        (earlier / "kpis.json").write_text(json.dumps({"stability": {"verdict": "unstable", "rule": "backlog growth"}}))
        con.execute("INSERT INTO runs (results_dir, hash, code, created, seed, replications, engine, territory, "
                    "scenario, horizon_days, source, overrides, config_json, kpis_json, ci_json) VALUES "
                    "(?, 'h', 'c', 'x', 1, 1, 'vector', 'county', 'baseline', 365, 'cli', '[]', '{}', '{}', '{}')",
                    (str(earlier),))
    short, _ = cached.run_cached(_args(tmp_path))  # 15 days: shorter than its start-up transient
    starved, _ = cached.run_cached(_args(tmp_path, "run.horizon_days=60", "run.warmup_days=20",
                                         "staffing.module_staff.construction=0"))
    assert starved.stability.unstable and starved.stability.rule == "capacity"
    with sqlite3.connect(old) as con:
        rows = dict(con.execute("SELECT results_dir, stability FROM runs").fetchall())
    assert short.out_dir is not None and starved.out_dir is not None
    assert rows[str(short.out_dir.resolve())] == short.stability.tag()
    assert rows[str(starved.out_dir.resolve())] == "unstable (capacity)"
    assert rows[str(tmp_path / "20260101-000000-county-baseline")] == "unstable (backlog growth)"
