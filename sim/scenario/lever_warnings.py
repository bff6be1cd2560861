"""Levers that do nothing in a scenario: each gives a ``warning:`` line, never silence.

A valid config can still hold a lever that cannot act: a surge that starts after the
horizon, volunteers that no surge mobilises, reminders when no deadline falls within the
horizon, staff of a module or department that no category goes to, a setting of a rule
or level that the run does not use. ``lever_warnings`` lists them (one line each, naming
the key); a run prints them before it starts and writes them to ``warnings.txt`` and
``kpis.json``.

A lever counts as set when the run's overrides name it (``dispatch.rule=edf`` names
``dispatch.rule``; ``staffing.module_staff.discipline=9`` names ``staffing.module_staff``
and the reverse): a value that a preset chose (``calibrated=NAME``, ``scenario=textbook``) is
part of the scenario, not a lever the user pulled, and a warning about it would be noise.
Without overrides (a ``Config`` built in Python, or no overrides at all) a lever counts as
set when it differs from the schema's default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sim.scenario.schema import Config, DispatchConfig, StaffingConfig, TerritoryConfig

#: ``is_set(key, value, default)``: did the user set the lever ``key`` (now ``value``; ``default`` in the schema)
IsSet = Callable[[str, Any, Any], bool]


def override_keys(overrides: Sequence[str]) -> set[str]:
    """The dotted keys that ``overrides`` set (``+``, ``++`` and ``~`` stripped); a group choice
    (``territory=city``, ``calibrated=week``: no dot) is a preset, not a lever."""
    keys = {o.split("=", 1)[0].lstrip("+~").strip() for o in overrides}
    return {k for k in keys if "." in k}


def set_test(overrides: Sequence[str]) -> IsSet:
    """``is_set`` for a run composed from ``overrides`` (the module docstring says when a lever counts as set)."""
    if not overrides:
        return lambda _key, value, default: bool(value != default)
    named = override_keys(overrides)
    return lambda key, _value, _default: any(k == key or k.startswith(key + ".") or key.startswith(k + ".")
                                             for k in named)


def _surges(cfg: Config) -> list[str]:
    out = []
    horizon = cfg.run.horizon_days
    warmup = cfg.run.warmup_days or 0.0
    for i, sg in enumerate(cfg.scenario.surges):
        key = f"scenario.surges[{i}]"
        if sg.start_day >= horizon:
            out.append(f"{key} ({sg.name}) starts on day {sg.start_day:g}, at or after the horizon "
                       f"(run.horizon_days={horizon:g}): it changes nothing")
        elif sg.start_day + sg.days <= warmup:
            out.append(f"{key} ({sg.name}) ends on day {sg.start_day + sg.days:g}, within the warm-up "
                       f"(run.warmup_days={warmup:g}): its matters are left out of the KPIs")
        if sg.multiplier == 1.0:
            out.append(f"{key}.multiplier is 1: the surge adds no matters")
        elif not sg.categories:
            out.append(f"{key}.categories is empty: the surge adds no matters")
        if sg.volunteers and cfg.staffing.volunteers_per_township == 0 and sg.start_day < horizon:
            out.append(f"{key}.volunteers: staffing.volunteers_per_township is 0, so no one is mobilised")
    return out


def _volunteers(cfg: Config, is_set: IsSet) -> list[str]:
    s = cfg.staffing
    default = StaffingConfig()
    mobilised = any(sg.volunteers and sg.start_day < cfg.run.horizon_days for sg in cfg.scenario.surges)
    out = []
    if not mobilised:
        for name in ("volunteers_per_township", "volunteer_share", "volunteer_cost_per_day"):
            if is_set(f"staffing.{name}", getattr(s, name), getattr(default, name)):
                out.append(f"staffing.{name} is set but no surge within the horizon mobilises volunteers "
                           "(scenario.surges[*].volunteers): it changes nothing")
    return out


def _reminders(cfg: Config) -> list[str]:
    if not cfg.dispatch.reminders or cfg.textbook.enabled:
        return []
    d = cfg.catalog.deadlines
    families = {c.deadline for c in cfg.catalog.categories.values() if c.share > 0}
    shortest = min([getattr(d, f) for f in families] + [d.complex])
    if shortest >= cfg.run.horizon_days:
        return [f"dispatch.reminders: no deadline falls within the horizon (the shortest is {shortest:g} days, "
                f"run.horizon_days={cfg.run.horizon_days:g}), so no matter is ever reminded"]
    return []


def _missing_levels(cfg: Config, is_set: IsSet) -> list[str]:
    s, d, t = cfg.staffing, cfg.dispatch, cfg.territory
    default_s, default_d, default_t = StaffingConfig(), DispatchConfig(), TerritoryConfig()
    cats = [c for c in cfg.catalog.categories.values() if c.share > 0]
    out = []
    if cfg.textbook.enabled:
        staff = ("fulltime_per_grid", "grid_leaders_per_grid", "committee_per_village", "platform_per_township",
                 "professional_per_township", "module_staff", "department_staff")
        return [f"staffing.{k} is set but the textbook scenario has one grid station only (textbook.servers): it "
                "changes nothing" for k in staff if is_set(f"staffing.{k}", getattr(s, k), getattr(default_s, k))]
    used_modules = {c.module for c in cats}
    used_departments = {c.department for c in cats}
    for m, heads in s.module_staff.items():
        if m not in used_modules and is_set(f"staffing.module_staff.{m}", heads,
                                            default_s.module_staff.get(m, heads)):
            out.append(f"staffing.module_staff.{m} is set but no category goes to module {m}: it changes nothing")
    for dep, heads in s.department_staff.items():
        if dep not in used_departments and is_set(f"staffing.department_staff.{dep}", heads,
                                                  default_s.department_staff.get(dep, heads)):
            out.append(f"staffing.department_staff.{dep} is set but no category goes to department {dep}: "
                       "it changes nothing")
    if s.professional_per_township > 0 and s.professional_department not in used_departments:
        out.append(f"staffing.professional_per_township: no category belongs to department "
                   f"{s.professional_department} (staffing.professional_department), so the professionals take "
                   "no matter")
    if d.rule != "nearest":
        if is_set("dispatch.nearest_speed_kmh", d.nearest_speed_kmh, default_d.nearest_speed_kmh):
            out.append(f"dispatch.nearest_speed_kmh is set but dispatch.rule={d.rule}, not nearest: it changes nothing")
        if is_set("territory.grid_spacing_km", t.grid_spacing_km, default_t.grid_spacing_km):
            out.append(f"territory.grid_spacing_km is set but dispatch.rule={d.rule}, not nearest: it changes nothing")
    if t.party_household_share == 0 and is_set("dispatch.party_household_settle_prob", d.party_household_settle_prob,
                                               default_d.party_household_settle_prob):
        out.append("dispatch.party_household_settle_prob is set but territory.party_household_share is 0: "
                   "there are no party-member households")
    if s.grids_per_instructor == 0 and is_set("dispatch.instructor_fast_track", d.instructor_fast_track,
                                              default_d.instructor_fast_track):
        out.append("dispatch.instructor_fast_track is set but staffing.grids_per_instructor is 0: there are no "
                   "instructors")
    return out


def lever_warnings(cfg: Config, overrides: Sequence[str] = ()) -> list[str]:
    """One line per lever that does nothing in ``cfg`` (without the ``warning:`` prefix).

    ``overrides``: what ``cfg`` was composed from; a lever warns only when they set it.
    """
    is_set = set_test(overrides)
    return _surges(cfg) + _volunteers(cfg, is_set) + _reminders(cfg) + _missing_levels(cfg, is_set)
