"""From overrides to a validated Config: the only door into the model."""

from __future__ import annotations

from collections.abc import Sequence

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.scenario.compose import compose_config
from sim.scenario.schema import Config
from sim.scenario.validate import compose_error, validate


def load_config(overrides: Sequence[str] = ()) -> Config:
    """Compose, type-check and validate; every failure is a one-line ConfigError."""
    try:
        cfg = compose_config(overrides)
    except (HydraException, OmegaConfBaseException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise compose_error(exc, overrides) from None
    validate(cfg)
    return cfg
