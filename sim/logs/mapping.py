"""The mapping of a work-order log: which column is what, how to read times, channels and types.

A mapping is a small YAML file (two ship in ``sim/logs/mappings/``: ``boston311`` and
``12345``); ``load_mapping`` takes a shipped name, a path or an already-parsed dict and
checks it strictly: an unknown key, a missing required key or a bad value raises a
``ConfigError`` whose one line names the mapping file and the key.

Layout (every key but ``columns.created`` may be left out)::

    name: boston311                 # label (defaults to the file's stem)
    columns:                        # model field -> the log's column header
      case_id: case_id
      created: created              # required
      closed: closed
      due: target_due
      type: type
      department: department
      queue: queue
      channel: source
      status: case_status
      place1: neighborhood          # upper place (-> township)
      place2: ward                  # lower place (-> village)
      satisfaction: null            # null or absent: the log has no such column
    time:
      format: "%Y-%m-%d %H:%M:%S"   # strptime format as pandas reads it, a list tried in order, or null
                                    # (ISO 8601); pandas knows no %s (epoch seconds) nor MySQL's %i
      timezone: null                # the territory's zone; times with an offset are converted to it
      source_timezone: null         # the zone naive times are written in, if not ``timezone``
      due_as: time                  # the due column: a time, or a limit in (calendar) days / hours
    encoding: utf-8                 # or auto (UTF-8, else GB18030), gb18030, ...
    delimiter: ","
    clean:                          # optional: regex rewrites of a text field's values, in order
      place2: [["^Ward\\s+", ""]]   # (Python regex; replacement groups as \\1)
    channels:                       # the log's value -> patrol | walk_in | app | hotline | reporter
      Constituent Call: hotline     # ("": a channel for empty cells; otherwise they are unknown_channel)
    categories:
      map: {}                       # type -> category
      unmapped: type                # an unmapped type's category: "type" (itself) or a category name
      pool_below: 0                 # unmapped types with fewer imported cases than this ...
      pool_into: other              # ... take this category instead
    status:                         # needed when columns.status is set
      open: [Open]
      closed: [Closed]
    satisfaction:                   # optional: text value -> score; else the column is read as numbers
      values: {}
    extracted_at: null              # the extraction (censoring) time; null = the log's last timestamp
    max_rejected_share: 0.2         # more rejected rows than this share (and than ten) stop the import
    holidays:                       # optional: the log's public holiday calendar (calibrate reads it)
      country: US                   # ISO code of the ``holidays`` package; CN: chinese-calendar (调休 too)
      subdivision: MA               # optional state / province
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import yaml

from sim.util.errors import ConfigError

#: the model's channels, as the contract names them (``sim.scenario.constants.CHANNELS``)
MODEL_CHANNELS: tuple[str, ...] = ("patrol", "walk_in", "app", "hotline", "reporter")
#: the fields a mapping may name a column for; only ``created`` is required
FIELDS: tuple[str, ...] = ("case_id", "created", "closed", "due", "type", "department", "queue", "channel",
                           "status", "place1", "place2", "satisfaction")
MAPPINGS_DIR = Path(__file__).with_name("mappings")

_TOP = ("name", "columns", "time", "encoding", "delimiter", "clean", "channels", "categories", "status",
        "satisfaction", "extracted_at", "holidays", "max_rejected_share")
#: the text fields ``clean`` may rewrite (times are parsed, not cleaned)
TEXT_FIELDS: tuple[str, ...] = ("case_id", "type", "department", "queue", "channel", "status", "place1", "place2",
                                "satisfaction")
_TIME = ("format", "timezone", "source_timezone", "due_as")
#: how the due column is written: a time, or a limit in calendar days / hours from created
DUE_AS: tuple[str, ...] = ("time", "days", "hours")
_CATEGORIES = ("map", "unmapped", "pool_below", "pool_into")
_STATUS = ("open", "closed")
_SATISFACTION = ("values",)
_HOLIDAYS = ("country", "subdivision")
#: an import rejecting more than this share of the rows stops (``max_rejected_share``): a fifth of a log
#: unreadable is a wrong column or time format (a day-first log read month-first loses every day
#: after the 12th), not the scattered typos of a real log (Boston 2015: 0.2%)
MAX_REJECTED_SHARE = 0.2


@dataclass(frozen=True)
class LogMapping:
    """A parsed, checked mapping."""

    name: str
    source: str  # the file it came from ("<dict>" when given as a mapping)
    columns: dict[str, str]  # model field -> column header, only the fields the log has
    time_formats: tuple[str, ...] = ()  # empty: ISO 8601
    timezone: str | None = None
    source_timezone: str | None = None
    due_as: str = "time"  # one of DUE_AS
    encoding: str = "utf-8"
    delimiter: str = ","
    channels: dict[str, str] = field(default_factory=dict)
    category_map: dict[str, str] = field(default_factory=dict)
    unmapped: str = "type"
    pool_below: int = 0
    pool_into: str = "other"
    status_open: tuple[str, ...] = ()
    status_closed: tuple[str, ...] = ()
    satisfaction_values: dict[str, float] = field(default_factory=dict)
    clean: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # field -> (regex, replacement)s
    extracted_at: pd.Timestamp | None = None
    holiday_country: str | None = None  # ISO code for the holiday calendar (CN: chinese-calendar)
    holiday_subdivision: str | None = None  # a state / province code of the ``holidays`` package
    max_rejected_share: float = MAX_REJECTED_SHARE  # of the rows read; more rejected stops the import

    def column(self, fld: str) -> str | None:
        """The log's header for a model field, None when the log has none."""
        return self.columns.get(fld)


