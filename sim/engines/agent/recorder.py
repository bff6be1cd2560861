"""The agent engine's records as they are written: the matter table and the visit log.

A station writes records through the small ``VisitRecorder`` interface (a visit
logged on arrival, the matter queued, service started, the visit ended), so it
needs nothing else of the run. ``RunRecorder`` is the run's implementation: it
owns the matter records and the visit log's columns (plain lists, appended to
once per visit, turned into arrays when the run ends).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Protocol

import numpy as np

from sim.engines.agent.visitqueue import Visit
from sim.records.schema import OPEN, MatterRecords, VisitRecords, visits_from_lists
from sim.scenario.constants import IN_SERVICE, QUEUED

VISIT_COLUMNS = tuple(f.name for f in fields(VisitRecords))


class VisitRecorder(Protocol):
    """What a station calls to write the records of the visits it takes."""

    def log_visit(self, i: int, station: int, level: int, t: float, work: float) -> int:
        """A visit of matter i arrives at ``station`` at time t; returns its row in the visit log."""
        ...

    def arrived(self, v: Visit) -> None:
        """The visit is at the station (queued or about to start): the matter's status follows."""
        ...

    def started(self, v: Visit, t0: float, kind: str, work: float, server: int) -> None:
        """Service starts at t0 on ``server``; ``work`` is nominal (full-speed) hours."""
        ...

    def end_visit(self, row: int, t: float, outcome: int) -> None:
        """The visit in log row ``row`` ends at t with ``outcome``."""
        ...


class RunRecorder:
    """One replication's matter records and visit log (implements ``VisitRecorder``)."""

    def __init__(self, m: MatterRecords) -> None:
        self.m = m
        self.vcols: dict[str, list[Any]] = {k: [] for k in VISIT_COLUMNS}

    def log_visit(self, i: int, station: int, level: int, t: float, work: float) -> int:
        c = self.vcols
        c["matter_id"].append(i)
        c["station"].append(station)
        c["level"].append(level)
        c["t_arrive"].append(t)
        c["t_start"].append(np.nan)
        c["t_end"].append(np.nan)
        c["work"].append(work)
        c["outcome"].append(OPEN)
        c["server"].append(-1)
        return len(c["matter_id"]) - 1

    def arrived(self, v: Visit) -> None:
        if v.tracked:
            self.m.status[v.i] = QUEUED
            self.m.place_level[v.i] = v.level

    def started(self, v: Visit, t0: float, kind: str, work: float, server: int) -> None:
        # work is nominal (full-speed) hours, as station capacity is speed-weighted
        i = v.i
        self.vcols["t_start"][v.row] = t0
        self.vcols["work"][v.row] = work
        self.vcols["server"][v.row] = server
        if v.tracked:
            self.m.status[i] = IN_SERVICE
        # a matter's service starts at its first station that is not the platform (which only routes)
        if v.tracked and kind != "platform" and np.isnan(self.m.t_start[i]):
            self.m.t_start[i] = t0

    def end_visit(self, row: int, t: float, outcome: int) -> None:
        self.vcols["t_end"][row] = t
        self.vcols["outcome"][row] = outcome

    def visits(self) -> VisitRecords:
        """The visit log so far as record arrays, in the order the rows were made."""
        return visits_from_lists(self.vcols)


__all__ = ["VISIT_COLUMNS", "RunRecorder", "VisitRecorder"]
