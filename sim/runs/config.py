"""From overrides to a validated Config: the only door into the model (a replayed log checked too)."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Sequence
from typing import Any

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.runs.source import validate_run
from sim.scenario.compose import compose_config
from sim.scenario.compose_errors import compose_error
from sim.scenario.schema import DEFAULT_WARMUP_DAYS, Config, warmup_days
from sim.util.errors import ConfigError

#: what ``overrides`` may be, as the Python API documents it
OVERRIDES_HELP = "a list of strings such as ['territory=township', 'run.seed=7'], or one string of them"


def override_list(overrides: Any) -> list[str]:
    """The overrides a caller of the Python API gave, as a list of strings.

    A list or tuple of strings is taken as it is. One string is read as a command line is:
    split at spaces, quotes kept together (``"territory=township run.seed=7"``, or one
    override alone). Anything else is a one-line ConfigError naming ``overrides``.
    """
    if isinstance(overrides, str):
        try:
            return shlex.split(overrides)
        except ValueError as e:
            raise ConfigError("overrides", f"cannot be read as overrides ({e}): {overrides!r}") from None
    if not isinstance(overrides, list | tuple):
        raise ConfigError("overrides", f"must be {OVERRIDES_HELP}, got {type(overrides).__name__} {overrides!r}")
    for i, o in enumerate(overrides):
        if not isinstance(o, str):
            raise ConfigError(f"overrides[{i}]", f"must be a string such as 'territory=township', got "
                                                 f"{type(o).__name__} {o!r}")
    return list(overrides)


def check_types(write: Any = True, echo: Any = None, check_dir: Any = None) -> None:
    """The Python API's keyword arguments, each a one-line ConfigError when of the wrong type."""
    if not isinstance(write, bool):
        raise ConfigError("write", f"must be True or False, got {type(write).__name__} {write!r}")
    if echo is not None and not callable(echo):
        raise ConfigError("echo", f"must be a function of one string (print, list.append) or None, got "
                                  f"{type(echo).__name__} {echo!r}")
    if check_dir is not None and not isinstance(check_dir, bool):
        raise ConfigError("check_dir", f"must be True, False or None, got {type(check_dir).__name__} {check_dir!r}")


def load_config(overrides: Sequence[str] = ()) -> Config:
    """Compose, type-check and validate; every failure is a one-line ConfigError."""
    return load_config_noted(overrides)[0]


def load_config_noted(overrides: Sequence[str] = ()) -> tuple[Config, list[str]]:
    """``load_config`` and the notes a run prints about values it chose (the default warm-up)."""
    overrides = override_list(overrides)
    try:
        cfg = compose_config(overrides)
    except (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise compose_error(exc, overrides) from None
    validate_run(cfg)
    return resolve_defaults(cfg)


def resolve_defaults(cfg: Config) -> tuple[Config, list[str]]:
    """Fill the values that default from others (``run.warmup_days``); return the notes saying so."""
    if cfg.run.warmup_days is not None:
        return cfg, []
    warmup = warmup_days(cfg.run)
    note = (f"warm-up: {warmup:g} days (run.warmup_days default: the smaller of {DEFAULT_WARMUP_DAYS:g} days and a "
            f"quarter of run.horizon_days={cfg.run.horizon_days:g})")
    return dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, warmup_days=warmup)), [note]
