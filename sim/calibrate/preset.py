"""Write the calibrated scenario as a preset YAML with the provenance of every fitted value.

``<presets dir>/calibrated/<name>.yaml`` (presets dir = ``$GRIDSIM_PRESETS_DIR`` or
``./presets``) is a ``# @package _global_`` file selected with ``calibrated=<name>``; the
units table it names is written beside it (``<name>.units.csv``). Each fitted value has
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
import tempfile
from pathlib import Path
from typing import Any

from sim.scenario.compose import presets_dir

__all__ = ["presets_dir", "render", "write_preset"]



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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
