"""Semantic checks of a composed Config, and one-line messages for composition errors.

Hydra and OmegaConf check keys and types while composing; ``validate`` checks what
they cannot (ranges, vocabularies, list lengths, references between sections) and
raises ``ConfigError(key, problem)`` for the first problem, ``key`` being the full
dotted config key. ``compose_error`` turns a composition failure into the same form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sim.scenario import checks as ck
from sim.scenario.bounds import check_bounds
from sim.scenario.catalogue import department_names, module_names
from sim.scenario.choices import Backend, EngineName, Lang, values
from sim.scenario.constants import (
    CHANNELS,
    DEADLINE_FAMILIES,
    DISPATCH_MODES,
    DISPATCH_RULES,
    LEAGUE_METRICS,
    LEVELS,
    RESIDENT_CHANNELS,
    ROLES,
    SEVERITIES,
)
from sim.scenario.schema import (
    CalendarConfig,
    CatalogConfig,
    CategoryConfig,
    Config,
    DemandConfig,
    DiscoveryConfig,
    DispatchConfig,
    OutcomeConfig,
    RunConfig,
    ScenarioConfig,
    StaffingConfig,
    TerritoryConfig,
    TextbookConfig,
)
from sim.scenario.units import load_villages
from sim.util.errors import ConfigError

ENGINES: tuple[str, ...] = values(EngineName)
LANGS: tuple[str, ...] = values(Lang)
BACKENDS: tuple[str, ...] = values(Backend)
_DEADLINES = ("assign_days", "first_action_days", "general", "complex", "emergency", "help", "complaint")
_HEADS = ("grid_leaders_per_grid", "fulltime_per_grid", "parttime_per_grid", "grids_per_instructor",
          "professional_per_township", "committee_per_village", "platform_per_township",
          "volunteers_per_township")
#: a module / department name: it becomes a config key and part of a station code (any script)
_OFFICE_NAME = re.compile(r"[\w-]+")
_PROBS_OUTCOME = ("satisfaction_base", "satisfaction_per_day", "satisfaction_overdue",
                  "satisfaction_per_transfer", "satisfaction_floor", "reopen_prob", "petition_prob")


def validate(cfg: Config) -> None:
    """Raise ConfigError(key, problem) for the first semantic error in cfg.

    A replayed log is checked by the run's matter source (``sim.runs.source.validate_run``).
    """
    _territory(cfg.territory)
    _calendar(cfg.calendar)
    _offices(cfg.catalog)
    _staffing(cfg.staffing, cfg.calendar, cfg.catalog)
    _catalog(cfg.catalog, cfg.staffing, cfg.dispatch)
    _demand(cfg.demand)
    _discovery(cfg.discovery)
    _dispatch(cfg.dispatch, cfg.catalog)
    _outcome(cfg.outcome)
    _scenario(cfg.scenario, cfg.catalog)
    _textbook(cfg.textbook)
    _run(cfg.run)
    ck.one_of("engine.name", cfg.engine.name, ENGINES)
    ck.whole("engine.auto_max_grids", cfg.engine.auto_max_grids)
    ck.whole("engine.workers", cfg.engine.workers)
    ck.one_of("engine.backend", cfg.engine.backend, BACKENDS)
    ck.whole("engine.block_matters", cfg.engine.block_matters, minimum=1)
    ck.whole("engine.ray.workers", cfg.engine.ray.workers)
    _ray_address(cfg.engine.ray.address)
    if cfg.engine.backend == "ray":
        if cfg.engine.name == "agent":
            raise ConfigError("engine.backend", "a streamed run (ray) runs the vector engine: engine.name=vector "
                              "or auto, or engine.backend=threads for the agent engine")
        if cfg.scenario.replay.log is not None:
            raise ConfigError("engine.backend", "a replayed log runs in one process: engine.backend=threads")
    ck.one_of("report.lang", cfg.report.lang, LANGS)
    _league_weights(cfg.report.league_weights)
    check_bounds(cfg)  # the upper end of every number (sim/scenario/bounds.py)


#: a Ray address: host:port, or ray://host:port (Ray Client), or "auto" (the cluster this machine belongs to)
_RAY_ADDRESS = re.compile(r"^(auto|(ray://)?[A-Za-z0-9.\-]+:[0-9]{1,5})$")


def _ray_address(address: Any) -> None:
    if address is None:
        return
    if not isinstance(address, str) or not _RAY_ADDRESS.match(address):
        raise ConfigError("engine.ray.address", f"must be host:port of a Ray head (or auto), got {ck.show(address)}")
    port = address.rpartition(":")[2]
    if address != "auto" and not 1 <= int(port) <= 65535:
        raise ConfigError("engine.ray.address", f"port {port} is not a port (1 to 65535), got {ck.show(address)}")


def _league_weights(weights: Mapping[str, Any]) -> None:
    for name, w in weights.items():
        if name not in LEAGUE_METRICS:
            raise ConfigError(f"report.league_weights.{name}",
                              f"not a league metric; known: {', '.join(LEAGUE_METRICS)}")
        ck.non_negative(f"report.league_weights.{name}", w)
    if not any(ck.is_number(w) and w > 0 for w in weights.values()):
        raise ConfigError("report.league_weights", "needs at least one weight > 0")


# ------------------------------------------------------------------ sections
def _territory(t: TerritoryConfig) -> None:
    ck.text("territory.name", t.name)
    for name in ("counties", "townships_per_county", "villages_per_township"):
        value = getattr(t, name)
        if ck.is_number(value) and not isinstance(value, float) and value < 1:
            raise ConfigError(f"territory.{name}", f"must be a whole number >= 1, got {value}: zero grids")
        ck.whole(f"territory.{name}", value, 1)
    ck.whole("territory.counties_per_city", t.counties_per_city, 0)
    if t.units_file is not None and ck.is_number(t.counties_per_city) and t.counties_per_city > 0:
        raise ConfigError("territory.counties_per_city", "groups a generated territory's counties; a units file "
                          "names each county's city in its own city column")
    for name in ("urban_share", "elderly_share", "party_household_share"):
        ck.probability(f"territory.{name}", getattr(t, name))
    ck.positive("territory.households_per_village_mean", t.households_per_village_mean)
    ck.non_negative("territory.households_per_village_cv", t.households_per_village_cv)
    ck.whole("territory.households_per_grid", t.households_per_grid, 1)
    ck.whole("territory.rural_households_per_grid", t.rural_households_per_grid, 1)
    ck.positive("territory.residents_per_household", t.residents_per_household)
    ck.positive("territory.grid_spacing_km", t.grid_spacing_km)
    if t.units_file is not None:
        load_villages(ck.text("territory.units_file", t.units_file))


def _calendar(c: CalendarConfig) -> None:
    shifts = ck.mapping("calendar.shifts", c.shifts)
    if not shifts:
        raise ConfigError("calendar.shifts", "must define at least one shift")
    for name, s in shifts.items():
        key = f"calendar.shifts.{name}"
        start = ck.real(f"{key}.start_hour", s.start_hour, lambda x: 0 <= x < 24, "an hour in [0, 24)")
        end = ck.real(f"{key}.end_hour", s.end_hour, lambda x: 0 < x <= 24, "an hour in (0, 24]")
        if end <= start:
            raise ConfigError(f"{key}.end_hour", f"must be after start_hour {start:g}, got {end:g}")
        days = ck.sequence(f"{key}.days", s.days, nonempty=True)
        ck.each(f"{key}.days", days, lambda k, v: ck.whole(k, v, 0, 6))
        if len(set(days)) != len(days):
            raise ConfigError(f"{key}.days", f"repeats a day: {ck.show(days)}")
    ck.one_of("calendar.deadline_shift", c.deadline_shift, list(shifts), "a shift in calendar.shifts:")
    ck.each("calendar.holidays", ck.sequence("calendar.holidays", c.holidays), ck.whole)
    if c.start_date is not None:
        ck.iso_date("calendar.start_date", c.start_date)
    for key in ("calendar.holiday_dates", "calendar.workday_dates"):
        dates = ck.sequence(key, getattr(c, key.split(".")[1]))
        if dates and c.start_date is None:
            raise ConfigError(key, "needs calendar.start_date (the date of model day 0) to place its dates")
        ck.each(key, dates, ck.iso_date)


def _offices(c: CatalogConfig) -> None:
    """catalog.modules and catalog.departments: non-empty lists of distinct, key-safe names."""
    for group, what in (("modules", "module"), ("departments", "department")):
        key = f"catalog.{group}"
        offices = ck.sequence(key, getattr(c, group))
        if not offices:
            raise ConfigError(key, f"is empty: at least one {what} is needed")
        seen: dict[str, int] = {}
        for i, office in enumerate(offices):
            name = ck.text(f"{key}[{i}].name", getattr(office, "name", None))
            if not _OFFICE_NAME.fullmatch(name):
                raise ConfigError(f"{key}[{i}].name", f"must be letters, digits, _ or - (it becomes the key "
                                  f"staffing.{what}_staff.<name>), got {ck.show(name)}")
            if name in seen:
                raise ConfigError(f"{key}[{i}].name", f"repeats {name!r} of {key}[{seen[name]}]: "
                                  f"every {what} needs its own name")
            seen[name] = i
            for label in ("name_zh", "name_en"):
                text = getattr(office, label, None)
                if not isinstance(text, str):
                    raise ConfigError(f"{key}[{i}].{label}", f"must be a string, got {ck.show(text)}")
            if getattr(office, "kept_open", False) and what == "module":
                raise ConfigError(f"{key}[{i}].kept_open", "is for a county department standing for a log's "
                                  "never-closed cases; a module is always judged")


def _listed(names: Sequence[str], most: int = 12) -> str:
    """Names joined by |, cut short for a long catalogue (the message stays one readable line)."""
    shown = "|".join(names[:most])
    return shown if len(names) <= most else f"{shown}|... {len(names)} in all"


def _office(key: str, value: Any, vocab: Sequence[str], what: str) -> None:
    """``value`` names a module / department of the catalogue."""
    if not isinstance(value, str) or value not in vocab:
        raise ConfigError(key, f"must be a {what} of catalog.{what}s ({_listed(vocab)}), got {ck.show(value)}")


def _staffing(s: StaffingConfig, cal: CalendarConfig, c: CatalogConfig) -> None:
    for name in _HEADS:
        ck.whole(f"staffing.{name}", getattr(s, name))
    for name, vocab in (("module_staff", module_names(c)), ("department_staff", department_names(c))):
        what = name.split("_")[0]
        for unit, heads in ck.mapping("staffing." + name, getattr(s, name)).items():
            if unit not in vocab:
                raise ConfigError(f"staffing.{name}.{unit}", f"unknown {what}: not in catalog.{what}s "
                                  f"({_listed(vocab)})")
            ck.whole(f"staffing.{name}.{unit}", heads)
    if s.professional_per_township != 0 or s.professional_department != "":
        # "" (a catalogue of its own that names none) is fine while no staff are sent down
        _office("staffing.professional_department", s.professional_department, department_names(c), "department")
    for name in ("grid_leader_share", "committee_share", "volunteer_share"):
        ck.probability(f"staffing.{name}", getattr(s, name))
    ck.probability("staffing.patrol_share", s.patrol_share, below_one=True)
    for role, shift in ck.named("staffing.shifts", s.shifts, ROLES, "role", complete=True):
        ck.one_of(f"staffing.shifts.{role}", shift, list(cal.shifts), "a shift in calendar.shifts:")
    for role, cost in ck.named("staffing.cost_per_year", s.cost_per_year, ROLES, "role", complete=True):
        ck.non_negative(f"staffing.cost_per_year.{role}", cost)
    ck.non_negative("staffing.volunteer_cost_per_day", s.volunteer_cost_per_day)


def _catalog(c: CatalogConfig, s: StaffingConfig, d: DispatchConfig) -> None:
    cats = ck.mapping("catalog.categories", c.categories)
    if not cats:
        raise ConfigError("catalog.categories", "is empty: at least one category is needed")
    for name, cat in cats.items():
        _category(f"catalog.categories.{name}", cat, c)
    if not any(cat.share > 0 for cat in cats.values()):
        raise ConfigError("catalog.categories", "no category has a share > 0, so no matter would occur")
    _category_names("dispatch.grid_list_exclude", d.grid_list_exclude, c)  # before it is used below
    for name, cat in cats.items():
        _settleable(name, cat, s, d)
    for name in _DEADLINES:
        ck.positive(f"catalog.deadlines.{name}", getattr(c.deadlines, name))
    ck.whole("catalog.deadlines.complex_from_severity", c.deadlines.complex_from_severity, 0, len(SEVERITIES))
    ck.probability("catalog.assess_share", c.assess_share)


def _category(key: str, cat: CategoryConfig, c: CatalogConfig) -> None:
    for label in ("name_zh", "name_en"):
        if not isinstance(getattr(cat, label, None), str):
            raise ConfigError(f"{key}.{label}", f"must be a string, got {ck.show(getattr(cat, label, None))}")
    for name in ("share", "urban_factor", "rural_factor", "elderly_factor"):
        ck.non_negative(f"{key}.{name}", getattr(cat, name))
    _office(f"{key}.module", cat.module, module_names(c), "module")
    _office(f"{key}.department", cat.department, department_names(c), "department")
    ck.one_of(f"{key}.deadline", cat.deadline, DEADLINE_FAMILIES)
    if cat.deadline_days is not None:
        ck.positive(f"{key}.deadline_days", cat.deadline_days)
    mix = ck.sequence(f"{key}.severity_mix", cat.severity_mix, len(SEVERITIES))
    ck.each(f"{key}.severity_mix", mix, ck.probability)
    if abs(sum(mix) - 1.0) > 1e-6:
        raise ConfigError(f"{key}.severity_mix", f"must sum to 1, got {sum(mix):.6g} from {ck.show(mix)}")
    levels = ck.sequence(f"{key}.handled_at", cat.handled_at)
    ck.each(f"{key}.handled_at", levels, lambda k, v: ck.one_of(k, v, LEVELS))
    hours = ck.sequence(f"{key}.service_hours", cat.service_hours, len(LEVELS))
    ck.each(f"{key}.service_hours", hours, ck.positive)
    ck.positive(f"{key}.service_cv", cat.service_cv)
    ck.probability(f"{key}.report_prob", cat.report_prob)


def _settleable(name: str, cat: CategoryConfig, s: StaffingConfig, d: DispatchConfig) -> None:
    """Some level in ``handled_at`` must have staff for the category."""
    key = f"catalog.categories.{name}.handled_at"
    if not cat.handled_at:
        raise ConfigError(key, "is empty: no level may settle this category")
    grid = s.fulltime_per_grid + s.grid_leaders_per_grid
    grid += s.professional_per_township if cat.department == s.professional_department else 0
    why = {  # level -> why it cannot settle the category ("" = it can)
        "grid": ("the grid may not take it (dispatch.grid_list_exclude)" if name in d.grid_list_exclude
                 else "" if grid > 0 else "the grid has no full-time worker or leader"),
        "village": "" if s.committee_per_village > 0 else "the village has no committee members",
        "township": ("" if s.module_staff.get(cat.module, 0) > 0
                     else f"township module {cat.module} has no staff"),
        "county": ("" if s.department_staff.get(cat.department, 0) > 0
                   else f"county department {cat.department} has no staff"),
    }
    reasons = [why[level] for level in dict.fromkeys(cat.handled_at)]
    if all(reasons):
        raise ConfigError(key, "no level can settle this category: " + "; ".join(reasons))


def _demand(d: DemandConfig) -> None:
    ck.positive("demand.rate_per_1000_per_day", d.rate_per_1000_per_day)
    ck.non_negative("demand.rural_rate_factor", d.rural_rate_factor)
    ck.profile("demand.hour_profile", d.hour_profile, 24)
    ck.profile("demand.weekday_profile", d.weekday_profile, 7)
    ck.profile("demand.season_profile", d.season_profile, 12)
    ck.non_negative("demand.holiday_factor", d.holiday_factor)


def _discovery(d: DiscoveryConfig) -> None:
    ck.positive("discovery.patrol_hours_per_household", d.patrol_hours_per_household)
    ck.probability("discovery.patrol_detect_prob", d.patrol_detect_prob, above_zero=True)
    ck.non_negative("discovery.report_factor", d.report_factor)
    delays = ck.sequence("discovery.report_delay_hours", d.report_delay_hours, len(CHANNELS))
    ck.each("discovery.report_delay_hours", delays, ck.non_negative)
    mix = ck.sequence("discovery.channel_mix", d.channel_mix, len(CHANNELS))
    ck.each("discovery.channel_mix", mix, ck.non_negative)
    if sum(mix[i] for i in RESIDENT_CHANNELS) <= 0:
        names = ", ".join(CHANNELS[i] for i in RESIDENT_CHANNELS)
        raise ConfigError("discovery.channel_mix", f"the resident channels ({names}) must have a positive "
                          f"weight, got {ck.show(mix)}")
    ck.non_negative("discovery.reporter_rate_per_day", d.reporter_rate_per_day)
    ck.positive("discovery.growth_hours_mean", d.growth_hours_mean)
    ck.probability("discovery.hotline_settle_prob", d.hotline_settle_prob)


def _dispatch(d: DispatchConfig, c: CatalogConfig) -> None:
    ck.one_of("dispatch.rule", d.rule, DISPATCH_RULES)
    ck.one_of("dispatch.mode", d.mode, DISPATCH_MODES)
    ck.probability("dispatch.misclass_prob", d.misclass_prob)
    ck.non_negative("dispatch.transfer_hours", d.transfer_hours)
    limits = ck.sequence("dispatch.escalation_limit_hours", d.escalation_limit_hours, len(LEVELS))
    ck.each("dispatch.escalation_limit_hours", limits, ck.non_negative)
    ck.each("dispatch.fail_prob", ck.sequence("dispatch.fail_prob", d.fail_prob, len(LEVELS)), ck.probability)
    ck.probability("dispatch.party_household_settle_prob", d.party_household_settle_prob)
    _category_names("dispatch.party_household_categories", d.party_household_categories, c)
    ck.non_negative("dispatch.platform_work_hours", d.platform_work_hours)
    ck.positive("dispatch.nearest_speed_kmh", d.nearest_speed_kmh)
    ck.non_negative("dispatch.detour_hours", d.detour_hours)


def _category_names(key: str, value: Any, c: CatalogConfig) -> None:
    names = list(c.categories)
    ck.each(key, ck.sequence(key, value), lambda k, v: ck.one_of(k, v, names, "a category of catalog:"))


def _outcome(o: OutcomeConfig) -> None:
    for name in _PROBS_OUTCOME:
        ck.probability(f"outcome.{name}", getattr(o, name))
    ck.non_negative("outcome.reopen_work_factor", o.reopen_work_factor)
    ck.whole("outcome.max_reopens", o.max_reopens)
    ck.non_negative("outcome.petition_patience_days", o.petition_patience_days)
    ck.non_negative("outcome.petition_work_hours", o.petition_work_hours)


def _scenario(s: ScenarioConfig, c: CatalogConfig) -> None:
    ck.text("scenario.name", s.name)
    for i, surge in enumerate(ck.sequence("scenario.surges", s.surges)):
        key = f"scenario.surges[{i}]"
        ck.non_negative(f"{key}.start_day", surge.start_day)
        ck.positive(f"{key}.days", surge.days)
        ck.positive(f"{key}.multiplier", surge.multiplier)
        _category_names(f"{key}.categories", surge.categories, c)
    ck.probability("scenario.mismatch_share", s.mismatch_share)


def _textbook(t: TextbookConfig) -> None:
    ck.positive("textbook.arrival_rate_per_hour", t.arrival_rate_per_hour)
    ck.whole("textbook.servers", t.servers)
    ck.positive("textbook.service_mean_hours", t.service_mean_hours)
    ck.positive("textbook.service_cv", t.service_cv)
    if t.patience_hours is not None:
        ck.real("textbook.patience_hours", t.patience_hours, lambda x: x > 0,
                "a positive number or null (infinite patience)")


def _run(r: RunConfig) -> None:
    if ck.is_number(r.horizon_days) and r.horizon_days <= 0:
        raise ConfigError("run.horizon_days", f"must be > 0, got {r.horizon_days:g}: the horizon is empty")
    horizon = ck.positive("run.horizon_days", r.horizon_days)
    if r.warmup_days is not None:  # None: the default, which fits any horizon (schema.warmup_days)
        ck.real("run.warmup_days", r.warmup_days, lambda x: 0 <= x < horizon,
                f"a number of days >= 0 and below run.horizon_days ({ck.show(r.horizon_days)})")
    ck.whole("run.replications", r.replications, 1)
    ck.whole("run.seed", r.seed)
    ck.text("run.results_dir", r.results_dir)
