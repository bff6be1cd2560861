"""The Hydra application behind ``gridsim``: one task for single runs and sweeps.

    gridsim territory=township            # RUN: compose -> Config -> validate -> run -> results dir
    gridsim -m textbook.servers=1,2       # MULTIRUN: the same task once per job (sim.sweep.job)
    gridsim --cfg job | --info | --help   # Hydra's own flags, on the same app

``main(args)`` hands the command line to Hydra as ``@hydra.main`` would (``task`` is the
task function, ``sim/configs/config.yaml`` the primary config, ``pkg://sim.configs`` or
``$GRIDSIM_CONFIG_DIR`` the primary source), with one difference: every bad value ends as
one line ``gridsim: error: <key>: <problem>`` and exit code 2, never Hydra's traceback.
For that Hydra runs with ``HYDRA_FULL_ERROR`` set, so that its errors reach ``main``
as exceptions, which ``compose_error`` turns into ``ConfigError`` lines; the task of a
single run hands what it raised to ``main`` the same way (a ``ConfigError`` from
``validate`` is one line, an error inside a run, a bug, keeps its traceback). Composition happens once, in Hydra;
the task takes the config it is handed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from hydra._internal.utils import _run_hydra, get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.runs.source import validate_run
from sim.scenario.compose import compose_config, config_source, to_config
from sim.scenario.compose_errors import compose_error
from sim.scenario.schema import Config, register
from sim.util.errors import ConfigError, JobsFailed, exit_code

CONFIG_NAME = "config"
_HYDRA_ERRORS = (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError)


#: what the task of a single run raised (Hydra would print "Error executing job" before it)
_failure: list[Exception] = []


register()  # the schema, in whatever process (a launcher's worker too) imports the task


def task(cfg: DictConfig) -> Any:
    """The task function (module level, so that every launcher can pickle it)."""
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from sim.sweep.job import run_job

        return run_job(cfg)
    try:
        return single_run(cfg)
    except Exception as exc:  # handed to main, which raises it as itself
        _failure.append(exc)
        return None


def single_run(cfg: DictConfig) -> int:
    """One run of the composed config: print the check and the KPIs, write the results directory."""
    from sim.runs.cached import run_cached  # imported late so that --help and --cfg stay quick

    overrides = [str(o) for o in HydraConfig.get().overrides.task]
    config = _typed(cfg, overrides)
    validate_run(config)
    # sim.runs.api.run_config, or the store's answer when this config and seed ran before
    result, _from_store = run_cached(overrides, echo=print, source="cli", cfg=config)
    print(f"results: {result.out_dir}")
    return 0


def _typed(cfg: DictConfig, overrides: Sequence[str]) -> Config:
    """``to_config``, its errors one line naming the key (``+staffing.brand_new=3`` adds a key Hydra
    accepts and the frozen schema refuses)."""
    try:
        return to_config(cfg)
    except _HYDRA_ERRORS as exc:
        raise compose_error(exc, overrides) from None


def main(args: Sequence[str]) -> int:
    """Run ``gridsim ARGS`` (not a subcommand); the exit codes of ``sim.util.errors`` (0 ok, 2 a bad value,
    3 a sweep with failed jobs, 130 interrupted, 143 terminated)."""
    return exit_code("gridsim", lambda: _main(list(args)))


def _main(args: list[str]) -> int:
    parser = get_args_parser()
    parsed = parser.parse_args(args)
    if parsed.multirun:
        from sim.sweep.app import prepare_multirun
        from sim.sweep.collect import last_sweep

        prepare_multirun(parsed.overrides)
        last_sweep.jobs = last_sweep.failed = 0
    elif parsed.cfg is not None:  # --cfg prints the config: only a config the run would accept
        try:
            compose_config(parsed.overrides)
        except _HYDRA_ERRORS as exc:
            raise compose_error(exc, parsed.overrides) from None
    _failure.clear()
    with _hydra_raises():
        try:
            if _plain_run(parsed):
                _run(parsed.overrides)
            else:
                _run_hydra(args=parsed, args_parser=parser, task_function=task,
                           config_path=config_source(), config_name=CONFIG_NAME)
        except ConfigError:
            raise
        except _HYDRA_ERRORS as exc:
            raise compose_error(exc, parsed.overrides) from None
    if _failure:
        raise _failure.pop()  # a ConfigError is one line (exit_code); anything else keeps its traceback
    if parsed.multirun:
        failed = last_sweep.failed_jobs()
        if failed:
            raise JobsFailed(failed)  # after every other job ran and the table was written
    return 0


def _plain_run(parsed: Any) -> bool:
    """A single run with no Hydra flag (nor ``hydra.mode``): the common case, taken directly."""
    flags = (parsed.cfg, parsed.info, parsed.package, parsed.config_dir, parsed.config_path, parsed.config_name,
             parsed.experimental_rerun)
    switches = (parsed.help, parsed.hydra_help, parsed.resolve, parsed.multirun, parsed.shell_completion)
    return (all(f is None for f in flags) and not any(switches)
            and not any(o.lstrip("+~").startswith("hydra.mode") for o in parsed.overrides))


def _run(overrides: list[str]) -> None:
    """What ``_run_hydra`` does for a single run, without composing the config a first time
    only to read ``hydra.mode`` (it is RUN here): one composition per run, not two."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_config_search_path
    from hydra.core.global_hydra import GlobalHydra

    app = Hydra.create_main_hydra2(task_name="gridsim", config_search_path=create_config_search_path(config_source()))
    try:
        app.run(config_name=CONFIG_NAME, task_function=task, overrides=[*overrides, "hydra.mode=RUN"])
    finally:
        GlobalHydra.instance().clear()


@contextmanager
def _hydra_raises() -> Iterator[None]:
    """Hydra re-raises errors (instead of printing them and exiting 1) while this is on."""
    saved = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = saved


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
