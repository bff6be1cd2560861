"""Catalogues of any size for tests: written as ``catalog/<name>.yaml`` presets in a directory.

``write_catalogue(tmp_path, n_departments=25, n_modules=5)`` writes a preset with that many
departments, one category per department (so every department has matters of its own),
modules shared round-robin, and staff for each; ``overrides(tmp_path, name)`` selects it
(the directory goes on Hydra's search path, as a user's own presets directory does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["catalogue_spec", "overrides", "write_catalogue"]

LEVELS = ["grid", "village", "township", "county"]


def catalogue_spec(n_departments: int, n_modules: int) -> dict[str, Any]:
    """The preset's content (a ``# @package _global_`` file)."""
    modules = [{"name": f"mod_{m:02d}", "name_zh": f"模块{m}" if m % 2 == 0 else ""} for m in range(n_modules)]
    departments = [{"name": f"dept_{d:02d}", "name_zh": f"部门{d}" if d % 2 == 0 else ""}
                   for d in range(n_departments)]
    # shares fall with the index, severities reach the county often enough that every
    # department sees matters in a short run; a quarter of the categories skip the grid
    categories = {
        f"cat_{d:02d}": {
            "name_zh": f"类别{d}", "share": 1.0 / (1 + d % 5), "module": modules[d % n_modules]["name"],
            "department": departments[d]["name"], "severity_mix": [0.45, 0.25, 0.15, 0.15],
            "handled_at": LEVELS[1:] if d % 4 == 3 else LEVELS,
            "service_hours": [1.0 + d % 3, 2.5, 4.0 + d % 2, 6.0], "deadline": ["general", "help", "emergency"][d % 3],
        }
        for d in range(n_departments)
    }
    return {
        "catalog": {"modules": modules, "departments": departments, "categories": categories},
        "staffing": {"module_staff": {m["name"]: 3 + i % 3 for i, m in enumerate(modules)},
                     "department_staff": {d["name"]: 2 + i % 2 for i, d in enumerate(departments)},
                     "professional_department": departments[0]["name"]},
        "dispatch": {"grid_list_exclude": [], "party_household_categories": ["cat_00"]},
    }


def write_catalogue(directory: Path, n_departments: int, n_modules: int, name: str | None = None) -> str:
    """Write ``directory/catalog/<name>.yaml``; return the preset's name."""
    name = name or f"d{n_departments}_m{n_modules}"
    path = directory / "catalog" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(catalogue_spec(n_departments, n_modules), allow_unicode=True, sort_keys=False)
    path.write_text("# @package _global_\n" + body, encoding="utf-8")
    return name


def overrides(directory: Path, name: str) -> list[str]:
    """The overrides that select the preset ``name`` written in ``directory``."""
    return [f"hydra.searchpath=[file://{directory.resolve()}]", f"catalog={name}"]
