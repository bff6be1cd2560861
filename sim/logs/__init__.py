"""Work-order logs: import through a mapping (``load_log``), territory from places, replay.

The imported log contract (``sim.logs.load_log(path, mapping) -> ImportedLog``) is
described in ``sim.logs.load``; two mappings ship in ``sim/logs/mappings/``.
"""

from sim.logs.load import CASE_COLUMNS, REASONS, ImportedLog, ImportReport, format_report, load_log
from sim.logs.mapping import MODEL_CHANNELS, LogMapping, load_mapping

__all__ = ["CASE_COLUMNS", "MODEL_CHANNELS", "REASONS", "ImportReport", "ImportedLog", "LogMapping",
           "format_report", "load_log", "load_mapping"]
