"""A log too small or too empty to fit stops with one line and exit 2; a small department is pooled."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.profile import MIN_DEPARTMENT_ROWS, POOLED, fit_arrivals, small_departments, timebase, training
from sim.calibrate.usable import MIN_CLOSED_TRAINING

MAPPING = ("name: tiny\ncolumns:\n  case_id: id\n  created: opened\n  closed: finished\n  type: kind\n"
           "  department: office\ntime:\n  format: \"%Y-%m-%d %H:%M:%S\"\nextracted_at: \"2015-03-01 00:00:00\"\n")


def write_log(tmp: Path, cases: int, rows: int | None = None, closed: bool = True) -> list[str]:
    """A log of ``cases`` cases over January 2015 (``rows`` lines: the extra ones repeat a case id)."""
    rng = np.random.default_rng(1)
    created = pd.Timestamp("2015-01-02") + pd.to_timedelta(np.sort(rng.random(cases)) * 28 * 24, unit="h")
    finished = created + pd.to_timedelta(rng.exponential(30.0, cases), unit="h")
    df = pd.DataFrame({"id": [f"C{i}" for i in range(cases)], "opened": created.strftime("%Y-%m-%d %H:%M:%S"),
                       "finished": finished.strftime("%Y-%m-%d %H:%M:%S") if closed else "",
                       "kind": np.where(rng.random(cases) < 0.5, "pothole", "noise"), "office": "PWD"})
    if rows is not None and rows > cases:
        df = pd.concat([df, df.iloc[: rows - cases]], ignore_index=True)  # duplicates: rejected on import
    (tmp / "log.csv").write_text(df.to_csv(index=False), encoding="utf-8")
    (tmp / "map.yaml").write_text(MAPPING, encoding="utf-8")
    return [f"log={tmp / 'log.csv'}", f"mapping={tmp / 'map.yaml'}", "name=tiny", f"presets={tmp / 'presets'}",
            f"results={tmp / 'results'}", "trials=2"]


@pytest.mark.parametrize(("cases", "rows", "closed", "says"), [
    (11, 20, True, "closed"),  # issue 18: 20 rows, 11 cases
    (400, None, False, "every case is open"),  # issue 18: an all-open log (was a numpy overflow warning)
    (150, None, True, f"at least {MIN_CLOSED_TRAINING} closed"),
])
def test_unusable_log_one_line_exit_2_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      cases: int, rows: int | None, closed: bool, says: str) -> None:
    from sim.calibrate.cli import main

    args = write_log(tmp_path, cases, rows, closed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow or empty-slice warning on the way
        assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("gridsim calibrate: error: log: is too small"), err
    assert says in err and "Traceback" not in captured.out + captured.err
    assert "use: calibrated=" not in captured.out
    assert not (tmp_path / "presets").exists() and not (tmp_path / "results").exists()


def test_a_department_with_a_handful_of_cases_is_fitted_pooled() -> None:
    rng = np.random.default_rng(2)
    n = 600
    created = pd.Timestamp("2015-01-05") + pd.to_timedelta(np.sort(rng.random(n)) * 20 * 24, unit="h")
    dept = np.where(np.arange(n) % 100 == 0, "TINY", np.where(np.arange(n) % 100 == 1, "SMALL", "BIG"))
    df = pd.DataFrame({"created": created, "closed": created + pd.to_timedelta(rng.exponential(20, n), unit="h"),
                       "due": pd.NaT, "category": np.where(dept == "BIG", "pothole", "rare_" + dept),
                       "department": dept, "channel": "hotline", "place1": "T", "place2": "a"})
    tb = timebase(df, pd.Timestamp("2015-02-01"), None)
    assert small_departments(training(df, tb)) == ["SMALL", "TINY"]
    assert (training(df, tb)["department"] != "BIG").sum() < 2 * MIN_DEPARTMENT_ROWS
    fit = fit_arrivals(df, tb)
    assert fit.categories["pothole"].department == "BIG"
    assert fit.categories["rare_TINY"].department == fit.categories["rare_SMALL"].department == POOLED
