"""Everything an engine needs that does not depend on queues, computed once per replication.

The lifecycle's deterministic steps (MODEL.md 4.1-4.3: occurrence, discovery,
detour, intake, deadline) are array functions of the matter inputs; the engines
then only run the dynamics (dispatch, handling, escalation, feedback).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from sim.engines.layout import StationLayout, build_layout, server_table, station_table
from sim.records.inputs import MatterInputs
from sim.records.schema import MatterRecords, ServerTable, StationTable, VisitRecords
from sim.rules.calendar import WorkCalendar, build_calendars
from sim.rules.discovery import Discovery, discover
from sim.rules.routing import Catalog, deadline, intake_times
from sim.rules.service import work_table
from sim.scenario.constants import CLOSED
from sim.scenario.schema import Config, warmup_days
from sim.scenario.territory import Territory
from sim.util.parallel import available_workers


@dataclass(frozen=True)
class Prepared:
    """A scenario ready to simulate: territory, stations, calendars, inputs and their fixed consequences."""

    cfg: Config
    terr: Territory
    layout: StationLayout
    calendars: dict[str, WorkCalendar]
    catalog: Catalog
    inputs: MatterInputs
    found: Discovery
    t_intake: np.ndarray  # [n] float64 discovery, plus the detour through the registered community
    intake_grid: np.ndarray  # [n] int32 the grid whose chain takes the matter in
    deadline: np.ndarray  # [n] float64
    work: np.ndarray  # [n, 4] float64 full work of the matter at each level (hours at full speed)
    rework: np.ndarray  # [n, 4] float64 work of a reopened matter at each level
    horizon_h: float
    warmup_h: float


def prepare(cfg: Config, terr: Territory, inputs: MatterInputs, layout: StationLayout | None = None) -> Prepared:
    """Compute calendars, stations, discovery, intake and deadlines.

    ``layout``: ``build_layout(cfg, terr)`` when the caller has it already (a streamed run's worker builds
    a province's once for all its blocks)."""
    calendars = build_calendars(cfg.calendar, cfg.run.horizon_days)
    layout = layout if layout is not None else build_layout(cfg, terr)
    catalog = Catalog(cfg)
    grid_cal = calendars[cfg.staffing.shifts.get("fulltime", "extended")]
    found = discover(cfg, terr, inputs, grid_cal)
    workers = available_workers(cfg.engine.workers)  # threads; the same results whatever their number
    t_intake = intake_times(found.t_discover, inputs.registered_grid, inputs.grid, cfg.dispatch.detour_hours,
                            workers)
    # a matter never found (t = inf) is due a fixed time after t = 1e12
    due = deadline(catalog, cfg, calendars[cfg.calendar.deadline_shift], t_intake, inputs.category, found.severity,
                   t_cap=1e12)
    work = work_table(inputs.u_service, inputs.category, catalog.service_mean, catalog.service_cv, workers=workers)
    rework = work_table(inputs.u_rework, inputs.category, catalog.service_mean, catalog.service_cv,
                        factor=cfg.outcome.reopen_work_factor, workers=workers)
    return Prepared(cfg=cfg, terr=terr, layout=layout, calendars=calendars, catalog=catalog, inputs=inputs,
                    found=found, t_intake=t_intake, intake_grid=inputs.registered_grid.copy(), deadline=due,
                    work=work, rework=rework,
                    horizon_h=cfg.run.horizon_days * 24.0, warmup_h=warmup_days(cfg.run) * 24.0)


def due_if_not_taken_in(p: Prepared, m: MatterRecords) -> None:
    """Give each matter still not taken in at the horizon (no deadline yet) the due time it would have had,
    taken in when it was found, or when it occurred if no one found it; both engines call this last.

    A deadline runs from intake, so a matter no one found would otherwise never be late: cutting the
    patrols that find matters would raise the on-time rate and satisfaction (MODEL.md 6, open matters
    count). The KPIs judge it by this due time like any open matter; the engines never read it.
    """
    rows = np.flatnonzero(np.isnan(m.deadline) & (m.status != CLOSED))
    if rows.size == 0:
        return
    found = m.t_discover[rows]
    start = np.where(found <= p.horizon_h, found, m.t_occur[rows])  # NaN (never found) is not <= h
    m.deadline[rows] = deadline(p.catalog, p.cfg, p.calendars[p.cfg.calendar.deadline_shift], start,
                                m.category[rows], m.severity[rows], t_cap=1e12)


#: input columns ``prepare`` consumes (discovery and work); no engine reads them afterwards
CONSUMED_INPUTS: tuple[str, ...] = ("u_report", "u_channel", "u_patrol", "u_patrol_miss", "e_report", "e_reporter",
                                    "e_growth", "u_service", "u_rework")
#: what each engine reads of the inputs besides the columns the records repeat
ENGINE_INPUTS: dict[str, tuple[str, ...]] = {
    "vector": ("u_party", "u_hotline_settle", "u_misclass", "u_misclass_to", "u_satisfy", "u_reopen", "u_petition",
               "u_fail"),
}


def release_consumed(p: Prepared, engine: str) -> Prepared:
    """``p`` without the memory of the input columns ``engine`` will not read (gigabytes at city scale).

    Those columns become read-only NaN of the same shape that take no memory (a broadcast
    scalar), so the table keeps its shape; ``p`` itself is left as it was. The agent engine
    reads the tie-break draws too, so only the consumed columns go.
    """
    needed = ENGINE_INPUTS.get(engine)
    inp = p.inputs
    drop = [f.name for f in fields(inp) if f.name.startswith(("u_", "e_"))
            and (f.name in CONSUMED_INPUTS or (needed is not None and f.name not in needed))]
    spent = {name: np.broadcast_to(np.float32(np.nan), getattr(inp, name).shape) for name in drop}
    return replace(p, inputs=replace(inp, **spent))


def base_meta(p: Prepared, engine: str, replication: int) -> dict[str, object]:
    """Record metadata both engines write."""
    return {
        "engine": engine, "seed": p.cfg.run.seed, "replication": replication, "horizon_h": p.horizon_h,
        "warmup_h": p.warmup_h, "residents": p.terr.residents, "n_grids": p.terr.n_grids,
        "staff_cost": staff_cost(p), "volunteer_cost": staff_costs(p)[1], "category_names": list(p.catalog.names),
        # what the KPIs need to count open matters and judge stability (sim.metrics.open_matters)
        "petition_patience_h": float(p.cfg.outcome.petition_patience_days) * 24.0,
        "petition_prob": float(p.cfg.outcome.petition_prob), "season_days": season_days(p.cfg),
        "module_names": list(p.catalog.modules), "department_names": list(p.catalog.departments),
        "kept_open_categories": kept_open_categories(p),
    }


def kept_open_categories(p: Prepared) -> list[int]:
    """The categories whose department stands for a log's never-closed cases (``OfficeConfig.kept_open``):
    their matters stay open by design, and the stability verdict's open count leaves them out."""
    kept = {d.name for d in p.cfg.catalog.departments if d.kept_open}
    return [k for k in range(p.catalog.n) if p.catalog.departments[int(p.catalog.department[k])] in kept]


def season_days(cfg: Config) -> float:
    """The demand's seasonal cycle in days: a year when the monthly profile is not flat and the
    matters are generated from it; 0 for a flat profile, the textbook queue or a replayed log."""
    if cfg.textbook.enabled or cfg.scenario.replay.log:
        return 0.0
    profile = cfg.demand.season_profile
    return 365.0 if max(profile) > min(profile) else 0.0


def staff_cost(p: Prepared) -> float:
    """Staff cost in yuan over the KPI window: head-count x yearly cost, plus volunteer-days mobilised."""
    return float(sum(staff_costs(p)))


def staff_costs(p: Prepared) -> tuple[float, float]:
    """The two parts of ``staff_cost``: the head-count's cost over the KPI window, and the volunteers' (a
    surge's, paid per day mobilised: not a yearly cost)."""
    cfg = p.cfg
    years = (p.horizon_h - p.warmup_h) / (365.0 * 24.0)
    per_year = sum(n * cfg.staffing.cost_per_year.get(role, 0.0) for role, n in p.terr.staff_by_role().items())
    vol_days = sum(max(0.0, min(sg.start_day + sg.days, cfg.run.horizon_days) - max(sg.start_day, warmup_days(cfg.run)))
                   for sg in cfg.scenario.surges if sg.volunteers)
    volunteers = float(p.terr.township_volunteers.sum()) * vol_days * cfg.staffing.volunteer_cost_per_day
    return float(per_year * years), float(volunteers)


def records_tables(p: Prepared) -> tuple[StationTable, ServerTable]:
    """The station and server tables both engines put in their records."""
    return station_table(p.cfg, p.layout, p.calendars), server_table(p.cfg, p.layout, p.calendars)


def discovery_order(t_discover: np.ndarray, horizon_h: float) -> np.ndarray:
    """Rows found before the horizon, in order of discovery (ties: lower row first), int64."""
    order = np.argsort(t_discover, kind="stable")
    return order[t_discover[order] < horizon_h].astype(np.int64)


def county_orders(p: Prepared) -> list[np.ndarray]:
    """Each county's matters found before the horizon, in order of discovery (int64 row numbers).

    Counties share no station (a matter stays in the county of its intake grid), so
    each county has its own feeder: the records then do not depend on how events of
    different counties at the same instant interleave, and the vector engine can run
    the counties apart.
    """
    order = discovery_order(p.found.t_discover, p.horizon_h)
    county = p.terr.grid_county[p.intake_grid[order]]
    counts = np.bincount(county, minlength=p.terr.n_counties)
    return np.split(order[np.argsort(county, kind="stable")], np.cumsum(counts)[:-1])


def county_bounds(p: Prepared) -> np.ndarray | None:
    """Row bounds of each county's matters ([n_counties + 1]) when the table is numbered county by county
    (as ``generate_inputs`` numbers it); None otherwise."""
    county = p.terr.grid_county[p.intake_grid]
    if np.any(np.diff(county) < 0):
        return None
    return np.searchsorted(county, np.arange(p.terr.n_counties + 1), side="left").astype(np.int64)


def visits_by_county(p: Prepared, visits: VisitRecords) -> VisitRecords:
    """Visit rows grouped by county (counties in order), each county's rows in the order they were made."""
    if p.terr.n_counties == 1:
        return visits
    county = p.terr.grid_county[p.intake_grid[visits.matter_id]]
    rows = np.argsort(county, kind="stable")
    return VisitRecords(**{f.name: getattr(visits, f.name)[rows] for f in fields(visits)})
