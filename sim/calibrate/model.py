"""The calibrated scenario as config values, and the simulated log it produces.

The model a log is fitted to (and why):

* **Intake is occurrence.** A log sees a matter only when someone reported it (MODEL.md 8),
  so discovery is instant and ``created`` is the matter's occurrence and intake.
* **Matters go straight to their department.** In a 311 / 12345 log the office that
  handled a case is a county department; each category goes to the department that
  handled most of its training cases. The category may be settled at the grid (level 0)
  or the county (level 3) only, by level-by-level dispatch with no failures, time limits,
  transfers, reminders or reopening, so a matter's path is intake -> (settled at once) or
  intake -> its department, and **departments share no queue**: each department's close
  times depend on its own parameters alone, which lets one simulation score every
  department (``sim.calibrate.fit``).
* **A share settled at once.** The share of a category's cases closed within
  ``FAST_HOURS`` (staff-generated reports closed on the spot) has severity "small" and
  is settled by the intake grid, round the clock, in the mean time the log shows; the rest
  have severity "beyond" (the grid only passes them on, in a negligible share of that).
* **The handling side** of each department is a pool of ``servers`` working office
  hours (Monday-Friday 08:00-17:00 on the log's calendar) on work per matter with mean
  ``work_hours`` (working hours) and coefficient of variation ``cv`` (lognormal).
* **A quick path.** Where a department's close times are two populations (a same-day mass
  and a long tail; ``sim.calibrate.paths`` chooses by BIC), each category's quick share
  goes, as a twin category ``<key>__quick``, to the intake grid, which settles it round the
  clock in the quick component's lognormal time; the grid has servers enough that it never
  queues (``grid_servers``).
* **Two works.** Where a department's queue cases hold a body and a long tail of work
  (``sim.calibrate.works`` chooses by BIC on their working hours), each category's long
  share goes, as a twin category ``<key>__long``, to the same department with the long
  work's mean and spread: both works share the department's servers and its queue.
* **Left open.** Some cases a log never closes (an information request nobody closes):
  the share of a category's training cases still open ``LEFT_OPEN_DAYS`` or more after
  they were created goes, as a twin category ``<key>__left_open``, to a department
  ``left_open`` whose one server never finishes (work at the schema's bound on work, 10^4 h,
  against ~2,300 office hours a year): they stay open, as in the
  log, whatever the staffing. The capacity check flags that department: that is expected.
* **Deadlines** per category from due - created (calendar or working days, whichever
  spreads less), set as ``deadline_days``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.calibrate.profile import OFFICE_WEEKDAYS, ArrivalFit, CategoryFit, Timebase, slug
from sim.scenario.bounds import bound_of
from sim.scenario.schema import CategoryConfig, Config
from sim.scenario.validate import validate

#: households written per training case of a place (units have no population in a log:
#: the rate per unit is carried by the units' relative sizes)
HOUSEHOLDS_PER_ROW = 1
RESIDENTS_PER_HOUSEHOLD = 2.5
#: the module every category names (no category is handled at the township)
MODULE = "governance"
#: grid servers at each place (the quick path must never queue)
GRID_SERVERS = 4
#: the department that holds the matters a log leaves open (its one server never finishes the first)
LEFT_OPEN = "left_open"
LEFT_OPEN_SUFFIX = "__left_open"
#: a category's quick path (its department's two-path mixture, ``sim.calibrate.paths``): settled by
#: the intake grid round the clock, in the quick component's own time, without queueing
QUICK_SUFFIX = "__quick"
#: a category's long work (its department's two works, ``sim.calibrate.works``): through the same queue
LONG_SUFFIX = "__long"
#: twins of a category whose handling the search leaves alone
TWIN_SUFFIXES = (LEFT_OPEN_SUFFIX, QUICK_SUFFIX)
#: every twin of a category (each belongs to its category's department in the simulated log)
ALL_TWINS = (*TWIN_SUFFIXES, LONG_SUFFIX)
#: work of a left-open case: the largest the schema allows (sim/scenario/bounds.py), so the preset
#: validates; one server working office hours (~2,300 h a year) never ends it within a log's span
NEVER_HOURS = bound_of("catalog.categories.case.service_hours[3]")[0]


def scaled_work(hours: float, factor: float) -> float:
    """A category's mean work: its department's times its pace (``sim.calibrate.category_work``),
    within the schema's bound."""
    return min(hours * factor, NEVER_HOURS)


