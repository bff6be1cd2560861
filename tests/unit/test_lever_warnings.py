"""A lever warns ("is set but changes nothing") when the user set it, never for a value a preset chose."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))

from test_calibration_recovery import truth_values  # noqa: E402

from sim.calibrate.preset import write_preset  # noqa: E402
from sim.runs.api import run  # noqa: E402
from sim.runs.config import load_config  # noqa: E402
from sim.scenario.lever_warnings import lever_warnings, override_keys  # noqa: E402

#: the levers a calibrated preset switches off (its log has no volunteers, instructors or party-member households)
SWITCHED_OFF = ("staffing.volunteers_per_township", "dispatch.party_household_settle_prob",
                "dispatch.instructor_fast_track")


@pytest.fixture
def calibrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A preset as ``gridsim calibrate`` writes it, selected by the returned overrides."""
    values, _tb = truth_values(tmp_path)
    write_preset(values, {}, ["a test preset"], tmp_path / "presets" / "calibrated" / "known.yaml")
    monkeypatch.setenv("GRIDSIM_PRESETS_DIR", str(tmp_path / "presets"))
    return ["calibrated=known"]


def test_values_a_calibrated_preset_chose_do_not_warn(calibrated: list[str]) -> None:
    cfg = load_config(calibrated)
    # the preset itself sets the three levers away from the schema's defaults: that was the noise
    assert cfg.staffing.volunteers_per_township == 0 and cfg.staffing.grids_per_instructor == 0
    assert cfg.dispatch.instructor_fast_track is False and cfg.dispatch.party_household_settle_prob == 0.0
    assert cfg.territory.party_household_share == 0.0 and not cfg.scenario.surges
    assert lever_warnings(cfg, calibrated) == []
    # a Config given without its overrides is still compared with the schema's defaults
    assert [w.split(" ")[0] for w in lever_warnings(cfg)] == list(SWITCHED_OFF)


@pytest.mark.parametrize(("override", "key"), [
    ("staffing.volunteers_per_township=10", "staffing.volunteers_per_township"),
    ("staffing.volunteers_per_township=0", "staffing.volunteers_per_township"),  # the preset's own value, set again
    ("staffing.volunteer_cost_per_day=50", "staffing.volunteer_cost_per_day"),
    ("dispatch.party_household_settle_prob=0.5", "dispatch.party_household_settle_prob"),
    ("dispatch.instructor_fast_track=true", "dispatch.instructor_fast_track"),  # the schema's default, but set
    ("dispatch.instructor_fast_track=false", "dispatch.instructor_fast_track"),
])
def test_the_same_levers_set_by_an_override_warn(calibrated: list[str], override: str, key: str) -> None:
    overrides = [*calibrated, override]
    (w,) = lever_warnings(load_config(overrides), overrides)
    assert w.startswith(f"{key} is set but")


def test_a_run_from_a_calibrated_preset_warns_only_about_what_the_user_set(calibrated: list[str]) -> None:
    quiet = run([*calibrated, "run.simulate=false"], write=False)
    assert quiet.warnings == []
    told = run([*calibrated, "run.simulate=false", "dispatch.party_household_settle_prob=0.5"], write=False)
    assert [w.split(" ")[0] for w in told.warnings] == ["dispatch.party_household_settle_prob"]


@pytest.mark.parametrize("overrides", [[], ["territory=city"], ["territory=province"], ["territory=township"],
                                       ["scenario=flood"], ["scenario=relocation"], ["scenario=textbook"],
                                       ["dispatch=unified"]])
def test_the_package_configs_give_no_warning(overrides: list[str]) -> None:
    cfg = load_config(overrides)
    assert lever_warnings(cfg, overrides) == [] and lever_warnings(cfg) == []


def test_a_lever_is_set_by_its_key_or_one_above_or_below_it() -> None:
    assert override_keys(["territory=city", "calibrated=week", "+dispatch.rule=edf", "~run.seed",
                          "staffing.module_staff.discipline=9"]) == {"dispatch.rule", "run.seed",
                                                                      "staffing.module_staff.discipline"}
    # the default catalog sends no category to module discipline (tests/unit/test_preflight_and_outputs.py)
    for named in (["staffing.module_staff.discipline=9"], ["staffing.module_staff={discipline: 9}"]):
        cfg = load_config(["territory=township", *named])
        assert any(w.startswith("staffing.module_staff.discipline") for w in lever_warnings(cfg, named)), named
    # with no volunteers mobilised, naming the group's other keys does not name the volunteers
    assert lever_warnings(load_config(["staffing.fulltime_per_grid=2"]), ["staffing.fulltime_per_grid=2"]) == []


def test_the_fast_track_the_warning_calls_idle_is_idle_in_the_capacity_check() -> None:
    # both engines fast-track only where a township has an instructor; the check did it without any
    def village_per_day(*overrides: str) -> float:
        capacity = run(["territory=township", "run.simulate=false", *overrides], write=False).capacity
        assert capacity is not None
        return next(load.arrivals_per_day for load in capacity.loads if load.name == "village")

    none = "staffing.grids_per_instructor=0"
    assert village_per_day(none, "dispatch.instructor_fast_track=true") == village_per_day(
        none, "dispatch.instructor_fast_track=false")
    # with instructors the fast track sends hard matters past the village
    assert village_per_day("dispatch.instructor_fast_track=true") < village_per_day(
        "dispatch.instructor_fast_track=false")
