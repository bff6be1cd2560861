"""A log unlike Boston's: one week, no due / channel / place columns, extracted a year after its last case.

The held-out window ends at the last case created; the matters are followed to the extraction
(censored like the log) but none arrive after the window, so the year between costs nothing.
The week spans New Year, a holiday the mapping's country names.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.model import Handling

sys.path.insert(0, str(Path(__file__).parents[1] / "validation"))
from generated_logs import export, truth_fit  # noqa: E402

T0 = pd.Timestamp("2019-12-30")  # a Monday; 1 January 2020 is a holiday
LAST = pd.Timestamp("2020-01-06")
EXTRACTED = pd.Timestamp("2021-01-06")
CATEGORIES = {"pothole": ("works", 0.5, 0.05, 0.2), "noise": ("police", 0.5, 0.1, 0.0)}
#: utilisation about 0.8 over the week: works 1,050 matters x 0.4 h / (12 x 45 h), police 1,260 x 0.3 h / (10 x 45 h)
TRUTH = {"works": Handling(servers=12, work_hours=0.4, cv=1.0), "police": Handling(servers=10, work_hours=0.3, cv=1.0)}


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory):
    from sim.calibrate.cli import main

    tmp = tmp_path_factory.mktemp("week")
    fit = truth_fit(T0, EXTRACTED, 400.0, CATEGORIES, country="US", holiday_factor=0.5)
    log, mapping, _ = export(tmp, fit, TRUTH, arrivals_until=LAST, drop=("due", "channel", "place1", "place2"),
                             country="US")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main([f"log={log}", f"mapping={mapping}", "name=week", f"presets={tmp / 'presets'}",
                     f"results={tmp / 'results'}", "trials=30", "replications=1"])
    return code, tmp, time.perf_counter() - start, caught


def test_a_week_extracted_a_year_later_calibrates_in_seconds(calibrated) -> None:
    code, tmp, seconds, caught = calibrated
    assert code == 0 and (tmp / "presets" / "calibrated" / "week.yaml").exists()
    assert seconds < 300, seconds  # ~40 s on an idle machine; a year of simulated arrivals took hours
    (run,) = (tmp / "results").iterdir()
    assert not (run / ".gridsim-owner.json").exists()  # a finished results directory names no owner
    v = json.loads((run / "validation.json").read_text())
    # the held-out window ends at the last case created, not at the extraction a year later
    assert pd.Timestamp(v["test"]["until"]) < LAST and v["test"]["matters"] > 0
    o, s = v["heldout"]["observed"], v["heldout"]["simulated"]
    for k in ("close_hours_p50", "close_hours_p90"):
        assert s[k] == pytest.approx(o[k], rel=0.25), (k, o[k], s[k])
    assert o["on_time_rate"] is None  # no due column: no on-time rate, on either side
    preset = (tmp / "presets" / "calibrated" / "week.yaml").read_text()
    assert 'start_date: "2019-12-30"' in preset and '"2020-01-01"' in preset  # New Year by date


def test_optuna_experimental_warnings_do_not_reach_the_user(calibrated) -> None:
    _code, _tmp, _s, caught = calibrated
    assert not [w for w in caught if type(w.message).__name__ == "ExperimentalWarning"]


def test_fit_json_says_which_paths_and_why(calibrated) -> None:
    _code, tmp, _s, caught = calibrated
    (run,) = (tmp / "results").iterdir()
    paths = json.loads((run / "fit.json").read_text())["paths"]
    assert set(paths) == {"works", "police"}
    for p in paths.values():
        assert p["chosen"] in ("one path", "two paths") and p["why"].startswith(p["chosen"])


def test_fit_json_says_a_week_is_too_short_to_read_a_drift_from(calibrated) -> None:
    _code, tmp, _s, _caught = calibrated
    (run,) = (tmp / "results").iterdir()
    recency = json.loads((run / "fit.json").read_text())["recency"]
    assert "too short" in recency["rule"] and recency["by_department"] == {}
    assert recency["mix_days"] == recency["handling_days"] == 28.0  # the floor: a week's days weigh almost alike
