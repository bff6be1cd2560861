"""The agent engine: the readable reference for the whole matter lifecycle.

The step order (MODEL.md 4), which the vector engine follows too, is the table
``sim.engines.steps.STEPS``: each step with the functions here and in the kernel that
implement it.

1. occur      - pre-drawn matter inputs (``sim.matters.occur``)
2. discover   - patrol / resident report / part-time reporter (``sim.rules.discovery``)
3. intake     - detour via the registered community, deadline, grid matters list,
                party-member households settle micro-disputes
4. classify   - the township platform sends the matter to a module; it may
                misclassify (a transfer back)
5. dispatch   - level by level from the grid (hotline calls through the township
                platform), or unified (一体派单) through the platform to the target level
6. handle     - a station's server works in its shift hours (``queueing.Station``)
7. escalate   - no authority, failed attempt, or time limit at the level; the
                instructor fast-tracks hard matters from the grid to the township
8. close      - callback satisfaction, reopening (rework), petition with county review
9. supervise  - overdue matters jump their queue (reminders)

Every decision compares a matter's pre-drawn uniform (stored as float32) in
float64 with a float64 threshold, the same in both engines.

Counties share no station, so each county has its own feeder process and the
visit log is grouped county by county (each county's rows in the order they were
made): the records do not depend on how different counties' events at the same
instant interleave, which lets the vector engine run counties apart.

A mesa ``Model`` holds the agents (residents per grid, staff, part-time reporters,
instructors, offices); simpy keeps the clock and the events.

``AgentRun`` owns the run's records (``recorder.RunRecorder``) and hands the model
and its stations what they use: the clock, the recorder (through the small
``VisitRecorder`` interface), the dispatch rule's queue order and handler choice.
The package's modules depend one way: engine -> agents -> queueing -> recorder ->
visitqueue; none of them knows ``AgentRun``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import mesa
import numpy as np
import simpy

from sim.engines.agent.agents import GridModel
from sim.engines.agent.queueing import StaffAgent, Station
from sim.engines.agent.recorder import RunRecorder
from sim.engines.agent.visitqueue import Visit
from sim.engines.prepare import (
    Prepared,
    base_meta,
    county_orders,
    due_if_not_taken_in,
    records_tables,
    visits_by_county,
)
from sim.engines.protocol import EngineRun, Preparing
from sim.records.schema import ABANDONED, REDIRECTED, SETTLED, TRANSFERRED, Records, empty_matters
from sim.rules import dispatch as rules_dispatch
from sim.rules import mode as rules_mode
from sim.rules import outcome as rules_outcome
from sim.rules.routing import attempt, next_level
from sim.scenario.constants import (
    CLOSED,
    COUNTY,
    DISPATCH_RULES,
    GRID,
    HOTLINE,
    IN_TRANSIT,
    TOWNSHIP,
    VILLAGE,
)


class AgentRun:
    """One replication of the agent engine."""

    def __init__(self, p: Prepared, replication: int = 0, progress: bool = False) -> None:
        self.p = p
        self.cfg = p.cfg
        self.replication = replication
        self.progress = progress
        self.env = simpy.Environment()
        n = p.inputs.n
        m = empty_matters(n)
        inp = p.inputs
        m.grid[:] = inp.grid
        m.registered_grid[:] = inp.registered_grid
        m.category[:] = inp.category
        m.severity_initial[:] = inp.severity
        m.severity[:] = inp.severity  # grown at discovery; an undiscovered matter keeps its own
        m.surge[:] = inp.surge
        m.t_occur[:] = inp.t_occur
        self.m = m
        self.rec = RunRecorder(m)  # the stations write the visit log (and matter status) through it
        # queue order by the dispatch rule (the rules that choose handlers keep arrival order)
        rule = self.rule = DISPATCH_RULES.index(self.cfg.dispatch.rule)
        self.rule_key: Callable[[Visit], tuple[float, float]] = \
            lambda v: rules_dispatch.queue_key(rule, v.severity, v.deadline, v.t_arrive)
        self.party_p = rules_outcome.party_prob(self.cfg.territory.party_household_share,
                                                self.cfg.dispatch.party_household_settle_prob)
        self.model = GridModel(p, self.env, self.rec, m, self.rule_key, self.choose, self.cfg.run.seed + replication,
                               progress)

    # --------------------------------------------------------------- handlers
    def choose(self, cands: list[StaffAgent], now: float) -> StaffAgent:
        """Pick among idle on-shift servers by the dispatch rule.

        By default the station's own order: full-time workers, then the grid leader,
        then professional workers, then volunteers. ``skill`` puts specialists (who
        take only some categories) first; ``least_loaded`` the least busy so far.
        """
        rule = self.rule
        if rules_dispatch.ranks_handlers(rule):
            return min(cands, key=lambda s: (rules_dispatch.handler_key(rule, s.busy_hours, s.specialist), s.idx))
        return min(cands, key=lambda s: s.idx)

    # ------------------------------------------------------------- lifecycle
    def visit(self, i: int, station: int, level: int, work: float, settles: bool, limit: bool = True,
              done_as: int = -1, tracked: bool = True) -> Generator[simpy.Event, Any, int]:
        """Dispatch matter i to a station and wait until it leaves; returns the visit outcome."""
        inp, p = self.p.inputs, self.p
        ev = self.env.event()
        v = Visit(i, level, work, settles, ev, int(inp.category[i]), int(p.found.severity[i]), float(p.deadline[i]))
        v.done_as = done_as
        v.tracked = tracked
        if tracked and np.isnan(self.m.t_dispatch[i]) and self.model.stations[station].kind != "platform":
            self.m.t_dispatch[i] = self.env.now
        self.model.stations[station].arrive(v, limit)
        outcome = yield ev
        return int(outcome)

    def station_at(self, level: int, g: int, category: int, module: int | None = None) -> int:
        lay, terr = self.p.layout, self.p.terr
        if level == GRID:
            return g
        if level == VILLAGE:
            return int(lay.village(int(terr.grid_village[g])))
        if level == TOWNSHIP:
            mod = int(self.p.catalog.module[category]) if module is None else module
            return int(lay.module(int(terr.grid_township[g]), mod))
        return int(lay.department(int(terr.grid_county[g]), int(self.p.catalog.department[category])))

    def work(self, i: int, level: int) -> float:
        return float(self.p.work[i, level])

    def lifecycle(self, i: int) -> Generator[simpy.Event, Any, None]:
        """One matter from discovery to closure (steps 3-7 of the module docstring)."""
        p, cfg, m, inp, cat = self.p, self.cfg, self.m, self.p.inputs, self.p.catalog
        env = self.env
        c = int(inp.category[i])
        sev = int(p.found.severity[i])
        m.t_discover[i] = p.found.t_discover[i]
        m.channel[i] = p.found.channel[i]
        m.severity[i] = sev
        g = int(p.intake_grid[i])
        if inp.registered_grid[i] != inp.grid[i]:
            m.status[i] = IN_TRANSIT  # the detour through the registered community
            yield env.timeout(p.t_intake[i] - env.now)
        m.t_intake[i] = env.now
        m.deadline[i] = p.deadline[i]
        if cat.party[c] and sev == 0 and float(inp.u_party[i]) < self.party_p:
            yield from self.close(i, GRID, -1, 0.0)  # a party-member household mediated it
            return
        town = int(p.terr.grid_township[g])
        unified = cfg.dispatch.mode == "unified"
        via_platform = rules_mode.via_platform(unified, cfg.textbook.enabled, int(m.channel[i]))
        if via_platform:
            yield from self.visit(i, int(p.layout.platform(town)), TOWNSHIP, cfg.dispatch.platform_work_hours, True)
            settle_p = cfg.discovery.hotline_settle_prob
            if m.channel[i] == HOTLINE and sev == 0 and float(inp.u_hotline_settle[i]) < settle_p:
                yield from self.close(i, TOWNSHIP, -1, 0.0)  # settled on the call
                return
        level = rules_mode.first_level(cat.handled, c, sev, unified)
        if not via_platform and level > GRID:
            self.redirect(i, g)  # off the grid matters list (准入审查): the grid passes it up at once
        classified = via_platform
        misrouted = False
        while True:
            if level == TOWNSHIP and not classified:
                # the township platform takes the matter in and dispatches it to a module
                yield from self.visit(i, int(p.layout.platform(town)), TOWNSHIP, cfg.dispatch.platform_work_hours, True)
                classified = True
            if level == TOWNSHIP and not misrouted and float(inp.u_misclass[i]) < cfg.dispatch.misclass_prob:
                misrouted = True
                yield from self.transfer(i, g, c)
            settles, share = attempt(int(cat.top[c]), level, sev, float(inp.u_fail[i, level]),
                                     float(cfg.dispatch.fail_prob[level]), float(cfg.catalog.assess_share))
            if cfg.textbook.enabled:
                settles = True
            station = self.station_at(level, g, c)
            limit = level < cat.top[c] or cfg.textbook.enabled
            out = yield from self.visit(i, station, level, self.work(i, level) * share, settles, limit)
            if out == SETTLED:
                yield from self.close(i, level, station, self.work(i, level))
                return
            m.escalations[i] += 1
            if out == ABANDONED:
                m.abandoned[i] = True
                if cfg.textbook.enabled:
                    # the one-station system: escalated out and settled above at once
                    yield from self.close(i, VILLAGE, -1, 0.0)
                    return
            # an instructor (if the township has one) sends a hard matter from the grid to the township
            fast = cfg.dispatch.instructor_fast_track and p.terr.township_instructors[town] > 0
            if fast and level == GRID and sev >= TOWNSHIP:
                self.model.fast_track(g)
            level = next_level(cat.handled, c, level, sev, bool(fast))
            if level == TOWNSHIP:
                classified = False

    def redirect(self, i: int, g: int) -> None:
        """The grid took in a matter it may not handle and passes it up: a zero-length visit."""
        row = self.rec.log_visit(i, g, GRID, self.env.now, 0.0)
        self.rec.end_visit(row, self.env.now, REDIRECTED)

    def transfer(self, i: int, g: int, c: int) -> Generator[simpy.Event, Any, None]:
        """Misclassified: the wrong module assesses it and sends it back (体内循环)."""
        p, cfg, inp = self.p, self.cfg, self.p.inputs
        right = int(p.catalog.module[c])
        n_mod = p.layout.n_modules
        wrong = rules_outcome.wrong_module(right, n_mod, float(inp.u_misclass_to[i]))
        st = self.station_at(TOWNSHIP, g, c, module=wrong)
        yield from self.visit(i, st, TOWNSHIP, self.work(i, TOWNSHIP) * cfg.catalog.assess_share, True, False,
                              done_as=TRANSFERRED)
        self.m.transfers[i] += 1
        self.m.status[i] = IN_TRANSIT
        office = p.calendars[cfg.staffing.shifts.get("module", "office")]
        back = office.advance1(self.env.now, cfg.dispatch.transfer_hours)
        yield self.env.timeout(back - self.env.now)

    def close(self, i: int, level: int, station: int, work: float) -> Generator[simpy.Event, Any, None]:
        """Settled: callback, maybe rework, maybe a petition."""
        cfg, m, inp = self.cfg, self.m, self.p.inputs
        o = cfg.outcome
        while True:
            t = self.env.now
            m.t_close[i] = t
            m.level_settled[i] = level
            m.status[i] = CLOSED
            m.place_level[i] = -1
            on_time = t <= m.deadline[i]
            m.on_time[i] = int(on_time)
            total = t - m.t_occur[i]
            p_sat = rules_outcome.satisfaction_prob1(o.satisfaction_base, o.satisfaction_per_day,
                                                     o.satisfaction_overdue, o.satisfaction_per_transfer,
                                                     o.satisfaction_floor, total, not on_time, int(m.transfers[i]))
            sat = float(inp.u_satisfy[i]) < p_sat
            m.satisfied[i] = int(sat)
            if station >= 0 and rules_outcome.reopens(sat, int(m.reopened[i]), o.max_reopens, float(inp.u_reopen[i]),
                                                      o.reopen_prob):
                m.reopened[i] += 1
                # reopened: open again until the rework is done
                m.t_close[i], m.level_settled[i], m.on_time[i], m.satisfied[i] = np.nan, -1, -1, -1
                rework = float(self.p.rework[i, level])
                yield from self.visit(i, station, level, rework, True, False)
                continue
            if rules_outcome.petitions(sat, total, o.petition_patience_days, float(inp.u_petition[i]), o.petition_prob):
                m.petitioned[i] = True
                # the county reviews the petition (信访) and feeds it back to the department
                dept = self.station_at(COUNTY, int(self.p.intake_grid[i]), int(inp.category[i]))
                yield from self.visit(i, dept, COUNTY, o.petition_work_hours, True, False, tracked=False)
            return

    # ------------------------------------------------------------------- run
    def feeder(self, order: np.ndarray) -> Generator[simpy.Event, Any, None]:
        """Start each of one county's matters when it is discovered (in order of discovery)."""
        t = self.p.found.t_discover
        for i in order.tolist():
            if t[i] > self.env.now:
                yield self.env.timeout(t[i] - self.env.now)
            self.model.raise_matter(i)
            self.env.process(self.lifecycle(i))

    def run(self) -> Records:
        for order in county_orders(self.p):
            self.env.process(self.feeder(order))
        self.model.start_processes()
        self.env.run(until=self.p.horizon_h)
        self.model.finish_progress()
        visits = visits_by_county(self.p, self.rec.visits())
        due_if_not_taken_in(self.p, self.m)
        meta = base_meta(self.p, "agent", self.replication)
        meta["busy_hours_by_role"] = self.model.busy_by_role()
        stations, servers = records_tables(self.p)
        return Records(matters=self.m, visits=visits, stations=stations, meta=meta, servers=servers)


def run_agent(p: Prepared, replication: int = 0, progress: bool = False) -> tuple[Records, mesa.Model]:
    """Run one replication; returns the records and the mesa model (for its DataCollector)."""
    r = AgentRun(p, replication, progress)
    rec = r.run()
    return rec, r.model


class AgentEngine(Preparing):
    """The agent engine as an ``Engine`` (``sim.engines.protocol``); it keeps its inputs whole."""

    name = "agent"

    def run(self, p: Prepared, replication: int = 0, *, progress: bool = False,
            spend_inputs: bool = False) -> EngineRun:
        rec, model = run_agent(p, replication, progress)
        return EngineRun(rec, model.datacollector.get_model_vars_dataframe())


__all__ = ["AgentEngine", "AgentRun", "Station", "run_agent"]
