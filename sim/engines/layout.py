"""Stations and their servers, laid out from the territory (MODEL.md 2).

A station is a place where matters queue: a grid's staff, a village's two
committees, a township's command platform, each township module, each county
department. Its servers are people, each with a speed (the share of their
working time spent handling matters), a shift, and a set of categories they may
take. Both engines and the capacity check read this one layout.

Stations are numbered by kind: grids, villages, platforms, modules (township x
module), departments (county x department). Servers are stored compressed
(CSR): the servers of station s are ``server_ptr[s]:server_ptr[s+1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.records.schema import ServerTable, StationTable
from sim.rules.calendar import WorkCalendar
from sim.scenario.catalogue import department_names, module_names
from sim.scenario.constants import ROLES
from sim.scenario.schema import Config, warmup_days
from sim.scenario.territory import Territory


@dataclass(frozen=True)
class StationLayout:
    """Stations (s of them) and their servers (r of them)."""

    kind: list[str]  # [s] grid | village | platform | module | department
    level: np.ndarray  # [s] int8
    unit: np.ndarray  # [s] int32 grid / village / township / county index
    sub: np.ndarray  # [s] int16 module or department index; -1 otherwise
    code: list[str]  # [s]
    server_ptr: np.ndarray  # [s + 1] int64
    server_role: np.ndarray  # [r] int8 ROLES index
    server_speed: np.ndarray  # [r] float64 share of working time on matters
    server_shift: list[str]  # [r] calendar shift name
    server_skills: np.ndarray  # [r, n_categories] bool: may take that category
    server_volunteer: np.ndarray  # [r] bool: works only in surge windows that mobilise volunteers
    n_grids: int
    n_villages: int
    n_townships: int
    n_counties: int
    n_modules: int  # modules per township (catalog.modules)
    n_departments: int  # departments per county (catalog.departments)

    @property
    def n(self) -> int:
        return len(self.kind)

    def grid(self, g: np.ndarray | int) -> np.ndarray | int:
        return g

    def village(self, v: np.ndarray | int) -> np.ndarray | int:
        return self.n_grids + v

    def platform(self, t: np.ndarray | int) -> np.ndarray | int:
        return self.n_grids + self.n_villages + t

    def module(self, t: np.ndarray | int, m: np.ndarray | int) -> np.ndarray | int:
        return self.n_grids + self.n_villages + self.n_townships + t * self.n_modules + m

    def department(self, c: np.ndarray | int, d: np.ndarray | int) -> np.ndarray | int:
        return (self.n_grids + self.n_villages + self.n_townships * (1 + self.n_modules)
                + c * self.n_departments + d)

    def servers_of(self, s: int) -> range:
        return range(int(self.server_ptr[s]), int(self.server_ptr[s + 1]))

    def speed_sum(self, include_volunteers: bool = False) -> np.ndarray:
        """Server-equivalents per station [s]."""
        speed = np.where(self.server_volunteer & (not include_volunteers), 0.0, self.server_speed)
        return np.add.reduceat(np.append(speed, 0.0), self.server_ptr[:-1]) * (np.diff(self.server_ptr) > 0)


def _volunteer_windows(cfg: Config) -> list[tuple[float, float]]:
    return [(sg.start_day * 24.0, (sg.start_day + sg.days) * 24.0) for sg in cfg.scenario.surges if sg.volunteers]


def build_layout(cfg: Config, terr: Territory) -> StationLayout:
    """Lay out every station and its servers."""
    s = cfg.staffing
    cats = list(cfg.catalog.categories.values())
    n_k = len(cats)
    all_skills = np.ones(n_k, bool)
    prof_skills = np.array([c.department == s.professional_department for c in cats])
    kind: list[str] = []
    level: list[int] = []
    unit: list[int] = []
    sub: list[int] = []
    code: list[str] = []
    ptr = [0]
    role: list[int] = []
    speed: list[float] = []
    shift: list[str] = []
    skills: list[np.ndarray] = []
    volunteer: list[bool] = []

    def station(k: str, lv: int, u: int, sb: int, c: str) -> None:
        kind.append(k)
        level.append(lv)
        unit.append(u)
        sub.append(sb)
        code.append(c)

    def server(r: str, sp: float, sk: np.ndarray, vol: bool = False, sh: str | None = None, count: int = 1) -> None:
        """``count`` identical servers (list repetition: the city has some 50,000)."""
        count = max(count, 0)
        role.extend([ROLES.index(r)] * count)
        speed.extend([sp] * count)
        shift.extend([sh or s.shifts.get(r, "office")] * count)
        skills.extend([sk] * count)
        volunteer.extend([vol] * count)

    def close() -> None:
        ptr.append(len(role))

    # professional grid workers and volunteers are spread round-robin over a township's grids
    rank_in_town = np.zeros(terr.n_grids, np.int64)
    grids_in_town = np.bincount(terr.grid_township, minlength=terr.n_townships)
    for t in range(terr.n_townships):
        idx = np.flatnonzero(terr.grid_township == t)
        rank_in_town[idx] = np.arange(len(idx))
    volunteers = bool(_volunteer_windows(cfg))
    for g in range(terr.n_grids):
        station("grid", 0, g, -1, terr.grid_codes[g])
        if cfg.textbook.enabled:
            server("fulltime", 1.0, all_skills, sh="always", count=int(terr.grid_fulltime[g]))
            close()
            continue
        n_ft = int(terr.grid_fulltime[g])
        for i in range(n_ft):
            # specialist grids split the categories among the full-time workers
            sk = all_skills if cfg.dispatch.all_subject else (np.arange(n_k) % n_ft == i)
            server("fulltime", 1.0 - s.patrol_share, sk)
        server("grid_leader", s.grid_leader_share, all_skills, count=int(terr.grid_leaders[g]))
        t = int(terr.grid_township[g])
        n_g = int(grids_in_town[t])
        r = int(rank_in_town[g])
        server("professional", 1.0, prof_skills,
               count=int(terr.township_professional[t]) // n_g + (r < int(terr.township_professional[t]) % n_g))
        if volunteers:
            server("volunteer", s.volunteer_share, all_skills, vol=True,
                   count=int(terr.township_volunteers[t]) // n_g + (r < int(terr.township_volunteers[t]) % n_g))
        close()
    def office(k: str, lv: int, u: int, sb: int, c: str, role_name: str, count: int, sp: float) -> None:
        """A station of ``count`` identical servers who take every category."""
        station(k, lv, u, sb, c)
        server(role_name, sp, all_skills, count=count)
        close()

    for v in range(terr.n_villages):
        office("village", 1, v, -1, terr.village_codes[v], "committee", int(terr.village_committee[v]),
               s.committee_share)
    for t in range(terr.n_townships):
        office("platform", 2, t, -1, f"{terr.township_codes[t]}-platform", "platform",
               int(terr.township_platform[t]), 1.0)
    modules, departments = module_names(cfg), department_names(cfg)
    for t in range(terr.n_townships):
        for m, name in enumerate(modules):
            office("module", 2, t, m, f"{terr.township_codes[t]}-{name}", "module", int(terr.township_modules[t, m]),
                   1.0)
    for c in range(terr.n_counties):
        for d, name in enumerate(departments):
            office("department", 3, c, d, f"{terr.county_codes[c]}-{name}", "department",
                   int(terr.county_departments[c, d]), 1.0)
    return StationLayout(
        kind=kind, level=np.asarray(level, np.int8), unit=np.asarray(unit, np.int32),
        sub=np.asarray(sub, np.int16), code=code, server_ptr=np.asarray(ptr, np.int64),
        server_role=np.asarray(role, np.int8), server_speed=np.asarray(speed, np.float64), server_shift=shift,
        server_skills=np.asarray(skills, bool).reshape(len(role), n_k), server_volunteer=np.asarray(volunteer, bool),
        n_grids=terr.n_grids, n_villages=terr.n_villages, n_townships=terr.n_townships, n_counties=terr.n_counties,
        n_modules=len(modules), n_departments=len(departments),
    )


def capacity_hours(cfg: Config, layout: StationLayout, calendars: dict[str, WorkCalendar],
                   t0: float, t1: float) -> np.ndarray:
    """Server working hours (times speed) each station offers in [t0, t1] [s]."""
    weighted = np.append(server_capacity_hours(cfg, layout, calendars, t0, t1), 0.0)
    counts = np.diff(layout.server_ptr)
    return np.add.reduceat(weighted, layout.server_ptr[:-1]) * (counts > 0)


def server_capacity_hours(cfg: Config, layout: StationLayout, calendars: dict[str, WorkCalendar],
                          t0: float, t1: float) -> np.ndarray:
    """Working hours times speed each server offers in [t0, t1] [r] (volunteers: in their windows)."""
    per_server = np.zeros(len(layout.server_role))
    for name, cal in calendars.items():
        m = np.array([sh == name for sh in layout.server_shift], bool)
        if m.any():
            per_server[m] = float(cal.between(t0, t1))
    windows = _volunteer_windows(cfg)
    if layout.server_volunteer.any():
        vol = np.flatnonzero(layout.server_volunteer)
        for i in vol:
            cal = calendars[layout.server_shift[i]]
            spans = [(max(a, t0), min(b, t1)) for a, b in windows if min(b, t1) > max(a, t0)]
            per_server[i] = sum(float(cal.between(a, b)) for a, b in spans)
    return per_server * layout.server_speed


def server_table(cfg: Config, layout: StationLayout, calendars: dict[str, WorkCalendar]) -> ServerTable:
    """The records' server table, with capacity over the KPI window."""
    station = np.repeat(np.arange(layout.n, dtype=np.int32), np.diff(layout.server_ptr))
    return ServerTable(role=[ROLES[int(r)] for r in layout.server_role], station=station,
                       level=layout.level[station].astype(np.int8), speed=layout.server_speed.copy(),
                       capacity_hours=server_capacity_hours(cfg, layout, calendars, warmup_days(cfg.run) * 24.0,
                                                            cfg.run.horizon_days * 24.0))


def station_table(cfg: Config, layout: StationLayout, calendars: dict[str, WorkCalendar]) -> StationTable:
    """The records' station table, with capacity over the KPI window."""
    h = cfg.run.horizon_days * 24.0
    w = warmup_days(cfg.run) * 24.0
    return StationTable(kind=list(layout.kind), level=layout.level.copy(), unit=layout.unit.copy(),
                        code=list(layout.code), servers=layout.speed_sum(),
                        capacity_hours=capacity_hours(cfg, layout, calendars, w, h))
