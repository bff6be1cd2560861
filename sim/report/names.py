"""Names, not keys: office types, categories and KPIs as a planner reads them, in English or Chinese.

The capacity check names a station type ``department:urban_construction``, the stability
verdict an office ``urban_construction``, the KPIs ``utilization_urban_construction``;
these turn each into its display name from the run's catalogue ("County department:
Housing and urban management", "县直部门：住建城管"). A name the catalogue lacks is
still said in words (``snake_case`` becomes "snake case"), never shown as a key.
"""

from __future__ import annotations

from sim.report.labels import check_lang, humanize, kpi_name, label
from sim.scenario.catalogue import category_label, label_of
from sim.scenario.schema import CatalogConfig, OfficeConfig

__all__ = ["category_name", "kpi_label", "office_type_name"]

#: kind -> the label key of "a {} of this kind"
_KIND_OF = {"module": "name.module", "department": "name.department"}


def _find(catalog: CatalogConfig | None, kind: str, name: str) -> OfficeConfig | None:
    if catalog is None:
        return None
    offices = catalog.modules if kind == "module" else catalog.departments
    return next((o for o in offices if o.name == name), None)


def office_type_name(office: str, catalog: CatalogConfig | None, lang: str) -> str:
    """Display name of an office type: a station type (``grid``, ``module:x``, ``department:x``) or a
    catalogue key (``urban_construction``: a department's name, else a module's)."""
    check_lang(lang)
    kind, sep, sub = office.partition(":")
    if not sep:
        if f"kind.{office}" in _STATION_KINDS:
            return label(f"kind.{office}", lang)
        for k in ("department", "module"):
            if _find(catalog, k, office) is not None:
                kind, sub = k, office
                break
        else:
            return humanize(office)
    found = _find(catalog, kind, sub)
    name = label_of(found, lang) if found is not None else humanize(sub)
    return label(_KIND_OF[kind], lang).format(name) if kind in _KIND_OF else name


_STATION_KINDS = ("kind.grid", "kind.village", "kind.platform", "kind.module", "kind.department")


def category_name(key: str, catalog: CatalogConfig | None, lang: str) -> str:
    """Display name of a category of matter."""
    check_lang(lang)
    if catalog is not None and key in catalog.categories:
        return category_label(key, catalog.categories[key], lang)
    return humanize(key)


def kpi_label(kpi: str, lang: str, catalog: CatalogConfig | None = None) -> str:
    """A KPI's name in words; ``utilization_<office>`` names the office by its display name."""
    if kpi.startswith("utilization_") and catalog is not None:
        office = kpi[len("utilization_"):]
        if any(o.name == office for o in (*catalog.modules, *catalog.departments)):
            return label("kpi.utilization_kind", lang).format(office_type_name(office, catalog, lang))
    if kpi.endswith("_above_horizon"):
        return label("kpi.above_horizon", lang).format(kpi_label(kpi[: -len("_above_horizon")], lang, catalog))
    text = kpi_name(kpi, lang)
    return humanize(text) if text == kpi else text
