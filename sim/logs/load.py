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
``date_far_from_rest`` (a created or closed time more than a year before or after every
time of the rest of the log: a typed 2099, an epoch 1970), ``created_after_extraction``,
``duplicate_case_id`` (a later row repeating an id already imported).

Censoring: the extraction time is the caller's, else the mapping's, else the log's last
timestamp (created or closed). A case closed after it is open at extraction (closed
NaT, ``is_open``), exactly as if the log had been taken then; they are counted as
``censored``.

A log nothing can be learnt from is one ``ConfigError``, never an empty import: no case
imported (a header alone, every date bad), an extraction time before the first case or
later than now, times more than a year apart in more than a few rows (``FAR_FEW``,
``FAR_SHARE``: a misread date format rather than a few typos), and more rows rejected
than the mapping's ``max_rejected_share`` and than ``REJECTED_FEW`` (a wrong column or
format: a day-first log read month-first keeps only its days up to the 12th, misread).
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sim.logs.mapping import LogMapping, load_mapping
from sim.logs.offsets import OFFSET, TIME_WITH_OFFSET, check_offsets
from sim.logs.read import read_log_table
from sim.util.errors import ConfigError

#: every reason a row can be rejected for, in the order they are checked
REASONS: tuple[str, ...] = (
    "empty_case_id", "empty_created", "unparseable_created", "unparseable_closed", "unparseable_due",
    "empty_type", "unknown_channel", "unknown_status", "unparseable_satisfaction", "closed_before_created",
    "open_with_closed_time", "closed_without_time", "date_far_from_rest", "created_after_extraction",
    "duplicate_case_id",
)
#: times further than this from every other time of the log are typos (``date_far_from_rest``)
FAR_GAP = np.timedelta64(365, "D")
#: more times far from the rest than this share (and than ``FAR_FEW``) is an error of the whole log, not of rows
FAR_SHARE = 0.01
FAR_FEW = 10
#: this many rejected rows or fewer never stop an import, whatever their share: a handful says little of a format
REJECTED_FEW = 10
#: the reasons a time column's format decides (the hint of a stopped import names time.format for them)
_TIME_REASONS = frozenset({"empty_created", "unparseable_created", "unparseable_closed", "unparseable_due",
                           "closed_before_created", "date_far_from_rest"})
#: a time this far past the machine's clock is "later than now" (the log's zone may be ahead of ours)
CLOCK_SLACK = np.timedelta64(1, "D")
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


def format_report(report: ImportReport) -> str:
    """The import report a user reads: rows read, imported, open, rejected by reason."""
    w = max(len(r) for r in (*REASONS, "rows read")) + 2

    def line(label: str, n: int, note: str = "") -> str:
        return f"{label:<{w}}{n:>10,}{note}"

    share = (lambda n: f"  ({percent(n, report.rows_read)})") if report.rows_read else (lambda n: "")
    lines = [f"log: {report.source}", line("rows read", report.rows_read),
             line("imported", report.imported, share(report.imported)),
             line("  open at extraction", report.open, f"  (censored at {report.extracted_at})"
                  if report.extracted_at is not None else ""),
             line("rejected", report.rejected_total, share(report.rejected_total))]
    if report.censored:
        lines.insert(4, line("    closed only after it", report.censored, "  (open, as the log then was)"))
    for reason in REASONS:
        if report.rejected.get(reason):
            lines.append(line(f"  {reason}", report.rejected[reason]))
    return "\n".join(lines)


def percent(n: int, total: int) -> str:
    """``n`` of ``total`` as a percentage that is 0% or 100% only when it is: 1 of 3,000 is ``<0.1%``,
    2,999 of 3,000 ``>99.9%`` (rounded to one decimal, both would read as exact)."""
    text = f"{n / total:.1%}"
    if 0 < n < total and text in ("0.0%", "100.0%"):
        return "<0.1%" if text == "0.0%" else ">99.9%"
    return text


