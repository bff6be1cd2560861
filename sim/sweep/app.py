"""The multirun entry: ``gridsim -m key=a,b ...`` (or ``--multirun``) through a real Hydra app.

    gridsim -m territory=township staffing.fulltime_per_grid=1,2,3
    gridsim -m territory=township dispatch.mode=level,unified hydra/launcher=joblib
    gridsim -m +experiment=tune_staffing hydra/launcher=joblib

``main`` first checks the overrides the way a single run would (the first job, and each
other value of each swept key once): a malformed override, an unknown key or preset, a
wrong type, or a semantic error shared by every job prints one line and exits 2 before
anything is written. It then selects ``hydra/output=gridsim`` (Hydra's dirs under
``<run.results_dir>/multirun/``) and ``hydra/callbacks=gridsim`` (the sweep table) unless
the command line chose otherwise, and hands over to the ``@hydra.main`` app. Each job runs
``sim.sweep.job.run_job``; a job that fails is recorded and the others go on.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

import hydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.destination import check_destination
from sim.errors import ConfigError, exit_code
from sim.scenario.compose import compose_config, config_dir
from sim.scenario.schema import register
from sim.scenario.validate import compose_error, validate
from sim.sweep.job import TOTAL_ENV, run_job

MULTIRUN_FLAGS = ("-m", "--multirun")
DEFAULT_GROUPS = {"hydra/output": "gridsim", "hydra/callbacks": "gridsim"}
EXTRAS = {"joblib": "joblib", "submitit": "submitit", "ray": "ray", "optuna": "optuna"}
_COMPOSE_ERRORS = (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError)


def task(cfg: DictConfig) -> Any:
    """The Hydra task function (module level, so that every launcher can pickle it)."""
    return run_job()


app = hydra.main(version_base="1.3", config_path=str(config_dir()), config_name="config")(task)


def main(args: Sequence[str]) -> int:
    """Run a multirun; 2 for bad overrides, 1 when Hydra itself failed, else 0."""
    return exit_code("gridsim", lambda: _multirun(args))


def _multirun(args: Sequence[str]) -> int:
    register()
    overrides = [a for a in args if a not in MULTIRUN_FLAGS]
    n_jobs = check(overrides)
    os.environ[TOTAL_ENV] = str(n_jobs) if n_jobs else "?"
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")  # Ray would fold the jobs' progress lines together
    if not sys.stdout.isatty():  # no colour codes in logs and pipes (Optuna's colorlog, Ray's prefixes)
        os.environ.setdefault("NO_COLOR", "1")
        os.environ.setdefault("RAY_COLOR_PREFIX", "0")
    chosen = {_key(o) for o in overrides}
    defaults = [f"{g}={v}" for g, v in DEFAULT_GROUPS.items() if g not in chosen]
    saved = sys.argv
    sys.argv = [saved[0] if saved else "gridsim", "--multirun", *defaults, *overrides]
    try:
        app()
    except SystemExit as e:  # Hydra reports its own errors and exits 1
        return e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = saved
    return 0


def check(overrides: Sequence[str]) -> int:
    """Raise ConfigError when the sweep cannot run; return its number of jobs (0 = unknown).

    Composes the first job and, for each swept key, the first job with each of its other
    values: any composition error (Hydra would stop the whole sweep on it) is fatal, and so
    is a semantic error that every one of these jobs shares. Other semantic errors belong to
    single jobs, which are recorded as failed while the rest of the sweep runs.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except _COMPOSE_ERRORS as exc:
        raise compose_error(exc, overrides) from None
    fixed_hydra = [o.input_line or "" for o in parsed if o.is_hydra_override() and not o.is_sweep_override()]
    dims: list[list[str]] = []
    discrete = True
    for o in parsed:
        if o.is_hydra_override():
            continue
        if not o.is_sweep_override():
            dims.append([o.input_line or ""])
        elif o.is_discrete_sweep() and not isinstance(o.value(), Glob):
            dims.append([f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()])
        else:
            discrete = False  # interval sweeps (optimising sweepers) and globs: left to Hydra
    first = [d[0] for d in dims]
    jobs = [first] + [first[:i] + [v] + first[i + 1:] for i, d in enumerate(dims) for v in d[1:]]
    problems: list[ConfigError] = []
    destinations: set[str] = set()
    for job in jobs:
        ovr = [*job, *fixed_hydra]
        try:
            cfg = compose_config(ovr)
        except _COMPOSE_ERRORS as exc:
            raise _with_hint(compose_error(exc, ovr)) from None
        destinations.add(str(cfg.run.results_dir))
        try:
            validate(cfg)
        except ConfigError as e:
            problems.append(e)
    n_jobs = math.prod(len(d) for d in dims) if discrete else 0
    if len(problems) == len(jobs) and (len(jobs) == n_jobs or len({str(p) for p in problems}) == 1):
        raise problems[0]  # every job would fail
    _check_destinations(overrides, destinations)
    return n_jobs


def _check_destinations(overrides: Sequence[str], results_dirs: set[str]) -> None:
    """The sweep directory must be writable, and so must ``run.results_dir`` when every job shares it,
    before any job runs; a job with a destination of its own checks it as it starts (a failed row)."""
    sweep_dir = [o.split("=", 1)[1] for o in overrides if _key(o) == "hydra.sweep.dir" and "=" in o]
    if sweep_dir:
        check_destination("hydra.sweep.dir", sweep_dir[-1])
    if len(results_dirs) == 1:
        check_destination("run.results_dir", next(iter(results_dirs)))


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~").strip()


def _with_hint(err: ConfigError) -> ConfigError:
    """Point at the install extra when a launcher or sweeper plugin is missing."""
    m = re.match(r"unknown preset '([^']*)'; available: (.*)", err.problem)
    if err.key not in ("hydra.launcher", "hydra.sweeper") or not m:
        return err
    available = m[2].split(", ")
    for name, extra in EXTRAS.items():
        if m[1].startswith(name) and not any(a.startswith(name) for a in available):
            return ConfigError(err.key, f"{err.problem} (install it: pip install 'gridsim[{extra}]')")
    return err


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
