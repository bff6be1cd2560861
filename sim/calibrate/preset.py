"""Write the calibrated scenario as a preset YAML with the provenance of every fitted value.

``<presets dir>/calibrated/<name>.yaml`` (presets dir = ``$GRIDSIM_PRESETS_DIR`` or
``./presets``) is a ``# @package _global_`` file selected with ``calibrated=<name>``; the
units table it names is written beside it (``<name>.units.<sha256[:12]>.csv``, named after its
content). ``install_preset`` writes both all or nothing (``sim.scenario.preset_files``). Each fitted value has
a comment saying what it was fitted from (rows, and for the handling side the distance
reached). Keys and strings are written as JSON scalars, which YAML reads unchanged.

A preset is merged onto the default config, and Hydra merges dicts key by key: the
default categories would stay beside the log's. So the file's defaults list swaps the
default catalogue out (``override /catalog: empty``) and brings the log's own modules,
departments, categories and their head-counts.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from sim.scenario.compose import presets_dir
from sim.scenario.preset_files import staging_prefix, tidy_calibrated, units_file_name, units_tables
from sim.util.partial import drop_owner, mark_owner, temp_file_beside

__all__ = ["install_preset", "preset_units_path", "presets_dir", "render", "write_preset"]



def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(float(f"{v:.6g}"))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _emit(d: dict[str, Any], comments: dict[str, str], path: str, indent: int, out: list[str]) -> None:
    for k, v in d.items():
        p = f"{path}.{k}" if path else str(k)
        key = k if str(k).replace("_", "").isalnum() and not str(k)[0].isdigit() else json.dumps(str(k))
        note = f"  # {comments[p]}" if p in comments else ""
        if isinstance(v, list) and v and isinstance(v[0], dict):
            out.append(f"{'  ' * indent}{key}:{note}")
            for item in v:
                first = True
                for ik, iv in item.items():
                    out.append(f"{'  ' * indent}{'- ' if first else '  '}{ik}: {_scalar(iv)}")
                    first = False
        elif isinstance(v, dict):
            out.append(f"{'  ' * indent}{key}:{note}" + ("" if v else " {}"))
            _emit(v, comments, p, indent + 1, out)
        else:
            out.append(f"{'  ' * indent}{key}: {_scalar(v)}{note}")


def render(values: dict[str, Any], comments: dict[str, str], header: list[str]) -> str:
    lines = ["# @package _global_", *[f"# {h}" for h in header],
             "defaults:", "  - override /catalog: empty  # the log's catalogue replaces the default one", "  - _self_"]
    _emit(values, comments, "", 0, lines)
    return "\n".join(lines) + "\n"


def write_preset(values: dict[str, Any], comments: dict[str, str], header: list[str], path: Path) -> Path:
    """Write atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(values, comments, header)
    tmp = temp_file_beside(path, ".partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def preset_units_path(calibrated: Path, name: str, units_text: str) -> Path:
    """Where ``install_preset`` puts this units table (what the preset's ``territory.units_file`` names)."""
    return (calibrated / units_file_name(name, units_text)).resolve()


def install_preset(name: str, units_text: str, values: dict[str, Any], comments: dict[str, str],
                   header: list[str], calibrated: Path) -> Path:
    """Write ``<calibrated>/<name>.yaml`` and the units table it names, all or nothing; return the YAML's path.

    Both are written into a staging directory of this process (``.partial-<name>-<pid>``)
    first. The table, named after its content, is moved in beside any older one; then the
    YAML replaces the old YAML in one rename, so that ``calibrated=<name>`` names, at every
    instant, a whole table that matches it; then the tables the new YAML does not name go.
    Whatever a kill leaves is removed by ``tidy_calibrated`` (every run calls it).
    """
    calibrated.mkdir(parents=True, exist_ok=True)
    tidy_calibrated(calibrated)
    units = preset_units_path(calibrated, name, units_text)
    values = {**values, "territory": {**values["territory"], "units_file": str(units)}}
    staging = calibrated / f"{staging_prefix(name)}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)  # this process's own leftover, if any
    staging.mkdir()
    mark_owner(staging)
    try:
        (staging / units.name).write_text(units_text, encoding="utf-8")
        (staging / f"{name}.yaml").write_text(render(values, comments, header), encoding="utf-8")
        os.replace(staging / units.name, units)
        os.replace(staging / f"{name}.yaml", calibrated / f"{name}.yaml")  # the switch to the new preset
        for old in units_tables(calibrated, name):
            if old.name != units.name:
                old.unlink(missing_ok=True)
    finally:
        drop_owner(staging)
        shutil.rmtree(staging, ignore_errors=True)
    return calibrated / f"{name}.yaml"
