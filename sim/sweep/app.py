"""Before a multirun (``gridsim -m key=a,b ...``) starts: check its overrides, set its environment.

    gridsim -m territory=township staffing.fulltime_per_grid=1,2,3
    gridsim -m territory=township dispatch.mode=level,unified hydra/launcher=joblib
    gridsim -m +experiment=tune_staffing hydra/launcher=joblib

The multirun itself is the one Hydra app of ``sim.entry.hydra_app`` (each job runs
``sim.sweep.job.run_job`` on the config Hydra composed for it; the sweep table is the
``hydra/callbacks=gridsim`` callback of the root config). ``prepare_multirun`` first checks
the overrides the way a single run would (the first job, and each other value of each
swept key once): a malformed override, an unknown key or preset, a wrong type, or a
semantic error shared by every job prints one line and exits 2 before anything is
written. A job that fails later is recorded and the others go on.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Sequence

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.runs.destination import check_destination
from sim.runs.source import validate_run
from sim.scenario.compose import compose_config
from sim.scenario.compose_errors import compose_error
from sim.sweep.job import TOTAL_ENV
from sim.util.errors import ConfigError
from sim.util.ray_local import set_local_env_for_good

EXTRAS = {"joblib": "joblib", "submitit": "submitit", "ray": "ray", "optuna": "optuna"}
_COMPOSE_ERRORS = (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError)


def prepare_multirun(overrides: Sequence[str]) -> None:
    """Raise ConfigError when the sweep cannot run; otherwise set the jobs' environment."""
    n_jobs = check(overrides)
    os.environ[TOTAL_ENV] = str(n_jobs) if n_jobs else "?"
    if any(o.replace(" ", "").lstrip("+") == "hydra/launcher=ray_local" for o in overrides):
        set_local_env_for_good()  # the launcher starts Ray in this process: on 127.0.0.1 alone, reaching nothing
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")  # Ray would fold the jobs' progress lines together
    if not sys.stdout.isatty():  # no colour codes in logs and pipes (Optuna's colorlog, Ray's prefixes)
        os.environ.setdefault("NO_COLOR", "1")
        os.environ.setdefault("RAY_COLOR_PREFIX", "0")


def check(overrides: Sequence[str]) -> int:
    """Raise ConfigError when the sweep cannot run; return its number of jobs (0 = unknown).

    Composes the first job and, for each swept key, the first job with each of its other
    values: any composition error (Hydra would stop the whole sweep on it) is fatal, and so
    is a semantic error that every one of these jobs shares. Other semantic errors belong to
    single jobs, which are recorded as failed while the rest of the sweep runs.
    """

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except _COMPOSE_ERRORS as exc:
        raise compose_error(exc, overrides) from None
    fixed_hydra = [o.input_line or "" for o in parsed if o.is_hydra_override() and not o.is_sweep_override()]
    _check_counts(fixed_hydra)
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
            validate_run(cfg)
        except ConfigError as e:
            problems.append(e)
    n_jobs = math.prod(len(d) for d in dims) if discrete else 0
    if len(problems) == len(jobs) and (len(jobs) == n_jobs or len({str(p) for p in problems}) == 1):
        raise problems[0]  # every job would fail
    _check_destinations(overrides, destinations)
    return n_jobs


#: counts of the launchers and the optimising sweeper that Hydra passes on unchecked: key -> the least allowed
#: (None: any but 0, joblib's jobs at once, where a negative number counts back from the cores)
_COUNTS: dict[str, int | None] = {"hydra.launcher.n_jobs": None, "hydra.sweeper.n_jobs": 1, "hydra.sweeper.n_trials": 1}


def _check_counts(hydra_overrides: Sequence[str]) -> None:
    """A launcher's or sweeper's count that would fail only once the sweep has started (joblib's
    ``n_jobs=0``, Optuna's ``n_trials=0``): one line naming the key, before anything is written."""
    for line in hydra_overrides:
        key, _, value = line.lstrip("+~").partition("=")
        if key not in _COUNTS or value.startswith("${"):  # an interpolation is Hydra's to resolve
            continue
        least = _COUNTS[key]
        try:
            n = int(value)
        except ValueError:
            raise ConfigError(key, f"must be a whole number, got {value!r}") from None
        if n == 0 or (least is not None and n < least):
            meaning = "the number of jobs at once (negative: the cores less that many, -1 all)" \
                if least is None else "at least 1"
            raise ConfigError(key, f"must be {meaning}, got {n}")


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

