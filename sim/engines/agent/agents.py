"""The mesa model and its agents: residents, staff, reporters, instructors, offices (MODEL.md 2).

``GridModel`` builds every agent from the prepared scenario and gives each station
the same ``StationInputs``; the engine drives it (it starts matters, asks for a
fast track) and reads its counts at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

import mesa
import numpy as np
import simpy
from tqdm import tqdm

from sim.engines.agent.queueing import Choose, StaffAgent, Station, StationInputs
from sim.engines.agent.recorder import VisitRecorder
from sim.engines.agent.visitqueue import RuleKey
from sim.engines.prepare import Prepared
from sim.records.schema import MatterRecords
from sim.scenario.constants import CLOSED, IN_SERVICE, QUEUED, REPORTER, ROLES, UNDISCOVERED


class ResidentsAgent(mesa.Agent):
    """The households of one grid: they raise the grid's matters."""

    def __init__(self, model: mesa.Model, grid: int, households: int, residents: float, urban: bool) -> None:
        super().__init__(model)
        self.grid = grid
        self.households = households
        self.residents = residents
        self.urban = urban
        self.raised = 0


class ReporterAgent(mesa.Agent):
    """A part-time grid worker (兼职网格员, "红色探头"): only reports what they see."""

    def __init__(self, model: mesa.Model, grid: int) -> None:
        super().__init__(model)
        self.grid = grid
        self.reports = 0


class InstructorAgent(mesa.Agent):
    """A township cadre linked to a few grids (网格指导员): fast-tracks hard matters."""

    def __init__(self, model: mesa.Model, township: int) -> None:
        super().__init__(model)
        self.township = township
        self.fast_tracked = 0


class GridModel(mesa.Model):
    """Holds every agent of a run; the engine drives it with simpy events.

    It is given what it reads: the prepared scenario, the simpy clock, where the
    stations write their records, the matter records it counts states in, and the
    dispatch rule's queue order and handler choice, which every station takes.
    """

    def __init__(self, p: Prepared, env: simpy.Environment, recorder: VisitRecorder, matters: MatterRecords,
                 rule_key: RuleKey, choose: Choose, seed: int, progress: bool = False) -> None:
        super().__init__(rng=seed)
        self.env = env
        self.matters = matters
        self.progress = progress
        cfg = p.cfg
        terr, lay = p.terr, p.layout
        self.terr = terr
        self.found = p.found
        self.inputs = p.inputs
        self.horizon_h = p.horizon_h
        self.surges = cfg.scenario.surges
        self.residents = [ResidentsAgent(self, g, int(terr.grid_households[g]), float(terr.grid_residents[g]),
                                         bool(terr.grid_urban[g])) for g in range(terr.n_grids)]
        self.reporters = [[ReporterAgent(self, g) for _ in range(int(terr.grid_parttime[g]))]
                          for g in range(terr.n_grids)]
        self.instructors = [[InstructorAgent(self, t) for _ in range(int(terr.township_instructors[t]))]
                            for t in range(terr.n_townships)]
        staff = [StaffAgent(self, r, ROLES[int(lay.server_role[r])], float(lay.server_speed[r]),
                            p.calendars[lay.server_shift[r]], lay.server_skills[r], bool(lay.server_volunteer[r]))
                 for r in range(len(lay.server_role))]
        self.staff = staff
        limits = list(cfg.dispatch.escalation_limit_hours)
        if cfg.textbook.enabled:
            limits = [cfg.textbook.patience_hours or 0.0, 0.0, 0.0, 0.0]
        shared = StationInputs(env=env, recorder=recorder, rule_key=rule_key, choose=choose,
                               n_categories=len(p.catalog.names), nearest_speed_kmh=cfg.dispatch.nearest_speed_kmh,
                               reminders=cfg.dispatch.reminders, reminded=matters.reminded)
        self.stations: list[Station] = []
        for s in range(lay.n):
            servers = [staff[r] for r in lay.servers_of(s)]
            limit = limits[int(lay.level[s])] if lay.kind[s] != "platform" else 0.0
            self.stations.append(Station(self, shared, s, lay.kind[s], int(lay.level[s]), servers, float(limit),
                                         cfg.textbook.enabled))
        if cfg.dispatch.rule == "nearest":
            self._link_neighbours()
        self.datacollector = mesa.DataCollector(model_reporters={
            "day": lambda mdl: mdl.env.now / 24.0,
            "undiscovered": lambda mdl: mdl.count_status(UNDISCOVERED),
            "queued": lambda mdl: mdl.count_status(QUEUED),
            "in_service": lambda mdl: mdl.count_status(IN_SERVICE),
            "closed": lambda mdl: mdl.count_status(CLOSED),
            "busy_staff": lambda mdl: sum(1 for a in mdl.staff if a.busy),
        })
        self._bar: Any = None

    def _link_neighbours(self) -> None:
        terr = self.terr
        for v in range(terr.n_villages):
            grids = np.flatnonzero(terr.grid_village == v)
            for g in grids:
                d = np.hypot(*(terr.grid_xy[grids] - terr.grid_xy[g]).T)
                self.stations[g].neighbours = [(float(d[k]), self.stations[int(h)])
                                               for k, h in sorted(enumerate(grids), key=lambda kh: d[kh[0]])
                                               if h != g]

    # ------------------------------------------------------------ bookkeeping
    def count_status(self, status: int) -> int:
        m = self.matters
        now = self.env.now
        occurred = m.t_occur <= now
        if status == UNDISCOVERED:
            return int((occurred & ~(self.found.t_discover <= now)).sum())
        return int(((m.status == status) & occurred).sum())

    def raise_matter(self, i: int) -> None:
        g = int(self.inputs.grid[i])
        self.residents[g].raised += 1
        if self.found.channel[i] == REPORTER and self.reporters[g]:
            self.reporters[g][int(self.inputs.u_tie[i] * len(self.reporters[g]))].reports += 1

    def fast_track(self, g: int) -> None:
        t = int(self.terr.grid_township[g])
        if self.instructors[t]:
            self.instructors[t][g % len(self.instructors[t])].fast_tracked += 1

    def busy_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.staff:
            out[a.role] = out.get(a.role, 0.0) + a.busy_hours
        return out

    # ---------------------------------------------------------------- processes
    def start_processes(self) -> None:
        env = self.env
        env.process(self._daily())
        for sg in self.surges:
            if sg.volunteers and any(a.volunteer for a in self.staff):
                env.process(self._mobilise(sg.start_day * 24.0, (sg.start_day + sg.days) * 24.0))
        if self.progress and sys.stderr.isatty():
            self._bar = tqdm(total=int(self.horizon_h // 24), unit="day", desc="agent engine",
                             file=sys.stderr, leave=False)

    def _daily(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            self.datacollector.collect(self)
            if self._bar is not None:
                self._bar.update(1)
            yield env.timeout(24.0)

    def _mobilise(self, a: float, b: float) -> Generator[simpy.Event, Any, None]:
        """Volunteers join their grids' stations for the surge window, then stand down."""
        env = self.env
        yield env.timeout(max(a - env.now, 0.0))
        vols = [s for s in self.staff if s.volunteer]
        for s in vols:
            s.active = True
            assert s.station is not None
            s.station.pull(s)
        yield env.timeout(max(b - env.now, 0.0))
        for s in vols:
            s.active = False  # finishes what it has in hand, takes nothing new

    def finish_progress(self) -> None:
        if self._bar is not None:
            self._bar.close()
