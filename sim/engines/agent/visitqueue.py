"""A matter's stay at a station (``Visit``) and a station's waiting line of them.

The line gives the best visit a given server may take, in O(log n).

Priority (smallest first): overdue before not overdue when reminders are on
(催办), then the dispatch rule's key, then the matter id. Visits are kept in
one heap per category (servers may take only some categories) and per state
(not yet overdue / overdue); a heap on deadlines moves visits to the overdue
heaps as time passes. Removed visits are skipped lazily.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy


class Visit:
    """A matter's stay at one station: what the station needs to serve it, and its place in the line."""

    __slots__ = ("i", "level", "work", "settles", "event", "row", "t_arrive", "waiting",
                 "category", "severity", "deadline", "done_as", "tracked", "queue", "overdue")

    def __init__(self, i: int, level: int, work: float, settles: bool, event: simpy.Event,
                 category: int, severity: int, deadline: float) -> None:
        self.i = i
        self.level = level
        self.work = work
        self.settles = settles
        self.event = event  # succeeds with the visit's outcome when the matter leaves the station
        self.category = category
        self.severity = severity
        self.deadline = deadline
        self.row = -1  # its row in the visit records
        self.t_arrive = 0.0
        self.waiting = False
        self.done_as = -1  # outcome to record when served (e.g. TRANSFERRED); -1 = settled / escalated
        self.tracked = True  # moves the matter's status (False for a petition review after closure)
        self.queue: VisitQueue | None = None  # the line it waits in (set once: a visit is at one station)
        self.overdue = False


RuleKey = Callable[[Visit], tuple[Any, ...]]


class VisitQueue:
    """Waiting visits of one station."""

    def __init__(self, n_categories: int, rule_key: RuleKey, reminders: bool, reminded: np.ndarray) -> None:
        self.rule_key = rule_key
        self.reminders = reminders
        self.reminded = reminded  # the matter records' flag, set when a visit turns overdue
        self.fresh: list[list[tuple[Any, ...]]] = [[] for _ in range(n_categories)]
        self.over: list[list[tuple[Any, ...]]] = [[] for _ in range(n_categories)]
        self.deadlines: list[tuple[float, int, int, Visit]] = []
        self.count = 0
        self.seq = itertools.count()  # a matter may wait here twice (rework): entries stay unique

    def __len__(self) -> int:
        return self.count

    def push(self, v: Visit) -> None:
        v.overdue = False
        heapq.heappush(self.fresh[v.category], (*self.rule_key(v), v.i, next(self.seq), v))
        if self.reminders:
            heapq.heappush(self.deadlines, (v.deadline, v.i, next(self.seq), v))
        self.count += 1

    def discard(self, v: Visit) -> None:
        """Forget v (it left without service); its heap entries are skipped later."""
        v.waiting = False
        self.count -= 1

    def _age(self, now: float) -> None:
        d = self.deadlines
        while d and d[0][0] < now:
            v = heapq.heappop(d)[-1]
            if v.waiting and v.queue is self and not v.overdue:
                v.overdue = True
                self.reminded[v.i] = True
                heapq.heappush(self.over[v.category], (*self.rule_key(v), v.i, next(self.seq), v))

    @staticmethod
    def _top(heap: list[tuple[Any, ...]], q: VisitQueue, overdue: bool) -> tuple[Any, ...] | None:
        while heap:
            entry = heap[0]
            v = entry[-1]
            if v.waiting and v.queue is q and v.overdue == overdue:
                return entry
            heapq.heappop(heap)
        return None

    def best(self, skills: np.ndarray, now: float) -> Visit | None:
        """The best waiting visit whose category the server may take (not removed)."""
        if self.count == 0:
            return None
        if self.reminders:
            self._age(now)
        for heaps, overdue in ((self.over, True), (self.fresh, False)):
            best: tuple[Any, ...] | None = None
            for k, heap in enumerate(heaps):
                if heap and skills[k]:
                    top = self._top(heap, self, overdue)
                    if top is not None and (best is None or top[:-1] < best[:-1]):
                        best = top
            if best is not None:
                return best[-1]
        return None

    def take(self, v: Visit) -> None:
        """v leaves the line to be served."""
        v.waiting = False
        self.count -= 1