class _Checker:
    """Raises one-line errors naming the mapping file and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, f"{key}: {problem}")

    def section(self, raw: Any, key: str, allowed: tuple[str, ...] | None) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, AbcMapping):
            raise self.fail(key, f"must be a mapping of keys to values, got {type(raw).__name__}")
        out = {}
        for k, v in raw.items():
            if not isinstance(k, str):
                raise self.fail(key, f"keys must be text, got {k!r}")
            if allowed is not None and k not in allowed:
                raise self.fail(f"{key}.{k}" if key else k,
                                f"unknown key (expected one of {', '.join(allowed)})")
            out[k] = v
        return out

    def text(self, v: Any, key: str, optional: bool = True) -> str | None:
        if v is None and optional:
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"must be a non-empty text, got {v!r}")
        return v

    def texts(self, v: Any, key: str) -> tuple[str, ...]:
        if v is None:
            return ()
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not all(isinstance(x, str | int) for x in items):
            raise self.fail(key, f"must be a text or a list of texts, got {v!r}")
        return tuple(str(x) for x in items)

    def zone(self, v: Any, key: str) -> str | None:
        name = self.text(v, key)
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise self.fail(key, f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None
        return name


def load_mapping(mapping: str | Path | AbcMapping[str, Any] | LogMapping) -> LogMapping:
    """A shipped mapping by name, a YAML file by path, or a dict: parsed and checked."""
    if isinstance(mapping, LogMapping):
        return mapping
    if isinstance(mapping, AbcMapping):
        return parse_mapping(mapping, "<mapping>", "mapping")
    text = str(mapping)
    p = Path(text)
    shipped = MAPPINGS_DIR / f"{text}.yaml"
    if not p.is_file() and "/" not in text and not text.endswith((".yaml", ".yml")) and shipped.is_file():
        p = shipped
    if not p.is_file():
        names = ", ".join(sorted(q.stem for q in MAPPINGS_DIR.glob("*.yaml")))
        raise ConfigError("mapping", f"no mapping file {text!r} (a path, or one of the shipped: {names})")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(p.name, f"cannot be read ({type(e).__name__})") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ConfigError(p.name, f"{where}not valid YAML ({getattr(e, 'problem', None) or 'syntax error'})") from None
    if not isinstance(raw, AbcMapping):
        raise ConfigError(p.name, "must be a YAML mapping (keys columns, time, channels, ...)")
    return parse_mapping(raw, p.name, p.stem)


def parse_mapping(raw: AbcMapping[str, Any], source: str, default_name: str) -> LogMapping:
    """Check a mapping's keys and values; see the module docstring for the layout."""
    c = _Checker(source)
    top = c.section(raw, "", _TOP)
    name = c.text(top.get("name"), "name") or default_name
    cols_raw = c.section(top.get("columns"), "columns", FIELDS)
    columns: dict[str, str] = {}
    for f, v in cols_raw.items():
        col = c.text(v, f"columns.{f}")
        if col is not None:
            columns[f] = col.strip()
    if "created" not in columns:
        raise c.fail("columns.created", "required: the column with each case's creation time")
    dup = {v for v in columns.values() if list(columns.values()).count(v) > 1}
    if dup:
        raise c.fail("columns", f"column {sorted(dup)[0]!r} is named for more than one field")
    tm = c.section(top.get("time"), "time", _TIME)
    formats = c.texts(tm.get("format"), "time.format")
    for i, fmt in enumerate(formats):
        if "%" not in fmt:
            raise c.fail("time.format", f"{fmt!r} is not a strptime format (e.g. %Y-%m-%d %H:%M:%S)")
        problem = format_problem(fmt)
        if problem is not None:
            raise c.fail("time.format" + (f"[{i}]" if len(formats) > 1 else ""), problem)
    timezone = c.zone(tm.get("timezone"), "time.timezone")
    source_tz = c.zone(tm.get("source_timezone"), "time.source_timezone")
    due_as = tm.get("due_as", "time")
    if due_as not in DUE_AS:
        raise c.fail("time.due_as", f"must be one of {', '.join(DUE_AS)}, got {due_as!r}")
    if source_tz is not None and timezone is None:
        raise c.fail("time.source_timezone", "needs time.timezone (the zone to convert the times to)")
    encoding = c.text(top.get("encoding"), "encoding") or "utf-8"
    if encoding != "auto":
        try:
            "".encode(encoding)
        except LookupError:
            raise c.fail("encoding", f"unknown encoding {encoding!r} (utf-8, gb18030, auto, ...)") from None
    delimiter = top.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise c.fail("delimiter", f"must be one character, got {delimiter!r}")
    channels = _channels(c, top.get("channels"), "channel" in columns)
    cats = c.section(top.get("categories"), "categories", _CATEGORIES)
    cmap_raw = c.section(cats.get("map"), "categories.map", None)
    cmap: dict[str, str] = {}
    for k, v in cmap_raw.items():
        cat = c.text(v if not isinstance(v, int) else str(v), f"categories.map.{k}", optional=False)
        assert cat is not None
        cmap[k] = cat
    unmapped = c.text(cats.get("unmapped"), "categories.unmapped") or "type"
    pool_below = cats.get("pool_below", 0)
    if isinstance(pool_below, bool) or not isinstance(pool_below, int) or pool_below < 0:
        raise c.fail("categories.pool_below", f"must be a whole number >= 0, got {pool_below!r}")
    pool_into = c.text(cats.get("pool_into"), "categories.pool_into") or "other"
    st = c.section(top.get("status"), "status", _STATUS)
    s_open, s_closed = c.texts(st.get("open"), "status.open"), c.texts(st.get("closed"), "status.closed")
    if "status" in columns and not (s_open or s_closed):
        raise c.fail("status", "columns.status is set: list the values meaning open and/or closed "
                               "(status.open, status.closed)")
    if set(s_open) & set(s_closed):
        raise c.fail("status", f"value {sorted(set(s_open) & set(s_closed))[0]!r} is both open and closed")
    sat = c.section(top.get("satisfaction"), "satisfaction", _SATISFACTION)
    sat_values: dict[str, float] = {}
    for k, v in c.section(sat.get("values"), "satisfaction.values", None).items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise c.fail(f"satisfaction.values.{k}", f"must be a number, got {v!r}")
        sat_values[k] = float(v)
    extracted = _timestamp(c, top.get("extracted_at"), "extracted_at")
    hol = c.section(top.get("holidays"), "holidays", _HOLIDAYS)
    country, subdivision = c.text(hol.get("country"), "holidays.country"), c.text(hol.get("subdivision"),
                                                                                  "holidays.subdivision")
    if subdivision and not country:
        raise c.fail("holidays.subdivision", "needs holidays.country")
    clean = _clean(c, top.get("clean"))
    max_rejected = top.get("max_rejected_share", MAX_REJECTED_SHARE)
    if isinstance(max_rejected, bool) or not isinstance(max_rejected, int | float) or not 0 <= max_rejected <= 1:
        raise c.fail("max_rejected_share", f"must be a share between 0 and 1 (1: any share), got {max_rejected!r}")
    return LogMapping(name=name, source=source, columns=columns, time_formats=formats, timezone=timezone,
                      source_timezone=source_tz, due_as=due_as, encoding=encoding, delimiter=delimiter,
                      channels=channels,
                      category_map=cmap, unmapped=unmapped, pool_below=pool_below, pool_into=pool_into,
                      status_open=s_open, status_closed=s_closed, satisfaction_values=sat_values, clean=clean,
                      extracted_at=extracted, holiday_country=country, holiday_subdivision=subdivision,
                      max_rejected_share=float(max_rejected))


