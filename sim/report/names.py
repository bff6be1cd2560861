"""Names, not keys: office types, categories and KPIs as a planner reads them, in English or Chinese.

The capacity check names a station type ``department:urban_construction``, the stability
verdict an office ``urban_construction``, the KPIs ``utilization_urban_construction``;
these turn each into its display name from the run's catalogue ("County department:
Housing and urban management", "县直部门：住建城管"). A name the catalogue lacks is
still said in words (``snake_case`` becomes "snake case"), never shown as a key.
"""

from __future__ import annotations

from sim.report.labels import check_lang, humanize, kpi_name, label, office_type_name
from sim.scenario.catalogue import category_label, label_of
from sim.scenario.schema import CatalogConfig

__all__ = ["category_name", "kpi_label", "office_type_name"]

def category_name(key: str, catalog: CatalogConfig | None, lang: str) -> str:
    """Display name of a category of matter."""
    check_lang(lang)
    if catalog is not None and key in catalog.categories:
        return category_label(key, catalog.categories[key], lang)
    return humanize(key)


def kpi_label(kpi: str, lang: str, catalog: CatalogConfig | None = None) -> str:
    """A KPI's name in words; ``utilization_<office>`` and ``offered_load_<office>`` name the office by its
    display name."""
    for prefix, key in (("utilization_", "kpi.utilization_kind"), ("offered_load_", "kpi.offered_load")):
        if kpi.startswith(prefix) and catalog is not None:
            office = kpi[len(prefix):]
            found = next((o for o in (*catalog.departments, *catalog.modules) if o.name == office), None)
            if found is not None:
                return label(key, lang).format(label_of(found, lang))
    if kpi.endswith("_above_horizon"):
        return label("kpi.above_horizon", lang).format(kpi_label(kpi[: -len("_above_horizon")], lang, catalog))
    text = kpi_name(kpi, lang)
    return humanize(text) if text == kpi else text
