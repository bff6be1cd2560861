"""Readable Parquet records: label columns and a schema version, added when the files are written.

The in-memory records hold integer codes (category, status, channel, level, outcome)
and row numbers (grid, station); read with pandas or DuckDB they mean nothing without
the code's tables. The Parquet files carry, beside the codes of category, severity (at
discovery), channel, settling level and status, their labels as dictionary-encoded string
columns (a code of -1, "not reached", is a null label), the unit codes of each matter's
grid (``C01-T03-V12-G04``), village and township, the station code, level and outcome
label of each visit, and a ``gridsim`` entry in the file's
metadata with the schema version, the units of each column and the label of each code
column. The records the engines emit are untouched (labels exist only in the files).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from numba import njit

from sim.records.schema import VISIT_OUTCOMES
from sim.scenario.constants import CHANNELS, LEVELS, SEVERITIES, STATUSES

if TYPE_CHECKING:
    from sim.records.schema import Records

#: version of the Parquet record schema (codes, labels and units); raised when a column changes meaning
SCHEMA_VERSION = 1
METADATA_KEY = b"gridsim"
_TIME = "hours since t = 0 (00:00 on Monday 1 January of the first simulated year); null = not reached"
MATTER_UNITS: dict[str, str] = {
    **{k: _TIME for k in ("t_occur", "t_discover", "t_intake", "t_dispatch", "t_start", "t_close", "deadline")},
    "transfers": "count", "escalations": "count", "reopened": "count",
    "on_time": "1 on time, 0 late, -1 not closed", "satisfied": "1 satisfied, 0 not, -1 not closed",
}
VISIT_UNITS: dict[str, str] = {**{k: _TIME for k in ("t_arrive", "t_start", "t_end")},
                               "work": "hours of work at full speed"}


def _dictionary(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """Codes as a dictionary-encoded string column; codes outside ``labels`` (-1) are null."""
    codes = np.asarray(codes)
    index_type = pa.int8() if len(labels) < 128 else pa.int32()
    bad = (codes < 0) | (codes >= len(labels))
    indices = pa.array(codes.astype(np.int8 if index_type == pa.int8() else np.int32),
                       mask=bad if bad.any() else None, type=index_type)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string()))


def _units_of_grids(rec: Records) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per grid: its index into the grid, village, township and county code lists, and those lists."""
    st = rec.stations
    grid_codes = [c for c, k in zip(st.code, st.kind, strict=True) if k == "grid"]
    out: dict[str, tuple[np.ndarray, list[str]]] = {"grid": (np.arange(len(grid_codes)), grid_codes)}
    parts = [c.split("-") for c in grid_codes]
    for depth, name in ((3, "village"), (2, "township"), (1, "county")):
        prefixes = np.array(["-".join(p[:depth]) for p in parts], dtype=object)
        names, index = np.unique(prefixes, return_inverse=True) if len(prefixes) else (np.array([]), np.array([]))
        out[name] = (np.asarray(index).ravel(), [str(x) for x in names])
    return out


def matter_labels(rec: Records) -> dict[str, pa.Array]:
    """The label columns of matters.parquet."""
    m = rec.matters
    categories = [str(x) for x in rec.meta.get("category_names", [])]
    cols: dict[str, pa.Array] = {
        "category_label": _dictionary(m.category, categories),
        "severity_label": _dictionary(m.severity, list(SEVERITIES)),
        "channel_label": _dictionary(m.channel, list(CHANNELS)),
        "level_settled_label": _dictionary(m.level_settled, list(LEVELS)),
        "status_label": _dictionary(m.status, list(STATUSES)),
    }
    # each label column costs write time at ten million rows: the county is the grid code's first part
    for name, (index, codes) in _units_of_grids(rec).items():
        if name != "county":
            cols[f"{name}_code"] = _grid_dictionary(m.grid, index, codes)
    return cols


def _grid_dictionary(grid: np.ndarray, index_of_grid: np.ndarray, codes: list[str]) -> pa.DictionaryArray:
    """A unit code per matter through its grid (a grid outside the table, as -1, is null)."""
    index = np.asarray(index_of_grid, dtype=np.int32)
    if len(index) and np.array_equal(index, np.arange(len(index), dtype=np.int32)):
        return _rows(grid, codes)  # the grid level: a grid's own row is its index (no gather)
    return _gathered(np.asarray(grid), index, codes)


def _indexed(idx: np.ndarray, bad: np.ndarray | None, labels: list[str]) -> pa.DictionaryArray:
    indices = pa.array(idx, mask=bad, type=pa.int32())  # int32 without a mask: no copy
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string()))


@njit(cache=True, nogil=True)
def _gather_indices(rows: np.ndarray, index: np.ndarray, out: np.ndarray) -> int:
    """out[i] = index[rows[i]] (0 where rows[i] is outside ``index``); how many were outside (one pass,
    where numpy took five over ten million rows)."""
    n_bad = 0
    for i in range(len(rows)):
        r = rows[i]
        if 0 <= r < len(index):
            out[i] = index[r]
        else:
            out[i] = 0
            n_bad += 1
    return n_bad


def _gathered(rows: np.ndarray, index: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """``labels[index[rows]]`` as a dictionary column; a row outside ``index`` is null."""
    idx = np.empty(len(rows), np.int32)
    bad = (rows < 0) | (rows >= len(index)) if _gather_indices(rows, index, idx) else None
    return _indexed(idx, bad, labels)


def visit_labels(rec: Records) -> dict[str, pa.Array]:
    """The label columns of visits.parquet: station code and kind, level and outcome, the server's role."""

    v, st = rec.visits, rec.stations
    # station codes are unique and name the kind too (C01-T03-platform, C01-livelihood); the station
    # kind and the server's role are in stations.parquet
    return {
        "station_code": _rows(v.station, [str(c) for c in st.code]),
        "level_label": _dictionary(v.level, list(LEVELS)),
        "outcome_label": _dictionary(v.outcome, list(VISIT_OUTCOMES)),
    }


def _rows(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """Row numbers (grids, stations) as a dictionary column of their unique labels, int32 indices."""
    codes = np.asarray(codes)
    if codes.dtype == np.int32 and (len(codes) == 0 or (codes.min() >= 0 and codes.max() < len(labels))):
        return _indexed(codes, None, labels)  # every row valid: the column itself is the indices
    return _gathered(codes, np.arange(len(labels), dtype=np.int32), labels)


def metadata(table: str, labels: dict[str, pa.Array], units: dict[str, str]) -> dict[bytes, bytes]:
    """The ``gridsim`` entry of a file's key-value metadata (JSON)."""
    code_of = {name: name.removesuffix("_label").removesuffix("_code") for name in labels}
    entry: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "table": table, "units": units,
                             "labels": {label: code for label, code in code_of.items()}}
    return {METADATA_KEY: json.dumps(entry).encode(), b"gridsim.schema_version": str(SCHEMA_VERSION).encode()}
