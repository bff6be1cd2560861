"""Random bad values for random keys: always one one-line ConfigError naming the key.

Each example composes a config with Hydra (~0.1 s), so the example counts are small;
the strategies aim at the boundaries (0, negatives, NaN, inf, fractions for integers,
strings for numbers and vocabularies, wrong list lengths, one bad list entry).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.runs.config import load_config
from sim.scenario.constants import (
    DEADLINE_FAMILIES,
    DEPARTMENTS,
    DISPATCH_MODES,
    DISPATCH_RULES,
    MODULES,
)
from sim.scenario.validate import ENGINES, LANGS
from sim.util.errors import ConfigError

CAT = "catalog.categories.dispute"
INT_MIN_0 = [f"staffing.{k}" for k in (
    "grid_leaders_per_grid", "fulltime_per_grid", "parttime_per_grid", "grids_per_instructor",
    "professional_per_township", "committee_per_village", "platform_per_township", "volunteers_per_township",
    "module_staff.governance", "department_staff.livelihood")] + [
    "textbook.servers", "outcome.max_reopens", "run.seed", "engine.auto_max_grids", "engine.workers"]
INT_MIN_1 = ["territory.counties", "territory.townships_per_county", "territory.villages_per_township",
             "territory.households_per_grid", "territory.rural_households_per_grid", "run.replications"]
POSITIVE = ["demand.rate_per_1000_per_day", "textbook.arrival_rate_per_hour", "textbook.service_mean_hours",
            "textbook.service_cv", "discovery.growth_hours_mean", "discovery.patrol_hours_per_household",
            "territory.households_per_village_mean", "territory.residents_per_household", "run.horizon_days",
            "catalog.deadlines.general", "catalog.deadlines.assign_days", "catalog.deadlines.complaint",
            f"{CAT}.service_cv", "dispatch.nearest_speed_kmh"]
NON_NEGATIVE = ["discovery.reporter_rate_per_day", "discovery.report_factor", "dispatch.transfer_hours",
                "dispatch.detour_hours", "outcome.reopen_work_factor", "outcome.petition_patience_days",
                "staffing.volunteer_cost_per_day", "staffing.cost_per_year.fulltime",
                "demand.rural_rate_factor", f"{CAT}.share", f"{CAT}.elderly_factor",
                "territory.households_per_village_cv"]
PROBABILITY = ["territory.urban_share", "territory.elderly_share", "territory.party_household_share",
               f"{CAT}.report_prob", "staffing.grid_leader_share", "staffing.committee_share",
               "staffing.volunteer_share", "staffing.patrol_share", "dispatch.misclass_prob",
               "dispatch.party_household_settle_prob", "discovery.hotline_settle_prob",
               "discovery.patrol_detect_prob", "scenario.mismatch_share", "catalog.assess_share",
               "outcome.satisfaction_base", "outcome.satisfaction_floor", "outcome.reopen_prob",
               "outcome.petition_prob"]
SHIFTS = ("office", "extended", "always")
VOCABULARY: dict[str, tuple[str, ...]] = {
    "dispatch.rule": DISPATCH_RULES, "dispatch.mode": DISPATCH_MODES,
    "engine.name": ENGINES, "report.lang": LANGS,
    "staffing.professional_department": DEPARTMENTS, f"{CAT}.module": MODULES,
    f"{CAT}.department": DEPARTMENTS, f"{CAT}.deadline": DEADLINE_FAMILIES,
    "calendar.deadline_shift": SHIFTS, "staffing.shifts.fulltime": SHIFTS,
}
#: list key -> (length, a valid entry value, the bad-entry strategy name)
LISTS: dict[str, tuple[int, float, str]] = {
    f"{CAT}.severity_mix": (4, 0.25, "probability"),
    f"{CAT}.service_hours": (4, 1.0, "positive"),
    "dispatch.fail_prob": (4, 0.1, "probability"),
    "dispatch.escalation_limit_hours": (4, 24.0, "non_negative"),
    "discovery.report_delay_hours": (5, 1.0, "non_negative"),
    "discovery.channel_mix": (5, 1.0, "non_negative"),
    "demand.hour_profile": (24, 1.0, "non_negative"),
    "demand.weekday_profile": (7, 1.0, "non_negative"),
    "demand.season_profile": (12, 1.0, "non_negative"),
}

# printable, without quotes, backslashes or interpolation: safe inside Hydra's '...'
SAFE = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S"], exclude_characters="'\"\\${}%")
SAFE |= st.just(" ")
WORDS = st.text(SAFE, max_size=12)


def _not_a_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return True
    return False


NAN_INF = st.sampled_from([math.nan, math.inf, -math.inf])
NUMBER_TEXT = WORDS.filter(_not_a_number)  # quoted strings where a number belongs
NEGATIVE = st.floats(max_value=-1e-9)
BAD: dict[str, st.SearchStrategy[object]] = {
    "positive": st.one_of(st.just(0.0), NEGATIVE, NAN_INF, st.integers(-10**6, 0), NUMBER_TEXT),
    "non_negative": st.one_of(NEGATIVE, NAN_INF, st.integers(-10**6, -1), NUMBER_TEXT),
    "probability": st.one_of(st.floats(min_value=1.0 + 1e-9), NEGATIVE, NAN_INF, NUMBER_TEXT),
}


def bad_int(minimum: int) -> st.SearchStrategy[object]:
    fractions = st.tuples(st.integers(-10**6, 10**6), st.floats(0.001, 0.999)).map(lambda t: t[0] + t[1])
    return st.one_of(st.integers(-10**9, minimum - 1), fractions, NAN_INF, NUMBER_TEXT)


def hydra(value: object) -> str:
    """A Python value in Hydra's override syntax."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ",".join(hydra(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


