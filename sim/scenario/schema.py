"""The config schema: dataclasses registered in Hydra's ConfigStore, immutable once built.

Every lever of MODEL.md sections 1-5 is a typed field with a default and a
comment; the classes are immutable once built (``Sealed``). Hydra composes YAML
from ``sim/configs/`` onto these classes, so a typo or a wrong type fails at
composition naming the key; ``validate.py`` adds the semantic checks. Engines
never see a DictConfig: they receive ``Config`` instances (built by ``sim.runs.config``).

Defaults cite their source ("M7" is MODEL.md section 7, "sNNN" a seed file); times are hours unless named days.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field, replace
from functools import cache
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.scenario.choices import Backend, DeadlineFamily, DispatchMode, DispatchRule, EngineName, Lang, Level
from sim.scenario.constants import DEPARTMENTS, DEPARTMENTS_EN, DEPARTMENTS_ZH, MODULES, MODULES_EN, MODULES_ZH
from sim.scenario.kept import RecordsKept


class Sealed:
    """Immutable once built, like a frozen dataclass.

    OmegaConf makes every node of a *frozen* dataclass read-only, and Hydra then
    cannot merge presets or overrides into list and dict elements (a surge's
    ``days``, a new category). So the schema classes are plain dataclasses for
    OmegaConf and seal themselves after ``__init__``: engines still cannot change
    a Config.
    """

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sealed", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_sealed", False):
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


# --------------------------------------------------------------------- territory
@dataclass
class TerritoryConfig(Sealed):
    """Counts and size distributions from which the units are generated (MODEL.md 1)."""

    name: str = "county"  # preset name, carried into results
    counties: int = 1  # county / district units (县区)
    counties_per_city: int = 0  # counties grouped in order into cities (地级市) for league tables; 0 = none
    townships_per_county: int = 12  # townships / streets per county (乡镇/街道)
    villages_per_township: int = 10  # villages / communities per township (村/社区)
    urban_share: float = 0.4  # share of villages that are urban communities (社区); s001
    households_per_village_mean: float = 1600.0  # mean households per village / community
    households_per_village_cv: float = 0.4  # spread of village sizes (gamma, this CV)
    households_per_grid: int = 400  # urban grid size; s000: 300-500 households / ~1,000 residents
    rural_households_per_grid: int = 350  # rural grids follow villager groups (村民小组), smaller; s000
    residents_per_household: float = 2.5  # residents per household (~1,000 per grid at 400 hh); s000
    elderly_share: float = 0.2  # elderly / vulnerable share of residents (raises help requests)
    party_household_share: float = 0.05  # party-member households (党员中心户): settle micro-disputes
    grid_spacing_km: float = 0.8  # distance between neighbouring grid centres, for "nearest" dispatch
    units_file: str | None = None  # CSV of real units instead of generation (see docs/configure.md); None = generate


# ---------------------------------------------------------------------- catalogue
@dataclass
class OfficeConfig(Sealed):
    """One township module or county department of the catalogue."""

    name: str = ""  # the key categories and staffing use, and the station code's suffix
    name_zh: str = ""  # Chinese display name; empty = the English one
    name_en: str = ""  # English display name; empty = the name in words (its _ and - as spaces)
    kept_open: bool = False  # a log's never-closed cases (left_open): open by design, out of the capacity verdict


def _default_modules() -> list[OfficeConfig]:
    # s000: the township's ten modules (十大模块)
    return [OfficeConfig(n, zh, en) for n, zh, en in zip(MODULES, MODULES_ZH, MODULES_EN, strict=True)]


def _default_departments() -> list[OfficeConfig]:
    # s000 "一正六副" and s002: seven county functional departments
    return [OfficeConfig(n, zh, en) for n, zh, en in zip(DEPARTMENTS, DEPARTMENTS_ZH, DEPARTMENTS_EN, strict=True)]


@dataclass
class CategoryConfig(Sealed):
    """One category of matter and where it goes (MODEL.md 3)."""

    name_zh: str = "其他"  # label for charts
    share: float = 0.1  # weight in the category mix (normalised over categories)
    urban_factor: float = 1.0  # multiplier of the weight in urban grids (s001: urban grids serve residents)
    rural_factor: float = 1.0  # multiplier of the weight in rural grids (s001: rural grids serve development)
    module: str = "governance"  # township module that takes it (a name in catalog.modules)
    department: str = "politics_law"  # county department that takes it (a name in catalog.departments)
    severity_mix: list[float] = field(default_factory=lambda: [0.7, 0.2, 0.08, 0.02])  # P(small,big,hard,beyond)
    # levels that may settle it
    handled_at: list[Level] = field(default_factory=lambda: list(Level))
    service_hours: list[float] = field(default_factory=lambda: [1.5, 3.0, 6.0, 12.0])  # mean work per level
    service_cv: float = 1.0  # coefficient of variation of work (1 = exponential, else lognormal)
    deadline: DeadlineFamily = DeadlineFamily.general  # deadline family: general|complex|emergency|help|complaint
    # days from intake fitted to a log (gridsim calibrate); None = the family's days above
    deadline_days: float | None = None
    report_prob: float = 0.5  # probability the affected resident reports it at all
    elderly_factor: float = 1.0  # rate multiplier per unit of elderly share above 0.2
    name_en: str = ""  # English display name; empty = the key in words (its _ and - as spaces)


def _default_categories() -> dict[str, CategoryConfig]:
    # Mix and work loosely follow Boston 311 2015 (M7) mapped onto grid practice (s000-s004).
    def c(*args: Any, **kwargs: Any) -> CategoryConfig:
        kwargs["deadline"] = DeadlineFamily(kwargs.get("deadline", "general"))
        return CategoryConfig(*args, **kwargs)

    # English display names (name_en), by key
    en = {"dispute": "Disputes", "safety_hazard": "Safety hazards", "sanitation": "Sanitation", "repair": "Repairs",
          "help_request": "Requests for help", "consultation": "Policy questions", "enforcement": "Violations",
          "agriculture": "Farming"}

    categories = {
        "dispute": c("矛盾纠纷", 0.14, 1.0, 1.0, "governance", "politics_law", [0.65, 0.25, 0.08, 0.02],
                     service_hours=[2.0, 4.0, 8.0, 16.0], report_prob=0.55, deadline="general"),
        "safety_hazard": c("安全隐患", 0.10, 1.0, 1.2, "emergency", "emergency_fire", [0.6, 0.25, 0.1, 0.05],
                           service_hours=[1.0, 3.0, 6.0, 12.0], report_prob=0.4, deadline="emergency"),
        "sanitation": c("环境卫生", 0.22, 1.2, 0.8, "construction", "urban_construction",
                        [0.8, 0.15, 0.04, 0.01], service_hours=[0.8, 2.0, 4.0, 8.0], report_prob=0.35),
        "repair": c("设施维修", 0.15, 1.2, 0.8, "construction", "urban_construction", [0.5, 0.3, 0.15, 0.05],
                    service_hours=[1.5, 3.0, 6.0, 12.0], report_prob=0.6),
        "help_request": c("帮扶救助", 0.10, 1.0, 1.0, "public_service", "livelihood", [0.55, 0.3, 0.12, 0.03],
                          service_hours=[1.5, 3.0, 5.0, 10.0], report_prob=0.7, deadline="help",
                          elderly_factor=2.0),
        "consultation": c("政策咨询", 0.13, 1.0, 1.0, "public_service", "livelihood", [0.85, 0.1, 0.04, 0.01],
                          service_hours=[0.5, 1.0, 2.0, 4.0], report_prob=0.9, deadline="help"),
        "enforcement": c("违法违规", 0.08, 1.0, 1.0, "enforcement", "urban_construction", [0.3, 0.3, 0.3, 0.1],
                         service_hours=[1.5, 3.0, 8.0, 16.0], report_prob=0.45, deadline="complaint"),
        "agriculture": c("农业生产", 0.08, 0.2, 2.0, "rural_revitalisation", "agriculture",
                         [0.5, 0.3, 0.15, 0.05], service_hours=[1.5, 3.0, 6.0, 12.0], report_prob=0.5),
    }
    return {k: replace(v, name_en=en[k]) for k, v in categories.items()}


@dataclass
class DeadlineConfig(Sealed):
    """Deadlines in days from intake, by family (13710 and 12345 rules, s004, M7)."""

    assign_days: float = 1.0  # 13710 "1": days to dispatch after intake
    first_action_days: float = 3.0  # 13710 "3": days to first service start
    general: float = 7.0  # 13710 "7": settle a general matter
    complex: float = 30.0  # 13710 "10"/month: a complex matter
    emergency: float = 1.0  # 12345: emergencies the same day
    help: float = 5.0  # 12345: help requests ~3-5 working days (M7)
    complaint: float = 15.0  # 12345: complaints, 5 + 10 extension working days (M7)
    complex_from_severity: int = 2  # severity index from which a general matter counts as complex (难事)
    working_days: bool = True  # count deadlines in working days of the office calendar


@dataclass
class CatalogConfig(Sealed):
    """Categories, where they go, and deadlines (MODEL.md 3).

    ``modules`` and ``departments`` are lists, so a preset that sets them replaces the
    default ten and seven instead of merging into them; their order numbers the stations.
    """

    modules: list[OfficeConfig] = field(default_factory=_default_modules)  # township modules, in station order
    departments: list[OfficeConfig] = field(default_factory=_default_departments)  # county departments, in order
    categories: dict[str, CategoryConfig] = field(default_factory=_default_categories)
    deadlines: DeadlineConfig = field(default_factory=DeadlineConfig)
    assess_share: float = 0.15  # share of a level's work spent before escalating a matter beyond its authority


# ------------------------------------------------------------------------- demand
@dataclass
class DemandConfig(Sealed):
    """Occurrence of matters: Poisson rates and their profiles (MODEL.md 4.1)."""

    # ~10M matters a year for a 10M-resident city (issue sizing); Beijing 12345 alone is ~1.4/1000/day (M7)
    rate_per_1000_per_day: float = 2.74  # matters per 1,000 residents per day, urban grids
    rural_rate_factor: float = 0.85  # rural grids raise fewer matters per resident
    # Boston 311 2015 (M7): 76% between 08:00 and 17:00
    hour_profile: list[float] = field(default_factory=lambda: [
        0.25, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.4, 2.8, 2.8, 2.6,
        2.2, 2.5, 2.6, 2.5, 2.3, 1.6, 0.8, 0.6, 0.5, 0.45, 0.4, 0.3])
    # Boston 311 2015 (M7): weekdays ~390-460 a day, weekends ~130
    weekday_profile: list[float] = field(default_factory=lambda: [1.3, 1.25, 1.2, 1.2, 1.15, 0.45, 0.45])
    season_profile: list[float] = field(default_factory=lambda: [
        0.9, 0.9, 1.0, 1.0, 1.05, 1.1, 1.15, 1.15, 1.05, 1.0, 0.95, 0.85])  # by month, summer peak
    # rate on a public holiday (calendar.holidays / holiday_dates) that falls on a working weekday,
    # relative to that weekday's; a make-up working day takes the mean working weekday's rate
    holiday_factor: float = 1.0


# ----------------------------------------------------------------------- calendar
@dataclass
class ShiftConfig(Sealed):
    """A working pattern: hours of the day and days of the week (0 = Monday)."""

    start_hour: float = 8.0
    end_hour: float = 17.0
    days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])


def _default_shifts() -> dict[str, ShiftConfig]:
    return {
        "office": ShiftConfig(8.0, 17.0, [0, 1, 2, 3, 4]),  # township and county offices
        "extended": ShiftConfig(8.0, 20.0, [0, 1, 2, 3, 4, 5, 6]),  # grid staff: every day, long hours
        "always": ShiftConfig(0.0, 24.0, [0, 1, 2, 3, 4, 5, 6]),  # 24/7 (textbook, emergency duty)
    }


@dataclass
class CalendarConfig(Sealed):
    """Working hours and days; t = 0 is 00:00 on a Monday, 1 January (or on ``start_date``)."""

    shifts: dict[str, ShiftConfig] = field(default_factory=_default_shifts)
    deadline_shift: str = "office"  # the calendar whose days count as working days for deadlines
    holidays: list[int] = field(default_factory=list)  # day indices (0 = first day) that are not working days
    # the date of model day 0 (YYYY-MM-DD); null: 1 January. It places the season profile's months
    # and the dates below; weekday indices (shift days, weekday_profile) still count from day 0
    start_date: str | None = None
    holiday_dates: list[str] = field(default_factory=list)  # public holidays by date (need start_date)
    # make-up working days by date (调休: a weekend day worked): every shift that does not run all
    # seven days works them (need start_date)
    workday_dates: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------- staffing
def _role_shifts() -> dict[str, str]:
    return {"grid_leader": "extended", "fulltime": "extended", "professional": "office",
            "committee": "office", "platform": "extended", "module": "office",
            "department": "office", "volunteer": "extended", "instructor": "office", "parttime": "extended"}


def _role_costs() -> dict[str, float]:
    # yuan a year per head, orders of magnitude for a county budget
    return {"grid_leader": 24000.0, "fulltime": 60000.0, "parttime": 3600.0, "instructor": 12000.0,
            "professional": 90000.0, "committee": 24000.0, "platform": 80000.0, "module": 90000.0,
            "department": 110000.0, "volunteer": 0.0}


def _module_staff() -> dict[str, int]:
    # s000: all township staff assigned to one of the ten modules; ~40 staff in all
    # enforcement and construction 6 (not 5): at 5 they ran at 86% and their summer peak queued
    return {"rural_revitalisation": 4, "public_service": 6, "discipline": 2, "economy_ecology": 3,
            "emergency": 4, "party_building": 2, "civic_practice": 2, "governance": 6,
            "enforcement": 6, "construction": 6}


def _department_staff() -> dict[str, int]:
    # staff handling escalated matters in a ~500k-resident county. With agriculture 16, urban construction 60 and
    # emergency/fire 16 they ran at 92-98% and the open count climbed all year; at these 74-89%, and it does not
    return {"industry": 4, "transport_culture": 4, "agriculture": 20, "urban_construction": 72,
            "livelihood": 12, "politics_law": 16, "emergency_fire": 20}


@dataclass
class StaffingConfig(Sealed):
    """Head-counts per role per level, time shares, shifts and costs (MODEL.md 2, 5)."""

    grid_leaders_per_grid: int = 1  # 网格长 (s004 一长三员)
    grid_leader_share: float = 0.3  # share of a leader's working time on matters (often the secretary)
    fulltime_per_grid: int = 1  # 专职网格员 (s004)
    parttime_per_grid: int = 2  # 兼职网格员 / "红色探头": report only (s003, s004)
    grids_per_instructor: int = 5  # 网格指导员: one township cadre per this many grids (s004); 0 = none
    professional_per_township: int = 0  # 专业网格员 sent down from departments (s002: 166 in a county)
    professional_department: str = "urban_construction"  # the department whose categories they take
    committee_per_village: int = 7  # 两委 members (M1: >=7 in a community)
    committee_share: float = 0.3  # share of their working time on escalated matters
    platform_per_township: int = 4  # command-platform dispatchers (一口受理); unified dispatch loads them most
    # per township, per module of catalog.modules (a module left out has no staff)
    module_staff: dict[str, int] = field(default_factory=_module_staff)
    # per county, per department of catalog.departments (a department left out has no staff)
    department_staff: dict[str, int] = field(default_factory=_department_staff)
    volunteers_per_township: int = 60  # surge capacity (s002: 1,165 volunteers in a county)
    volunteer_share: float = 0.5  # share of a mobilised volunteer's day on matters
    patrol_share: float = 0.4  # share of a full-time worker's time spent patrolling, not handling
    shifts: dict[str, str] = field(default_factory=_role_shifts)  # role -> calendar shift name
    cost_per_year: dict[str, float] = field(default_factory=_role_costs)  # role -> yuan per head per year
    volunteer_cost_per_day: float = 100.0  # allowance per mobilised volunteer-day


# ---------------------------------------------------------------------- discovery
@dataclass
class DiscoveryConfig(Sealed):
    """How matters come to light (MODEL.md 4.2)."""

    instant: bool = False  # every matter is discovered when it occurs (textbook)
    patrol_hours_per_household: float = 0.1  # working hours of patrol to pass every household once
    patrol_detect_prob: float = 0.8  # chance a passing patrol notices the matter
    report_factor: float = 1.0  # multiplies every category's report_prob (publicity campaigns)
    report_delay_hours: list[float] = field(default_factory=lambda: [0.0, 24.0, 6.0, 4.0, 0.0])  # mean by channel
    channel_mix: list[float] = field(default_factory=lambda: [0.0, 0.3, 0.4, 0.3, 0.0])  # resident channel weights
    reporter_rate_per_day: float = 0.05  # chance per day that one part-time reporter sees a given matter
    growth_hours_mean: float = 336.0  # mean time for an undiscovered small matter to become big (2 weeks)
    hotline_settle_prob: float = 0.0  # share of hotline calls settled on the call (M7: 45-85% at counties)


# ----------------------------------------------------------------------- dispatch
@dataclass
class DispatchConfig(Sealed):
    """Routing, queue order and escalation (MODEL.md 4.3-4.6)."""

    rule: DispatchRule = DispatchRule.fcfs  # fcfs|severity|edf|least_loaded|skill|nearest
    mode: DispatchMode = DispatchMode.level  # level (grid->village->township->county) | unified (一体派单)
    all_subject: bool = True  # 全科网格 (s001): every grid worker takes every category
    grid_list_exclude: list[str] = field(default_factory=lambda: ["enforcement"])  # off the grid matters list (s002)
    misclass_prob: float = 0.05  # platform sends a matter to the wrong module (transfer, s001 体内循环)
    transfer_hours: float = 16.0  # working hours until a misrouted matter comes back (M7: within 2 working days)
    # waiting time at each level after which a matter moves up; 0 = no limit
    escalation_limit_hours: list[float] = field(default_factory=lambda: [72.0, 168.0, 336.0, 0.0])
    fail_prob: list[float] = field(default_factory=lambda: [0.08, 0.08, 0.05, 0.0])  # attempt fails -> escalate
    instructor_fast_track: bool = True  # instructor sends hard matters from the grid straight to the township
    party_household_settle_prob: float = 0.3  # small matters of these categories settled by a party-member household
    party_household_categories: list[str] = field(default_factory=lambda: ["dispute"])  # 党员中心户 mediate these
    platform_work_hours: float = 0.25  # platform work to take in, classify and dispatch one matter
    nearest_speed_kmh: float = 15.0  # travel speed when a worker from a neighbouring grid takes a matter
    reminders: bool = True  # 催办: overdue matters jump their queue
    detour_hours: float = 24.0  # registered-vs-resident detour through the registered community


# ------------------------------------------------------------------------ outcome
@dataclass
class OutcomeConfig(Sealed):
    """Callback satisfaction, reopening and petitions (MODEL.md 4.7)."""

    satisfaction_base: float = 0.95  # satisfaction of a prompt, on-time, untransferred matter (M7: 84-94%)
    satisfaction_per_day: float = 0.01  # fall per day from occurrence to closure
    satisfaction_overdue: float = 0.15  # fall when the deadline was missed
    satisfaction_per_transfer: float = 0.05  # fall per transfer
    satisfaction_floor: float = 0.2  # lowest probability of being satisfied
    reopen_prob: float = 0.3  # a dissatisfied resident reopens the matter (rework)
    reopen_work_factor: float = 0.5  # rework as a share of the original work
    max_reopens: int = 1  # reopenings per matter
    petition_prob: float = 0.1  # a dissatisfied resident past patience petitions (上访)
    petition_patience_days: float = 30.0  # patience: petitions only when the matter took longer than this
    petition_work_hours: float = 4.0  # county work to review a petition (信访), fed back to the department


# ----------------------------------------------------------------------- scenario
@dataclass
class SurgeConfig(Sealed):
    """A surge window (flood, epidemic, festival) that multiplies chosen categories."""

    name: str = "flood"
    start_day: float = 180.0
    days: float = 10.0
    multiplier: float = 3.0  # rate x k inside the window
    categories: list[str] = field(default_factory=lambda: ["safety_hazard", "repair", "help_request"])
    volunteers: bool = True  # mobilise volunteers during the window (平急结合)


@dataclass
class ReplayConfig(Sealed):
    """Replay a work-order log: its cases are the matters (docs/logs.md, "Replay"; sim/logs/replay.py)."""

    log: str | None = None  # path of the log (CSV, .csv.gz, Parquet); None = matters are generated
    mapping: str | None = None  # the log's mapping: a shipped name (boston311, 12345) or a YAML path
    start: str | None = None  # first instant of the window (YYYY-MM-DD[ HH:MM]); None = the log's first day
    until: str | None = None  # end of the window (exclusive); None = extraction or the horizon, the earlier
    extracted_at: str | None = None  # the log's extraction time, if not the mapping's / its last timestamp
    catch_all: str | None = None  # category for the log's categories the catalogue lacks; None = an error
    places: str = "auto"  # auto (names if territory.units_file is set, else draw) | names | draw


@dataclass
class ScenarioConfig(Sealed):
    """Scenario-level settings: surges and relocation (MODEL.md 5)."""

    name: str = "baseline"
    surges: list[SurgeConfig] = field(default_factory=list)
    mismatch_share: float = 0.0  # share of residents registered in another community (s001 relocation)
    replay: ReplayConfig = field(default_factory=ReplayConfig)  # replay a log instead of generating matters


@dataclass
class TextbookConfig(Sealed):
    """One grid station with Poisson arrivals, for validation against queueing theory."""

    enabled: bool = False
    arrival_rate_per_hour: float = 1.0
    servers: int = 1
    service_mean_hours: float = 0.8
    service_cv: float = 1.0  # 1 = exponential, otherwise lognormal with this CV
    patience_hours: float | None = None  # None = infinite; else escalates (abandons) after this wait


# ---------------------------------------------------------------- run and engine
@dataclass
class RunConfig(Sealed):
    horizon_days: float = 365.0  # simulated time
    # matters occurring before this are left out of KPIs; null: the default (warmup_days below)
    warmup_days: float | None = None
    replications: int = 1  # independent replications (seed, seed+1, ...)
    seed: int = 12345
    results_dir: str = "results"  # parent directory of each run's output directory
    write_records: bool = True  # false: as records=summary
    records: RecordsKept = RecordsKept.all  # all | matters (no visits) | summary (KPIs, league, backlog; no records)
    progress: bool = True  # progress bar on a terminal
    simulate: bool = True  # false: print the capacity check only, run no engine
    reuse: bool = True  # answer from the store of runs when it holds this config and seed (sim/runs/store.py)
    confirm: bool = False  # run even when the pre-flight estimate is above 5 minutes (sim/checks/preflight.py)


#: the longest default warm-up (days); shorter horizons get a quarter of their length. The default
#: county's open count settles in about two months (MSER-5 finds 55-70 days however it is staffed):
#: a 30-day warm-up left the start-up transient in the figures
DEFAULT_WARMUP_DAYS = 90.0


def warmup_days(run: RunConfig) -> float:
    """``run.warmup_days``, or its default when null: the smaller of 90 days and a quarter of the horizon."""
    return run.warmup_days if run.warmup_days is not None else min(DEFAULT_WARMUP_DAYS, run.horizon_days / 4.0)


@dataclass
class RayEngineConfig(Sealed):
    address: str | None = None  # null: a local Ray (loopback only); host:port of a cluster's head joins it
    workers: int = 0  # blocks run at once (0 = one per core of a local Ray, per CPU of a cluster)


@dataclass
class EngineConfig(Sealed):
    name: EngineName = EngineName.auto  # agent | vector | auto
    auto_max_grids: int = 100  # auto picks the agent engine up to this many grids
    # threads (0 = one per core): replications, counties, draws side by side; the same results whatever the number
    workers: int = 0
    backend: Backend = Backend.threads  # threads: in this process; ray: county blocks on Ray (sim/runs/stream.py)
    block_matters: int = 2_000_000  # ray: the most matters of a block (one task); counties are never split
    ray: RayEngineConfig = field(default_factory=RayEngineConfig)


def _league_weights() -> dict[str, float]:
    # 三评两比一综合: service quality (on time, satisfaction) first, then speed, petitions, local settling
    return {"on_time_rate": 0.3, "satisfaction_rate": 0.3, "resolution_hours_mean": 0.2,
            "petitions_per_10k": 0.1, "settled_locally_share": 0.1}


@dataclass
class ReportConfig(Sealed):
    lang: Lang = Lang.en  # en | zh chart labels
    charts: bool = True
    # weights of the league tables' composite score (sim.scenario.constants.LEAGUE_METRICS names, >= 0)
    league_weights: dict[str, float] = field(default_factory=_league_weights)


@dataclass
class Config(Sealed):
    """A whole scenario: what ``sim.run`` and the engines consume."""

    territory: TerritoryConfig = field(default_factory=TerritoryConfig)
    catalog: CatalogConfig = field(default_factory=CatalogConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    outcome: OutcomeConfig = field(default_factory=OutcomeConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    textbook: TextbookConfig = field(default_factory=TextbookConfig)
    run: RunConfig = field(default_factory=RunConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


#: keys that name categories, modules or departments: they come with the catalogue (the ``catalog`` group)
CATALOGUE_KEYS: tuple[tuple[str, str], ...] = (
    ("catalog", "categories"), ("staffing", "module_staff"), ("staffing", "department_staff"),
    ("staffing", "professional_department"), ("dispatch", "grid_list_exclude"),
    ("dispatch", "party_household_categories"))


def _schema_node() -> DictConfig:
    """The schema with every ``CATALOGUE_KEYS`` value empty: the ``catalog`` group fills them.

    Hydra merges dicts, it never replaces them: were the default categories and module /
    department staff in the schema node, a preset bringing a catalogue of its own would
    get the default entries too. So they come from a group option instead, which a
    preset swaps out (``catalog=<name>``, or ``override /catalog: empty`` in its
    defaults list). ``Config()`` in Python keeps the full defaults.
    """
    node = OmegaConf.structured(Config)
    for section, key in CATALOGUE_KEYS:
        value = node[section][key]
        node[section][key] = "" if isinstance(value, str) else [] if OmegaConf.is_list(value) else {}
    return node


def default_catalogue() -> dict[str, Any]:
    """The ``catalog=default`` option: the ``CATALOGUE_KEYS`` values of ``Config()`` (today's catalogue)."""
    d = OmegaConf.structured(Config)
    out: dict[str, Any] = {}
    for section, key in CATALOGUE_KEYS:
        value = d[section][key]
        out.setdefault(section, {})[key] = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
    return out


@cache
def register() -> None:
    """Register the schema and the ``catalog`` group options with Hydra's ConfigStore (once per process)."""
    cs = ConfigStore.instance()
    cs.store(name="gridsim_schema", node=_schema_node())
    cs.store(group="catalog", name="default", package="_global_", node=default_catalogue())
    # no categories, no module / department staff: for a preset that brings its own catalogue
    cs.store(group="catalog", name="empty", package="_global_", node={})
