"""The store of runs: an SQLite database indexing every results directory (``<run.results_dir>/runs.sqlite``).

Every results directory ``sim.runs.api`` writes (the CLI, ``sim.run``, a sweep's jobs, the
workbench page) is registered here under the hash of its resolved config (the seed and
the number of replications are part of it) and of the model's code. ``sim.runs.cached.run_cached`` answers
a request whose config is in the store from the stored directory instead of running it
again: same config, same seed and same code give the same results, so nothing is lost.
A row whose directory has since been deleted (or lost its ``kpis.json``) is dropped and
never served. The Parquet files stay in the results directories; the store holds paths,
the config and the headline KPIs, so a researcher can query it::

    sqlite3 results/runs.sqlite "SELECT created, territory, scenario, on_time_rate, staff_cost, results_dir
                                 FROM runs WHERE territory = 'county' ORDER BY on_time_rate DESC"

Keys that cannot change a run's results are left out of the hash (``HASH_EXCLUDED``):
the progress bar, the thread count (the engines give the same records whatever it is)
and whether to reuse.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.scenario.schema import Config

__all__ = ["DB_NAME", "HEADLINE", "StoredExperiment", "StoredRun", "config_hash", "code_hash", "connect",
           "experiment_hash", "lookup", "lookup_experiment", "register", "register_experiment",
           "runs_frame"]

#: the database's file name inside ``run.results_dir``
DB_NAME = "runs.sqlite"
#: config keys that do not change a run's results
HASH_EXCLUDED: tuple[tuple[str, str], ...] = (("run", "progress"), ("engine", "workers"), ("run", "reuse"),
                                              ("run", "results_dir"))
#: KPIs kept as columns of ``runs`` (all of them are in ``kpis_json``)
HEADLINE: tuple[str, ...] = ("matters", "on_time_rate", "satisfaction_rate", "resolution_hours_mean",
                             "resolution_hours_p90", "petitions_per_10k", "settled_at_or_below_village",
                             "staff_cost", "cost_per_settled")

#: who is running (``register``'s ``source`` column): the CLI, a page, a sweep job set it around their runs
SOURCE: ContextVar[str] = ContextVar("gridsim_store_source", default="api")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    results_dir TEXT PRIMARY KEY,  -- absolute path of the run's directory
    hash TEXT NOT NULL,            -- sha256 of the resolved config (seed included)
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
#: spec fields that do not change an experiment's results
SPEC_HASH_EXCLUDED: tuple[str, ...] = ("workers", "reuse")


def _canonical(cfg: Config) -> dict[str, Any]:
    # dataclasses.asdict, not OmegaConf.structured: the same plain data in a tenth of the time
    data: dict[str, Any] = asdict(cfg)
    for section, key in HASH_EXCLUDED:
        data.get(section, {}).pop(key, None)
    return data


def _hash_of(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def config_hash(cfg: Config) -> str:
    """sha256 of the resolved config, keys sorted, without ``HASH_EXCLUDED``."""
    return _hash_of(_canonical(cfg))


@cache
def code_hash() -> str:
    """sha256 of the package's model sources (``sim/**/*.py`` outside the page), read once per process.

    A store hit must give what a run would give now: a changed engine or rule is a different model.
    """
    root = Path(__file__).resolve().parents[1]  # sim/: every model source, not only sim/runs/
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("app/"):
            continue  # the page does not change results
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def db_path(cfg: Config) -> Path:
    return Path(cfg.run.results_dir) / DB_NAME


@contextmanager
def connect(path: str | Path) -> Iterator[sqlite3.Connection]:
    """An open connection with the table created; committed on success."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30.0)) as con:
        con.executescript(_SCHEMA)
        with con:
            yield con


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def register(cfg: Config, out_dir: Path, kpis: Mapping[str, float], ci: Mapping[str, float], engine: str,
             overrides: Sequence[str], seconds: float | None = None, source: str | None = None) -> None:
    """Record a finished results directory under its config's hash (replacing a row for the same directory)."""
    source = source if source is not None else SOURCE.get()
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    canonical = _canonical(cfg)
    row: dict[str, Any] = {
        "results_dir": str(Path(out_dir).resolve()), "hash": _hash_of(canonical), "code": code_hash(),
        "created": created, "seed": cfg.run.seed, "replications": cfg.run.replications, "engine": engine,
        "territory": cfg.territory.name, "scenario": cfg.scenario.name, "horizon_days": cfg.run.horizon_days,
        "seconds": seconds, "source": source, "overrides": json.dumps(list(overrides)),
        "config_json": json.dumps(canonical, sort_keys=True, default=str),
        "kpis_json": json.dumps({k: _num(v) for k, v in kpis.items()}),
        "ci_json": json.dumps({k: _num(v) for k, v in ci.items()}),
    }
    row.update({k: _num(kpis.get(k)) for k in HEADLINE})
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with connect(db_path(cfg)) as con:
        con.execute(f"INSERT OR REPLACE INTO runs ({cols}) VALUES ({marks})", tuple(row.values()))


