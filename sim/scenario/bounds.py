"""Upper bounds on every number of a Config: values no planner could mean are errors naming the key.

``validate`` checks types, signs and ranges that the model needs; this module adds the
other end: a head-count of a billion per grid, a horizon of 1e308 days or a rate of a
million matters per resident would overflow, allocate without end or run for years,
so they stop at once with the bound in the message. Every numeric key has a bound: the
table below gives the specific ones (first matching pattern wins, ``fnmatch`` syntax on
the dotted key), and any other number is held to ``DEFAULT_BOUND``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from fnmatch import fnmatchcase
from typing import Any

from sim.scenario.schema import Config
from sim.util.errors import ConfigError

#: the bound of any number the table does not name
DEFAULT_BOUND = 1e9

#: (pattern, largest value, what the number is): first match wins
BOUNDS: tuple[tuple[str, float, str], ...] = (
    ("territory.counties", 10_000, "counties"),
    ("territory.townships_per_county", 1_000, "townships per county"),
    ("territory.villages_per_township", 1_000, "villages per township"),
    ("territory.households_per_village_mean", 1_000_000, "households per village"),
    ("territory.households_per_village_cv", 10, "a coefficient of variation"),
    ("territory.*households_per_grid", 1_000_000, "households per grid"),
    ("territory.residents_per_household", 100, "residents per household"),
    ("territory.grid_spacing_km", 1_000, "km between grid centres"),
    ("staffing.grids_per_instructor", 1_000_000, "grids per instructor"),
    ("staffing.module_staff.*", 100_000, "staff of a module"),
    ("staffing.department_staff.*", 100_000, "staff of a department"),
    ("staffing.cost_per_year.*", 1e9, "yuan a year per head"),
    ("staffing.volunteer_cost_per_day", 1e7, "yuan a day"),
    ("staffing.*_per_*", 10_000, "a head-count per unit"),
    ("catalog.categories.*.service_hours*", 10_000, "hours of work"),
    ("catalog.categories.*.service_cv", 100, "a coefficient of variation"),
    ("catalog.categories.*_factor", 1_000, "a rate factor"),
    ("catalog.categories.*.share", 1e6, "a category weight"),
    ("catalog.deadlines.*", 3_650, "days"),
    ("demand.rate_per_1000_per_day", 1_000_000, "matters per 1,000 residents a day (1,000 per resident)"),
    ("demand.rural_rate_factor", 1_000, "a rate factor"),
    ("demand.*_profile*", 1e6, "a profile weight"),
    ("demand.holiday_factor", 1_000, "a rate factor"),
    ("calendar.holidays*", 36_500, "a day index within the longest horizon"),
    ("discovery.patrol_hours_per_household", 1_000, "hours per household"),
    ("discovery.report_factor", 1_000, "a factor"),
    ("discovery.report_delay_hours*", 100_000, "hours"),
    ("discovery.channel_mix*", 1e6, "a channel weight"),
    ("discovery.reporter_rate_per_day", 1_000, "sightings per day"),
    ("discovery.growth_hours_mean", 1e7, "hours"),
    ("dispatch.transfer_hours", 100_000, "hours"),
    ("dispatch.escalation_limit_hours*", 1e7, "hours"),
    ("dispatch.platform_work_hours", 1_000, "hours of work"),
    ("dispatch.nearest_speed_kmh", 1_000, "km/h"),
    ("dispatch.detour_hours", 100_000, "hours"),
    ("outcome.reopen_work_factor", 100, "a factor"),
    ("outcome.max_reopens", 100, "reopenings per matter"),
    ("outcome.petition_patience_days", 36_500, "days"),
    ("outcome.petition_work_hours", 10_000, "hours of work"),
    ("scenario.surges*.start_day", 36_500, "days"),
    ("scenario.surges*.days", 36_500, "days"),
    ("scenario.surges*.multiplier", 1_000, "a rate multiplier"),
    ("textbook.arrival_rate_per_hour", 100_000, "matters an hour"),
    ("textbook.servers", 10_000, "servers"),
    ("textbook.service_mean_hours", 10_000, "hours of work"),
    ("textbook.service_cv", 100, "a coefficient of variation"),
    ("textbook.patience_hours", 1e7, "hours"),
    ("run.horizon_days", 36_500, "days, 100 years"),
    ("run.warmup_days", 36_500, "days"),
    ("run.replications", 10_000, "replications"),
    ("run.seed", 2**63 - 1, "a seed"),
    ("engine.auto_max_grids", 1e9, "grids"),
    ("engine.workers", 1_024, "threads"),
    ("engine.ray.workers", 100_000, "Ray workers"),
    ("engine.block_matters", 1e9, "matters per block"),
)
#: the most villages a generated territory may have (counties x townships x villages)
MAX_VILLAGES = 10_000_000


def numbers(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every numeric leaf of a Config (dataclasses, dicts, lists) as (dotted key, value)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        for f in fields(obj):
            yield from numbers(getattr(obj, f.name), f"{prefix}.{f.name}" if prefix else f.name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from numbers(v, f"{prefix}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from numbers(v, f"{prefix}[{i}]")
    elif isinstance(obj, int | float) and not isinstance(obj, bool):
        yield prefix, obj


def bound_of(key: str) -> tuple[float, str]:
    """The largest value ``key`` may take and what it counts."""
    for pattern, hi, what in BOUNDS:
        if fnmatchcase(key, pattern):
            return hi, what
    return DEFAULT_BOUND, "a value"


def _show(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def check_bounds(cfg: Config) -> None:
    """Raise ConfigError for the first number above its bound (NaN and infinities are refused too)."""
    for key, value in numbers(cfg):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(key, f"must be a finite number, got {value}")
        hi, what = bound_of(key)
        if value > hi:
            raise ConfigError(key, f"must be at most {_show(hi)} ({what}), got {_show(value)}")
    t = cfg.territory
    if not cfg.textbook.enabled and t.units_file is None:
        villages = t.counties * t.townships_per_county * t.villages_per_township
        if villages > MAX_VILLAGES:
            raise ConfigError("territory.counties", f"{t.counties:,} counties x {t.townships_per_county:,} townships "
                              f"x {t.villages_per_township:,} villages = {villages:,} villages, more than "
                              f"{MAX_VILLAGES:,}")
    if cfg.textbook.enabled and cfg.textbook.servers < 1:
        raise ConfigError("textbook.servers", f"must be at least 1: matters arrive at "
                          f"{cfg.textbook.arrival_rate_per_hour:g} an hour and no one would serve them")
