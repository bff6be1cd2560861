"""The capacity check: expected flows and offered load per station type, before any dynamics.

For each category and severity the routing rules give the path a matter takes
(level by level or unified, with failure probabilities, assessment of matters
beyond a level's authority, platform classification, misrouting and an
approximate rework rate). Multiplying by the expected rate of each category
gives matters per day arriving at each station type and the work they bring.
Utilisation = offered work per hour / (server-equivalents x open share of the
week); a station type at or over 1 cannot keep up and is flagged.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from sim.engines.prepare import Prepared
from sim.metrics.stability import FINDING
from sim.rules.demand import grid_rates_per_hour
from sim.rules.mode import NOT_HOTLINE, first_level, via_platform
from sim.rules.outcome import party_prob
from sim.rules.routing import next_level
from sim.scenario.constants import GRID, HOTLINE, LEVELS, TOWNSHIP


@dataclass(frozen=True)
class StationLoad:
    """One station type (grid, village, platform, module:x, department:x)."""

    name: str
    level: int
    stations: int
    servers: float  # server-equivalents over all stations of the type
    arrivals_per_day: float  # matters arriving, all stations of the type
    work_hours_per_day: float  # work offered, all stations of the type
    capacity_hours_per_day: float  # server working hours per day (the horizon's weeks on average, holidays included)
    kept_open: bool = False  # a department standing for a log's never-closed cases: open by design, not judged

    @property
    def utilization(self) -> float:
        if self.capacity_hours_per_day <= 0:
            return float("inf") if self.work_hours_per_day > 0 else 0.0
        return self.work_hours_per_day / self.capacity_hours_per_day

    @property
    def unstable(self) -> bool:
        return self.utilization >= 1.0 and not self.kept_open


@dataclass(frozen=True)
class CapacityReport:
    units: dict[str, int]  # counties, townships, villages, grids
    residents: float
    households: int
    staff: dict[str, int]  # head-count per role
    matters_per_day: float
    per_level_per_day: dict[str, float]  # matters arriving at each level per day
    loads: list[StationLoad]
    # share of the matters no channel ever finds (no patrol or part-time reporter passes them and their
    # residents do not report them): they pile up without bound, whatever the offices' capacity
    never_found_share: float = 0.0

    @property
    def unstable(self) -> list[StationLoad]:
        return [s for s in self.loads if s.unstable]

    def verdict_loads(self) -> list[tuple[str, str, float]]:
        """``(station type, level, utilisation)`` per office type for the stability verdict, and
        ``(FINDING, "grid", inf)`` when some matters are never found (a finder with no capacity)."""
        out = [(s.name, LEVELS[s.level], float(s.utilization)) for s in self.loads if not s.kept_open]
        if self.never_found_share > 0:
            out.append((FINDING, LEVELS[GRID], float("inf")))
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "units": self.units, "residents": self.residents, "households": self.households, "staff": self.staff,
            "matters_per_day": self.matters_per_day, "per_level_per_day": self.per_level_per_day,
            "stations": [{"type": s.name, "level": LEVELS[s.level], "stations": s.stations, "servers": s.servers,
                          "arrivals_per_day": s.arrivals_per_day, "work_hours_per_day": s.work_hours_per_day,
                          "capacity_hours_per_day": s.capacity_hours_per_day, "utilization": s.utilization,
                          "unstable": s.unstable, "kept_open": s.kept_open} for s in self.loads],
            "never_found_share": self.never_found_share,
        }


def _type_of(kind: str, sub: int, modules: tuple[str, ...], departments: tuple[str, ...]) -> str:
    if kind == "module":
        return f"module:{modules[sub]}"
    if kind == "department":
        return f"department:{departments[sub]}"
    return kind


def expected_rates_per_day(p: Prepared) -> np.ndarray:
    """Expected matters per day by category over the whole territory [K] (surges averaged in).

    The scenario's own occurrence process; a replayed log's rates come from ``sim.runs.source``.
    """
    cfg, terr = p.cfg, p.terr
    if cfg.textbook.enabled:
        return np.array([cfg.textbook.arrival_rate_per_hour * 24.0] + [0.0] * (p.catalog.n - 1))
    per_day = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban).sum(axis=0) * 24.0
    names = p.catalog.names
    for sg in cfg.scenario.surges:
        frac = min(sg.days, cfg.run.horizon_days) / cfg.run.horizon_days
        for c in sg.categories:
            per_day[names.index(c)] *= 1.0 + (sg.multiplier - 1.0) * frac
    return per_day


def _path(p: Prepared, k: int, sev: int) -> tuple[dict[str, float], dict[str, float], dict[int, float]]:
    """Expected visits and work per station type, and visits per level, for one matter of (k, sev)."""
    cfg, cat = p.cfg, p.catalog
    visits: dict[str, float] = {}
    work: dict[str, float] = {}
    per_level: dict[int, float] = {}

    def add(name: str, level: int, prob: float, w: float) -> None:
        visits[name] = visits.get(name, 0.0) + prob
        work[name] = work.get(name, 0.0) + prob * w
        per_level[level] = per_level.get(level, 0.0) + prob

    def station(level: int) -> str:
        if level == GRID:
            return "grid"
        if level == 1:
            return "village"
        if level == TOWNSHIP:
            return f"module:{cat.modules[int(cat.module[k])]}"
        return f"department:{cat.departments[int(cat.department[k])]}"

    # the other channels' path (a hotline call's extra platform visit is added by capacity_check)
    unified = cfg.dispatch.mode == "unified"
    platform_first = via_platform(unified, cfg.textbook.enabled, NOT_HOTLINE)
    if platform_first:
        add("platform", TOWNSHIP, 1.0, cfg.dispatch.platform_work_hours)
    level = first_level(cat.handled, k, sev, unified)
    prob = 1.0
    classified = platform_first
    rework = (1.0 - cfg.outcome.satisfaction_base) * cfg.outcome.reopen_prob * cfg.outcome.reopen_work_factor
    # as in both engines: only a township's instructor fast-tracks (staffing.grids_per_instructor=0: none does)
    fast_track = cfg.dispatch.instructor_fast_track and bool((p.terr.township_instructors > 0).any())
    for _ in range(8):
        if level == TOWNSHIP and not classified:
            add("platform", TOWNSHIP, prob, cfg.dispatch.platform_work_hours)
            classified = True
        if level == TOWNSHIP and cfg.dispatch.misclass_prob > 0:
            # the wrong module assesses it before it comes back
            add("module:(misrouted)", TOWNSHIP, prob * cfg.dispatch.misclass_prob,
                cfg.catalog.assess_share * cat.service_mean[k, TOWNSHIP])
        mean = float(cat.service_mean[k, level])
        if sev > level and level < cat.top[k]:
            add(station(level), level, prob, cfg.catalog.assess_share * mean)
            settle = 0.0
        else:
            fail = 0.0 if level >= cat.top[k] or cfg.textbook.enabled else cfg.dispatch.fail_prob[level]
            add(station(level), level, prob, mean * (1.0 + rework * (1.0 - fail)))
            settle = 1.0 - fail
        prob *= 1.0 - settle
        if prob <= 1e-12 or level >= 3:
            break
        level = next_level(cat.handled, k, level, sev, fast_track)
        if level == TOWNSHIP:
            classified = False  # escalated into the township: through the platform again
    return visits, work, per_level


def capacity_check(p: Prepared, rates: np.ndarray) -> CapacityReport:
    """Expected matters per day per level and offered load per station type.

    ``rates`` are the expected matters per day by category [K] (``sim.runs.source.demand_rates_per_day``:
    the scenario's occurrence process or a replayed log's).
    """
    cfg, cat, lay, terr = p.cfg, p.catalog, p.layout, p.terr
    sev_mix = np.array([c.severity_mix for c in cfg.catalog.categories.values()])
    if cfg.textbook.enabled:
        sev_mix = np.zeros_like(sev_mix)
        sev_mix[:, 0] = 1.0
    party = party_prob(cfg.territory.party_household_share, cfg.dispatch.party_household_settle_prob)
    arrivals: dict[str, float] = {}
    work: dict[str, float] = {}
    levels = np.zeros(4)
    for k in range(cat.n):
        for sev in range(4):
            r = rates[k] * sev_mix[k, sev]
            if sev == 0 and cat.party[k]:
                r *= 1.0 - party  # mediated by a party-member household, no staff work
            if r <= 0:
                continue
            v, w, lv = _path(p, k, sev)
            for name in v:
                arrivals[name] = arrivals.get(name, 0.0) + r * v[name]
                work[name] = work.get(name, 0.0) + r * w[name]
            for level_idx, x in lv.items():
                levels[level_idx] += r * x
    # hotline calls go through the township platform in level-by-level mode; which channel
    # finds a matter first is a race, so its share is read off the drawn inputs
    unified, textbook = cfg.dispatch.mode == "unified", cfg.textbook.enabled
    hotline_extra = via_platform(unified, textbook, HOTLINE) and not via_platform(unified, textbook, NOT_HOTLINE)
    if hotline_extra and p.inputs.n:
        hot = float(rates.sum() * np.mean(p.found.channel == HOTLINE))
        arrivals["platform"] = arrivals.get("platform", 0.0) + hot
        work["platform"] = work.get("platform", 0.0) + hot * cfg.dispatch.platform_work_hours
        levels[TOWNSHIP] += hot
    # misrouted work lands on the other modules, spread evenly
    mis_a, mis_w = arrivals.pop("module:(misrouted)", 0.0), work.pop("module:(misrouted)", 0.0)
    for m in cat.modules:
        arrivals[f"module:{m}"] = arrivals.get(f"module:{m}", 0.0) + mis_a / len(cat.modules)
        work[f"module:{m}"] = work.get(f"module:{m}", 0.0) + mis_w / len(cat.modules)
    speeds = lay.server_speed * ~lay.server_volunteer
    shift_open = {name: cal.open_fraction for name, cal in p.calendars.items()}
    open_frac = np.array([shift_open[s] for s in lay.server_shift])
    server_cap = speeds * open_frac * 24.0
    # station types in order of first appearance; a type's stations and (in order) their servers
    types = [_type_of(k, int(s), cat.modules, cat.departments) for k, s in zip(lay.kind, lay.sub, strict=True)]
    type_names = list(dict.fromkeys(types))
    index = {name: j for j, name in enumerate(type_names)}
    station_type = np.array([index[t] for t in types], np.int64)
    server_type = np.repeat(station_type, np.diff(lay.server_ptr))
    kept = {f"department:{d.name}" for d in cfg.catalog.departments if d.kept_open}
    loads = []
    for j, name in enumerate(type_names):
        st = np.flatnonzero(station_type == j)
        srv = np.flatnonzero(server_type == j)
        if arrivals.get(name, 0.0) == 0.0 and speeds[srv].sum() == 0:
            continue
        loads.append(StationLoad(name=name, level=int(lay.level[st[0]]), stations=len(st),
                                 servers=float(speeds[srv].sum()), arrivals_per_day=arrivals.get(name, 0.0),
                                 work_hours_per_day=work.get(name, 0.0),
                                 capacity_hours_per_day=float(server_cap[srv].sum()), kept_open=name in kept))
    return CapacityReport(
        units={"counties": terr.n_counties, "townships": terr.n_townships, "villages": terr.n_villages,
               "grids": terr.n_grids},
        residents=terr.residents, households=int(terr.grid_households.sum()), staff=terr.staff_by_role(),
        matters_per_day=float(rates.sum()), per_level_per_day={LEVELS[i]: float(levels[i]) for i in range(4)},
        loads=loads, never_found_share=float(np.isinf(p.found.t_discover).mean()) if len(p.found.t_discover) else 0.0,
    )


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def count_words(n: int, one: str, many: str = "") -> str:
    """``n`` units in words, with thousands separators: "1 county", "10,813 grids"."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def format_capacity(rep: CapacityReport) -> str:
    """The capacity check as the plain text a planner reads (any catalogue's names, aligned)."""
    w = max([34, *(_width(s.name) + 2 for s in rep.loads)])
    u = rep.units
    lines = [
        f"territory: {count_words(u['counties'], 'county', 'counties')}, "
        f"{count_words(u['townships'], 'township')}, {count_words(u['villages'], 'village')}, "
        f"{count_words(u['grids'], 'grid')}; "
        f"{rep.residents:,.0f} residents in {rep.households:,} households",
        "staff: " + ", ".join(f"{k} {v:,}" for k, v in rep.staff.items() if v),
        f"matters expected per day: {rep.matters_per_day:,.1f}; arriving per level per day: "
        + ", ".join(f"{k} {v:,.1f}" for k, v in rep.per_level_per_day.items()),
        "",
        f"{_pad('station type', w)}{'stations':>9}{'servers':>10}{'arrive/day':>12}{'work h/day':>12}"
        f"{'cap h/day':>11}{'util':>8}",
    ]
    for s in rep.loads:
        flag = "  UNSTABLE" if s.unstable else "  kept open (the log's never-closed cases)" if s.kept_open else ""
        lines.append(f"{_pad(s.name, w)}{s.stations:>9}{s.servers:>10.1f}{s.arrivals_per_day:>12.1f}"
                     f"{s.work_hours_per_day:>12.1f}{s.capacity_hours_per_day:>11.1f}{s.utilization:>8.2f}{flag}")
    bad = rep.unstable
    lines.append("")
    lines.append(f"unstable station types (utilisation >= 1): {', '.join(s.name for s in bad)}" if bad
                 else "every station type is below utilisation 1")
    if rep.never_found_share > 0:
        lines.append(f"UNSTABLE: {rep.never_found_share:.1%} of matters are never found (no patrol or part-time "
                     "reporter passes them and their residents do not report them)")
    return "\n".join(lines)
