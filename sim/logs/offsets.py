"""UTC offsets written in a log's times, read together before the times are parsed.

Without ``time.timezone`` a time written with an offset is read as its wall time: right for a
log of one local clock, whose offset changes only at a daylight-saving change. Times written
in different zones (a close time in UTC, "…Z", beside a created time at "-06:00") are not one
clock: read as wall times, each close time would move by the difference. So offsets further
apart than a clock change stop the import with one line naming ``time.timezone``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sim.util.errors import ConfigError

#: a UTC offset as a log writes it after a time ("Z", "+08:00", "-0600")
OFFSET = r"(?:Z|[+-]\d\d:?\d\d)"
_CLOCK = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*"
#: a time of day ending in an offset (``sim.logs.load.parse_times`` reads these apart)
TIME_WITH_OFFSET = _CLOCK + OFFSET + "$"
_OFFSET_OF_TIME = _CLOCK + "(" + OFFSET + ")$"  # the offset alone, as a group
#: two offsets of one local clock differ by at most its daylight-saving change
CLOCK_CHANGE_MINUTES = 60


def _minutes(text: str) -> int:
    if text == "Z":
        return 0
    digits = text[1:].replace(":", "")
    value = int(digits[:2]) * 60 + int(digits[2:])
    return -value if text[0] == "-" else value


def _name(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def check_offsets(columns: Mapping[str, pd.Series], timezone: str | None) -> None:
    """Stop when the time columns (by column name) carry offsets no one local clock has, unless the
    mapping names ``time.timezone`` to convert them to."""
    if timezone:
        return
    first: dict[int, str] = {}
    for name, s in columns.items():
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue  # a typed column holds one zone
        found = s.astype("string[pyarrow]").str.strip().str.extract(_OFFSET_OF_TIME, expand=False).dropna().unique()
        for text in found:
            first.setdefault(_minutes(str(text)), name)
    if first and max(first) - min(first) > CLOCK_CHANGE_MINUTES:
        lo, hi = min(first), max(first)
        raise ConfigError("time.timezone", f"the log's times carry UTC offsets {_name(lo)} (column {first[lo]!r}) "
                                           f"and {_name(hi)} (column {first[hi]!r}), further apart than a clock "
                                           "change: not one local clock; name the zone to read them in (e.g. "
                                           "time.timezone: America/Chicago)")
