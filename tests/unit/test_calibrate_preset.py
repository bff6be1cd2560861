"""The calibrated preset: written with provenance, selected with ``calibrated=<name>``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))

from test_calibration_recovery import TRUTH, truth_values  # noqa: E402

from sim.calibrate.model import build_config  # noqa: E402
from sim.calibrate.preset import write_preset  # noqa: E402
from sim.scenario.build import load_config  # noqa: E402


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
