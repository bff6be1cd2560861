"""Work-order log import (sim.logs): every row imported or rejected with its reason."""

from __future__ import annotations

import gzip
import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.logs import CASE_COLUMNS, REASONS, format_report, load_log, load_mapping
from sim.logs.__main__ import main as logs_main
from sim.logs.load import ImportReport, percent
from sim.logs.mapping import MAPPINGS_DIR
from sim.util.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "12345_sample.csv"
BOSTON = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "boston311_2015.csv.gz"


def _generator():  # the sample's generator, to read which row is which reason
    spec = importlib.util.spec_from_file_location("make_12345_sample", DATA / "make_12345_sample.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_12345_sample"] = mod
    spec.loader.exec_module(mod)
    return mod


GEN = _generator()


def mapping_12345(**changes: object) -> dict:
    raw = yaml.safe_load((MAPPINGS_DIR / "12345.yaml").read_text(encoding="utf-8"))
    for k, v in changes.items():
        raw[k] = v
    return raw


def with_status() -> dict:
    raw = mapping_12345()
    raw["columns"]["status"] = "办理状态"
    raw["status"] = {"open": ["办理中"], "closed": ["已办结"]}
    raw["max_rejected_share"] = 1  # the sample is one bad row per reason (13 of 61), not a log's share
    return raw


def test_sample_file_is_what_its_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    GEN.OUT = out
    GEN.main()
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_chinese_headers_every_reason_once() -> None:
    log = load_log(SAMPLE, "12345")
    r = log.report
    no_status = [k for k in GEN.REJECT_ROWS if k not in ("unknown_status", "open_with_closed_time",
                                                          "closed_without_time")]
    assert r.rejected == dict.fromkeys(no_status, 1)
    assert r.rows_read == GEN.N_GOOD + len(GEN.REJECT_ROWS) == r.imported + r.rejected_total
    # the rejects name the row (1 = first data row), the reason and the column
    rows = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for _, rej in r.rejects.iterrows():
        source = rows.iloc[rej["row"] - 1]
        # the row the generator made for this reason
        assert all(source[k] == v for k, v in GEN.REJECT_ROWS[rej["reason"]].items()), rej["reason"]
        assert rej["column"] in rows.columns
    assert list(log.cases.columns) == list(CASE_COLUMNS)
    assert set(log.cases["channel"]) == {"hotline", "patrol", "app", "walk_in", "reporter"}
    assert set(log.cases["category"]) == {"dispute", "sanitation", "repair", "consultation", "噪音扰民"}
    # the 12345 mapping's callback verdicts: 满意 -> 1, 不满意 -> 0, none while open
    c = log.cases
    assert c.loc[c["is_open"], "satisfaction"].isna().all()
    assert set(c.loc[~c["is_open"], "satisfaction"].dropna()) == {0.0, 1.0}
    assert (c["place1"] == "").sum() == 1 and "城关街道" in set(c["place1"])


def test_status_reasons_with_a_status_column() -> None:
    r = load_log(SAMPLE, with_status()).report
    assert r.rejected == dict.fromkeys(GEN.REJECT_ROWS, 1)
    assert sorted(r.rejected) == sorted(set(REASONS) - {"created_after_extraction", "date_far_from_rest"})


def test_every_reason_has_a_test_row() -> None:
    # those: the censoring test, and the far-dates tests of test_logs_sanity.py
    assert set(REASONS) - set(GEN.REJECT_ROWS) == {"created_after_extraction", "date_far_from_rest"}


def test_rejects_are_the_first_failing_check_and_keep_the_first_duplicate() -> None:
    log = load_log(SAMPLE, "12345")
    assert "GD202400002" in set(log.cases["case_id"])
    dup = log.report.rejects.query("reason == 'duplicate_case_id'")
    assert dup["value"].tolist() == ["GD202400002"] and dup["row"].iloc[0] > 2


def test_censoring_at_a_given_extraction_time() -> None:
    full = load_log(SAMPLE, "12345")
    # by default the extraction time is the log's last timestamp
    assert full.extracted_at == pd.Timestamp("2024-03-30 17:00:00")
    assert full.report.censored == 0
    log = load_log(SAMPLE, "12345", extracted_at=GEN.EXTRACTED_AT)
    r = log.report
    assert r.rejected["created_after_extraction"] == 1
    assert r.imported == full.report.imported - 1
    assert r.censored == 1  # closed after the extraction: open, closed unknown
    c = log.cases.set_index("case_id")
    last_but_one = f"GD2024{GEN.N_GOOD - 1:05d}"
    assert c.loc[last_but_one, "is_open"] and c["closed"].isna().loc[last_but_one]
    assert r.open == full.report.open + 1
    assert (log.cases["created"] <= log.extracted_at).all()
    assert (log.cases["closed"].dropna() <= log.extracted_at).all()
    assert (log.cases["is_open"] == log.cases["closed"].isna()).all()


