"""The calibrated preset: written with provenance, selected with ``calibrated=<name>``."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))

from test_calibration_recovery import (  # noqa: E402
    CATS,
    DAILY,
    EXTRACTED,
    HOUR,
    PLACES,
    SEASON,
    T0,
    TRAIN_UNTIL,
    TRUTH,
    WEEK,
    truth_values,
)

from sim.calibrate.model import build_config  # noqa: E402
from sim.calibrate.preset import write_preset  # noqa: E402
from sim.runs.config import load_config  # noqa: E402


def test_preset_composes_to_the_fitted_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values, _tb = truth_values(tmp_path)
    comments = {"staffing.department_staff.agriculture": "fitted by simulation (test)",
                "demand.hour_profile": "fitted from 1 rows"}
    path = write_preset(values, comments, ["a test preset"], tmp_path / "presets" / "calibrated" / "known.yaml")
    text = path.read_text()
    assert text.startswith("# @package _global_\n") and "override /catalog: empty" in text
    assert "agriculture: 11  # fitted by simulation (test)" in text
    monkeypatch.setenv("GRIDSIM_PRESETS_DIR", str(tmp_path / "presets"))
    got = load_config(["calibrated=known"])
    want = build_config(values)
    assert list(got.catalog.categories) == list(want.catalog.categories)  # no default category left
    assert [d.name for d in got.catalog.departments] == [d.name for d in want.catalog.departments]
    assert got.staffing.department_staff == want.staffing.department_staff == {d: h.servers
                                                                               for d, h in TRUTH.items()}
    for k, c in want.catalog.categories.items():
        g = got.catalog.categories[k]
        assert g.severity_mix == pytest.approx(c.severity_mix, rel=1e-5)
        assert g.service_hours == pytest.approx(c.service_hours, rel=1e-5)
        assert g.deadline_days == c.deadline_days and g.department == c.department
    assert got.demand.hour_profile == pytest.approx(want.demand.hour_profile, rel=1e-5)
    assert got.calendar.shifts["office"].days == want.calendar.shifts["office"].days
    assert got.territory.units_file == want.territory.units_file
    # a what-if on top of it: one more override
    more = load_config(["calibrated=known", "staffing.department_staff.agriculture=12"])
    assert more.staffing.department_staff["agriculture"] == 12


def test_cases_left_open_go_to_a_department_that_never_closes_them_and_validate(tmp_path: Path) -> None:
    # a log whose categories leave some cases open: the model's left-open twins must pass the same
    # validation (bounds included) as any preset, and their matters stay open through the log's span
    from sim.calibrate.model import LEFT_OPEN, LEFT_OPEN_SUFFIX, NEVER_HOURS, scenario_values, write_units
    from sim.calibrate.profile import ArrivalFit, CategoryFit, Timebase

    tb = Timebase(t0=T0, train_from=T0, train_until=TRAIN_UNTIL, extracted_at=EXTRACTED)
    cats = {k: CategoryFit(name=k, key=k, department=d, rows=1, share=s, fast_share=f, fast_hours=0.01, due_share=1.0,
                           deadline_days=5.0, deadline_rows=1, open_share=0.3) for k, (d, s, f) in CATS.items()}
    fit = ArrivalFit(tb=tb, rows=1, days=1.0, daily_rate=DAILY, hour_profile=HOUR, weekday_profile=WEEK,
                     season_profile=SEASON, months_seen=list(range(12)), categories=cats,
                     channel_mix=[0.2, 0.0, 0.4, 0.4, 0.0], places=pd.DataFrame(PLACES, columns=["place1", "place2",
                                                                                                 "rows"]),
                     working_days=True)
    units = write_units(fit, tmp_path / "open.units.csv", "open")
    cfg = build_config(scenario_values(fit, TRUTH, units, "open", 7))  # raises ConfigError if a value is out of bounds
    twins = {k: c for k, c in cfg.catalog.categories.items() if k.endswith(LEFT_OPEN_SUFFIX)}
    assert set(twins) == {k + LEFT_OPEN_SUFFIX for k in CATS}
    assert all(c.department == LEFT_OPEN and c.service_hours[-1] == NEVER_HOURS for c in twins.values())
    # open by design: shown in the capacity check, not judged by the stability verdict
    assert [d.name for d in cfg.catalog.departments if d.kept_open] == [LEFT_OPEN]
    # one server at office hours (9 h on 5 days a week) works far less than one case's work in the log's span
    assert NEVER_HOURS > 2 * cfg.run.horizon_days * 9.0 * 5.0 / 7.0


def test_a_long_work_is_a_twin_through_the_same_department(tmp_path: Path) -> None:
    # two works (sim.calibrate.works): a category's long share of its queue's cases goes to a twin of its
    # department with the long work; the twin and its category keep the category's share between them
    from dataclasses import replace

    from sim.calibrate.model import LONG_SUFFIX, scenario_values, write_units
    from sim.calibrate.profile import ArrivalFit, CategoryFit, Timebase

    tb = Timebase(t0=T0, train_from=T0, train_until=TRAIN_UNTIL, extracted_at=EXTRACTED)
    cats = {k: CategoryFit(name=k, key=k, department=d, rows=1, share=s, fast_share=f, fast_hours=0.01, due_share=1.0,
                           deadline_days=5.0, deadline_rows=1, open_share=0.1, long_share=0.4)
            for k, (d, s, f) in CATS.items()}
    fit = ArrivalFit(tb=tb, rows=1, days=1.0, daily_rate=DAILY, hour_profile=HOUR, weekday_profile=WEEK,
                     season_profile=SEASON, months_seen=list(range(12)), categories=cats,
                     channel_mix=[0.2, 0.0, 0.4, 0.4, 0.0], places=pd.DataFrame(PLACES, columns=["place1", "place2",
                                                                                                 "rows"]))
    dept = next(iter(TRUTH))  # only this department has two works
    handling = {d: replace(h, long_work_hours=30.0, long_cv=0.8, long_share=0.4) if d == dept else h
                for d, h in TRUTH.items()}
    units = write_units(fit, tmp_path / "long.units.csv", "long")
    cfg = build_config(scenario_values(fit, handling, units, "long", 7))
    got = cfg.catalog.categories
    for k, (d, share, fast) in CATS.items():
        if d != dept:
            assert k + LONG_SUFFIX not in got
            continue
        twin, main = got[k + LONG_SUFFIX], got[k]
        assert twin.department == main.department and twin.service_hours[3] == 30.0 and twin.service_cv == 0.8
        assert twin.share == pytest.approx(share * 0.4 * (1.0 - fast - 0.1))  # of the queue: not fast, not left open
        total = main.share + twin.share + got[k + "__left_open"].share
        assert total == pytest.approx(share)
        # the share settled at once stays the category's: of the main twin's matters, fast / its share
        assert main.severity_mix[0] * main.share == pytest.approx(fast * share)
