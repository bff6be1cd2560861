"""The store of runs: an SQLite database indexing every results directory (``<run.results_dir>/runs.sqlite``).

Every results directory ``sim.runs.api`` writes (the CLI, ``sim.run``, a sweep's jobs, the
workbench page) is registered here under the hash of its resolved config (the seed and
the number of replications are part of it) and of the model's code. ``sim.runs.cached.run_cached`` answers
a request whose config is in the store from the stored directory instead of running it
again: same config, same seed and same code give the same results, so nothing is lost.
A directory is served only when every file its ``manifest.json`` lists (``sim.runs.manifest``)
has the size and checksum it was written with; otherwise its row is dropped, the run runs
again and one line says why. The database itself is an index (``sim.runs.store_db``): an
unreadable one is moved aside and rebuilt from the manifests, a locked one is waited on
for a bounded time. The Parquet files stay in the results directories; the store holds paths,
the config and the headline KPIs, so a researcher can query it::

    sqlite3 results/runs.sqlite "SELECT created, territory, scenario, on_time_rate, staff_cost, results_dir
                                 FROM runs WHERE territory = 'county' AND stability = 'stable'
                                 ORDER BY on_time_rate DESC"

Keys that cannot change a run's results are left out of the hash (``HASH_EXCLUDED``):
the progress bar, the thread count (the engines give the same records whatever it is),
whether to reuse and the confirmation of a long run. The files a config names (``INPUT_FILES``: a units table, a log to
replay, its mapping) are hashed by content, and the code hash covers the content of every
model source file: an edited units table or rule is a different run.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.runs.manifest import file_sha256, verify
from sim.runs.store_db import HEADLINE, connect, insert_run, rebuild, using
from sim.scenario.schema import Config

__all__ = ["DB_NAME", "HEADLINE", "StoredExperiment", "StoredRun", "code_hash", "config_hash", "connect",
           "experiment_hash", "lookup", "lookup_experiment", "register", "register_experiment", "runs_frame",
           "store_row"]

#: the database's file name inside ``run.results_dir``
DB_NAME = "runs.sqlite"
#: config keys that do not change a run's results
HASH_EXCLUDED: tuple[tuple[str, str], ...] = (("run", "progress"), ("engine", "workers"), ("run", "reuse"),
                                              ("run", "results_dir"), ("run", "confirm"))
#: config keys naming a file whose content is part of the hash (a path alone would keep an edited file's key)
INPUT_FILES: tuple[tuple[str, ...], ...] = (("territory", "units_file"), ("scenario", "replay", "log"),
                                            ("scenario", "replay", "mapping"))
#: the model's files besides its Python sources (``code_hash``): the shipped log mappings
MODEL_DATA_GLOBS: tuple[str, ...] = ("logs/mappings/*.yaml",)
#: who is running (``register``'s ``source`` column): the CLI, a page, a sweep job set it around their runs
SOURCE: ContextVar[str] = ContextVar("gridsim_store_source", default="api")

#: spec fields that do not change an experiment's results
SPEC_HASH_EXCLUDED: tuple[str, ...] = ("workers", "reuse")


def _canonical(cfg: Config) -> dict[str, Any]:
    # dataclasses.asdict, not OmegaConf.structured: the same plain data in a tenth of the time
    data: dict[str, Any] = asdict(cfg)
    for section, key in HASH_EXCLUDED:
        data.get(section, {}).pop(key, None)
    return data


def input_file_hashes(cfg: Config) -> dict[str, str]:
    """sha256 of each file ``cfg`` names (``INPUT_FILES``), by dotted key; a value that is no file is left out
    (a shipped mapping's name: its file is in ``code_hash``)."""
    out: dict[str, str] = {}
    for keys in INPUT_FILES:
        value: Any = cfg
        for k in keys:
            value = getattr(value, k, None)
        if not value:
            continue
        path = Path(str(value)).expanduser()
        if path.is_file():
            out[".".join(keys)] = file_sha256(path)  # read once per process unless it changes (sim.runs.manifest)
    return out


def _hash_of(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def config_hash(cfg: Config) -> str:
    """sha256 of the resolved config, keys sorted, without ``HASH_EXCLUDED``, and of the files it names."""
    files = input_file_hashes(cfg)
    return _hash_of({**_canonical(cfg), "input_files": files} if files else _canonical(cfg))


#: the package whose sources ``code_hash`` reads (``sim/``)
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@cache
def code_hash(root: Path = PACKAGE_ROOT) -> str:
    """sha256 of the model's sources under ``root`` (``**/*.py`` outside the page, and ``MODEL_DATA_GLOBS``):
    each file's path inside the package and its content, read once per process.

    A store hit must give what a run would give now: a changed engine or rule is a different model.
    """
    h = hashlib.sha256()
    files = {*root.rglob("*.py"), *(p for g in MODEL_DATA_GLOBS for p in root.glob(g))}
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("app/") or "__pycache__" in rel:
            continue  # the page does not change results
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def db_path(cfg: Config) -> Path:
    return Path(cfg.run.results_dir) / DB_NAME


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def store_row(cfg: Config, kpis: Mapping[str, float], ci: Mapping[str, float], engine: str,
              overrides: Sequence[str], seconds: float | None = None, source: str | None = None,
              stability: str | None = None) -> dict[str, Any]:
    """The row ``runs`` keeps for a run of ``cfg`` (all but ``results_dir``): also written into its manifest.
    ``stability``: its verdict's ``tag`` (None: not judged)."""
    canonical = _canonical(cfg)
    row: dict[str, Any] = {
        "hash": config_hash(cfg), "code": code_hash(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seed": cfg.run.seed, "replications": cfg.run.replications, "engine": engine,
        "territory": cfg.territory.name, "scenario": cfg.scenario.name, "horizon_days": cfg.run.horizon_days,
        "seconds": seconds, "source": source if source is not None else SOURCE.get(),
        "overrides": json.dumps(list(overrides)), "config_json": json.dumps(canonical, sort_keys=True, default=str),
        "kpis_json": json.dumps({k: _num(v) for k, v in kpis.items()}),
        "ci_json": json.dumps({k: _num(v) for k, v in ci.items()}), "stability": stability,
    }
    row.update({k: _num(kpis.get(k)) for k in HEADLINE})
    return row


def register(cfg: Config, out_dir: Path, kpis: Mapping[str, float], ci: Mapping[str, float], engine: str,
             overrides: Sequence[str], seconds: float | None = None, source: str | None = None,
             row: Mapping[str, Any] | None = None) -> None:
    """Record a finished results directory under its config's hash (replacing a row for the same directory).

    ``row``: what ``store_row`` gave for it already (the one in its manifest).
    """
    full = {"results_dir": str(Path(out_dir).resolve()),
            **(row if row is not None else store_row(cfg, kpis, ci, engine, overrides, seconds, source))}
    using(db_path(cfg), lambda con: insert_run(con, full), f"{out_dir} is not indexed in it")


@dataclass(frozen=True)
class StoredRun:
    """A row of the store whose directory still exists."""

    results_dir: Path
    created: str
    engine: str
    seconds: float | None


def result_row(result: Any, overrides: Sequence[str]) -> dict[str, Any] | None:
    """``store_row`` of a ``sim.runs.api.RunResult``; None for a capacity check alone (not a run)."""
    if not result.runs:
        return None
    seconds = sum(float(r.get("engine_seconds", 0.0)) for r in result.runs)
    stability = result.stability.tag() if result.stability is not None else None
    return store_row(result.cfg, result.kpis, result.ci, result.engine, overrides, seconds, stability=stability)


def register_result(result: Any, overrides: Sequence[str], out_dir: Path,
                    row: Mapping[str, Any] | None = None) -> None:
    """``register`` a ``sim.runs.api.RunResult`` just written to ``out_dir`` (what ``sim.runs.api`` calls).

    A store that cannot be written (a read-only or locked database) does not undo the run:
    its directory is complete, so this says why on stderr and goes on.
    """
    row = row if row is not None else result_row(result, overrides)
    if row is None:
        return  # a capacity check alone is not a run
    try:
        register(result.cfg, out_dir, result.kpis, result.ci, result.engine, overrides, row=row)
    except (sqlite3.Error, OSError) as exc:
        print(f"gridsim: warning: {out_dir} was not registered in the store: {exc}", file=sys.stderr)


def lookup(cfg: Config, say: Callable[[str], None] | None = None) -> StoredRun | None:
    """The newest stored run of this config and code whose directory is intact (``sim.runs.manifest.verify``).

    The row of a directory that is gone or changed is dropped, and ``say`` gets one line
    saying why it is not served. A store that is missing while manifests exist beside it
    is rebuilt from them first; a locked one is not looked up (one line on stderr).
    """
    path = db_path(cfg)
    if not path.is_file():
        if not any(Path(cfg.run.results_dir).glob("*/manifest.json")):
            return None
        rebuild(path)
    key = (config_hash(cfg), code_hash())

    def find(con: sqlite3.Connection) -> StoredRun | None:
        rows = con.execute("SELECT results_dir, created, engine, seconds FROM runs WHERE hash = ? AND code = ? "
                           "ORDER BY created DESC", key).fetchall()
        for results_dir, created, engine, seconds in rows:
            d = Path(results_dir)
            why = verify(d) if d.is_dir() else "the directory is gone"
            if why is None:
                return StoredRun(d, created, engine, seconds)
            con.execute("DELETE FROM runs WHERE results_dir = ?", (results_dir,))
            if say is not None and d.is_dir():
                say(f"the store's run of this config ({d}) cannot be served: {why}; running it again")
        return None

    return using(path, find, "this run is not looked up in it")


def runs_frame(results_dir: str | Path) -> Any:
    """Every row of the store under ``results_dir`` as a pandas DataFrame (newest first)."""

    path = Path(results_dir) / DB_NAME
    if not path.is_file():
        return pd.DataFrame()
    frame = using(path, lambda con: pd.read_sql_query("SELECT * FROM runs ORDER BY created DESC", con),
                  "its runs are not listed")
    return frame if frame is not None else pd.DataFrame()


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
    sql = f"INSERT OR REPLACE INTO experiments ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})"
    try:
        using(_experiment_db(spec, cfgs), lambda con: con.execute(sql, tuple(row.values())),
              f"{out_dir} is not indexed in it")
    except (sqlite3.Error, OSError) as exc:
        print(f"gridsim: warning: {out_dir} was not registered in the store: {exc}", file=sys.stderr)


def lookup_experiment(spec: Any, cfgs: Mapping[str, Config],
                      say: Callable[[str], None] | None = None) -> StoredExperiment | None:
    """The newest stored run of this experiment whose directory is intact (``sim.runs.manifest.verify``: every
    file as it was written); the row of one that is gone or changed is dropped, and ``say`` gets one line
    saying why it is not served."""
    path = _experiment_db(spec, cfgs)
    if not path.is_file():
        return None
    key = (experiment_hash(spec, cfgs), code_hash())

    def find(con: sqlite3.Connection) -> StoredExperiment | None:
        rows = con.execute("SELECT results_dir, created FROM experiments WHERE hash = ? AND code = ? "
                           "ORDER BY created DESC", key).fetchall()
        for results_dir, created in rows:
            d = Path(results_dir)
            why = verify(d) if d.is_dir() else "the directory is gone"
            if why is None:
                return StoredExperiment(d, created, path)
            con.execute("DELETE FROM experiments WHERE results_dir = ?", (results_dir,))
            if say is not None and d.is_dir():
                say(f"the store's run of this experiment ({d}) cannot be served: {why}; running it again")
        return None

    return using(path, find, "this experiment is not looked up in it")
