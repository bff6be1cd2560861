"""From overrides to a validated Config: the only door into the model (a replayed log checked too)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.runs.source import validate_run
from sim.scenario.compose import compose_config
from sim.scenario.schema import DEFAULT_WARMUP_DAYS, Config, warmup_days
from sim.scenario.validate import compose_error


def load_config(overrides: Sequence[str] = ()) -> Config:
    """Compose, type-check and validate; every failure is a one-line ConfigError."""
    return load_config_noted(overrides)[0]


def load_config_noted(overrides: Sequence[str] = ()) -> tuple[Config, list[str]]:
    """``load_config`` and the notes a run prints about values it chose (the default warm-up)."""
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