def parse_times(s: pd.Series, m: LogMapping) -> tuple[pd.Series, np.ndarray]:
    """(naive local datetime64[ns], bad) for a column of times; an empty cell is NaT and not bad."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        t = pd.to_datetime(s)
        if t.dt.tz is not None:
            t = (t.dt.tz_convert(m.timezone) if m.timezone else t).dt.tz_localize(None)
        return t.astype("datetime64[ns]"), np.zeros(len(s), dtype=bool)
    text = s.astype(_STR).str.strip()
    empty = _mask(text.eq(""))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    offset = _mask(text.str.contains(TIME_WITH_OFFSET, regex=True)) & ~empty
    if offset.any() and m.timezone:
        aware = pd.to_datetime(text[offset], utc=True, errors="coerce", format="ISO8601")
        out[offset] = aware.dt.tz_convert(m.timezone).dt.tz_localize(None)
    elif offset.any():
        # no zone to convert to: the wall time as written is the local time
        text = text.where(~offset, text.str.replace(rf"\s*{OFFSET}$", "", regex=True))
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


def _due_from_limit(s: pd.Series, created: pd.Series, unit: str) -> tuple[pd.Series, np.ndarray]:
    """Due = created + a limit written as a number of calendar days or hours (e.g. 5, 0.5)."""
    text = s.astype(_STR).str.strip()
    empty = _mask(text.eq(""))
    number = pd.to_numeric(text.astype(object).where(~empty, None), errors="coerce")
    bad = number.isna().to_numpy() & ~empty
    bad |= ~empty & ~bad & ~(number.fillna(0).to_numpy() >= 0)  # a negative limit is not a limit
    hours = number.astype(float) * (24.0 if unit == "days" else 1.0)
    due = created + pd.to_timedelta(hours.where(~bad), unit="h")
    return due.astype("datetime64[ns]"), bad


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
    text = df[col].astype(_STR).str.strip()
    rules = m.clean.get(fld, ())
    if rules:
        # Python's regex (as the mapping was checked with), over the distinct values only
        values = pd.Series(pd.unique(text.to_numpy(dtype=object)), dtype=object)
        cleaned = values
        for pattern, replacement in rules:
            cleaned = cleaned.str.replace(pattern, replacement, regex=True)
        text = text.astype(object).map(dict(zip(values, cleaned.str.strip(), strict=True))).astype(_STR)
    return text


def load_log(path: str | Path, mapping: str | Path | AbcMapping[str, Any] | LogMapping,
             extracted_at: str | pd.Timestamp | None = None, *, allow_empty: bool = False) -> ImportedLog:
    """Import a log through a mapping (a shipped name, a YAML path or a dict).

    Raises ``ConfigError`` (one line naming the file, line or row, and column) when the
    mapping or the file cannot be used, or too little in it can (no case imported, or more rows
    rejected than the mapping's ``max_rejected_share``), unless ``allow_empty``: then the
    accounting is returned however little was imported. Rows that cannot be imported are rejected
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
    check_offsets({col[f]: df[col[f]] for f in ("created", "closed", "due")
                   if f in col and (f != "due" or m.due_as == "time")}, m.timezone)
    created, bad = parse_times(created_raw, m)
    rj.add(created.isna().to_numpy() & ~bad, "empty_created", col["created"], created_raw)
    rj.add(bad, "unparseable_created", col["created"], created_raw)
    times: dict[str, pd.Series] = {}
    for fld, reason in (("closed", "unparseable_closed"), ("due", "unparseable_due")):
        if fld == "due" and fld in col and m.due_as != "time":
            t, bad = _due_from_limit(df[col[fld]], created, m.due_as)
            rj.add(bad, reason, col[fld], df[col[fld]])
        elif fld in col:
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

    _reject_far_dates(rj, created, closed, col)
    ext = _extraction_time(extracted_at, m, created, closed, rj.ok)
    _check_extraction(ext, extracted_at, m, created[rj.ok], col["created"])
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
    if not allow_empty:
        if not report.imported:
            raise ConfigError(str(path), _nothing_imported(report, m))
        # rows created after the extraction are cut, not misread (a log replayed as if taken earlier,
        # ``extracted_at=``, leaves out all its later rows): they are not counted against the share
        misread = report.rejected_total - report.rejected.get("created_after_extraction", 0)
        if misread > max(REJECTED_FEW, m.max_rejected_share * n):
            raise ConfigError(str(path), _too_many_rejected(report, m))
    return ImportedLog(cases=cases, extracted_at=ext, report=report, mapping=m, source=Path(path))


def _nothing_imported(report: ImportReport, m: LogMapping) -> str:
    if not report.rows_read:
        return "no data rows (a header alone): nothing to import"
    reasons, check = _largest_reasons(report, m)
    return f"no case imported: all {report.rows_read:,} rows rejected: {reasons}; check the mapping's {check}"


def _too_many_rejected(report: ImportReport, m: LogMapping) -> str:
    """The share rejected, the largest reasons with their column and a value, and what to check."""
    reasons, check = _largest_reasons(report, m)
    return (f"{percent(report.rejected_total, report.rows_read)} of its {report.rows_read:,} rows rejected, "
            f"more than max_rejected_share {m.max_rejected_share:g} of mapping {m.source}: {reasons}; check the "
            f"mapping's {check}, or raise max_rejected_share for a log this messy")


def _largest_reasons(report: ImportReport, m: LogMapping) -> tuple[str, str]:
    """The three largest reasons with their column and a value, and what in the mapping to check."""
    counts = sorted(report.rejected.items(), key=lambda rn: -rn[1])[:3]
    first = report.rejects.drop_duplicates("reason").set_index("reason")
    reasons = ", ".join(f"{r} {k:,} (column {first.at[r, 'column']!r}, e.g. {first.at[r, 'value']!r})"
                        if first.at[r, "value"] != "" else f"{r} {k:,} (column {first.at[r, 'column']!r})"
                        for r, k in counts)
    formats = " | ".join(m.time_formats) or "ISO 8601"
    order = ": day and month in the right order?" if "%d" in formats and "%m" in formats else ""
    check = (f"time.format ({formats!r}{order}) and the time columns"
             if any(r in _TIME_REASONS for r, _ in counts) else "columns, channels and status values")
    return reasons, check


def _reject_far_dates(rj: _Rejects, created: pd.Series, closed: pd.Series, col: AbcMapping[str, str]) -> None:
    """Reject rows whose created or closed time lies more than ``FAR_GAP`` from every time of the rest.

    The times of the rows fit so far are split where two neighbours in time order are more than
    ``FAR_GAP`` apart; the period holding most of them is the log, the others typos. Rejected,
    they neither shift the extraction time nor stretch the log's span; if they are more than
    ``FAR_FEW`` times and ``FAR_SHARE`` of them, the log as a whole is suspect and the import stops.
    """
    ok = rj.ok
    parts = [(name, t.where(ok)) for name, t in (("created", created), ("closed", closed)) if name in col]
    stacked = pd.concat([t for _, t in parts]).dropna().sort_values()
    if len(stacked) < 2:
        return
    values = stacked.to_numpy()
    period = np.concatenate([[0], np.cumsum(np.diff(values) > FAR_GAP)])
    if period[-1] == 0:
        return
    sizes = np.bincount(period)
    main = int(np.argmax(sizes))
    lo, hi = values[period == main][0], values[period == main][-1]
    far_share = 1.0 - sizes[main] / len(values)
    if len(values) - sizes[main] > max(FAR_FEW, FAR_SHARE * len(values)):
        out = values[period != main]
        raise ConfigError(col["created"], f"the log's times fall in periods more than a year apart: "
                          f"{far_share:.0%} of them ({pd.Timestamp(out[0])} .. {pd.Timestamp(out[-1])}) lie outside "
                          f"{pd.Timestamp(lo)} .. {pd.Timestamp(hi)} (check the time format and the date column)")
    for name, t in parts:
        far = _mask(t.notna() & ((t < lo) | (t > hi)))
        rj.add(far, "date_far_from_rest", col[name], t)


def _extraction_time(given: str | pd.Timestamp | None, m: LogMapping, created: pd.Series, closed: pd.Series,
                     ok: np.ndarray) -> pd.Timestamp:
    """The caller's extraction time, the mapping's, else the last time the log shows (rows fit so far)."""
    if given is not None:
        try:
            ext = pd.Timestamp(given)
        except (ValueError, TypeError):
            raise ConfigError("extracted_at", f"not a time: {given!r} (e.g. 2016-01-12 or 2016-01-12 22:00)") from None
        if pd.isna(ext):
            raise ConfigError("extracted_at", f"not a time: {given!r} (e.g. 2016-01-12 or 2016-01-12 22:00)")
        return ext.tz_localize(None) if ext.tzinfo is not None else ext
    if m.extracted_at is not None:
        return m.extracted_at
    last = max(created[ok].max(), closed[ok].max(), key=lambda t: t if pd.notna(t) else pd.Timestamp.min)
    # no time at all: nothing is imported, and the import stops (``_nothing_imported``)
    return pd.Timestamp(last) if pd.notna(last) else pd.Timestamp.max


def _check_extraction(ext: pd.Timestamp, given: str | pd.Timestamp | None, m: LogMapping, created: pd.Series,
                      created_column: str) -> None:
    """An extraction time later than now, or before the first case, is one error naming where it came from."""
    if not created.notna().any():
        return
    key = "extracted_at" if given is not None else (
        f"{m.source}: extracted_at" if m.extracted_at is not None else created_column)
    now = pd.Timestamp.now(tz=m.timezone).tz_localize(None) if m.timezone else pd.Timestamp.now()
    if ext > now + CLOCK_SLACK:
        what = "the extraction time" if key != created_column else "the log's last time (its extraction time)"
        raise ConfigError(key, f"{what} {ext} is later than now ({now:%Y-%m-%d %H:%M}): a log cannot show the future")
    first = created.min()
    if ext < first:
        raise ConfigError(key, f"the extraction time {ext} is earlier than the log's first case ({first}): "
                          "every case would be created after it")


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
