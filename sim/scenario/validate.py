"""Semantic checks of a composed Config (being written)."""

from __future__ import annotations

from collections.abc import Sequence

from sim.errors import ConfigError
from sim.scenario.schema import Config


def validate(cfg: Config) -> None:
    """Raise ConfigError(key, problem) for the first semantic error in cfg."""


def compose_error(exc: BaseException, overrides: Sequence[str]) -> ConfigError:
    """Translate a Hydra / OmegaConf composition error into a one-line ConfigError."""
    return ConfigError("config", str(exc).splitlines()[0])
