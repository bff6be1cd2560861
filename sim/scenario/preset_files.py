"""The files of a calibrated preset: ``<presets>/calibrated/<name>.yaml`` and the units table it names.

A units table is named after its content (``<name>.units.<sha256[:12]>.csv``), so a
re-calibration never rewrites the table an existing preset names: the new table is moved
in beside the old one, then the new YAML replaces the old in one rename, then the old
table goes (``sim.calibrate.preset.install_preset``). A kill between those steps leaves
the previous preset whole, plus at most a ``.partial-`` staging directory and a table no
YAML names; ``tidy_calibrated`` removes both, and every run and calibration calls it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sim.util.partial import PREFIX, remove_stale

__all__ = ["staging_prefix", "tidy_calibrated", "units_file_name", "units_tables"]

#: a units table gridsim wrote (only these are ever removed by ``tidy_calibrated``)
_CONTENT_NAMED = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)\.units\.[0-9a-f]{12}\.csv")


def units_file_name(name: str, text: str) -> str:
    """``<name>.units.<first 12 hex digits of the content's sha256>.csv``."""
    return f"{name}.units.{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}.csv"


def staging_prefix(name: str) -> str:
    """The prefix of the staging directories of preset ``name`` (``.partial-<name>-<pid>``)."""
    return f"{PREFIX}{name}-"


def units_tables(calibrated: Path, name: str) -> list[Path]:
    """Every units table of preset ``name`` (content-named ones, and ``<name>.units.csv`` of older gridsims)."""
    return sorted(calibrated.glob(f"{name}.units.*csv"))


def tidy_calibrated(calibrated: Path) -> list[str]:
    """Remove what a killed calibration left in ``calibrated``; one line per thing removed.

    Staging directories whose process is gone go first (``remove_stale``); then, for each
    preset with no staging directory left, every units table its YAML does not name.
    """
    if not calibrated.is_dir():
        return []
    said = remove_stale(calibrated)
    for table in sorted(calibrated.glob("*.units.*.csv")):
        m = _CONTENT_NAMED.fullmatch(table.name)
        if m is None:
            continue  # not a table gridsim named: someone else's file
        name = m["name"]
        if any(calibrated.glob(staging_prefix(name) + "*")):
            continue  # a calibration of this preset is being installed now
        yaml = calibrated / f"{name}.yaml"
        try:
            named = yaml.is_file() and table.name in yaml.read_text(encoding="utf-8")
        except OSError:
            continue
        if not named:
            table.unlink(missing_ok=True)
            said.append(f"removed {table}: no preset names it (left by an interrupted calibration)")
    return said