_BAD_DIRECTIVE = re.compile(r"'(.)' is a bad directive")


def format_problem(fmt: str) -> str | None:
    """Why the import cannot parse times with ``fmt``, None when it can.

    Checked with pandas, which the import parses with: ``strftime`` passes whatever the C
    library knows (glibc writes epoch seconds for %s and leaves %i as it is), pandas does not.
    """
    try:
        pd.to_datetime(pd.Series(["0"], dtype=object), format=fmt, errors="coerce")
    except ValueError as e:
        found = _BAD_DIRECTIVE.search(str(e))
        if found is None:
            return f"bad format {fmt!r} ({str(e).strip().splitlines()[0] if str(e).strip() else 'ValueError'})"
        # the two a log's export most likely meant: epoch seconds, or MySQL's minutes and seconds
        hint = {"s": "; seconds are %S, and epoch seconds are not read (export the times as text)",
                "i": "; minutes are %M"}.get(found.group(1), "")
        return f"directive %{found.group(1)} of {fmt!r} is not supported (times are parsed by pandas){hint}"
    return None


def _clean(c: _Checker, raw: Any) -> dict[str, tuple[tuple[str, str], ...]]:
    """``clean: {field: [[regex, replacement], ...]}``: rewrites applied in order to a text field's values."""
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for fld, rules in c.section(raw, "clean", TEXT_FIELDS).items():
        key = f"clean.{fld}"
        if not isinstance(rules, list) or not all(isinstance(r, list) and len(r) == 2
                                                  and all(isinstance(x, str) for x in r) for r in rules):
            raise c.fail(key, "must be a list of [regex, replacement] pairs")
        for pattern, _ in rules:
            try:
                re.compile(pattern)
            except re.error as e:
                raise c.fail(key, f"bad regex {pattern!r} ({e})") from None
        out[fld] = tuple((str(a), str(b)) for a, b in rules)
    return out


def _channels(c: _Checker, raw: Any, has_column: bool) -> dict[str, str]:
    section = c.section(raw, "channels", None)
    out: dict[str, str] = {}
    for k, v in section.items():
        if v not in MODEL_CHANNELS:
            raise c.fail(f"channels.{k}", f"must be one of {', '.join(MODEL_CHANNELS)}, got {v!r}")
        out[k.strip()] = str(v)
    if has_column and not out:
        raise c.fail("channels", "columns.channel is set: map its values to the model's channels "
                                 f"({', '.join(MODEL_CHANNELS)})")
    return out


def _timestamp(c: _Checker, v: Any, key: str) -> pd.Timestamp | None:
    if v is None:
        return None
    if isinstance(v, dt.date | dt.datetime):
        ts = pd.Timestamp(v)
    elif isinstance(v, str):
        try:
            ts = pd.Timestamp(v)
        except ValueError:
            raise c.fail(key, f"not a time (YYYY-MM-DD HH:MM:SS), got {v!r}") from None
    else:
        raise c.fail(key, f"not a time (YYYY-MM-DD HH:MM:SS), got {v!r}")
    if ts is pd.NaT:
        raise c.fail(key, f"not a time, got {v!r}")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts
