"""Compose a ``Config`` from the YAML groups in ``sim/configs/`` and command-line overrides.

Hydra stays at this edge: everything past ``compose_config`` sees frozen dataclasses.

Where the groups come from (the same for ``gridsim`` and for ``sim.run``):

- the package's own ``sim/configs/`` (``pkg://sim.configs``), so an installed wheel
  finds them from any directory; ``GRIDSIM_CONFIG_DIR`` names another primary config
  directory instead (a copy of ``sim/configs`` to edit);
- the user presets directory, ``$GRIDSIM_PRESETS_DIR`` or ``./presets``, when it exists:
  the root config's ``hydra.searchpath`` names it (``presets_dir()``), so its groups
  (``calibrated/<name>.yaml``, a ``territory/<name>.yaml`` of one's own) are picked as
  ``calibrated=<name>`` and ``territory=<name>``;
- ``gridsim --config-dir DIR`` (Hydra's flag) adds one more directory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sim.scenario.schema import Config, register

CONFIG_MODULE = "sim.configs"
CONFIG_DIR_ENV = "GRIDSIM_CONFIG_DIR"
PRESETS_DIR_ENV = "GRIDSIM_PRESETS_DIR"


def config_dir() -> Path:
    """The primary config directory: ``$GRIDSIM_CONFIG_DIR``, else the package's ``sim/configs``."""
    env = os.environ.get(CONFIG_DIR_ENV)
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[1] / "configs"


def config_source() -> str:
    """The primary config source in Hydra's notation (an absolute path or ``pkg://sim.configs``)."""
    env = os.environ.get(CONFIG_DIR_ENV)
    return str(Path(env).resolve()) if env else f"pkg://{CONFIG_MODULE}"


def presets_dir() -> Path:
    """The user presets directory (absolute): ``$GRIDSIM_PRESETS_DIR``, else ``./presets``."""
    return Path(os.environ.get(PRESETS_DIR_ENV) or "presets").resolve()


def presets_searchpath() -> list[str]:
    """``hydra.searchpath`` of the root config (resolver ``gridsim_presets``): the presets
    directory when it exists, else nothing (Hydra warns of a missing one)."""
    path = presets_dir()
    return [f"file://{path}"] if path.is_dir() else []


# config.yaml's hydra.searchpath names the presets directory through this resolver; registered
# on import, so a launcher's worker process that composes a job has it too
OmegaConf.register_new_resolver("gridsim_presets", presets_searchpath, replace=True)


def compose_dictconfig(overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the root config with Hydra's compose API (raises Hydra's own errors)."""
    register()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    source = config_source()
    if source.startswith("pkg://"):
        init = initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3")
    else:
        init = initialize_config_dir(config_dir=source, version_base="1.3")
    with init:
        return compose(config_name="config", overrides=list(overrides))


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed DictConfig into frozen ``Config`` dataclasses."""
    obj = OmegaConf.to_object(cfg)
    assert isinstance(obj, Config), type(obj)
    return obj


def compose_config(overrides: Sequence[str] = ()) -> Config:
    """Compose and convert in one step (no semantic validation: see ``validate``)."""
    return to_config(compose_dictconfig(overrides))
