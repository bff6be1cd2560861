"""Every bad config is one ConfigError naming its full dotted key, in one line."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from sim.runs.config import load_config
from sim.scenario.compose_errors import compose_error
from sim.scenario.constants import DISPATCH_RULES
from sim.scenario.schema import Config
from sim.scenario.validate import validate
from sim.util.errors import ConfigError

CATS = "catalog.categories"
NO_GRID_STAFF = ["staffing.fulltime_per_grid=0", "staffing.grid_leaders_per_grid=0"]


pytestmark = pytest.mark.usefixtures("register_schema_once")  # tests/conftest.py


def config_error(overrides: list[str]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(overrides)
    err = info.value
    assert "\n" not in str(err) and "\r" not in str(err), str(err)
    assert str(err) == f"{err.key}: {err.problem}"
    return err


# ---------------------------------------------------------------- clean configs
@pytest.mark.parametrize("overrides", [
    [],
    ["territory=township"],
    ["territory=county"],
    ["territory=city"],
    ["scenario=textbook"],
    ["scenario=flood"],
    ["scenario=relocation"],
    ["dispatch=unified"],
    ["engine=agent"],
    ["engine=vector"],
    ["territory=township", "scenario=flood", "dispatch=unified", "report.lang=zh"],
    ["textbook.patience_hours=2.5", "textbook.servers=0", "run.warmup_days=0"],
], ids=lambda o: " ".join(o) or "default")
def test_presets_validate_cleanly(overrides: list[str]) -> None:
    cfg = load_config(overrides)
    assert isinstance(cfg, Config)
    validate(cfg)  # idempotent


@pytest.mark.parametrize("rule", DISPATCH_RULES)
def test_every_dispatch_rule_is_accepted(rule: str) -> None:
    assert load_config([f"dispatch.rule={rule}"]).dispatch.rule == rule


# ------------------------------------------------------------- semantic errors
HEADS = ["grid_leaders_per_grid", "fulltime_per_grid", "parttime_per_grid", "grids_per_instructor",
         "professional_per_township", "committee_per_village", "platform_per_township",
         "volunteers_per_township"]
DEADLINES = ["assign_days", "first_action_days", "general", "complex", "emergency", "help", "complaint"]
OUTCOME_PROBS = ["satisfaction_base", "satisfaction_per_day", "satisfaction_overdue",
                 "satisfaction_per_transfer", "satisfaction_floor", "reopen_prob", "petition_prob"]
ZERO_SHARES = [f"{CATS}.{c}.share=0" for c in Config().catalog.categories]

CASES: list[tuple[list[str], str, str]] = [
    # staffing head-counts, shares, shifts, costs
    *[([f"staffing.{h}=-1"], f"staffing.{h}", "whole number >= 0, got -1") for h in HEADS],
    (["staffing.module_staff.governance=-3"], "staffing.module_staff.governance", "got -3"),
    (["staffing.department_staff.livelihood=-1"], "staffing.department_staff.livelihood", ">= 0"),
    (["+staffing.module_staff.tea=1"], "staffing.module_staff.tea", "unknown module"),
    (["staffing.grid_leader_share=1.5"], "staffing.grid_leader_share", "[0, 1]"),
    (["staffing.committee_share=-0.1"], "staffing.committee_share", "probability"),
    (["staffing.volunteer_share=nan"], "staffing.volunteer_share", "got nan"),
    (["staffing.patrol_share=1"], "staffing.patrol_share", "[0, 1)"),
    (["staffing.professional_department=police"], "staffing.professional_department", "livelihood"),
    (["staffing.shifts.fulltime=night"], "staffing.shifts.fulltime", "office|extended|always"),
    (["+staffing.shifts.boss=office"], "staffing.shifts.boss", "unknown role"),
    (["~staffing.shifts.fulltime"], "staffing.shifts.fulltime", "missing"),
    (["staffing.cost_per_year.fulltime=-1"], "staffing.cost_per_year.fulltime", ">= 0"),
    (["staffing.volunteer_cost_per_day=-inf"], "staffing.volunteer_cost_per_day", ">= 0"),
    # territory
    (["territory.counties=0"], "territory.counties", "zero grids"),
    (["territory.townships_per_county=0"], "territory.townships_per_county", "zero grids"),
    (["territory.villages_per_township=-2"], "territory.villages_per_township", ">= 1"),
    (["territory.households_per_grid=0"], "territory.households_per_grid", ">= 1"),
    (["territory.rural_households_per_grid=-5"], "territory.rural_households_per_grid", ">= 1"),
    (["territory.households_per_village_mean=0"], "territory.households_per_village_mean", "positive"),
    (["territory.households_per_village_cv=-0.1"], "territory.households_per_village_cv", ">= 0"),
    (["territory.residents_per_household=nan"], "territory.residents_per_household", "positive"),
    (["territory.grid_spacing_km=0"], "territory.grid_spacing_km", "positive"),
    (["territory.urban_share=1.01"], "territory.urban_share", "got 1.01"),
    (["territory.elderly_share=-0.2"], "territory.elderly_share", "probability"),
    (["territory.party_household_share=inf"], "territory.party_household_share", "got inf"),
    (["territory.units_file=/no/such/units.csv"], "territory.units_file", "not found"),
    (["territory.units_file=''"], "territory.units_file", "non-empty"),
    # calendar
    (["calendar.shifts.office.start_hour=-1"], "calendar.shifts.office.start_hour", "[0, 24)"),
    (["calendar.shifts.office.end_hour=25"], "calendar.shifts.office.end_hour", "(0, 24]"),
    (["calendar.shifts.office.start_hour=18"], "calendar.shifts.office.end_hour", "after start_hour"),
    (["calendar.shifts.office.days=[]"], "calendar.shifts.office.days", "empty"),
    (["calendar.shifts.office.days=[0,7]"], "calendar.shifts.office.days[1]", "0 to 6"),
    (["calendar.shifts.office.days=[1,1]"], "calendar.shifts.office.days", "repeats"),
    (["calendar.deadline_shift=never"], "calendar.deadline_shift", "office"),
    (["calendar.holidays=[3,-1]"], "calendar.holidays[1]", ">= 0"),
    # catalogue
    ([f"{CATS}.dispute.severity_mix=[0.5,0.5]"], f"{CATS}.dispute.severity_mix", "4 values"),
    ([f"{CATS}.dispute.severity_mix=[0.5,0.4,0.0,0.0]"], f"{CATS}.dispute.severity_mix", "sum to 1"),
    ([f"{CATS}.dispute.severity_mix=[1.2,-0.2,0,0]"], f"{CATS}.dispute.severity_mix[0]", "probability"),
    ([f"{CATS}.repair.service_hours=[1,2,3]"], f"{CATS}.repair.service_hours", "4 values"),
    ([f"{CATS}.repair.service_hours=[1,0,3,4]"], f"{CATS}.repair.service_hours[1]", "positive"),
    ([f"{CATS}.repair.service_cv=0"], f"{CATS}.repair.service_cv", "positive"),
    ([f"{CATS}.repair.report_prob=1.5"], f"{CATS}.repair.report_prob", "probability"),
    ([f"{CATS}.repair.share=-1"], f"{CATS}.repair.share", ">= 0"),
    ([f"{CATS}.repair.urban_factor=-1"], f"{CATS}.repair.urban_factor", ">= 0"),
    ([f"{CATS}.repair.module=plumbing"], f"{CATS}.repair.module", "construction"),
    ([f"{CATS}.repair.department=plumbing"], f"{CATS}.repair.department", "urban_construction"),
    ([f"{CATS}.repair.deadline=someday"], f"{CATS}.repair.deadline", "general|complex"),
    ([f"{CATS}.repair.handled_at=[grid,city]"], f"{CATS}.repair.handled_at[1]", "township"),
    ([f"{CATS}.repair.handled_at=[]"], f"{CATS}.repair.handled_at", "empty"),
    ([f"{CATS}.dispute.handled_at=[grid]", *NO_GRID_STAFF], f"{CATS}.dispute.handled_at", "no level"),
    ([f"{CATS}.dispute.handled_at=[village]", "staffing.committee_per_village=0"],
     f"{CATS}.dispute.handled_at", "committee"),
    ([f"{CATS}.dispute.handled_at=[township]", "staffing.module_staff.governance=0"],
     f"{CATS}.dispute.handled_at", "governance"),
    ([f"{CATS}.dispute.handled_at=[county]", "staffing.department_staff.politics_law=0"],
     f"{CATS}.dispute.handled_at", "politics_law"),
    ([f"{CATS}.enforcement.handled_at=[grid]"], f"{CATS}.enforcement.handled_at", "grid_list_exclude"),
    (ZERO_SHARES, CATS, "share > 0"),
    *[([f"catalog.deadlines.{d}=0"], f"catalog.deadlines.{d}", "positive") for d in DEADLINES],
    (["catalog.deadlines.general=nan"], "catalog.deadlines.general", "positive"),
    (["catalog.deadlines.complex_from_severity=9"], "catalog.deadlines.complex_from_severity", "0 to 4"),
    (["catalog.assess_share=2"], "catalog.assess_share", "probability"),
    # demand
    (["demand.rate_per_1000_per_day=0"], "demand.rate_per_1000_per_day", "positive number, got 0"),
    (["demand.rate_per_1000_per_day=nan"], "demand.rate_per_1000_per_day", "positive number, got nan"),
    (["demand.rate_per_1000_per_day=inf"], "demand.rate_per_1000_per_day", "positive number, got inf"),
    (["demand.rate_per_1000_per_day=-2"], "demand.rate_per_1000_per_day", "positive"),
    (["demand.rural_rate_factor=-1"], "demand.rural_rate_factor", ">= 0"),
    (["demand.hour_profile=[1,2]"], "demand.hour_profile", "24 values"),
    (["demand.hour_profile=[" + ",".join(["0"] * 24) + "]"], "demand.hour_profile", "positive sum"),
    (["demand.hour_profile=[-1" + ",1" * 23 + "]"], "demand.hour_profile[0]", ">= 0"),
    (["demand.weekday_profile=[1,1,1,1,1,1]"], "demand.weekday_profile", "7 values"),
    (["demand.season_profile=[1,1,1,1,1,1,1,1,1,1,1]"], "demand.season_profile", "12 values"),
    # discovery
    (["discovery.patrol_detect_prob=0"], "discovery.patrol_detect_prob", "(0, 1]"),
    (["discovery.patrol_hours_per_household=0"], "discovery.patrol_hours_per_household", "positive"),
    (["discovery.report_factor=-1"], "discovery.report_factor", ">= 0"),
    (["discovery.report_delay_hours=[0,1,2]"], "discovery.report_delay_hours", "5 values"),
    (["discovery.report_delay_hours=[0,1,-2,0,0]"], "discovery.report_delay_hours[2]", ">= 0"),
    (["discovery.channel_mix=[0,1,1,1]"], "discovery.channel_mix", "5 values"),
    (["discovery.channel_mix=[1,0,0,0,1]"], "discovery.channel_mix", "walk_in, app, hotline"),
    (["discovery.channel_mix=[0,1,-1,1,0]"], "discovery.channel_mix[2]", ">= 0"),
    (["discovery.reporter_rate_per_day=-0.1"], "discovery.reporter_rate_per_day", ">= 0"),
    (["discovery.growth_hours_mean=0"], "discovery.growth_hours_mean", "positive"),
    (["discovery.hotline_settle_prob=1.1"], "discovery.hotline_settle_prob", "probability"),
    # dispatch
    (["dispatch.rule=random"], "dispatch.rule", "fcfs|severity|edf|least_loaded|skill|nearest"),
    (["dispatch.mode=mixed"], "dispatch.mode", "level|unified"),
    (["dispatch.grid_list_exclude=[nope]"], "dispatch.grid_list_exclude[0]", "dispute"),
    (["dispatch.party_household_categories=[nope]"], "dispatch.party_household_categories[0]", "dispute"),
    (["dispatch.misclass_prob=-0.1"], "dispatch.misclass_prob", "probability"),
    (["dispatch.transfer_hours=-1"], "dispatch.transfer_hours", ">= 0"),
    (["dispatch.escalation_limit_hours=[1,2,3]"], "dispatch.escalation_limit_hours", "4 values"),
    (["dispatch.escalation_limit_hours=[1,-2,3,0]"], "dispatch.escalation_limit_hours[1]", ">= 0"),
    (["dispatch.fail_prob=[0.1,0.1,0.1]"], "dispatch.fail_prob", "4 values"),
    (["dispatch.fail_prob=[0.1,0.1,1.5,0]"], "dispatch.fail_prob[2]", "probability"),
    (["dispatch.party_household_settle_prob=2"], "dispatch.party_household_settle_prob", "probability"),
    (["dispatch.platform_work_hours=-1"], "dispatch.platform_work_hours", ">= 0"),
    (["dispatch.nearest_speed_kmh=0"], "dispatch.nearest_speed_kmh", "positive"),
    (["dispatch.detour_hours=nan"], "dispatch.detour_hours", ">= 0"),
    # outcome
    *[([f"outcome.{p}=1.5"], f"outcome.{p}", "probability") for p in OUTCOME_PROBS],
    (["outcome.reopen_work_factor=-1"], "outcome.reopen_work_factor", ">= 0"),
    (["outcome.max_reopens=-1"], "outcome.max_reopens", ">= 0"),
    (["outcome.petition_patience_days=-1"], "outcome.petition_patience_days", ">= 0"),
    (["outcome.petition_work_hours=-1"], "outcome.petition_work_hours", ">= 0"),
    # scenario
    (["scenario.surges=[{start_day:-1}]"], "scenario.surges[0].start_day", ">= 0"),
    (["scenario.surges=[{days:0}]"], "scenario.surges[0].days", "positive"),
    (["scenario.surges=[{name:a},{multiplier:0}]"], "scenario.surges[1].multiplier", "positive"),
    (["scenario.surges=[{categories:[repair,nope]}]"], "scenario.surges[0].categories[1]", "repair"),
    (["scenario.mismatch_share=1.5"], "scenario.mismatch_share", "probability"),
    # textbook
    (["textbook.arrival_rate_per_hour=0"], "textbook.arrival_rate_per_hour", "positive"),
    (["textbook.arrival_rate_per_hour=nan"], "textbook.arrival_rate_per_hour", "positive"),
    (["textbook.servers=-1"], "textbook.servers", ">= 0"),
    (["textbook.service_mean_hours=0"], "textbook.service_mean_hours", "positive"),
    (["textbook.service_cv=-1"], "textbook.service_cv", "positive"),
    (["textbook.patience_hours=0"], "textbook.patience_hours", "null"),
    (["textbook.patience_hours=inf"], "textbook.patience_hours", "null"),
    # run, engine, report
    (["run.horizon_days=0"], "run.horizon_days", "horizon is empty"),
    (["run.horizon_days=-10"], "run.horizon_days", "horizon is empty"),
    (["run.horizon_days=nan"], "run.horizon_days", "positive"),
    (["run.warmup_days=-1"], "run.warmup_days", ">= 0"),
    (["run.horizon_days=30", "run.warmup_days=30"], "run.warmup_days", "below run.horizon_days"),
    (["run.replications=0"], "run.replications", ">= 1"),
    (["run.seed=-1"], "run.seed", ">= 0"),
    (["run.results_dir=''"], "run.results_dir", "non-empty"),
    (["engine.name=turbo"], "engine.name", "agent|vector|auto"),
    (["engine.auto_max_grids=-1"], "engine.auto_max_grids", ">= 0"),
    (["engine.workers=-1"], "engine.workers", ">= 0"),
    (["engine.workers=1.5"], "engine.workers", "integer"),
    (["report.lang=fr"], "report.lang", "en|zh"),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), CASES,
                         ids=lambda x: x if isinstance(x, str) else None)
def test_semantic_error_names_the_key(overrides: list[str], key: str, fragment: str) -> None:
    err = config_error(overrides)
    assert err.key == key, str(err)
    assert fragment in err.problem, str(err)


# ---------------------------------------------------------- composition errors
COMPOSE_CASES: list[tuple[list[str], str, str]] = [
    (["staffing.fulltime_per_grd=2"], "staffing.fulltime_per_grd", "unknown key"),
    (["territory.countiez=2"], "territory.countiez", "did you mean territory.counties"),
    (["nosuch=1"], "nosuch", "unknown key"),
    ([f"{CATS}.noodles.share=0.2"], f"{CATS}.noodles.share", "unknown key"),
    (["staffing.fulltime_per_grid=1.5"], "staffing.fulltime_per_grid", "must be an integer, got '1.5'"),
    (["staffing.module_staff.governance=2.5"], "staffing.module_staff.governance", "integer"),
    (["territory.counties=nan"], "territory.counties", "integer"),
    (["demand.rate_per_1000_per_day=fast"], "demand.rate_per_1000_per_day", "must be a number, got 'fast'"),
    (["dispatch.fail_prob=[0.1,x,0,0]"], "dispatch.fail_prob[1]", "number"),
    (["scenario.surges=[{name:a},{start_day:soon}]"], "scenario.surges[1].start_day", "number"),
    (["demand.hour_profile=flat"], "demand.hour_profile", "must be a list"),
    (["dispatch.rule=[fcfs,edf]"], "dispatch.rule", "string"),
    (["report.charts=maybe"], "report.charts", "true or false"),
    (["territory.counties=null"], "territory.counties", "null"),
    (["~territory.counties"], "territory.counties", "cannot be deleted"),
    (["territory=nowhere"], "territory", "available: city, county, province, township"),
    (["scenario=apocalypse"], "scenario", "baseline, flood, relocation, textbook"),
    (["engine=turbo"], "engine", "agent, auto, vector"),
    (["staffing.fulltime_per_grid=[1"], "staffing.fulltime_per_grid", "malformed override"),
    (["fulltime"], "fulltime", "key=value"),
    (["dispatch.rule=fcfs,edf"], "dispatch.rule", "ambiguous"),
    (["territory.counties=${nowhere}"], "territory.counties", "nowhere"),
    # read-only today (a composition error), a range error once surges can be edited in place
    (["scenario=flood", "scenario.surges.0.days=0"], "scenario.surges[0].days", ""),
]


@pytest.mark.parametrize(("overrides", "key", "fragment"), COMPOSE_CASES,
                         ids=lambda x: x if isinstance(x, str) else None)
def test_composition_error_names_the_key(overrides: list[str], key: str, fragment: str) -> None:
    err = config_error(overrides)
    assert err.key == key, str(err)
    assert fragment in err.problem, str(err)


def test_appended_unknown_key_is_a_config_error() -> None:
    err = config_error(["+territory.bar=2"])
    assert err.key == "territory.bar" and "unknown key" in err.problem


def test_compose_error_handles_frozen_instance_error() -> None:
    try:
        raise FrozenInstanceError("cannot assign to field 'bar'")
    except FrozenInstanceError as exc:
        err = compose_error(exc, ["run.seed=1", "+territory.bar=2"])
    assert err.key == "territory.bar" and "unknown key" in err.problem


def test_compose_error_is_one_line_for_any_message() -> None:
    err = compose_error(ValueError("first\nsecond\n\tthird"), ["a.b=1"])
    assert "\n" not in str(err) and "first" in str(err)


# ------------------------------------------------------- validate on its own
@pytest.mark.parametrize(("section", "field", "value", "key"), [
    ("run", "horizon_days", "long", "run.horizon_days"),
    ("territory", "counties", 2.0, "territory.counties"),
    ("territory", "counties", True, "territory.counties"),
    ("dispatch", "fail_prob", None, "dispatch.fail_prob"),
    ("dispatch", "rule", 3, "dispatch.rule"),
    ("staffing", "module_staff", [], "staffing.module_staff"),
    ("demand", "hour_profile", "flat", "demand.hour_profile"),
])
def test_validate_rejects_wrong_types_in_hand_built_configs(section: str, field: str, value: object,
                                                             key: str) -> None:
    cfg = Config()
    bad = dataclasses.replace(cfg, **{section: dataclasses.replace(getattr(cfg, section), **{field: value})})
    with pytest.raises(ConfigError) as info:
        validate(bad)
    assert info.value.key == key and "\n" not in str(info.value)


def test_units_file_rows_are_checked_through_load_config(tmp_path: Path) -> None:
    table = tmp_path / "units.csv"
    table.write_text("county,township,village,urban,households\nC,T,V1,1,800\nC,T,V2,0,-4\n")
    err = config_error([f"territory.units_file='{table}'"])
    assert err.key == "territory.units_file"
    assert "units.csv line 3" in err.problem and "households" in err.problem
