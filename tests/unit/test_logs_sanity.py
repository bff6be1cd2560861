"""A log nothing can be learnt from stops the import; a few impossible dates are rejected, not followed.

Each case is checked on two logs that share nothing but the meaning of their columns
(the 12345 sample with Chinese headers and several time formats, and a log of two
columns named otherwise), so that no check leans on what one file happens to hold.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sim.logs import load_log, load_mapping
from sim.logs.__main__ import main as logs_main
from tests.one_line import one_line_error

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "12345_sample.csv"
#: a second log: other column names, one time format, no status, no closed time
SMALL_MAPPING = {"columns": {"case_id": "ref", "created": "opened_at"}, "time": {"format": "%d/%m/%Y %H:%M"}}


def _small(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "small.csv"
    p.write_text("ref,opened_at\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return p


def _small_rows(n: int = 40) -> list[str]:
    return [f"r{i},{1 + i % 28:02d}/{1 + i // 28:02d}/2019 {8 + i % 9:02d}:15" for i in range(n)]


def _sample_with(tmp_path: Path, created_times: list[str]) -> Path:
    """The 12345 sample with extra good rows created (and not closed) at the given times."""
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    template = lines[1].split(",")
    extra = []
    for i, t in enumerate(created_times):
        row = list(template)
        row[0], row[1], row[2], row[3], row[4] = f"GDX{i:05d}", t, "", "", ""
        row[8], row[11] = "", "办理中"
        extra.append(",".join(row))
    p = tmp_path / "sample_plus.csv"
    p.write_text("\n".join([lines[0], *lines[1:], *extra]) + "\n", encoding="utf-8")
    return p


# ------------------------------------------------------------------ compression by content
@pytest.mark.parametrize("name,pack", [
    ("plain_named.csv.gz", lambda b: b),
    ("gzip_named.csv", gzip.compress),
    ("bzip2_named.csv", bz2.compress),
    ("xz_named.txt", lzma.compress),
], ids=["text-named-gz", "gzip-named-csv", "bzip2", "xz"])
def test_compression_is_read_from_the_content_not_the_name(tmp_path: Path, name: str,
                                                           pack: Callable[[bytes], bytes]) -> None:
    base = load_log(SAMPLE, "12345")
    p = tmp_path / name
    p.write_bytes(pack(SAMPLE.read_bytes()))
    log = load_log(p, "12345")
    pd.testing.assert_frame_equal(log.cases, base.cases)
    assert log.report.rejected == base.report.rejected


def test_a_damaged_bzip2_file_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_bytes(bz2.compress(SAMPLE.read_bytes())[:120])
    assert "bzip2" in one_line_error(lambda: load_log(p, "12345"))


def test_a_text_file_named_parquet_is_read_as_text(tmp_path: Path) -> None:
    p = tmp_path / "log.parquet"
    p.write_bytes(SAMPLE.read_bytes())
    assert load_log(p, "12345").report.imported == load_log(SAMPLE, "12345").report.imported


# ------------------------------------------------------------------ nothing imported
def test_a_header_alone_is_anone_line_error(tmp_path: Path) -> None:
    p = tmp_path / "header.csv"
    p.write_text(SAMPLE.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    msg = one_line_error(lambda: load_log(p, "12345"))
    assert str(p) in msg and "no data rows" in msg
    assert "no data rows" in one_line_error(lambda: load_log(_small(tmp_path, []), SMALL_MAPPING))


def test_every_date_bad_is_an_error_naming_the_reasons(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    bad = [",".join(c if j != 1 else "soon" for j, c in enumerate(line.split(","))) for line in lines[1:]]
    p = tmp_path / "bad_dates.csv"
    p.write_text("\n".join([lines[0], *bad]) + "\n", encoding="utf-8")
    msg = one_line_error(lambda: load_log(p, "12345"))
    assert "no case imported" in msg and f"all {len(bad)} rows" in msg and "unparseable_created" in msg
    # the column, a value and what in the mapping to check, as for a log mostly rejected
    assert "e.g. 'soon'" in msg and "time.format" in msg
    small = _small(tmp_path, [f"r{i},2019-01-0{i + 1}" for i in range(3)])  # the wrong format for this mapping
    assert "unparseable_created 3" in one_line_error(lambda: load_log(small, SMALL_MAPPING))


def test_allow_empty_returns_the_empty_import(tmp_path: Path) -> None:
    log = load_log(_small(tmp_path, []), SMALL_MAPPING, allow_empty=True)
    assert log.report.rows_read == 0 and log.cases.empty


def test_the_command_exits_2_with_one_line_and_writes_nothing(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "header.csv"
    p.write_text("ref,opened_at\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: {case_id: ref, created: opened_at}\n", encoding="utf-8")
    out = tmp_path / "results"
    assert logs_main([f"log={p}", f"mapping={mapping}", f"results_dir={out}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no data rows" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    assert logs_main([f"log={SAMPLE}", "mapping=12345", "extracted_at=notadate", f"results_dir={out}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "extracted_at" in err and "notadate" in err


# ------------------------------------------------------------------ the extraction time
def test_an_extraction_time_before_the_first_case_is_anone_line_error(tmp_path: Path) -> None:
    msg = one_line_error(lambda: load_log(SAMPLE, "12345", extracted_at="2023-06-01"))
    assert msg.startswith("extracted_at:") and "earlier than the log's first case" in msg
    small = _small(tmp_path, _small_rows())
    assert "earlier" in one_line_error(lambda: load_log(small, SMALL_MAPPING, extracted_at="2018-12-31"))
    # from the mapping: the message names the mapping's key
    msg = one_line_error(lambda: load_log(small, {**SMALL_MAPPING, "extracted_at": "2018-12-31 00:00:00"}))
    assert "extracted_at" in msg and "earlier" in msg


def test_an_extraction_time_later_than_now_is_anone_line_error(tmp_path: Path) -> None:
    later = (pd.Timestamp.now() + pd.Timedelta(days=30)).strftime("%Y-%m-%d")
    msg = one_line_error(lambda: load_log(SAMPLE, "12345", extracted_at=later))
    assert msg.startswith("extracted_at:") and "later than now" in msg
    small = _small(tmp_path, _small_rows())
    future = {**SMALL_MAPPING, "extracted_at": f"{later} 00:00"}
    assert "later than now" in one_line_error(lambda: load_log(small, future))


def test_a_log_wholly_in_the_future_is_anone_line_error(tmp_path: Path) -> None:
    future = pd.Timestamp.now() + pd.Timedelta(days=40)
    small = _small(tmp_path, [f"r{i},{(future + pd.Timedelta(hours=i)):%d/%m/%Y %H:%M}" for i in range(5)])
    msg = one_line_error(lambda: load_log(small, SMALL_MAPPING))
    assert msg.startswith("opened_at:") and "later than now" in msg


# ------------------------------------------------------------------ dates far from the rest
def test_three_rows_dated_2099_are_rejected_not_followed(tmp_path: Path) -> None:
    base = load_log(SAMPLE, "12345")
    p = _sample_with(tmp_path, ["2099-01-01 08:00:00", "2099-03-02 09:00:00", "2099-05-03 10:00:00"])
    # the sample's one bad row per reason and these three are 13 of 64 rows: more than a log's share
    log = load_log(p, replace(load_mapping("12345"), max_rejected_share=1.0))
    assert log.extracted_at == base.extracted_at  # not moved to 2099
    assert log.report.rejected["date_far_from_rest"] == 3
    assert log.report.imported == base.report.imported
    far = log.report.rejects.query("reason == 'date_far_from_rest'")
    assert set(far["column"]) == {"受理时间"} and far["value"].str.startswith("2099").all()
    # the same on the other log
    without = load_log(_small(tmp_path, _small_rows()), SMALL_MAPPING)
    small = _small(tmp_path, [*_small_rows(), "late1,01/01/2099 08:00", "late2,02/01/2099 08:00"])
    log = load_log(small, SMALL_MAPPING)
    assert log.report.rejected == {"date_far_from_rest": 2}
    assert log.extracted_at == without.extracted_at == pd.Timestamp("2019-02-12 11:15")


def test_an_epoch_date_is_rejected_too(tmp_path: Path) -> None:
    small = _small(tmp_path, [*_small_rows(), "epoch,01/01/1970 00:00"])
    log = load_log(small, SMALL_MAPPING)
    assert log.report.rejected == {"date_far_from_rest": 1}
    assert log.cases["created"].min() == pd.Timestamp("2019-01-01 08:15")


def test_a_closed_time_far_after_the_rest_is_rejected(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[3] = "2099-03-06 21:40:44"
    p = tmp_path / "closed_late.csv"
    p.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    log = load_log(p, "12345")
    far = log.report.rejects.query("reason == 'date_far_from_rest'")
    assert far["column"].tolist() == ["办结时间"] and far["row"].tolist() == [1]
    assert log.extracted_at == load_log(SAMPLE, "12345").extracted_at


def test_many_far_dates_stop_the_import(tmp_path: Path) -> None:
    rows = _small_rows()
    half = [f"x{i},{1 + i % 28:02d}/03/2025 10:00" for i in range(len(rows) // 2)]
    msg = one_line_error(lambda: load_log(_small(tmp_path, [*rows, *half]), SMALL_MAPPING))
    assert msg.startswith("opened_at:") and "more than a year apart" in msg


def test_a_log_over_several_years_without_a_gap_is_kept(tmp_path: Path) -> None:
    rows = [f"r{i},01/{1 + i % 12:02d}/{2016 + i // 12} 09:00" for i in range(48)]  # monthly for four years
    log = load_log(_small(tmp_path, rows), SMALL_MAPPING)
    assert log.report.imported == 48 and not log.report.rejected
