"""One job of a multirun: resume or run, record, print one progress line at start and finish.

Runs in whatever process the launcher chose (the main one, a joblib or Ray worker, a
submitit job), on the config Hydra composed for the job (``sim.entry.hydra_app.task`` hands it
over; nothing is composed again). The job's identity is its overrides (``HydraConfig.get().overrides.task``);
its seed comes from the config (``run.seed``), never from its job number or the clock, so
the same overrides give the same KPIs whatever the launcher and the number of workers.
An exception never leaves the job: it is recorded as ``failed`` with a one-line error.
"""

from __future__ import annotations

import fcntl
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.metrics.stability import is_unstable
from sim.runs.api import _write, run_config
from sim.runs.cached import stored_result
from sim.runs.source import validate_run
from sim.runs.store import SOURCE
from sim.scenario.compose import to_config
from sim.sweep.collect import JobRecord, read_record, write_record
from sim.sweep.tune import Objective, objective_from
from sim.util.errors import one_line
from sim.util.interrupt import signal_in

TOTAL_ENV = "GRIDSIM_SWEEP_JOBS"  # number of jobs of the sweep, set by ``sim.sweep.app.prepare_multirun``


def run_job(cfg: DictConfig) -> Any:
    """The multirun task of the Hydra app: the job's KPIs (or, when tuning, its objective)."""
    hc: Any = HydraConfig.get()  # the job's hydra node (a DictConfig)
    overrides = [str(o) for o in hc.overrides.task]
    cwd = Path(str(hc.runtime.cwd))
    sweep_dir = Path(str(hc.sweep.dir))
    sweep_dir = sweep_dir if sweep_dir.is_absolute() else cwd / sweep_dir
    num = int(hc.job.num)
    objective = objective_from(hc.callbacks)
    total = OmegaConf.select(hc, "sweeper.n_trials", default=None) or os.environ.get(TOTAL_ENV, "?")
    tag, shown = f"[{num + 1}/{total}]", _shorten(" ".join(overrides) or "(no overrides)")

    previous = read_record(sweep_dir, overrides)
    if previous is not None and previous.ok:
        _say(f"{tag} {shown}: done in an earlier run, skipped")
        return _returned(previous, objective)
    _say(f"{tag} {shown}: started")
    t0 = time.perf_counter()
    attempts = previous.attempts + 1 if previous is not None else 1
    try:
        out_dir, kpis, stability, stored = _simulate(cfg, overrides, cwd, sweep_dir)
        rec = JobRecord(job=num, overrides=overrides, status="ok", results_dir=str(out_dir),
                        seconds=time.perf_counter() - t0, attempts=attempts, kpis=kpis,
                        stability=stability)
        if objective is not None:  # an unstable run never meets the constraint (sim.sweep.tune)
            rec.objective = objective(kpis, stable=not is_unstable(stability))
    except Exception as exc:  # any failure is this job's, not the sweep's
        if (signalled := signal_in(exc)) is not None:  # a Ctrl-C or SIGTERM in disguise stops the sweep
            raise signalled from None
        rec = JobRecord(job=num, overrides=overrides, status="failed", error=one_line(exc),
                        seconds=time.perf_counter() - t0, attempts=attempts)
    write_record(sweep_dir, rec)
    outcome = f"{rec.status} in {rec.seconds:.1f} s" + ("" if rec.ok else f": {rec.error}")
    if rec.ok and stored:
        outcome += f", from the store ({rec.results_dir}; run.reuse=false runs it again)"
    if rec.ok and is_unstable(rec.stability):  # its KPIs understate what is still open: said beside its line
        outcome += f", {rec.stability.upper()}"
    _say(f"{tag} {shown}: {outcome}")
    return _returned(rec, objective)


def _simulate(cfg: DictConfig, overrides: Sequence[str], cwd: Path,
              sweep_dir: Path) -> tuple[Path, dict[str, float], str, bool]:
    """Validate the job's config and run it without a progress bar; writing is serialised. The job's
    results directory, KPIs, verdict, and whether they came from the store of runs.

    A config the store has already (the same config, seed and code, its directory intact: as
    ``gridsim`` serves one, ``run.reuse``) is not run again. Parallel jobs that finish in the same
    second would race for the same timestamped results directory name, so the write (not the
    simulation) holds a lock of the sweep.
    """

    args = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != "run.progress"] + ["run.progress=false"]
    with open_dict(cfg):  # the job's own copy (Hydra gives each job one)
        cfg.run.progress = False
    config = to_config(cfg)
    validate_run(config)
    with _working_dir(cwd):
        served = _from_store(config)
    if served is not None:
        return served
    with _working_dir(cwd):
        result = run_config(config, args, write=False, check_dir=True)  # run.results_dir is checked before simulating
        with _lock(sweep_dir / ".write.lock"):

            token = SOURCE.set("sweep")  # the store of runs says which runs a sweep made
            try:
                out_dir = _write(result, args)
            finally:
                SOURCE.reset(token)
    return out_dir.resolve(), {k: float(v) for k, v in result.kpis.items()}, result.stability.tag(), False


def _from_store(config: Any) -> tuple[Path, dict[str, float], str, bool] | None:
    """The job's results from the store of runs, when it has them (``sim.runs.cached``); else None."""
    served = stored_result(config, _say)
    if served is None:
        return None
    result, stored = served
    return stored.results_dir.resolve(), {k: float(v) for k, v in result.kpis.items()}, result.stability.tag(), True


def _returned(rec: JobRecord, objective: Objective | None) -> Any:
    if objective is None:
        return dict(rec.kpis) if rec.ok else None
    if not rec.ok or objective.kpi not in rec.kpis:
        return math.inf
    # scored from the KPIs and the verdict, not the record's objective: one an earlier run of the sweep
    # kept was scored by the rules of its time
    return objective(rec.kpis, stable=not is_unstable(rec.stability))


def _shorten(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _say(line: str) -> None:
    print(line, flush=True)


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    """Relative paths (run.results_dir) mean the same in a worker as on the command line."""
    old = Path.cwd()
    if old == path:
        yield
        return
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