@dataclass(frozen=True)
class Handling:
    """A department's fitted handling side."""

    servers: int  # people (servers) working office hours
    work_hours: float  # mean work per matter, working hours (the short work's, with two works)
    cv: float  # coefficient of variation of work
    long_work_hours: float = 0.0  # the long work's mean (two works, ``sim.calibrate.works``); 0: one work
    long_cv: float = 0.0
    long_share: float = 0.0  # of the queue's matters, the long work's (the department's, for its capacity)

    @property
    def mean_work_hours(self) -> float:
        """Mean work per matter through the queue, both works together."""
        if self.long_work_hours <= 0.0:
            return self.work_hours
        return (1.0 - self.long_share) * self.work_hours + self.long_share * self.long_work_hours

    @property
    def capacity_per_hour(self) -> float:
        """Matters a working hour the department can settle: servers / mean work."""
        return self.servers / self.mean_work_hours


def department_slots(departments: list[str]) -> dict[str, str]:
    """Log department -> its config name (``slug``: a key Hydra overrides can name)."""
    taken: set[str] = set()
    return {d: slug(d, taken) for d in departments}


def write_units(fit: ArrivalFit, path: Path, county: str) -> Path:
    """The units table: place1 -> township, place2 -> village, one grid each, sized by rows."""
    df = pd.DataFrame({"county": county, "township": fit.places["place1"], "village": fit.places["place2"],
                       "urban": 1, "households": np.maximum(fit.places["rows"] * HOUSEHOLDS_PER_ROW, 1),
                       "grids": 1})
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def scenario_values(fit: ArrivalFit, handling: dict[str, Handling], units_file: Path, name: str,
                    seed: int) -> dict[str, Any]:
    """The preset's values as a nested dict (what ``preset.py`` writes and ``build_config`` builds)."""
    tb = fit.tb
    slots = department_slots(sorted(handling))
    residents = float(fit.places["rows"].clip(lower=1).sum()) * HOUSEHOLDS_PER_ROW * RESIDENTS_PER_HOUSEHOLD
    cats: dict[str, Any] = {}
    any_left = False
    for c in fit.categories.values():
        h = handling[c.department]
        fast, left, quick = twin_shares(c)
        if quick > 0.0:
            cats[c.key + QUICK_SUFFIX] = {
                "name_zh": c.name, "share": c.share * quick, "module": MODULE, "department": slots[c.department],
                "severity_mix": [1.0, 0.0, 0.0, 0.0], "handled_at": ["grid"],
                "service_hours": [max(c.quick_hours, 1e-3)] * 4, "service_cv": max(c.quick_cv, 0.05),
                "deadline": "general", "deadline_days": c.deadline_days, "report_prob": 1.0}
        if left > 0.0:
            any_left = True
            cats[c.key + LEFT_OPEN_SUFFIX] = {
                "name_zh": c.name, "name_en": c.name, "share": c.share * left, "module": MODULE,
                "department": LEFT_OPEN,
                "severity_mix": [0.0, 0.0, 0.0, 1.0], "handled_at": ["county"],
                "service_hours": [1.0, 1.0, 1.0, NEVER_HOURS], "service_cv": 0.1,
                "deadline": "general", "deadline_days": c.deadline_days, "report_prob": 1.0}
        rest = 1.0 - left - quick  # neither left open nor on the quick path
        long = long_share_of(c) if h.long_work_hours > 0.0 else 0.0
        if long > 0.0:
            cats[c.key + LONG_SUFFIX] = {
                "name_zh": c.name, "name_en": c.name, "share": c.share * long, "module": MODULE,
                "department": slots[c.department], "severity_mix": [0.0, 0.0, 0.0, 1.0], "handled_at": ["county"],
                "service_hours": [1.0, 1.0, 1.0, scaled_work(h.long_work_hours, c.work_factor)],
                "service_cv": h.long_cv,
                "deadline": "general", "deadline_days": c.deadline_days, "report_prob": 1.0}
        rest -= long  # the long work's cases have their twin
        fast = min(fast / rest, 1.0) if rest > 0.0 else 1.0
        cats[c.key] = {
            "name_zh": c.name, "name_en": c.name, "share": c.share * rest, "urban_factor": 1.0,
            "rural_factor": 1.0,
            "module": MODULE, "department": slots[c.department],
            "severity_mix": [fast, 0.0, 0.0, 1.0 - fast], "handled_at": ["grid", "county"],
            "service_hours": [max(c.fast_hours, 1e-3)] * 3 + [scaled_work(h.work_hours, c.work_factor)],
            "service_cv": h.cv,
            "deadline": "general", "deadline_days": c.deadline_days, "report_prob": 1.0, "elderly_factor": 1.0}
    office_days = tb.model_weekdays(OFFICE_WEEKDAYS)
    dept_names = {d: slots[d] for d in sorted(handling)}
    values: dict[str, Any] = {
        "territory": {"name": name, "units_file": str(units_file), "residents_per_household": RESIDENTS_PER_HOUSEHOLD,
                      "elderly_share": 0.2, "party_household_share": 0.0},
        # display names are the log's own labels (in the log's language, for either page language)
        "catalog": {"modules": [{"name": MODULE, "name_zh": "综合受理", "name_en": "Intake"}],
                    "departments": [{"name": k, "name_zh": d, "name_en": d} for d, k in dept_names.items()]
                    + ([{"name": LEFT_OPEN, "name_zh": "未办结（日志中）", "name_en": "Left open in the log",
                          "kept_open": True}]
                       if any_left else []),
                    "categories": cats, "deadlines": {"working_days": fit.working_days}},
        "demand": {"rate_per_1000_per_day": fit.daily_rate / residents * 1000.0, "rural_rate_factor": 1.0,
                   "hour_profile": fit.hour_profile, "weekday_profile": fit.weekday_profile,
                   "season_profile": fit.season_profile, "holiday_factor": fit.holiday_factor},
        "calendar": {"shifts": {"office": {"start_hour": 8.0, "end_hour": 17.0, "days": office_days}},
                     "deadline_shift": "office", "holidays": [], "start_date": tb.start_date,
                     "holiday_dates": [d.isoformat() for d in tb.holidays],
                     "workday_dates": [d.isoformat() for d in tb.workdays]},
        "staffing": {"grid_leaders_per_grid": 0, "fulltime_per_grid": grid_servers(fit), "parttime_per_grid": 0,
                     "grids_per_instructor": 0, "professional_per_township": 0, "volunteers_per_township": 0,
                     # discovery is instant: the intake grid's staff spend no time patrolling, so the
                     # quick and on-the-spot paths take the time the log shows, not 1 / (1 - 0.4) of it
                     "patrol_share": 0.0,
                     "shifts": {"fulltime": "always", "grid_leader": "always", "department": "office"},
                     "professional_department": slots[sorted(handling)[0]], "committee_per_village": 0,
                     "module_staff": {MODULE: 0},
                     "department_staff": {slots[d]: h.servers for d, h in handling.items()}
                     | ({LEFT_OPEN: 1} if any_left else {})},
        "discovery": {"instant": True, "channel_mix": fit.channel_mix},
        "dispatch": {"rule": "fcfs", "mode": "level", "grid_list_exclude": [], "misclass_prob": 0.0,
                     "fail_prob": [0.0, 0.0, 0.0, 0.0], "escalation_limit_hours": [0.0, 0.0, 0.0, 0.0],
                     "instructor_fast_track": False, "party_household_settle_prob": 0.0,
                     "party_household_categories": [], "reminders": False},
        "outcome": {"reopen_prob": 0.0, "petition_prob": 0.0},
        "scenario": {"name": f"calibrated-{name}", "surges": [], "mismatch_share": 0.0},
        "run": {"horizon_days": tb.horizon_days, "warmup_days": 0.0, "seed": seed},
        "engine": {"name": "vector"},
    }
    return values


