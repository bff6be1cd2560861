"""Per-job records and the sweep table.

Every job of a multirun leaves one record, ``<sweep dir>/jobs/<key>.json``, keyed by its
sorted overrides: status (``ok`` / ``failed``), the error, its results directory, the
KPIs. A rerun into the same sweep directory skips the jobs whose record says ``ok``.
At the end of the multirun, ``SweepTable`` (a Hydra callback) writes ``sweep.csv`` and
``sweep.parquet`` with one row per recorded job: ``job``, one column per overridden
key, ``status``, ``error``, ``results_dir``, ``seconds``, ``attempts``, ``objective``
(tuning only), ``stability`` (``stable`` or ``unstable (<rule>)``: ``sim.metrics.stability``)
and every KPI.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.metrics.stability import is_unstable
from sim.util.strict_json import dumps as strict_dumps

JOBS_DIR = "jobs"
TABLE = "sweep"
_NOT_KPI = ("engine_seconds",)  # machine time: differs between identical runs


def job_key(overrides: Sequence[str]) -> str:
    """A job's identity: its overrides, sorted (order on the command line does not matter)."""
    return "\n".join(sorted(overrides))


def record_path(sweep_dir: Path, overrides: Sequence[str]) -> Path:
    digest = hashlib.sha1(job_key(overrides).encode("utf-8")).hexdigest()[:16]
    return sweep_dir / JOBS_DIR / f"{digest}.json"


@dataclass
class JobRecord:
    """What one job left behind (``jobs/<key>.json``)."""

    job: int  # Hydra's job number in the latest multirun that ran it
    overrides: list[str]
    status: str  # ok | failed
    error: str = ""
    results_dir: str = ""
    seconds: float = 0.0  # wall time of the job (machine time)
    attempts: int = 1  # how many multiruns ran it (a skipped job is not counted)
    kpis: dict[str, float] = field(default_factory=dict)
    objective: float | None = None  # the tuning objective, when tuning
    stability: str = ""  # the run's verdict: "stable" or "unstable (<rule>)"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def read_record(sweep_dir: Path, overrides: Sequence[str]) -> JobRecord | None:
    path = record_path(sweep_dir, overrides)
    if not path.is_file():
        return None
    rec = _load(path)
    return rec if rec is not None and job_key(rec.overrides) == job_key(overrides) else None


def write_record(sweep_dir: Path, rec: JobRecord) -> Path:
    """Write atomically (a crash never leaves a half-written record)."""
    path = record_path(sweep_dir, rec.overrides)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(strict_dumps(asdict(rec), indent=2, default=_jsonable), encoding="utf-8")  # NaN -> null
    os.replace(tmp, path)
    return path


def read_records(sweep_dir: Path) -> list[JobRecord]:
    """Every record in the sweep directory, by job number."""
    found = (_load(p) for p in sorted((sweep_dir / JOBS_DIR).glob("*.json")))
    return sorted((r for r in found if r is not None), key=lambda r: (r.job, job_key(r.overrides)))


def _load(path: Path) -> JobRecord | None:
    try:
        return JobRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):  # unreadable or foreign: as if the job had not run
        return None


