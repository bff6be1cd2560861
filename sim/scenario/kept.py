"""Which per-matter records a run writes (``run.records``): a province-year's take ~14 GB."""

from __future__ import annotations

from enum import StrEnum


class RecordsKept(StrEnum):
    """``run.records``: every record, the matters alone, or none (the KPIs and tables only)."""

    all = "all"  # matters and visits (a county-year: ~31 MB and ~37 MB)
    matters = "matters"  # the matters, no visits
    summary = "summary"  # no per-matter records: KPIs, league tables, backlog


def records_kept(records: RecordsKept, write_records: bool) -> RecordsKept:
    """The records a run writes: ``run.records``, or none (summary) when ``run.write_records=false``."""
    return records if write_records else RecordsKept.summary
