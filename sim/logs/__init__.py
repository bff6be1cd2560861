"""Work-order logs: import through a mapping (``load_log``), territory from places, replay.

The imported log contract (``sim.logs.load_log(path, mapping) -> ImportedLog``) is
described in ``sim.logs.load``; two mappings ship in ``sim/logs/mappings/``. Replay
(``sim.logs.replay``) is imported where it is used, not here: it needs the engines' inputs.
"""

from sim.logs.load import CASE_COLUMNS, REASONS, ImportedLog, ImportReport, format_report, load_log
from sim.logs.mapping import MODEL_CHANNELS, LogMapping, load_mapping
from sim.logs.territory import LogUnits, units_from_log

__all__ = ["CASE_COLUMNS", "MODEL_CHANNELS", "REASONS", "ImportReport", "ImportedLog", "LogMapping", "LogUnits",
           "format_report", "load_log", "load_mapping", "units_from_log"]
