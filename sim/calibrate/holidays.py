"""A log's public holidays and make-up working days, from a holiday calendar.

The mapping names the log's country (and region): ``holidays: {country: US, subdivision: MA}``.
For China (``CN``) the official calendar comes from ``chinese-calendar``, which also knows
the make-up working days (调休: a Saturday or Sunday worked in exchange for a longer
holiday); any other country's from the ``holidays`` package (no make-up days). A year the
package does not know is one line naming the mapping key, not a silent ordinary year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from sim.util.errors import ConfigError


@dataclass(frozen=True)
class LogHolidays:
    """The days between a log's first case and its extraction that are not ordinary days."""

    source: str  # e.g. "holidays: US-MA" or "chinese-calendar"
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = field(default=())  # make-up working days (weekend days worked)


NONE = LogHolidays(source="none (the mapping names no country)")


def log_holidays(country: str | None, subdivision: str | None, first: pd.Timestamp,
                 last: pd.Timestamp) -> LogHolidays:
    """The official holidays and make-up working days from ``first`` to ``last`` (dates, inclusive)."""
    if not country:
        return NONE
    a, b = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    years = range(a.year, b.year + 1)
    if country.upper() in ("CN", "CHN", "CHINA"):
        import chinese_calendar  # the official 调休 calendar (make-up working days included)

        known = {d.year for d in chinese_calendar.holidays}
        missing = [y for y in years if y not in known]
        if missing:
            raise ConfigError("mapping holidays.country", f"chinese-calendar has no official calendar for "
                              f"{missing[0]} (it knows {min(known)}..{max(known)}): update the package")
        hol = sorted(d for d in chinese_calendar.holidays if a <= d <= b)
        work = sorted(d for d in chinese_calendar.workdays if a <= d <= b and d.weekday() >= 5)
        return LogHolidays("chinese-calendar", tuple(hol), tuple(work))
    import holidays  # only a log whose mapping names a country needs the calendars

    try:
        cal = holidays.country_holidays(country.upper(), subdiv=subdivision, years=years)
    except NotImplementedError:
        raise ConfigError("mapping holidays.country", f"the holidays package knows no country {country!r}"
                          f"{f' with subdivision {subdivision!r}' if subdivision else ''}") from None
    hol = sorted(d for d in cal if a <= d <= b)
    return LogHolidays(f"holidays: {country.upper()}{f'-{subdivision}' if subdivision else ''}", tuple(hol))
