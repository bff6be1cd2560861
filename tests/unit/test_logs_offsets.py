"""Times written in different zones are not read as one local clock without ``time.timezone``:
offsets further apart than a clock change stop the import with one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.logs import load_log
from tests.one_line import one_line_error

MAPPING = "columns: {case_id: id, created: created, closed: closed}\n"


def _log(tmp_path: Path, rows: list[str], mapping: str = MAPPING) -> tuple[Path, Path]:
    log, m = tmp_path / "log.csv", tmp_path / "map.yaml"
    log.write_text("id,created,closed\n" + "\n".join(rows) + "\n", encoding="utf-8")
    m.write_text(mapping, encoding="utf-8")
    return log, m


def test_a_close_time_in_utc_beside_local_created_times_names_time_timezone(tmp_path: Path) -> None:
    log, m = _log(tmp_path, ["1,2024-02-19T08:00:00-06:00,2024-02-19T15:00:00Z",
                             "2,2024-02-19T09:00:00-06:00,2024-02-19T16:00:00Z"])
    msg = one_line_error(lambda: load_log(str(log), str(m)))
    assert "time.timezone" in msg and "not one local clock" in msg, msg
    assert "-06:00 (column 'created')" in msg and "+00:00 (column 'closed')" in msg


def test_with_the_zone_named_the_same_log_reads_each_close_time_right(tmp_path: Path) -> None:
    log, m = _log(tmp_path, ["1,2024-02-19T08:00:00-06:00,2024-02-19T15:00:00Z"],
                  MAPPING + "time: {timezone: America/Chicago}\n")
    cases = load_log(str(log), str(m)).cases
    assert (cases["closed"] - cases["created"]).iloc[0].total_seconds() == 3600.0


@pytest.mark.parametrize("offsets", [("-06:00", "-05:00"), ("+08:00", "+08:00"), ("Z", "+00:00")])
def test_one_local_clock_across_a_clock_change_is_read_as_written(tmp_path: Path, offsets: tuple[str, str]) -> None:
    a, b = offsets
    log, m = _log(tmp_path, [f"1,2024-03-09T08:00:00{a},2024-03-09T10:00:00{a}",
                             f"2,2024-03-11T08:00:00{b},2024-03-11T10:30:00{b}"])
    cases = load_log(str(log), str(m)).cases
    assert list((cases["closed"] - cases["created"]).dt.total_seconds()) == [7200.0, 9000.0]
