"""The catalogue of a run: its township modules and county departments, read from the config.

Modules and departments are data (``catalog.modules``, ``catalog.departments``: any
number, the default preset being the ten modules and seven departments of the seed
documents). Their order numbers the stations (township x module, county x
department) and the ``module`` / ``department`` indices of the routing arrays, so
everything downstream asks these helpers, never ``sim.scenario.constants``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sim.scenario.schema import CatalogConfig, CategoryConfig, Config, OfficeConfig

__all__ = ["category_label", "department_names", "humanize", "label_of", "labels", "module_names",
           "office_labels"]

_JOINERS = re.compile(r"[_\s]+")


def _catalog(c: Config | CatalogConfig) -> CatalogConfig:
    return c.catalog if isinstance(c, Config) else c


def module_names(c: Config | CatalogConfig) -> tuple[str, ...]:
    """Names of the township modules, in station order."""
    return tuple(o.name for o in _catalog(c).modules)


def department_names(c: Config | CatalogConfig) -> tuple[str, ...]:
    """Names of the county departments, in station order."""
    return tuple(o.name for o in _catalog(c).departments)


def humanize(key: str) -> str:
    """A key in words, for a name the catalogue does not give: ``urban_construction`` -> ``urban construction``."""
    return _JOINERS.sub(" ", key).strip()


def label_of(office: OfficeConfig, lang: str) -> str:
    """An office's display name in ``lang``: ``name_zh`` in Chinese, ``name_en`` in English; either falls
    back to the other, then to the name in words (never the ``snake_case`` key)."""
    first, second = (office.name_zh, office.name_en) if lang == "zh" else (office.name_en, office.name_zh)
    return first or (second if lang == "zh" else "") or humanize(office.name)


def category_label(key: str, category: CategoryConfig, lang: str) -> str:
    """A category's display name in ``lang``, with the same fall-backs as ``label_of``."""
    return label_of(OfficeConfig(key, category.name_zh, category.name_en), lang)


def labels(offices: Sequence[OfficeConfig], lang: str) -> dict[str, str]:
    """name -> label in ``lang`` for each office."""
    return {o.name: label_of(o, lang) for o in offices}


def office_labels(c: Config | CatalogConfig, lang: str) -> dict[str, str]:
    """Station-type name (``module:<name>``, ``department:<name>``) -> label in ``lang``."""
    cat = _catalog(c)
    out = {f"module:{k}": v for k, v in labels(cat.modules, lang).items()}
    out.update({f"department:{k}": v for k, v in labels(cat.departments, lang).items()})
    return out