def test_extraction_time_from_the_mapping() -> None:
    log = load_log(SAMPLE, mapping_12345(extracted_at=GEN.EXTRACTED_AT))
    assert log.extracted_at == pd.Timestamp(GEN.EXTRACTED_AT) and log.report.censored == 1


def test_only_case_id_and_created() -> None:
    log = load_log(SAMPLE, {"columns": {"case_id": "工单编号", "created": "受理时间"},
                            "time": {"format": ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]}})
    c = log.cases
    assert log.report.rejected == {"empty_case_id": 1, "empty_created": 1, "unparseable_created": 1,
                                   "duplicate_case_id": 1}
    assert c["closed"].isna().all() and c["due"].isna().all() and c["is_open"].all()
    for col in ("type", "category", "department", "queue", "channel", "place1", "place2"):
        assert (c[col] == "").all(), col
    assert c["satisfaction"].isna().all()
    assert c["created"].dtype == np.dtype("datetime64[ns]") and c["closed"].dtype == np.dtype("datetime64[ns]")


def test_created_alone_numbers_the_cases_by_row(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("when\n2024-01-01T08:00:00\n\n2024-01-02T09:30:00+08:00\n", encoding="utf-8")
    log = load_log(p, {"columns": {"created": "when"}, "time": {"timezone": "Asia/Shanghai"}})
    assert log.cases["case_id"].tolist() == ["1", "2"]
    assert log.cases["created"].tolist() == [pd.Timestamp("2024-01-01 08:00"), pd.Timestamp("2024-01-02 09:30")]


def test_times_with_offsets_are_converted_to_the_local_zone(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("id,created\na,2015-06-01T12:00:00Z\nb,2015-06-01 08:00:00-04:00\n", encoding="utf-8")
    log = load_log(p, {"columns": {"case_id": "id", "created": "created"},
                       "time": {"timezone": "America/New_York"}})
    assert log.cases["created"].tolist() == [pd.Timestamp("2015-06-01 08:00")] * 2
    # naive times written in UTC, converted to the territory's zone
    q = tmp_path / "utc.csv"
    q.write_text("id,created\na,2015-01-01 17:00:00\n", encoding="utf-8")
    log = load_log(q, {"columns": {"case_id": "id", "created": "created"},
                       "time": {"timezone": "America/New_York", "source_timezone": "UTC"}})
    assert log.cases["created"].iloc[0] == pd.Timestamp("2015-01-01 12:00")


@pytest.mark.parametrize("kind", ["gz", "parquet", "gb18030"])
def test_gz_parquet_and_gbk_give_the_same_cases(tmp_path: Path, kind: str) -> None:
    base = load_log(SAMPLE, "12345")
    if kind == "gz":
        p = tmp_path / "sample.csv.gz"
        p.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    elif kind == "gb18030":
        p = tmp_path / "sample.csv"
        p.write_bytes(SAMPLE.read_text(encoding="utf-8-sig").encode("gb18030"))
    else:
        p = tmp_path / "sample.parquet"
        frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame = frame.replace("", None)  # Parquet has real nulls
        frame.to_parquet(p)
    log = load_log(p, "12345")
    pd.testing.assert_frame_equal(log.cases, base.cases)
    assert log.report.rejected == base.report.rejected


def test_parquet_datetime_columns(tmp_path: Path) -> None:
    p = tmp_path / "log.parquet"
    pd.DataFrame({"id": ["a", "b"], "t": pd.to_datetime(pd.Series(["2024-01-01 08:00", None])),
                  "c": pd.to_datetime(pd.Series(["2024-01-02 08:00", None]))}).to_parquet(p)
    log = load_log(p, {"columns": {"case_id": "id", "created": "t", "closed": "c"}})
    assert log.report.rejected == {"empty_created": 1}
    assert log.cases["closed"].iloc[0] == pd.Timestamp("2024-01-02 08:00")


def test_pooling_rare_types(tmp_path: Path) -> None:
    raw = mapping_12345()
    raw["categories"] = {"map": {"矛盾纠纷": "dispute"}, "pool_below": 11, "pool_into": "其他"}
    c = load_log(SAMPLE, raw).cases
    sizes = c.groupby("type").size()
    pooled = set(c.loc[c["category"] == "其他", "type"])
    assert pooled == {t for t, k in sizes.items() if k < 11 and t != "矛盾纠纷"} and pooled
    assert set(c.loc[c["type"] == "矛盾纠纷", "category"]) == {"dispute"}
    raw["categories"] = {"unmapped": "other"}
    assert set(load_log(SAMPLE, raw).cases["category"]) == {"other"}


# ------------------------------------------------------------------ errors: one line, naming where
def _error(call) -> str:
    with pytest.raises(ConfigError) as e:
        call()
    msg = str(e.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(("change", "words"), [
    ({"colums": {}}, ["colums", "unknown key"]),
    ({"columns": {"case_id": "工单编号"}}, ["columns.created", "required"]),
    ({"columns": {"created": "受理时间", "closing": "办结时间"}}, ["columns.closing", "unknown key"]),
    ({"channels": {"电话": "phone"}}, ["channels.电话", "phone"]),
    ({"time": {"timezone": "Mars/Olympus"}}, ["time.timezone", "Mars/Olympus"]),
    ({"time": {"format": "YYYY-MM-DD"}}, ["time.format"]),
    ({"time": {"zone": "UTC"}}, ["time.zone", "unknown key"]),
    ({"categories": {"pool_below": -1}}, ["categories.pool_below"]),
    ({"encoding": "klingon"}, ["encoding", "klingon"]),
    ({"extracted_at": "soon"}, ["extracted_at"]),
])
def test_bad_mapping_names_the_file_and_key(tmp_path: Path, change: dict, words: list[str]) -> None:
    raw = mapping_12345(**change)
    p = tmp_path / "my_mapping.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    msg = _error(lambda: load_mapping(p))
    assert msg.startswith("my_mapping.yaml: ")
    for w in words:
        assert w in msg


def test_status_column_needs_its_values() -> None:
    raw = mapping_12345()
    raw["columns"]["status"] = "办理状态"
    assert "status" in _error(lambda: load_mapping(raw))


def test_unknown_mapping_name() -> None:
    msg = _error(lambda: load_mapping("no_such_mapping"))
    assert "boston311" in msg and "12345" in msg


def test_missing_column_names_the_file_and_column(tmp_path: Path) -> None:
    raw = mapping_12345()
    raw["columns"]["queue"] = "队列"
    msg = _error(lambda: load_log(SAMPLE, raw))
    assert str(SAMPLE) in msg and "'队列'" in msg and "columns.queue" in msg and "header" in msg


def test_unreadable_files(tmp_path: Path) -> None:
    assert "not found" in _error(lambda: load_log(tmp_path / "none.csv", "12345"))
    bad_gz = tmp_path / "bad.csv.gz"
    bad_gz.write_bytes(gzip.compress(SAMPLE.read_bytes())[:200])
    assert "gzip" in _error(lambda: load_log(bad_gz, "12345"))
    gbk = tmp_path / "gbk.csv"
    text = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    gbk.write_bytes("\n".join(text[:5]).encode("utf-8") + b"\n" + "\n".join(text[5:]).encode("gb18030"))
    raw = mapping_12345(encoding="utf-8")
    assert "line 6: not valid utf-8" in _error(lambda: load_log(gbk, raw))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("\n".join(text[:4] + [text[4] + ",x,y"] + text[5:]), encoding="utf-8")
    assert "line 5" in _error(lambda: load_log(ragged, "12345"))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "empty" in _error(lambda: load_log(empty, "12345"))
    bad_pq = tmp_path / "x.parquet"
    bad_pq.write_bytes(b"PAR1 not really")
    assert "Parquet" in _error(lambda: load_log(bad_pq, "12345"))


def test_command_prints_the_report_and_writes_the_results(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert logs_main([f"log={SAMPLE}", "mapping=12345", f"results_dir={tmp_path}"]) == 0
    out = capsys.readouterr().out
    assert "rows read" in out and "duplicate_case_id" in out
    final = Path(out.strip().splitlines()[-1].removeprefix("results: "))
    cases = pd.read_parquet(final / "cases.parquet")
    assert len(cases) == load_log(SAMPLE, "12345").report.imported
    assert len(pd.read_csv(final / "rejects.csv")) == 10
    assert logs_main([f"log={tmp_path / 'none.csv'}", "mapping=12345", f"results_dir={tmp_path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not found" in err
    assert logs_main(["mapping=12345"]) == 2
    assert logs_main(["log=x", "mapping=12345", "colour=red"]) == 2
    shutil.rmtree(final)


def test_format_report_lists_reasons() -> None:
    text = format_report(load_log(SAMPLE, "12345").report)
    assert "rows read" in text and "61" in text and "unknown_channel" in text and "imported" in text


def test_percent_is_exact_only_when_the_share_is() -> None:
    assert [percent(n, 3000) for n in (0, 1, 150, 2999, 3000)] == ["0.0%", "<0.1%", "5.0%", ">99.9%", "100.0%"]
    report = ImportReport(source="log.csv", rows_read=3000, imported=2999, open=0, censored=0,
                          rejected={"empty_type": 1}, rejects=pd.DataFrame())
    text = format_report(report)
    assert "(>99.9%)" in text and "(<0.1%)" in text and "100.0%" not in text and "(0.0%)" not in text


# ------------------------------------------------------------------ the Boston 311 log
@pytest.mark.skipif(not BOSTON.exists(), reason="the shared Boston 311 log is not on this machine")
def test_boston_counts_add_up() -> None:
    raw = pd.read_csv(BOSTON, dtype=str, keep_default_na=False)
    log = load_log(BOSTON, "boston311")
    r = log.report
    assert r.rows_read == len(raw) == 121_145
    assert r.rows_read == r.imported + r.rejected_total
    # the rows the data's own hours_to_close says are negative are the closed-before-created rejects
    negative = pd.to_numeric(raw["hours_to_close"], errors="coerce") < 0
    assert r.rejected == {"closed_before_created": int(negative.sum())}
    assert sorted(r.rejects["row"]) == sorted(np.flatnonzero(negative.to_numpy()) + 1)
    # open cases are those the log marks Open (none of them is rejected)
    assert r.open == int((raw["case_status"] == "Open").sum())
    assert set(log.cases["channel"]) == {"patrol", "hotline", "app"}
    assert log.cases["department"].nunique() == raw["department"].nunique()
    assert log.extracted_at == pd.to_datetime(raw[["created", "closed"]].replace("", None).stack()).max()


def test_due_as_a_limit_in_days(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("id,created,limit\na,2024-01-01 08:00:00,5\nb,2024-01-01 09:00:00,0.5\nc,2024-01-01 10:00:00,\n"
                 "d,2024-01-01 11:00:00,five\ne,2024-01-01 12:00:00,-1\n", encoding="utf-8")
    raw = {"columns": {"case_id": "id", "created": "created", "due": "limit"}, "time": {"due_as": "days"}}
    log = load_log(p, raw)
    assert log.report.rejected == {"unparseable_due": 2}
    assert log.cases["due"].tolist()[:2] == [pd.Timestamp("2024-01-06 08:00"), pd.Timestamp("2024-01-01 21:00")]
    assert pd.isna(log.cases["due"].iloc[2])
    raw["time"] = {"due_as": "weeks"}
    assert "time.due_as" in _error(lambda: load_mapping(raw))


def test_format_report_shows_the_censored() -> None:
    text = format_report(load_log(SAMPLE, "12345", extracted_at=GEN.EXTRACTED_AT).report)
    assert "closed only after it" in text and "created_after_extraction" in text
    assert "closed only after it" not in format_report(load_log(SAMPLE, "12345").report)


def test_clean_rewrites_text_values(tmp_path: Path) -> None:
    p = tmp_path / "log.csv"
    p.write_text("id,created,ward\na,2024-01-01 08:00:00,Ward 3\nb,2024-01-01 09:00:00,03\nc,2024-01-01 10:00:00,3\n"
                 "d,2024-01-01 11:00:00,\n", encoding="utf-8")
    raw = {"columns": {"case_id": "id", "created": "created", "place2": "ward"},
           "clean": {"place2": [[r"^Ward\s+", ""], [r"^0+(\d)", r"\1"], [r"^(\d+)$", r"Ward \1"]]}}
    assert load_log(p, raw).cases["place2"].tolist() == ["Ward 3", "Ward 3", "Ward 3", ""]
    raw["clean"] = {"place2": [["(", ""]]}
    assert "clean.place2" in _error(lambda: load_mapping(raw))
    raw["clean"] = {"created": [["a", "b"]]}
    assert "clean.created" in _error(lambda: load_mapping(raw))


@pytest.mark.skipif(not BOSTON.exists(), reason="the shared Boston 311 log is not on this machine")
def test_boston_wards_have_one_name_each() -> None:
    wards = set(load_log(BOSTON, "boston311").cases["place2"])
    assert wards == {""} | {f"Ward {i}" for i in range(1, 23)}
