"""A log read with the wrong time format stops the import with one line, before anything is written.

Two ways other cities' exports were misread: a time format with a directive pandas does not
know (epoch seconds ``%s``, MySQL's ``%i``), which passed the mapping's check and then crashed
the import, and a day-first log read month-first, whose days after the 12th were rejected
and the rest silently misread, and which calibrated all the same.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _pytest.capture import CaptureResult  # not exported by every pytest

from sim.logs import load_log, load_mapping
from sim.logs.__main__ import main as logs_main
from sim.logs.mapping import MAX_REJECTED_SHARE
from tests.one_line import one_line_error

MONTH_FIRST = "%m/%d/%Y %H:%M"


def _write(tmp: Path, time_format: str, written: str = "%d/%m/%Y %H:%M", n: int = 3000,
           extra: dict[str, object] | None = None) -> list[str]:
    """A year's log of ``n`` cases with times written as ``written``, its mapping reading ``time_format``."""
    rng = np.random.default_rng(7)
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(n)) * 365 * 24, unit="h")
    closed = created + pd.to_timedelta(rng.exponential(30.0, n), unit="h")
    df = pd.DataFrame({"id": [f"C{i}" for i in range(n)], "opened": created.strftime(written),
                       "finished": closed.strftime(written), "kind": np.where(rng.random(n) < 0.5, "pothole", "noise"),
                       "office": "PWD"})
    (tmp / "log.csv").write_text(df.to_csv(index=False), encoding="utf-8")
    mapping = {"name": "city", "columns": {"case_id": "id", "created": "opened", "closed": "finished", "type": "kind",
                                           "department": "office"},
               "time": {"format": time_format}, **(extra or {})}
    (tmp / "map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return [f"log={tmp / 'log.csv'}", f"mapping={tmp / 'map.yaml'}"]


# ------------------------------------------------------------------ 1. a directive pandas does not know
@pytest.mark.parametrize(("fmt", "directive"), [("%s", "%s"), ("%Y-%m-%d %H:%i:%s", "%i"),
                                                (["%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%i"], "%i")])
def test_a_directive_pandas_does_not_know_is_a_mappingone_line_error(tmp_path: Path, fmt: str | list[str],
                                                             directive: str) -> None:
    _write(tmp_path, "%Y")
    raw = yaml.safe_load((tmp_path / "map.yaml").read_text(encoding="utf-8"))
    raw["time"]["format"] = fmt
    (tmp_path / "map.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    msg = one_line_error(lambda: load_mapping(tmp_path / "map.yaml"))
    key = "time.format[1]" if isinstance(fmt, list) else "time.format"
    assert msg.startswith(f"map.yaml: {key}: directive {directive} ") and "not supported" in msg


def _both_commands_fail(tmp_path: Path, args: list[str], imports: Path, capsys: pytest.CaptureFixture[str]
                        ) -> tuple[list[str], CaptureResult[str]]:
    """The log import (into ``imports``) and a calibration of the same log, each exit 2 with one line on stderr
    and no traceback: their two lines, and what they printed."""
    from sim.calibrate.cli import main as calibrate_main

    assert logs_main([*args, f"results_dir={imports}"]) == 2
    assert calibrate_main([*args, "name=city", f"presets={tmp_path / 'presets'}", f"results={tmp_path / 'results'}",
                           "trials=2"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in captured.out + captured.err
    return lines, captured


def test_a_bad_directive_stops_both_commands_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _write(tmp_path, "%s", written="%s")  # epoch seconds, as some exports write them
    lines, _ = _both_commands_fail(tmp_path, args, tmp_path / "results", capsys)
    for line, prog in zip(lines, ("gridsim logs", "gridsim calibrate"), strict=True):
        assert line.startswith(f"{prog}: error: map.yaml: time.format: directive %s ") and "epoch" in line
    assert not (tmp_path / "presets").exists()
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_the_formats_pandas_reads_still_pass() -> None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %I:%M %p", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y%m%d", "%d.%m.%Y %H:%M %%"):
        load_mapping({"columns": {"created": "t"}, "time": {"format": fmt}})
    bad = {"columns": {"created": "t"}, "time": {"format": "%Y %"}}
    assert "time.format" in one_line_error(lambda: load_mapping(bad))


# ------------------------------------------------------------------ 2. more rejected than a share
def test_a_day_first_log_read_month_first_stops_the_import(tmp_path: Path) -> None:
    _write(tmp_path, MONTH_FIRST)
    msg = one_line_error(lambda: load_log(tmp_path / "log.csv", tmp_path / "map.yaml"))
    assert msg.startswith(f"{tmp_path / 'log.csv'}: ") and "of its 3,000 rows rejected" in msg
    assert f"max_rejected_share {MAX_REJECTED_SHARE:g} of mapping map.yaml" in msg
    # the largest reason first, with its column and a value to compare with the format
    assert "unparseable_created" in msg and "column 'opened'" in msg and MONTH_FIRST in msg
    share = float(msg.split(": ", 1)[1].split("%")[0])
    assert 50 < share < 70  # the days after the 12th: 19 of a month's ~30
    # the same file read day-first imports every row
    assert load_log(tmp_path / "log.csv", {**yaml.safe_load((tmp_path / "map.yaml").read_text()),
                                           "time": {"format": "%d/%m/%Y %H:%M"}}).report.rejected_total == 0


def test_both_commands_stop_before_writing_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _write(tmp_path, MONTH_FIRST)
    lines, captured = _both_commands_fail(tmp_path, args, tmp_path / "imports", capsys)
    assert all("rows rejected" in line and "max_rejected_share" in line for line in lines)
    assert "use: calibrated=" not in captured.out
    assert not any((tmp_path / "imports").iterdir())
    assert not (tmp_path / "presets").exists() and not (tmp_path / "results").exists()


def test_max_rejected_share_lets_a_messy_log_through(tmp_path: Path) -> None:
    _write(tmp_path, MONTH_FIRST, extra={"max_rejected_share": 0.9})
    log = load_log(tmp_path / "log.csv", tmp_path / "map.yaml")
    assert 0.5 < log.report.rejected_total / log.report.rows_read < 0.9
    for bad in (1.5, -0.1, "a fifth", True):
        raw = {"columns": {"created": "t"}, "max_rejected_share": bad}
        assert one_line_error(partial(load_mapping, raw)).startswith("<mapping>: max_rejected_share: ")


def test_a_few_rejected_rows_never_stop_an_import(tmp_path: Path) -> None:
    # 10 of 20 rows rejected: a share of a handful says little of a format
    _write(tmp_path, MONTH_FIRST, written=MONTH_FIRST, n=10)
    lines = (tmp_path / "log.csv").read_text(encoding="utf-8").splitlines()
    bad = [line.replace("/2024 ", "/2024T") for line in lines[1:]]
    (tmp_path / "log.csv").write_text("\n".join([*lines, *[f"X{b}" for b in bad]]) + "\n", encoding="utf-8")
    r = load_log(tmp_path / "log.csv", tmp_path / "map.yaml").report
    assert r.rejected == {"unparseable_created": 10} and r.imported == 10


def test_other_reasons_point_at_the_columns_not_the_format(tmp_path: Path) -> None:
    _write(tmp_path, "%d/%m/%Y %H:%M", n=200, extra={"channels": {"phone": "hotline"}})
    df = pd.read_csv(tmp_path / "log.csv", dtype=str)
    df["how"] = np.where(np.arange(len(df)) % 2 == 0, "phone", "fax")
    df.to_csv(tmp_path / "log.csv", index=False)
    raw = yaml.safe_load((tmp_path / "map.yaml").read_text())
    raw["columns"]["channel"] = "how"
    msg = one_line_error(lambda: load_log(tmp_path / "log.csv", raw))
    assert "50.0% of its 200 rows" in msg and "unknown_channel 100 (column 'how', e.g. 'fax')" in msg
    assert "channels" in msg and "time.format" not in msg


def test_a_quote_never_closed_names_the_file_line_it_opens_on(tmp_path: Path) -> None:
    _write(tmp_path, MONTH_FIRST, written=MONTH_FIRST, n=40)
    lines = (tmp_path / "log.csv").read_text(encoding="utf-8").splitlines()
    lines[20] = lines[20].replace(",noise,", ',"noise,').replace(",pothole,", ',"pothole,')  # file line 21
    (tmp_path / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = one_line_error(lambda: load_log(tmp_path / "log.csv", tmp_path / "map.yaml"))
    assert "line 21: a quote opened here is never closed" in msg


def test_rows_cut_by_an_earlier_extraction_are_not_counted_as_misread(tmp_path: Path) -> None:
    _write(tmp_path, MONTH_FIRST, written=MONTH_FIRST, n=400)
    # replayed as if taken at mid-year: about half the rows come later and are cut, not misread
    log = load_log(tmp_path / "log.csv", tmp_path / "map.yaml", extracted_at=pd.Timestamp("2024-07-01"))
    assert log.report.rejected.get("created_after_extraction", 0) > 100 and log.report.imported > 100
