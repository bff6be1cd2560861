"""A station of the agent engine needs only what it is given: a fake recorder in a tiny simpy world
sees its visits (the package's import order is checked in tests/architecture/test_agent_imports.py)."""

from __future__ import annotations

import mesa
import numpy as np
import simpy

from sim.engines.agent.queueing import StaffAgent, Station, StationInputs
from sim.engines.agent.recorder import RunRecorder, VisitRecorder
from sim.engines.agent.visitqueue import Visit
from sim.records.schema import ESCALATED, SETTLED, empty_matters
from sim.rules.calendar import build_calendar
from sim.scenario.schema import ShiftConfig


class FakeRecorder:
    """Keeps every call a station makes, with the simulated time it was made at."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.calls: list[tuple[object, ...]] = []

    def log_visit(self, i: int, station: int, level: int, t: float, work: float) -> int:
        self.calls.append(("log", i, station, level, t, work))
        return 100 + i  # rows of the recorder's own numbering: the station must hand them back

    def arrived(self, v: Visit) -> None:
        self.calls.append(("arrived", v.i, self.env.now))

    def started(self, v: Visit, t0: float, kind: str, work: float, server: int) -> None:
        self.calls.append(("started", v.i, self.env.now, t0, kind, work, server))

    def end_visit(self, row: int, t: float, outcome: int) -> None:
        self.calls.append(("end", row, t, outcome))


def test_a_station_driven_by_a_fake_recorder() -> None:
    env = simpy.Environment()
    rec = FakeRecorder(env)
    recorder: VisitRecorder = rec  # the fake satisfies the interface (mypy checks it here)
    chosen: list[tuple[float, list[int]]] = []

    def choose(cands: list[StaffAgent], now: float) -> StaffAgent:
        chosen.append((now, [s.idx for s in cands]))
        return cands[0]

    model = mesa.Model(rng=0)
    office = build_calendar(ShiftConfig(8.0, 17.0, [0, 1, 2, 3, 4]), 10)  # day 0 is a Monday
    server = StaffAgent(model, 7, "fulltime", 1.0, office, np.ones(2, bool), False)
    inputs = StationInputs(env=env, recorder=recorder, rule_key=lambda v: (v.t_arrive, 0.0), choose=choose,
                           n_categories=2, nearest_speed_kmh=5.0, reminders=False, reminded=np.zeros(4, bool))
    station = Station(model, inputs, 3, "grid", 0, [server], 2.0, False)
    outcomes: dict[int, int] = {}

    def matter(i: int, t: float, work: float, limit: bool) -> simpy.events.ProcessGenerator:
        yield env.timeout(t)
        v = Visit(i, 0, work, True, env.event(), 0, 0, 1e9)
        station.arrive(v, limit)
        outcomes[i] = yield v.event

    # 0 arrives off shift (Monday 0:00) and starts at 8:00; 1 waits behind it; 2 waits past the
    # 2-hour limit and escalates; 3 finds the server idle and on shift
    for i, t, work, limit in [(0, 0.0, 2.0, False), (1, 9.0, 3.0, False), (2, 9.5, 1.0, True),
                              (3, 14.0, 1.0, False)]:
        env.process(matter(i, t, work, limit))
    env.run()
    assert rec.calls == [
        ("log", 0, 3, 0, 0.0, 2.0), ("arrived", 0, 0.0),
        ("started", 0, 8.0, 8.0, "grid", 2.0, 7),
        ("log", 1, 3, 0, 9.0, 3.0), ("arrived", 1, 9.0),
        ("log", 2, 3, 0, 9.5, 1.0), ("arrived", 2, 9.5),
        ("end", 100, 10.0, SETTLED), ("started", 1, 10.0, 10.0, "grid", 3.0, 7),
        ("end", 102, 11.5, ESCALATED),
        ("end", 101, 13.0, SETTLED),
        ("log", 3, 3, 0, 14.0, 1.0), ("arrived", 3, 14.0), ("started", 3, 14.0, 14.0, "grid", 1.0, 7),
        ("end", 103, 15.0, SETTLED),
    ]
    assert outcomes == {0: SETTLED, 1: SETTLED, 2: ESCALATED, 3: SETTLED}
    assert chosen == [(14.0, [7])]  # the handler choice it was given, only where a server was idle
    assert server.busy_hours == 6.0 and server.handled == 3


def test_the_run_recorder_writes_a_visits_row_and_the_matters_status() -> None:
    from sim.scenario.constants import IN_SERVICE, QUEUED

    m = empty_matters(2)
    rec = RunRecorder(m)
    v = Visit(1, 2, 4.0, True, simpy.Environment().event(), 0, 0, 1e9)
    v.row = rec.log_visit(1, 5, 2, 3.0, 4.0)
    rec.arrived(v)
    assert (m.status[1], m.place_level[1]) == (QUEUED, 2)
    rec.started(v, 3.5, "module", 4.5, 9)
    rec.end_visit(v.row, 8.0, SETTLED)
    assert m.status[1] == IN_SERVICE and m.t_start[1] == 3.5
    vis = rec.visits()
    assert v.row == 0 and vis.matter_id.tolist() == [1] and vis.station.tolist() == [5]
    assert (vis.t_arrive[0], vis.t_start[0], vis.t_end[0], vis.work[0], vis.server[0], vis.outcome[0]) == \
        (3.0, 3.5, 8.0, 4.5, 9, SETTLED)