def _jsonable(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else str(x)


def override_columns(overrides: Iterable[str]) -> dict[str, Any]:
    """``{key: value}`` of a job's overrides (numbers stay numbers)."""

    parser = OverridesParser.create()
    out: dict[str, Any] = {}
    for raw in overrides:
        o = parser.parse_override(raw)
        value = o.value()
        out[o.key_or_group] = value if isinstance(value, int | float | str | None) else o.get_value_element_as_str()
    return out


def sweep_table(records: Sequence[JobRecord]) -> pd.DataFrame:
    """One row per job: job, overrides, status, error, results_dir, seconds, attempts, objective, KPIs."""
    rows: list[dict[str, Any]] = []
    keys: dict[str, None] = {}
    kpis: dict[str, None] = {}
    for r in records:
        ov = override_columns(r.overrides)
        keys.update(dict.fromkeys(ov))
        kpis.update(dict.fromkeys(r.kpis))
        rows.append({"job": r.job, **ov, "status": r.status, "error": r.error, "results_dir": r.results_dir,
                     "seconds": r.seconds, "attempts": r.attempts, "objective": r.objective,
                     "stability": r.stability,
                     **{k: math.nan if v is None else v for k, v in r.kpis.items()}})  # JSON null: an undefined KPI
    fixed = ["status", "error", "results_dir", "seconds", "attempts", "objective", "stability"]
    if not any(r.objective is not None for r in records):
        fixed.remove("objective")
    columns = ["job", *keys, *fixed, *(k for k in kpis if k not in keys)]
    frame = pd.DataFrame(rows, columns=columns)
    for k in keys:  # a column mixing numbers and text (or bools) is written as text
        values = [v for v in frame[k] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if not numeric and values:
            frame[k] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in frame[k]]
    frame["error"] = frame["error"].astype(str)
    frame["results_dir"] = frame["results_dir"].astype(str)
    return frame


def write_table(sweep_dir: Path) -> pd.DataFrame:
    """Collect the records into ``sweep.csv`` and ``sweep.parquet`` (each written atomically)."""
    frame = sweep_table(read_records(sweep_dir))
    for suffix in (".csv", ".parquet"):
        final = sweep_dir / f"{TABLE}{suffix}"
        tmp = sweep_dir / f".{TABLE}{suffix}.tmp"
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, final)
    return frame


def kpi_columns(frame: pd.DataFrame) -> list[str]:
    """The KPI columns of a sweep table that identical runs reproduce exactly."""
    after = list(frame.columns).index("attempts") + 1
    rest = [c for c in frame.columns[after:] if c not in ("objective", "stability")]
    return [c for c in rest if c not in _NOT_KPI]


@dataclass
class SweepOutcome:
    """What the last multirun of this process left: ``gridsim -m`` exits non-zero when a job failed."""

    jobs: int = 0
    failed: int = 0
    table: Path | None = None

    def failed_jobs(self) -> str:
        """One line naming how many jobs failed and the table that marks them; "" when none did."""
        if not self.failed:
            return ""
        return (f"{self.failed} of {self.jobs} sweep job(s) failed (status 'failed' in {self.table}); "
                "the others finished")


#: set by ``SweepTable`` at the end of each multirun (in the process that runs the sweeper)
last_sweep = SweepOutcome()


class SweepTable(Callback):
    """Hydra callback: at the end of a multirun, write the sweep table and say where it is."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if not (sweep_dir / JOBS_DIR).is_dir():
            return  # no job ran (the sweeper failed before launching)
        frame = write_table(sweep_dir)
        failed = frame[frame["status"] != "ok"]
        last_sweep.jobs, last_sweep.failed = len(frame), len(failed)
        last_sweep.table = sweep_dir / (TABLE + ".csv")
        unstable = frame[(frame["status"] == "ok") & frame["stability"].map(is_unstable).astype(bool)]
        some = f" ({len(unstable)} of them UNSTABLE: their KPIs understate what is still open)" if len(unstable) else ""
        print(f"sweep: {len(frame)} job(s), {len(frame) - len(failed)} ok{some}, {len(failed)} failed", flush=True)
        for _, row in failed.iterrows():
            # numbered as the jobs' progress lines number them ([2/2]); the table's ``job`` is Hydra's, from 0
            print(f"  [{int(row['job']) + 1}/{len(frame)}] failed (job {row['job']} in the table): {row['error']}",
                  flush=True)
        for _, row in unstable.iterrows():
            print(f"  [{int(row['job']) + 1}/{len(frame)}] {row['stability']} (job {row['job']} in the table)",
                  flush=True)
        print(f"table: {sweep_dir / (TABLE + '.csv')}", flush=True)