@st.composite
def bad_override(draw: st.DrawFn) -> tuple[str, str]:
    """(override, the key its error must name)."""
    kind = draw(st.sampled_from(["int0", "int1", "positive", "non_negative", "probability", "vocabulary",
                                 "list_length", "list_entry"]))
    if kind in ("int0", "int1"):
        key = draw(st.sampled_from(INT_MIN_0 if kind == "int0" else INT_MIN_1))
        return f"{key}={hydra(draw(bad_int(0 if kind == 'int0' else 1)))}", key
    if kind in BAD:
        key = draw(st.sampled_from({"positive": POSITIVE, "non_negative": NON_NEGATIVE,
                                    "probability": PROBABILITY}[kind]))
        return f"{key}={hydra(draw(BAD[kind]))}", key
    if kind == "vocabulary":
        key = draw(st.sampled_from(sorted(VOCABULARY)))
        word = draw(WORDS.filter(lambda w: w not in VOCABULARY[key]))
        return f"{key}={hydra(word)}", key
    key = draw(st.sampled_from(sorted(LISTS)))
    length, good, entry_kind = LISTS[key]
    if kind == "list_length":
        n = draw(st.integers(0, 29).map(lambda n: n if n < length else n + 1))
        return f"{key}={hydra([good] * n)}", key
    values: list[object] = [good] * length
    i = draw(st.integers(0, length - 1))
    values[i] = draw(BAD[entry_kind])
    return f"{key}={hydra(values)}", f"{key}[{i}]"


pytestmark = pytest.mark.usefixtures("register_schema_once")  # tests/conftest.py


def assert_one_line(err: ConfigError) -> None:
    message = str(err)
    assert message and "\n" not in message and "\r" not in message, message
    assert message == f"{err.key}: {err.problem}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_override())
def test_bad_value_is_one_config_error_naming_the_key(case: tuple[str, str]) -> None:
    override, key = case
    with pytest.raises(ConfigError) as info:
        load_config([override])
    assert_one_line(info.value)
    assert info.value.key == key, f"{override} -> {info.value}"


KEYS = INT_MIN_0 + INT_MIN_1 + POSITIVE + NON_NEGATIVE + PROBABILITY + sorted(VOCABULARY) + sorted(LISTS)
JUNK = st.text(st.characters(codec="utf-8"), max_size=16)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEYS), JUNK)
def test_any_override_text_fails_only_with_config_error(key: str, junk: str) -> None:
    try:
        load_config([f"{key}={junk}"])
    except ConfigError as err:
        assert_one_line(err)
