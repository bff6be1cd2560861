"""Compose a ``Config`` from the YAML groups in ``configs/`` and command-line overrides.

Hydra stays at this edge: everything past ``compose_config`` sees frozen dataclasses.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sim.scenario.schema import Config, register


def config_dir() -> Path:
    """The ``configs/`` directory (``GRIDSIM_CONFIG_DIR`` overrides the one beside the package)."""
    env = os.environ.get("GRIDSIM_CONFIG_DIR")
    if env:
        return Path(env).resolve()
    return (Path(__file__).resolve().parents[2] / "configs").resolve()


def compose_dictconfig(overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the root config with Hydra's compose API (raises Hydra's own errors)."""
    register()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed DictConfig into frozen ``Config`` dataclasses."""
    obj = OmegaConf.to_object(cfg)
    assert isinstance(obj, Config), type(obj)
    return obj


def compose_config(overrides: Sequence[str] = ()) -> Config:
    """Compose and convert in one step (no semantic validation: see ``validate``)."""
    return to_config(compose_dictconfig(overrides))