def twin_shares(c: CategoryFit) -> tuple[float, float, float]:
    """(settled at once, left open, quick path) shares of a category's cases, each within what the
    ones before it leave (the quick ones closed: not left open)."""
    fast = min(max(c.fast_share, 0.0), 1.0)
    left = min(max(c.open_share, 0.0), 1.0 - fast)
    quick = min(max(c.quick_share, 0.0), 1.0 - fast - left)
    return fast, left, quick


def long_share_of(c: CategoryFit) -> float:
    """The long work's share of all a category's cases: its share of the queue's (those neither settled at
    once, nor left open, nor on the quick path)."""
    fast, left, quick = twin_shares(c)
    return min(max(c.long_share, 0.0), 1.0) * max(1.0 - fast - left - quick, 0.0)


def grid_servers(fit: ArrivalFit) -> int:
    """Servers per place such that the quick path never queues: the busiest place's work in the
    busiest hour, plus four standard deviations of a Poisson hour's, plus ``GRID_SERVERS``."""
    peak = fit.daily_rate / 24.0 * max(fit.hour_profile) * max(fit.weekday_profile) * max(fit.season_profile)
    share = float(fit.places["rows"].max() / max(fit.places["rows"].sum(), 1)) if len(fit.places) else 1.0
    work = sum(c.share * (c.quick_share * c.quick_hours + c.fast_share * c.fast_hours)
               for c in fit.categories.values())
    load = peak * share * work
    return int(GRID_SERVERS + math.ceil(load + 4.0 * math.sqrt(load)))


