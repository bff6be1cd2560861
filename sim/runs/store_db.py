"""The store's SQLite file: opened with a bounded wait, moved aside and rebuilt when unreadable.

``runs.sqlite`` is an index: the results directories hold the results, and each one's
``manifest.json`` holds the row the index keeps for it. So a database that cannot be read
(a garbage file, a truncated one) is never a reason to stop: it is moved aside with one
line (``runs.sqlite is unreadable: moved to …; starting a new index``) and a new one is
built from the manifests of the results directories beside it (experiments are not
rebuilt: they run again when asked). A database another process holds locked is waited
on for ``LOCK_WAIT_SECONDS``; then the run goes on without the store and says so.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sim.metrics.stability import Stability
from sim.runs.manifest import MANIFEST, read_manifest

__all__ = ["HEADLINE", "LOCK_WAIT_SECONDS", "SCHEMA", "connect", "insert_run", "rebuild", "using"]

#: seconds a locked database is waited on before the store is left out of this run
LOCK_WAIT_SECONDS = 10.0
#: KPIs kept as columns of ``runs`` (all of them are in ``kpis_json``)
HEADLINE: tuple[str, ...] = ("matters", "on_time_rate", "satisfaction_rate", "resolution_hours_mean",
                             "resolution_hours_p90", "petitions_per_10k", "settled_at_or_below_village",
                             "staff_cost", "cost_per_settled")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    results_dir TEXT PRIMARY KEY,  -- absolute path of the run's directory
    hash TEXT NOT NULL,            -- sha256 of the resolved config (seed included) and of its input files
    code TEXT NOT NULL,            -- sha256 of the model's source files
    created TEXT NOT NULL,         -- UTC, ISO 8601
    seed INTEGER NOT NULL,
    replications INTEGER NOT NULL,
    engine TEXT NOT NULL,
    territory TEXT NOT NULL,
    scenario TEXT NOT NULL,
    horizon_days REAL NOT NULL,
    seconds REAL,                  -- engine seconds, summed over the replications
    source TEXT NOT NULL,          -- cli | api | sweep | page | ...
    overrides TEXT NOT NULL,       -- JSON list of the overrides given
    config_json TEXT NOT NULL,     -- the resolved config
    kpis_json TEXT NOT NULL,       -- every KPI mean
    ci_json TEXT NOT NULL,         -- their 95% half-widths
    stability TEXT,                -- stable | unstable (<rule>): its KPIs understate what is still open
    {", ".join(f"{k} REAL" for k in HEADLINE)}
);
CREATE INDEX IF NOT EXISTS runs_hash ON runs (hash, code);
CREATE TABLE IF NOT EXISTS experiments (
    results_dir TEXT PRIMARY KEY,  -- absolute path of the experiment's directory (results/experiments/...)
    hash TEXT NOT NULL,            -- sha256 of the spec and of every scenario's resolved config
    code TEXT NOT NULL,            -- sha256 of the model's source files
    created TEXT NOT NULL,         -- UTC, ISO 8601
    name TEXT NOT NULL,            -- the spec's name
    scenarios INTEGER NOT NULL,
    replications INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    seconds REAL,                  -- wall time of the whole experiment
    overrides TEXT NOT NULL,       -- JSON list of the arguments given
    spec_json TEXT NOT NULL,       -- the spec
    finding TEXT NOT NULL          -- finding.txt
);
CREATE INDEX IF NOT EXISTS experiments_hash ON experiments (hash, code);
"""

def _say(line: str) -> None:
    print(f"gridsim: {line}", file=sys.stderr, flush=True)


@contextmanager
def connect(path: str | Path) -> Iterator[sqlite3.Connection]:
    """An open connection with the tables created; committed on success. Raises sqlite3 errors as they are
    (``using`` handles them)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=LOCK_WAIT_SECONDS)) as con:
        con.executescript(SCHEMA)
        _add_stability(con)
        with con:
            yield con


def _add_stability(con: sqlite3.Connection) -> None:
    """The ``stability`` column in a store an older gridsim made, filled from each run's own ``kpis.json``.

    Another process may add it at the same moment (a sweep's jobs right after an upgrade) and a store
    may be read-only (a shared results folder): either way the store is read as it is."""
    if "stability" in {row[1] for row in con.execute("PRAGMA table_info(runs)")}:
        return
    try:
        with con:
            con.execute("ALTER TABLE runs ADD COLUMN stability TEXT")
            for (results_dir,) in con.execute("SELECT results_dir FROM runs").fetchall():
                con.execute("UPDATE runs SET stability = ? WHERE results_dir = ?",
                            (stability_of_dir(Path(results_dir)), results_dir))
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc) and "readonly" not in str(exc):
            raise


def stability_of_dir(directory: Path) -> str | None:
    """The verdict's tag of the run in ``directory`` (``stable`` / ``unstable (<rule>)``), from its
    ``kpis.json``; None when it has none (a capacity check alone, an older gridsim's run)."""
    try:
        payload = json.loads((directory / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stab = payload.get("stability") if isinstance(payload, dict) else None
    return Stability.from_dict(stab).tag() if isinstance(stab, dict) else None


def _locked(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in str(exc)


def _unreadable(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    return name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or any(
        w in str(exc) for w in ("not a database", "malformed", "corrupt"))


def move_aside(path: Path) -> Path:
    """Rename an unreadable database (and its journal files) to ``runs.sqlite.unreadable-<UTC stamp>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    k, target = 1, path.with_name(f"{path.name}.unreadable-{stamp}")
    while target.exists():
        k += 1
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{k}")
    path.rename(target)
    for suffix in ("-journal", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    return target


def insert_run(con: sqlite3.Connection, row: dict[str, object]) -> None:
    cols, marks = ", ".join(row), ", ".join("?" for _ in row)
    con.execute(f"INSERT OR REPLACE INTO runs ({cols}) VALUES ({marks})", tuple(row.values()))


def rebuild(path: Path) -> int:
    """Fill the database at ``path`` from the manifests of the results directories beside it; how many rows."""
    n = 0
    with connect(path) as con:
        for manifest in sorted(path.parent.glob(f"*/{MANIFEST}")):
            data = read_manifest(manifest.parent)
            row = data.get("store") if data is not None else None
            if not isinstance(row, dict):
                continue  # a capacity check, or a directory gridsim did not write
            if row.get("stability") is None:  # a manifest an older gridsim wrote: the verdict from its kpis.json
                row = {**row, "stability": stability_of_dir(manifest.parent)}
            insert_run(con, {**row, "results_dir": str(manifest.parent.resolve())})
            n += 1
    return n


def using[T](path: Path, work: Callable[[sqlite3.Connection], T], what: str) -> T | None:
    """``work(connection)`` on the database at ``path``; None when it is locked (said in one line).

    An unreadable database is moved aside (one line), rebuilt from the manifests, and
    ``work`` runs on the new one. ``what``: what is given up when the store is locked
    ("this run is not looked up in it").
    """
    for attempt in (1, 2):
        try:
            with connect(path) as con:
                return work(con)
        except sqlite3.Error as exc:
            if _locked(exc):
                _say(f"warning: the store {path} is locked by another process (waited {LOCK_WAIT_SECONDS:g} s): "
                     f"{what}")
                return None
            if attempt == 2 or not _unreadable(exc) or not path.exists():
                raise
            moved = move_aside(path)
            _say(f"{path.name} is unreadable: moved to {moved}; starting a new index")
            rows = rebuild(path)
            if rows:
                _say(f"store: {rows} run(s) indexed again from the results directories' manifests")
    raise AssertionError("unreachable")
