"""Stations as mesa agents with their own queues; staff as mesa agents; simpy keeps the time.

A ``Visit`` (``visitqueue``) is one stay of a matter at a station. The station starts it on an
idle, on-shift server that may take the category (chosen by the dispatch rule),
or queues it; an idle server whose shift is closed is woken at its next opening
if anything waits for it; a freed server takes the waiting visit with the best priority:
overdue first when supervision reminders are on (催办), then the rule's order
(arrival, severity, deadline), then arrival, then matter id. A visit that
waits past the level's time limit leaves the queue and escalates. Work pauses
outside the server's shift: the end of service is the server's calendar
advanced by work / speed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numpy as np
import simpy

from sim.engines.agent.recorder import VisitRecorder
from sim.engines.agent.visitqueue import RuleKey, Visit, VisitQueue
from sim.records.schema import ABANDONED, ESCALATED, OPEN, SETTLED
from sim.rules.calendar import WorkCalendar


class StaffAgent(mesa.Agent):
    """One person who handles matters at a station (a server)."""

    def __init__(self, model: mesa.Model, idx: int, role: str, speed: float, cal: WorkCalendar,
                 skills: np.ndarray, volunteer: bool) -> None:
        super().__init__(model)
        self.idx = idx
        self.role = role
        self.speed = speed
        self.cal = cal
        self.skills = skills
        self.volunteer = volunteer
        self.active = not volunteer  # volunteers are mobilised only in a surge (平急结合)
        self.busy = False
        self.busy_hours = 0.0
        self.handled = 0
        self.station: Station | None = None
        self.specialist = not bool(skills.all())
        self.wake_pending = False  # a wake-up at the next shift opening is scheduled

    def on_shift(self, now: float) -> bool:
        return self.cal.next_open1(now) == now


Choose = Callable[[list[StaffAgent], float], StaffAgent]


@dataclass(frozen=True, slots=True)
class StationInputs:
    """What every station of a run is given: the clock, the records, and the dispatch rule's choices.

    A station copies these to its own attributes, so serving a visit costs no extra lookups.
    """

    env: simpy.Environment
    recorder: VisitRecorder  # where visits are logged and the matter's status is moved
    rule_key: RuleKey  # the queue order of the dispatch rule
    choose: Choose  # which idle on-shift server takes a visit (the rule's handler choice)
    n_categories: int
    nearest_speed_kmh: float  # travel speed to a neighbour grid's idle server (``nearest``)
    reminders: bool  # supervision reminders: overdue visits jump the queue
    reminded: np.ndarray  # the matter records' flag, set when a waiting visit turns overdue


class Station(mesa.Agent):
    """An office that takes matters: a grid's staff, a committee, a platform, a module, a department."""

    def __init__(self, model: mesa.Model, inputs: StationInputs, idx: int, kind: str, level: int,
                 servers: list[StaffAgent], limit_hours: float, abandon: bool) -> None:
        super().__init__(model)
        self.env = inputs.env
        self.recorder = inputs.recorder
        self.choose = inputs.choose
        self.nearest_speed_kmh = inputs.nearest_speed_kmh
        self.idx = idx
        self.kind = kind
        self.level = level
        self.servers = servers
        for s in servers:
            s.station = self
        self.limit_hours = limit_hours
        self.abandon = abandon  # textbook: a visit that reaches its patience counts as abandoned
        self.queue = VisitQueue(inputs.n_categories, inputs.rule_key, inputs.reminders, inputs.reminded)
        self.neighbours: list[tuple[float, Station]] = []  # other grids of the village, nearest first

    # ----------------------------------------------------------------- arrivals
    def arrive(self, v: Visit, limit: bool) -> None:
        """A matter is dispatched here: start it on an idle server or queue it."""
        v.t_arrive = self.env.now
        v.row = self.recorder.log_visit(v.i, self.idx, v.level, v.t_arrive, v.work)
        self.recorder.arrived(v)
        pick = self._idle_server(v)
        if pick is not None:
            server, travel = pick
            self._start(server, v, travel)
            return
        v.waiting = True
        v.queue = self.queue
        self.queue.push(v)
        if limit and self.limit_hours > 0:
            self.env.timeout(self.limit_hours).callbacks.append(self._expiry(v))
        # idle servers off shift who could take it start at their next opening
        for _, st in [(0.0, self), *self.neighbours]:
            for s in st.servers:
                if s.active and not s.busy and s.skills[v.category]:
                    self.wake_later(s)

    def _expiry(self, v: Visit) -> Callable[[simpy.Event], None]:
        def expire(_: simpy.Event) -> None:
            if v.waiting and v.queue is self.queue:  # still waiting here (not taken by a neighbour)
                self.queue.discard(v)
                outcome = ABANDONED if self.abandon else ESCALATED
                self.recorder.end_visit(v.row, self.env.now, outcome)
                v.event.succeed(outcome)
        return expire

    # ----------------------------------------------------------- server choice
    def wake_later(self, s: StaffAgent) -> None:
        """Schedule idle server s to look for work when its shift next opens (once)."""
        env = self.env
        if s.wake_pending or s.on_shift(env.now):
            return
        s.wake_pending = True
        station = s.station
        assert station is not None

        def wake(_: simpy.Event) -> None:
            s.wake_pending = False
            station.pull(s)
        env.timeout(s.cal.next_open1(env.now) - env.now).callbacks.append(wake)

    def _idle_server(self, v: Visit) -> tuple[StaffAgent, float] | None:
        now = self.env.now
        own = [s for s in self.servers if s.active and not s.busy and s.skills[v.category] and s.on_shift(now)]
        if own:
            return self.choose(own, now), 0.0
        for dist, other in self.neighbours:
            cands = [s for s in other.servers
                     if s.active and not s.busy and s.skills[v.category] and s.on_shift(now)]
            if cands:
                return self.choose(cands, now), dist / self.nearest_speed_kmh
        return None

    def _start(self, server: StaffAgent, v: Visit, travel: float) -> None:
        now = self.env.now
        server.busy = True
        v.waiting = False
        t0 = server.cal.next_open1(now)
        eff = (v.work + travel) / server.speed
        t1 = server.cal.advance1(t0, eff)
        server.busy_hours += eff
        self.recorder.started(v, t0, self.kind, v.work + travel, server.idx)
        self.env.timeout(t1 - now).callbacks.append(lambda _e: self._finish(server, v))

    def _finish(self, server: StaffAgent, v: Visit) -> None:
        server.busy = False
        server.handled += 1
        outcome = SETTLED if v.settles else ESCALATED
        self.recorder.end_visit(v.row, self.env.now, v.done_as if v.done_as >= 0 else outcome)
        v.event.succeed(outcome)
        self.pull(server)

    # ------------------------------------------------------------ queue order
    def pull(self, server: StaffAgent) -> None:
        """A server is free (or newly mobilised): give it the best waiting visit it may take."""
        if not server.active or server.busy:
            return
        home = server.station
        assert home is not None
        places = [(0.0, home)] + home.neighbours
        now = self.env.now
        if not server.on_shift(now):
            # off shift: come back at the next opening if anything is waiting
            if any(len(st.queue) > 0 for _, st in places):
                home.wake_later(server)
            return
        for dist, st in places:
            best = st.queue.best(server.skills, now)
            if best is not None:
                st.queue.take(best)
                st._start(server, best, dist / self.nearest_speed_kmh if dist else 0.0)
                return


__all__ = ["OPEN", "Choose", "StaffAgent", "Station", "StationInputs"]