def build_config(values: dict[str, Any]) -> Config:
    """A validated Config from preset values; the category dict replaces the default one."""
    base = OmegaConf.structured(Config)
    cats = values["catalog"]["categories"]
    rest = {k: v for k, v in values.items() if k not in ("catalog", "staffing")}
    rest["catalog"] = {k: v for k, v in values["catalog"].items() if k != "categories"}
    staff_dicts = ("module_staff", "department_staff")
    rest["staffing"] = {k: v for k, v in values["staffing"].items() if k not in staff_dicts}
    obj = OmegaConf.to_object(OmegaConf.merge(base, rest))
    assert isinstance(obj, Config)
    # the log's categories and head-counts replace the default ones (a merge would keep both)
    catalog = replace(obj.catalog, categories={k: CategoryConfig(**v) for k, v in cats.items()})
    staffing = replace(obj.staffing, module_staff=dict(values["staffing"]["module_staff"]),
                       department_staff=dict(values["staffing"]["department_staff"]))
    cfg = replace(obj, catalog=catalog, staffing=staffing)
    validate(cfg)
    return cfg


def simulated_cases(rec: Any, cfg: Config, tb: Timebase, due_share: dict[str, float],
                    departments: dict[str, str], seed: int) -> pd.DataFrame:
    """The simulated matters as a log of the contract's shape, censored at the extraction.

    A simulated matter has a deadline whether or not its category's cases carry one in
    the log; a seeded draw keeps each category's due share of them, so that on-time rates
    are computed over comparable rows.
    """
    m = rec.matters
    names = list(cfg.catalog.categories)
    cat = np.asarray(m.category, dtype=np.int64)
    created = tb.stamp(m.t_occur)
    horizon = cfg.run.horizon_days * 24.0
    t_close = np.where(np.asarray(m.t_close) <= horizon, m.t_close, np.nan)
    share = np.array([due_share.get(n, 1.0) for n in names])
    keep_due = np.random.default_rng(seed).random(len(cat)) < share[cat]
    due = np.where(keep_due, m.deadline, np.nan)
    keys = np.asarray(names, dtype=object)[cat]
    dept = pd.Series(keys).map(departments).to_numpy()
    cname = np.asarray([c.name_zh for c in cfg.catalog.categories.values()], dtype=object)[cat]  # the log's name
    return pd.DataFrame({"case_id": np.arange(len(cat)).astype(str), "created": created,
                         "closed": tb.stamp(t_close), "due": tb.stamp(due), "category": cname,
                         "department": dept, "is_open": np.isnan(t_close)})