@dataclass(frozen=True)
class StoredRun:
    """A row of the store whose directory still exists."""

    results_dir: Path
    created: str
    engine: str
    seconds: float | None


def register_result(result: Any, overrides: Sequence[str], out_dir: Path) -> None:
    """``register`` a ``sim.runs.api.RunResult`` just written to ``out_dir`` (what ``sim.runs.api`` calls).

    A store that cannot be written (a read-only or locked database) does not undo the run:
    its directory is complete, so this says why on stderr and goes on.
    """
    if not result.runs:
        return  # a capacity check alone is not a run
    seconds = sum(float(r.get("engine_seconds", 0.0)) for r in result.runs)
    try:
        register(result.cfg, out_dir, result.kpis, result.ci, result.engine, overrides, seconds)
    except (sqlite3.Error, OSError) as exc:
        print(f"gridsim: warning: {out_dir} was not registered in the store: {exc}", file=sys.stderr)


def _usable(directory: Path) -> bool:
    return (directory / "kpis.json").is_file() and (directory / "config.yaml").is_file()


def lookup(cfg: Config) -> StoredRun | None:
    """The newest stored run of this config and code whose directory is intact; rows of deleted ones are dropped."""
    path = db_path(cfg)
    if not path.is_file():
        return None
    with connect(path) as con:
        rows = con.execute("SELECT results_dir, created, engine, seconds FROM runs WHERE hash = ? AND code = ? "
                           "ORDER BY created DESC", (config_hash(cfg), code_hash())).fetchall()
        for results_dir, created, engine, seconds in rows:
            d = Path(results_dir)
            if _usable(d):
                return StoredRun(d, created, engine, seconds)
            con.execute("DELETE FROM runs WHERE results_dir = ?", (results_dir,))
    return None


def runs_frame(results_dir: str | Path) -> Any:
    """Every row of the store under ``results_dir`` as a pandas DataFrame (newest first)."""
    import pandas as pd

    path = Path(results_dir) / DB_NAME
    if not path.is_file():
        return pd.DataFrame()
    with connect(path) as con:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY created DESC", con)


@dataclass(frozen=True)
class StoredExperiment:
    """A row of ``experiments`` whose directory still holds its finding and tables."""

    results_dir: Path
    created: str
    db: Path


def experiment_hash(spec: Any, cfgs: Mapping[str, Config]) -> str:
    """sha256 of the spec (without ``SPEC_HASH_EXCLUDED``) and of every scenario's config hash."""
    data = {k: v for k, v in asdict(spec).items() if k not in SPEC_HASH_EXCLUDED}
    return _hash_of({"spec": data, "configs": {name: config_hash(c) for name, c in sorted(cfgs.items())}})


def _experiment_db(spec: Any, cfgs: Mapping[str, Config]) -> Path:
    return db_path(cfgs[spec.baseline])  # the store of the results directory the experiment writes under


def register_experiment(spec: Any, cfgs: Mapping[str, Config], out_dir: Path, overrides: Sequence[str],
                        seconds: float | None = None) -> None:
    """Record a finished experiment directory; a store that cannot be written is a warning, not a failure."""
    base = cfgs[spec.baseline]
    row = {"results_dir": str(Path(out_dir).resolve()), "hash": experiment_hash(spec, cfgs), "code": code_hash(),
           "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "name": spec.name,
           "scenarios": len(cfgs), "replications": spec.replications, "seed": base.run.seed, "seconds": seconds,
           "overrides": json.dumps(list(overrides)), "spec_json": json.dumps(asdict(spec), sort_keys=True, default=str),
           "finding": (Path(out_dir) / "finding.txt").read_text(encoding="utf-8")}
    try:
        with connect(_experiment_db(spec, cfgs)) as con:
            con.execute(f"INSERT OR REPLACE INTO experiments ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                        tuple(row.values()))
    except (sqlite3.Error, OSError) as exc:
        print(f"gridsim: warning: {out_dir} was not registered in the store: {exc}", file=sys.stderr)


def lookup_experiment(spec: Any, cfgs: Mapping[str, Config]) -> StoredExperiment | None:
    """The newest stored run of this experiment whose directory is intact; rows of deleted ones are dropped."""
    path = _experiment_db(spec, cfgs)
    if not path.is_file():
        return None
    with connect(path) as con:
        rows = con.execute("SELECT results_dir, created FROM experiments WHERE hash = ? AND code = ? "
                           "ORDER BY created DESC", (experiment_hash(spec, cfgs), code_hash())).fetchall()
        for results_dir, created in rows:
            d = Path(results_dir)
            if (d / "finding.txt").is_file() and (d / "comparison.csv").is_file():
                return StoredExperiment(d, created, path)
            con.execute("DELETE FROM experiments WHERE results_dir = ?", (results_dir,))
    return None
