"""The store checks what it serves (issue 18, items 2 and 7): a results directory whose files changed since
they were written is run again with one line saying why; an unreadable or locked ``runs.sqlite`` never
stops a run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sim.runs import store, store_db
from sim.runs.cached import run_cached
from sim.runs.config import load_config, resolve_defaults
from sim.runs.manifest import MANIFEST, verify

SMALL = ["territory=township", "run.horizon_days=15", "run.warmup_days=2", "report.charts=false",
         "run.progress=false"]


def _args(tmp: Path, *more: str) -> list[str]:
    return [*SMALL, f"run.results_dir={tmp}", *more]


def _first(tmp: Path) -> Path:
    result, hit = run_cached(_args(tmp))
    assert not hit and result.out_dir is not None
    return Path(result.out_dir)


def test_every_file_of_a_run_is_in_its_manifest(tmp_path: Path) -> None:
    out = _first(tmp_path)
    manifest = json.loads((out / MANIFEST).read_text())
    listed = set(manifest["files"])
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != MANIFEST}
    assert listed == on_disk and {"kpis.json", "config.yaml", "matters.parquet"} <= listed
    assert manifest["store"]["hash"] == store.config_hash(resolve_defaults(load_config(_args(tmp_path)))[0])
    assert verify(out) is None


@pytest.mark.parametrize(("damage", "reason"), [
    ("delete matters.parquet", "matters.parquet is missing"),
    ("garbage kpis.json", "kpis.json has"),
    ("same-size edit of kpis.json", "kpis.json has changed"),
    ("delete manifest.json", "manifest.json is missing"),
])
def test_a_damaged_directory_is_run_again_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       damage: str, reason: str) -> None:
    out = _first(tmp_path)
    if damage == "delete matters.parquet":
        (out / "matters.parquet").unlink()
    elif damage == "garbage kpis.json":
        (out / "kpis.json").write_text("{not json")
    elif damage == "same-size edit of kpis.json":
        text = (out / "kpis.json").read_text()
        (out / "kpis.json").write_text(text.replace('"', "'", 1))
    else:
        (out / MANIFEST).unlink()
    capsys.readouterr()
    said: list[str] = []
    again, hit = run_cached(_args(tmp_path), echo=said.append)
    assert not hit and again.out_dir != out
    why = [s for s in said if "cannot be served" in s]
    assert len(why) == 1 and reason in why[0] and str(out) in why[0], said
    assert "\n" not in why[0]
    _, hit = run_cached(_args(tmp_path))
    assert hit  # the new directory is whole: served


@pytest.mark.parametrize("content", [b"this is not a database" * 100, "truncated"])
def test_an_unreadable_index_is_moved_aside_and_rebuilt(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        content: bytes | str) -> None:
    out = _first(tmp_path)
    db = tmp_path / store.DB_NAME
    data = db.read_bytes()
    db.write_bytes(content if isinstance(content, bytes) else data[: len(data) // 2] + b"\0" * 100)
    capsys.readouterr()
    result, hit = run_cached(_args(tmp_path))
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "unreadable" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"gridsim: {store.DB_NAME} is unreadable: moved to ")
    assert lines[0].endswith("; starting a new index") and "Traceback" not in err
    moved = Path(lines[0].split("moved to ", 1)[1].split(";")[0])
    assert moved.is_file() and moved.read_bytes()[:20] == (content if isinstance(content, bytes) else data)[:20]
    assert hit and result.out_dir is not None and Path(result.out_dir) == out.resolve()  # rebuilt: still served


def test_a_locked_index_is_waited_on_then_said_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _first(tmp_path)
    monkeypatch.setattr(store_db, "LOCK_WAIT_SECONDS", 0.2)
    holder = sqlite3.connect(tmp_path / store.DB_NAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        capsys.readouterr()
        result, hit = run_cached(_args(tmp_path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert not hit and result.out_dir is not None and Path(result.out_dir).is_dir()  # run, written
    locked = [ln for ln in err.splitlines() if "locked" in ln]
    assert locked and all(ln.startswith("gridsim: warning: the store ") for ln in locked), err
    assert "Traceback" not in err
