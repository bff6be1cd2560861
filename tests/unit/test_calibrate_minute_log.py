"""A log written to the minute (a 12345 export: "2024/10/01 08:05"), one department of about 6,000
cases over four months: its closures at exactly 3 minutes are settled at once, and a quick path is
never fitted slower than its queue (it had been: a quick twin of mean 423 h and cv 131, which the
scenario refused, exit 2 on an ordinary log)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim.calibrate.profile as profile
from sim.calibrate.holidays import log_holidays
from sim.calibrate.profile import fit_arrivals, timebase
from sim.logs import load_log

LOG = Path(__file__).parents[1] / "data" / "minute_log.csv.gz"
MAPPING = """columns: {case_id: id, created: created, closed: closed, type: type}
time: {format: "%Y/%m/%d %H:%M"}
extracted_at: "2025-03-06 09:00"
holidays: {country: CN}
"""


def _fit(tmp_path: Path) -> profile.ArrivalFit:
    mapping = tmp_path / "minute.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    log = load_log(str(LOG), str(mapping))
    ext = pd.Timestamp(log.extracted_at)
    hol = log_holidays(log.mapping.holiday_country, log.mapping.holiday_subdivision, log.cases["created"].min(), ext)
    return fit_arrivals(log.cases, timebase(log.cases, ext, None, hol))


def test_closures_at_exactly_three_minutes_are_settled_at_once(tmp_path: Path) -> None:
    fit = _fit(tmp_path)
    (cat,) = fit.categories.values()
    assert cat.fast_share > 0.05  # 8% of the cases closed within 3 minutes, the 3rd minute included
    assert all(p.chosen == "one path" for p in fit.paths.values())


def test_a_quick_path_slower_than_its_queue_is_one_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the 3-minute closures left to the department (as before): the mixture's quick component took
    # them with the queue's round-the-clock tail, whose closures outside office hours average 423 h
    monkeypatch.setattr(profile, "FAST_HOURS", 0.049)
    for p in _fit(tmp_path).paths.values():
        assert p.chosen == "one path" and "not quick" in p.why, p.why
        assert p.quick_share == 0.0 and p.quick_cv == 0.0
