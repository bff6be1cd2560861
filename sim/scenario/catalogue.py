"""The catalogue of a run: its township modules and county departments, read from the config.

Modules and departments are data (``catalog.modules``, ``catalog.departments``: any
number, the default preset being the ten modules and seven departments of the seed
documents). Their order numbers the stations (township x module, county x
department) and the ``module`` / ``department`` indices of the routing arrays, so
everything downstream asks these helpers, never ``sim.scenario.constants``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.schema import CatalogConfig, Config, OfficeConfig

__all__ = ["department_names", "label_of", "labels", "module_names", "office_labels"]


def _catalog(c: Config | CatalogConfig) -> CatalogConfig:
    return c.catalog if isinstance(c, Config) else c


def module_names(c: Config | CatalogConfig) -> tuple[str, ...]:
    """Names of the township modules, in station order."""
    return tuple(o.name for o in _catalog(c).modules)


def department_names(c: Config | CatalogConfig) -> tuple[str, ...]:
    """Names of the county departments, in station order."""
    return tuple(o.name for o in _catalog(c).departments)


def label_of(office: OfficeConfig, lang: str) -> str:
    """An office's label in ``lang``: its ``name_zh`` in Chinese (the name when that is empty)."""
    return (office.name_zh or office.name) if lang == "zh" else office.name


def labels(offices: Sequence[OfficeConfig], lang: str) -> dict[str, str]:
    """name -> label in ``lang`` for each office."""
    return {o.name: label_of(o, lang) for o in offices}


def office_labels(c: Config | CatalogConfig, lang: str) -> dict[str, str]:
    """Station-type name (``module:<name>``, ``department:<name>``) -> label in ``lang``."""
    cat = _catalog(c)
    out = {f"module:{k}": v for k, v in labels(cat.modules, lang).items()}
    out.update({f"department:{k}": v for k, v in labels(cat.departments, lang).items()})
    return out
