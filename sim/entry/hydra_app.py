"""The Hydra application behind ``gridsim``: one task for single runs and sweeps.

    gridsim territory=township            # RUN: compose -> Config -> validate -> run -> results dir
    gridsim -m textbook.servers=1,2       # MULTIRUN: the same task once per job (sim.sweep.job)
    gridsim --cfg job | --info | --help   # Hydra's own flags, on the same app

``main(args)`` is ``@hydra.main`` on the task function ``task`` (``sim/configs/config.yaml``
the primary config, ``pkg://sim.configs`` or ``$GRIDSIM_CONFIG_DIR`` the primary source), with
the command line ``args`` as its ``sys.argv``. Every bad value ends as one line
``gridsim: error: <key>: <problem>`` and exit code 2, never Hydra's traceback:

* Hydra runs with ``HYDRA_FULL_ERROR`` set, so that its own errors (composition, a bad flag)
  reach ``main`` as exceptions, which ``compose_error`` turns into ``ConfigError`` lines;
* the task of a single run raises what went wrong wrapped in ``TaskFailed``, which Hydra lets
  pass (see its docstring) and ``main`` unwraps: a ``ConfigError`` from ``validate`` is one
  line, an error inside a run, a bug, keeps its traceback.

A plain single run (no Hydra flag and no ``hydra.*`` override: the common case) is composed
once, with Hydra's compose API, and run directly; under ``@hydra.main`` Hydra composes a run
twice (once to read ``hydra.mode``), which at a second a composition on a busy machine is
worth saving. With ``hydra.run.dir`` or ``hydra.output_subdir`` set, Hydra's own run writes
what they ask for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import hydra

# Hydra's public API has no parser of its command line without running it (@hydra.main parses
# sys.argv and runs at once): the multirun's pre-check and the plain-run shortcut must know the
# flags and the overrides first, so they read them with the very parser @hydra.main uses.
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.runs.source import validate_run
from sim.scenario.compose import compose_config, compose_dictconfig, config_source, to_config
from sim.scenario.compose_errors import compose_error
from sim.scenario.schema import Config, register
from sim.util.errors import ConfigError, JobsFailed, exit_code

CONFIG_NAME = "config"
_HYDRA_ERRORS = (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError)

register()  # the schema, in whatever process (a launcher's worker too) imports the task


class TaskFailed(BaseException):
    """What the task of a single run raised, on its way out of Hydra to ``main``.

    Hydra's ``run_job`` catches every ``Exception`` of a task, prints "Error executing job
    with overrides: ..." and raises it again: a bad value would then be two lines. A
    ``BaseException`` (like ``KeyboardInterrupt``) goes through its ``finally`` clauses
    untouched, so the one line ``main`` prints is the only one.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def task(cfg: DictConfig) -> Any:
    """The task function (module level, so that every launcher can pickle it)."""
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        from sim.sweep.job import run_job  # the sweep's modules: loaded by multiruns only

        return run_job(cfg)
    try:
        return single_run(cfg, [str(o) for o in HydraConfig.get().overrides.task])
    except Exception as exc:
        raise TaskFailed(exc) from exc


def single_run(cfg: DictConfig, overrides: Sequence[str]) -> int:
    """One run of the composed config: print the check and the KPIs, write the results directory."""
    from sim.runs.cached import run_cached  # the run's modules: loaded late so that --help and --cfg stay quick

    config = _typed(cfg, overrides)
    validate_run(config)
    # sim.runs.api.run_config, or the store's answer when this config and seed ran before
    result, _from_store = run_cached(list(overrides), echo=print, source="cli", cfg=config)
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
    parsed = get_args_parser().parse_args(args)
    if parsed.multirun:
        from sim.sweep.app import prepare_multirun  # the sweep's modules: loaded by multiruns only
        from sim.sweep.collect import last_sweep  # only after a multirun

        prepare_multirun(parsed.overrides)
        last_sweep.jobs = last_sweep.failed = 0
    elif parsed.cfg is not None:  # --cfg prints the config: only a config the run would accept
        try:
            compose_config(parsed.overrides)
        except _HYDRA_ERRORS as exc:
            raise compose_error(exc, parsed.overrides) from None
    with _hydra_raises():
        try:
            if _plain_run(parsed):
                single_run(compose_dictconfig(parsed.overrides), parsed.overrides)
            else:
                app = hydra.main(config_path=config_source(), config_name=CONFIG_NAME, version_base="1.3")(task)
                with _argv(args):
                    app()
        except TaskFailed as carried:
            raise carried.error from None  # a ConfigError is one line (exit_code); anything else keeps its traceback
        except ConfigError:
            raise
        except _HYDRA_ERRORS as exc:
            raise compose_error(exc, parsed.overrides) from None
    if parsed.multirun:
        failed = last_sweep.failed_jobs()
        if failed:
            raise JobsFailed(failed)  # after every other job ran and the table was written
    return 0


def _plain_run(parsed: Any) -> bool:
    """A single run with no Hydra flag and no ``hydra.*`` override: the common case, composed once."""
    flags = (parsed.cfg, parsed.info, parsed.package, parsed.config_dir, parsed.config_path, parsed.config_name,
             parsed.experimental_rerun)
    switches = (parsed.help, parsed.hydra_help, parsed.resolve, parsed.multirun, parsed.shell_completion)
    return (all(f is None for f in flags) and not any(switches)
            and not any(o.lstrip("+~").startswith("hydra.") for o in parsed.overrides))


@contextmanager
def _argv(args: list[str]) -> Iterator[None]:
    """``sys.argv`` as ``@hydra.main`` reads it: the program, then ``args``."""
    saved = sys.argv
    sys.argv = ["gridsim", *args]
    try:
        yield
    finally:
        sys.argv = saved


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
