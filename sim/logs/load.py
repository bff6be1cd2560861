"""Importing a work-order log: every row imported as a case or rejected with its reason.

``load_log(path, mapping)`` reads the file (``sim.logs.read``), parses the times, maps
channels and types, and checks each row; all of it column-wise (no per-row Python), so
a year of a city's log takes a second or two. The first failing check decides a row's
reason; ``ImportReport.rows_read == imported + sum(rejected.values())`` always.

Reasons, in the order they are checked: ``empty_case_id``, ``empty_created``,
``unparseable_created``, ``unparseable_closed``, ``unparseable_due``, ``empty_type``,
``unknown_channel``, ``unknown_status``, ``unparseable_satisfaction``,
``closed_before_created``, ``open_with_closed_time`` (the status says open but a
closed time is given), ``closed_without_time`` (the status says closed but no time),
``created_after_extraction``, ``duplicate_case_id`` (a later row repeating an id
already imported).

Censoring: the extraction time is the caller's, else the mapping's, else the log's last
timestamp (created or closed). A case closed after it is open at extraction (closed
NaT, ``is_open``), exactly as if the log had been taken then; they are counted as
``censored``.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sim.logs.mapping import LogMapping, load_mapping
from sim.logs.read import read_log_table

#: every reason a row can be rejected for, in the order they are checked
REASONS: tuple[str, ...] = (
    "empty_case_id", "empty_created", "unparseable_created", "unparseable_closed", "unparseable_due",
    "empty_type", "unknown_channel", "unknown_status", "unparseable_satisfaction", "closed_before_created",
    "open_with_closed_time", "closed_without_time", "created_after_extraction", "duplicate_case_id",
)
#: the columns of ``ImportedLog.cases`` (the imported log contract)
CASE_COLUMNS: tuple[str, ...] = ("case_id", "created", "closed", "due", "type", "category", "department", "queue",
                                 "channel", "place1", "place2", "satisfaction", "is_open")


@dataclass
class ImportReport:
    """How every row of the log was accounted for."""

    source: str
    rows_read: int
    imported: int
    open: int  # imported cases open at extraction
    censored: int  # of those, closed in the log but after the extraction time
    rejected: dict[str, int]  # reason -> rows (only reasons that occurred)
    rejects: pd.DataFrame  # one row per rejected row: row (1 = first data row), reason, column, value
    extracted_at: pd.Timestamp | None = None

    @property
    def rejected_total(self) -> int:
        return int(sum(self.rejected.values()))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows_read": self.rows_read, "imported": self.imported, "open": self.open,
                "censored": self.censored, "rejected": dict(self.rejected),
                "extracted_at": None if self.extracted_at is None else str(self.extracted_at)}


@dataclass
class ImportedLog:
    """An imported log: the cases (columns ``CASE_COLUMNS``, index = the file's data row), and how."""

    cases: pd.DataFrame
    extracted_at: pd.Timestamp
    report: ImportReport
    mapping: LogMapping
    source: Path
    meta: dict[str, Any] = field(default_factory=dict)


def format_report(report: ImportReport) -> str:
    """The import report a user reads: rows read, imported, open, rejected by reason."""
    w = max(len(r) for r in (*REASONS, "rows read")) + 2

    def line(label: str, n: int, note: str = "") -> str:
        return f"{label:<{w}}{n:>10,}{note}"

    share = (lambda n: f"  ({n / report.rows_read:.1%})") if report.rows_read else (lambda n: "")
    lines = [f"log: {report.source}", line("rows read", report.rows_read),
             line("imported", report.imported, share(report.imported)),
             line("  open at extraction", report.open, f"  (censored at {report.extracted_at})"
                  if report.extracted_at is not None else ""),
             line("rejected", report.rejected_total, share(report.rejected_total))]
    for reason in REASONS:
        if report.rejected.get(reason):
            lines.append(line(f"  {reason}", report.rejected[reason]))
    return "\n".join(lines)


def parse_times(s: pd.Series, m: LogMapping) -> tuple[pd.Series, pd.Series]:
    """(naive local datetime64[ns], bad) for a column of times; an empty cell is NaT and not bad."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        t = pd.to_datetime(s)
        if t.dt.tz is not None:
            t = (t.dt.tz_convert(m.timezone) if m.timezone else t).dt.tz_localize(None)
        return t.astype("datetime64[ns]"), pd.Series(False, index=s.index)
    text = s.astype(_STR).str.strip()
    empty = _mask(text.eq(""))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    offset = _mask(text.str.contains(r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d:?\d\d)$", regex=True)) & ~empty
    if offset.any() and m.timezone:
        aware = pd.to_datetime(text[offset], utc=True, errors="coerce", format="ISO8601")
        out[offset] = aware.dt.tz_convert(m.timezone).dt.tz_localize(None)
    elif offset.any():
        # no zone to convert to: the wall time as written is the local time
        text = text.where(~offset, text.str.replace(r"\s*(?:Z|[+-]\d\d:?\d\d)$", "", regex=True))
        offset = np.zeros(len(s), dtype=bool)
    naive = ~empty & ~offset
    if naive.any():
        parsed = _parse_naive(text[naive], m.time_formats)
        if m.source_timezone and m.timezone and m.source_timezone != m.timezone:
            # a time that does not exist or is ambiguous in the source zone (clock change) is unparseable
            parsed = (parsed.dt.tz_localize(m.source_timezone, ambiguous="NaT", nonexistent="NaT")
                      .dt.tz_convert(m.timezone).dt.tz_localize(None))
        out[naive] = parsed
    return out, out.isna().to_numpy() & ~empty


#: text columns are pyarrow strings while checked: stripping and matching run in Arrow, not per cell in Python
_STR: Final = "string[pyarrow]"


def _mask(x: Any) -> np.ndarray:
    """A boolean column as a numpy bool array (the checks combine them as such)."""
    return np.asarray(x, dtype=bool)


def _parse_naive(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    if not formats:
        return pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = pd.Series(True, index=text.index)
    for fmt in formats:
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        todo = out.isna()
        if not todo.any():
            break
    return out


class _Rejects:
    """The first reason per row, filled check by check."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.reason = np.full(len(index), "", dtype=object)
        self.column = np.full(len(index), "", dtype=object)
        self.value = np.full(len(index), "", dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""

    def add(self, mask: pd.Series | np.ndarray, reason: str, column: str, values: pd.Series | None = None) -> None:
        hit = np.asarray(mask, dtype=bool) & self.ok
        if hit.any():
            self.reason[hit] = reason
            self.column[hit] = column
            if values is not None:
                self.value[hit] = np.asarray(values.astype(str))[hit]

    def frame(self) -> pd.DataFrame:
        bad = ~self.ok
        return pd.DataFrame({"row": np.asarray(self.index)[bad], "reason": self.reason[bad],
                             "column": self.column[bad], "value": self.value[bad]})


def _text(df: pd.DataFrame, m: LogMapping, fld: str) -> pd.Series:
    """A mapped column as stripped text ("" throughout when the log has no such column)."""
    col = m.column(fld)
    if col is None:
        return pd.Series("", index=df.index, dtype=_STR)
    return df[col].astype(_STR).str.strip()


def load_log(path: str | Path, mapping: str | Path | AbcMapping[str, Any] | LogMapping,
             extracted_at: str | pd.Timestamp | None = None) -> ImportedLog:
    """Import a log through a mapping (a shipped name, a YAML path or a dict).

    Raises ``ConfigError`` (one line naming the file, line or row, and column) when the
    mapping or the file cannot be used; rows that cannot be imported are rejected
    and reported, never raised.
    """
    m = load_mapping(mapping)
    df = read_log_table(path, m)
    n = len(df)
    rj = _Rejects(df.index)
    col = m.columns

    case_id = _text(df, m, "case_id")
    if "case_id" in col:
        rj.add(_mask(case_id.eq("")), "empty_case_id", col["case_id"])
    else:
        case_id = pd.Series(df.index.astype(str), index=df.index, dtype=_STR)  # the row number is the id

    created_raw = df[col["created"]]
    created, bad = parse_times(created_raw, m)
    rj.add(created.isna().to_numpy() & ~bad, "empty_created", col["created"], created_raw)
    rj.add(bad, "unparseable_created", col["created"], created_raw)
    times: dict[str, pd.Series] = {}
    for fld, reason in (("closed", "unparseable_closed"), ("due", "unparseable_due")):
        if fld in col:
            t, bad = parse_times(df[col[fld]], m)
            rj.add(bad, reason, col[fld], df[col[fld]])
        else:
            t = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        times[fld] = t
    closed, due = times["closed"], times["due"]
    has_closed = closed.notna().to_numpy()

    typ = _text(df, m, "type")
    if "type" in col:
        rj.add(_mask(typ.eq("")), "empty_type", col["type"])
    channel = pd.Series("", index=df.index, dtype=object)
    if "channel" in col:
        raw = _text(df, m, "channel")
        channel = raw.astype(object).map(m.channels)
        rj.add(channel.isna().to_numpy(), "unknown_channel", col["channel"], raw)
        channel = channel.fillna("")
    status_open = status_closed = np.zeros(n, dtype=bool)
    if "status" in col:
        st = _text(df, m, "status")
        status_open, status_closed = _mask(st.isin(m.status_open)), _mask(st.isin(m.status_closed))
        rj.add(~status_open & ~status_closed, "unknown_status", col["status"], st)
    satisfaction = pd.Series(np.nan, index=df.index, dtype=float)
    if "satisfaction" in col:
        raw = _text(df, m, "satisfaction")
        given = _mask(raw.ne(""))
        if m.satisfaction_values:
            satisfaction = raw.astype(object).map(m.satisfaction_values).astype(float)
        else:
            satisfaction = pd.to_numeric(raw.astype(object).where(given, None), errors="coerce").astype(float)
        rj.add(satisfaction.isna().to_numpy() & given, "unparseable_satisfaction", col["satisfaction"], raw)

    if "closed" in col:
        before = has_closed & created.notna().to_numpy() & _mask(closed < created)
        rj.add(before, "closed_before_created", col["closed"], df[col["closed"]])
    if "status" in col:
        rj.add(status_open & has_closed, "open_with_closed_time", col["status"], _text(df, m, "status"))
        rj.add(status_closed & ~has_closed, "closed_without_time", col.get("closed", col["status"]))

    ext = _extraction_time(extracted_at, m, created, closed, rj.ok)
    rj.add(_mask(created > ext), "created_after_extraction", col["created"], created_raw)
    if "case_id" in col:
        # duplicates among rows otherwise fit: the first one is imported, later ones rejected
        ok = rj.ok
        dup = np.zeros(n, dtype=bool)
        dup[ok] = case_id[ok].duplicated(keep="first").to_numpy()
        rj.add(dup, "duplicate_case_id", col["case_id"], case_id)

    keep = rj.ok
    closed_k = closed[keep]
    late = closed_k.notna() & (closed_k > ext)
    closed_k = closed_k.mask(late)

    def text(s: pd.Series) -> pd.Series:
        return s[keep].astype(object)

    cases = pd.DataFrame({
        "case_id": text(case_id),
        "created": created[keep],
        "closed": closed_k,
        "due": due[keep],
        "type": text(typ),
        "category": _categories(text(typ), m),
        "department": text(_text(df, m, "department")),
        "queue": text(_text(df, m, "queue")),
        "channel": channel[keep].astype(object),
        "place1": text(_text(df, m, "place1")),
        "place2": text(_text(df, m, "place2")),
        "satisfaction": satisfaction[keep].astype(float),
        "is_open": closed_k.isna().astype(bool),
    })
    # time order (ties in file order): how a replay and the calibrator read it
    cases = cases.sort_values("created", kind="stable")
    rejects = rj.frame()
    counts = rejects["reason"].value_counts()
    rejected = {r: int(counts[r]) for r in REASONS if r in counts.index}
    report = ImportReport(source=str(path), rows_read=n, imported=len(cases), open=int(cases["is_open"].sum()),
                          censored=int(late.sum()), rejected=rejected, rejects=rejects, extracted_at=ext)
    assert report.rows_read == report.imported + report.rejected_total
    return ImportedLog(cases=cases, extracted_at=ext, report=report, mapping=m, source=Path(path))


def _extraction_time(given: str | pd.Timestamp | None, m: LogMapping, created: pd.Series, closed: pd.Series,
                     ok: np.ndarray) -> pd.Timestamp:
    """The caller's extraction time, the mapping's, else the last time the log shows (rows fit so far)."""
    if given is not None:
        ext = pd.Timestamp(given)
        return ext.tz_localize(None) if ext.tzinfo is not None else ext
    if m.extracted_at is not None:
        return m.extracted_at
    last = max(created[ok].max(), closed[ok].max(), key=lambda t: t if pd.notna(t) else pd.Timestamp.min)
    return pd.Timestamp(last) if pd.notna(last) else pd.Timestamp("1970-01-01")


def _categories(typ: pd.Series, m: LogMapping) -> pd.Series:
    """Category per case: the mapping's map, else the type itself (or the mapping's default); rare pooled."""
    mapped = typ.map(m.category_map)
    if m.unmapped == "type":
        fallback = typ
        if m.pool_below > 0:
            unmapped = mapped.isna()
            sizes = typ[unmapped].map(typ[unmapped].value_counts())
            fallback = typ.where(~unmapped | (sizes >= m.pool_below), m.pool_into)
    else:
        fallback = pd.Series(m.unmapped, index=typ.index, dtype=object)
    return mapped.fillna(fallback).astype(object)
