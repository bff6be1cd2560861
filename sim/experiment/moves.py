"""减县增乡 for any catalogue: turn "move k posts per township" into staffing overrides.

A scenario's ``move_to_township: k`` adds k module posts in every township and takes the
same head-count (k x townships per county) from the county's departments, whatever the
catalogue's modules and departments are called. Who moves is read off the capacity
check of the scenario without the move, one person at a time:

* a department gives the person whose leaving leaves it the least loaded (expected
  work / remaining capacity; an idle department first), ties in catalogue order;
* each new post goes to the module that is the most loaded at that point, ties in
  catalogue order.

The result is plain ``++staffing.department_staff.<d>=n`` / ``++staffing.module_staff.<m>=n``
overrides, so the experiment's ``scenarios.csv`` shows exactly who moved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.runs.source import capacity_of
from sim.scenario.catalogue import department_names, module_names
from sim.scenario.territory import build_territory
from sim.util.errors import ConfigError

__all__ = ["county_to_township"]


def _util(work: float, heads: int, per_head: float) -> float:
    if work <= 0:
        return 0.0
    return work / (heads * per_head) if heads > 0 else math.inf


def county_to_township(overrides: Sequence[str], posts: int, key: str) -> list[str]:
    """The staffing overrides that move ``posts`` per township (``key`` names the lever in errors)."""
    if posts == 0:
        return []
    cfg = load_config([*overrides, "run.replications=1"])
    terr = build_territory(cfg)
    if terr.n_townships % terr.n_counties:
        raise ConfigError(key, f"needs the same number of townships in every county, got {terr.n_townships} "
                          f"townships in {terr.n_counties} counties")
    per_county = terr.n_townships // terr.n_counties
    p = prepare(cfg, terr, generate_inputs(cfg, terr, 0))
    work = {s.name: s.work_hours_per_day for s in capacity_of(p).loads}
    s = cfg.staffing

    def per_head(role: str, units: int) -> float:  # working hours per day of one post in every unit
        return p.calendars[s.shifts.get(role, "office")].open_fraction * 24.0 * units

    dept_head, mod_head = per_head("department", terr.n_counties), per_head("module", terr.n_townships)
    depts = {d: int(s.department_staff.get(d, 0)) for d in department_names(cfg)}
    mods = {m: int(s.module_staff.get(m, 0)) for m in module_names(cfg)}
    need = posts * per_county
    if sum(depts.values()) < need:
        raise ConfigError(key, f"moves {need} staff per county ({posts} x {per_county} townships) but the "
                          f"departments have {sum(depts.values())}")
    for _ in range(posts):
        for _ in range(per_county):
            d = min((d for d in depts if depts[d] > 0),
                    key=lambda d: _util(work.get(f"department:{d}", 0.0), depts[d] - 1, dept_head))
            depts[d] -= 1
        m = max(mods, key=lambda m: _util(work.get(f"module:{m}", 0.0), mods[m], mod_head))
        mods[m] += 1
    changed = [f"++staffing.department_staff.{d}={n}" for d, n in depts.items()
               if n != int(s.department_staff.get(d, 0))]
    changed += [f"++staffing.module_staff.{m}={n}" for m, n in mods.items() if n != int(s.module_staff.get(m, 0))]
    return changed
