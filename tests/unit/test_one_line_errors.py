"""One line instead of a traceback (issue 18, item 8): each case exits 2 with one line naming the key or
file, writes nothing, and is refused before the slow part (the run, the import, the fit)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from sim.calibrate.cli import main as calibrate_main
from sim.entry.cli import main
from sim.logs.__main__ import main as logs_main
from sim.runs import api

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "12345_sample.csv"
SMALL = ["territory=township", "run.horizon_days=10", "run.warmup_days=2", "report.charts=false", "run.progress=false"]

pytestmark = pytest.mark.usefixtures("register_schema_once")  # tests/conftest.py


def _one_line(err: str, prefix: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


@pytest.mark.parametrize("flags", [[], ["--cfg", "job"]], ids=["run", "--cfg job"])
def test_a_key_added_with_plus_that_the_schema_lacks_is_one_line(tmp_path: Path, flags: list[str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*flags, "territory=township", "+staffing.brand_new=3", f"run.results_dir={tmp_path}"]) == 2
    out, err = capsys.readouterr()
    line = _one_line(err, "gridsim: error: staffing.brand_new: ")
    assert "unknown key" in line and "brand_new: 3" not in out  # --cfg printed no config it would refuse
    assert not any(tmp_path.iterdir())


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def full(result: api.RunResult, out: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "results" / "x" / "matters.parquet"))

    monkeypatch.setattr(api, "_write_records", full)
    assert main([*SMALL, f"run.results_dir={tmp_path / 'results'}"]) == 2
    out, err = capsys.readouterr()
    line = _one_line(err, "gridsim: error: ")
    assert "matters.parquet: No space left on device: nothing half-written was kept" in line
    assert "on_time_rate" in out  # it failed after the KPI table, as a full disk does
    assert [p.name for p in (tmp_path / "results").iterdir() if p.name != "runs.sqlite"] == []


def test_logs_extracted_at_that_is_not_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [f"log={SAMPLE}", "mapping=12345", "extracted_at=notadate", f"results_dir={tmp_path / 'r'}"]
    assert logs_main(args) == 2
    _one_line(capsys.readouterr().err, "gridsim logs: error: extracted_at: must be a date")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("where", ["afile", "afile/below"])
def test_logs_results_dir_unwritable_is_refused_before_the_import(tmp_path: Path, where: str,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("not a directory\n")
    import sim.logs.load

    monkeypatch.setattr(sim.logs.load, "load_log", lambda *a, **k: pytest.fail("the log was imported"))
    assert logs_main([f"log={SAMPLE}", "mapping=12345", f"results_dir={tmp_path / where}"]) == 2
    _one_line(capsys.readouterr().err, "gridsim logs: error: results_dir: ")


@pytest.mark.parametrize("key", ["results", "presets"])
def test_calibrate_destinations_are_checked_before_the_log_is_read(tmp_path: Path, key: str,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("not a directory\n")
    import sim.logs

    monkeypatch.setattr(sim.logs, "load_log", lambda *a, **k: pytest.fail("the log was read"))
    good = {"results": tmp_path / "results", "presets": tmp_path / "presets"}
    good[key] = tmp_path / "afile" / "below"
    args = [f"log={SAMPLE}", "mapping=12345", "name=t", *(f"{k}={v}" for k, v in good.items())]
    assert calibrate_main(args) == 2
    _one_line(capsys.readouterr().err, f"gridsim calibrate: error: {key}: ")
    assert not (tmp_path / "results").exists() and not (tmp_path / "presets").exists()
