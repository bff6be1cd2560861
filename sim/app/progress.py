"""A what-if running behind the page: its stage, an estimate of each stage, and a cancel that stops it.

The run goes in a worker thread while the page's script shows the stage ("variant: 3
replications, about 4 s") and a bar that moves with the pre-flight estimate
(``sim.checks.preflight``), not in jumps. Cancelling raises ``RunCancelled`` inside the worker
(CPython's asynchronous exception): it lands at the next Python instruction after the
compiled code running then, at the latest when the current replication's engine returns,
and the run's own clean-up runs as for any failure (``sim.runs.api`` writes into a
``.partial-`` directory and removes it when anything is raised), so nothing half-written
is left. A stage that finished stays in the store; the cancelled one leaves no trace.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CANCELLED", "RUN_WANTED", "PageRun", "RunCancelled", "Stage"]

#: the sessions whose run was just cancelled (kept by the server: Streamlit drops what a stopped script
#: writes to its session state, so the page's next run reads the fact here and says so)
CANCELLED: set[str] = set()
#: the sessions whose Run was clicked and whose run has not started yet (kept by the server: a click's
#: callback that touched the session state as the next action arrived would be stopped there, and lost)
RUN_WANTED: set[str] = set()


class RunCancelled(BaseException):
    """Raised inside a run's thread when the planner cancels it (a BaseException: nothing catches it as an error)."""


@dataclass(frozen=True)
class Stage:
    """A stage of a what-if: its name (a ``sim.app.labels`` key), replications, and estimated seconds."""

    name: str  # stage.baseline | stage.variant | stage.store
    replications: int = 0
    estimate: float = 0.0  # seconds; 0 when served from the store


@dataclass
class PageRun:
    """``target(on_stage)`` in a thread; ``on_stage(plan, i)`` is called as stage ``i`` of ``plan`` starts."""

    target: Callable[[Callable[[list[Stage], int], None]], Any]
    plan: list[Stage] = field(default_factory=list)
    index: int = -1
    stage_started: float = 0.0
    result: Any = None
    error: BaseException | None = None
    thread: threading.Thread | None = None
    started: float = 0.0

    def start(self) -> PageRun:
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._work, name="gridsim-page-run", daemon=True)
        self.thread.start()
        return self

    def _on_stage(self, plan: list[Stage], index: int) -> None:
        self.plan, self.index, self.stage_started = list(plan), index, time.monotonic()

    def _work(self) -> None:
        try:
            self.result = self.target(self._on_stage)
        except BaseException as exc:  # the page shows it; a cancel lands here too
            self.error = exc

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def wait(self, seconds: float) -> None:
        if self.thread is not None:
            self.thread.join(seconds)

    def cancel(self) -> None:
        """Stop the run (see the module's docstring) and wait until its clean-up is done."""
        thread = self.thread
        if thread is None or not thread.is_alive() or thread.ident is None:
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(RunCancelled))
        thread.join()

    def fraction(self) -> float:
        """How far the run is by the plan's estimates: stages done count whole, the current one by its
        elapsed share of its estimate (held short of its end until it ends)."""
        if self.index < 0 or not self.plan:
            return 0.0
        weights = [max(s.estimate, 0.2) for s in self.plan]  # a stage from the store still takes a moment
        share = min((time.monotonic() - self.stage_started) / weights[self.index], 0.95)
        return min((sum(weights[:self.index]) + share * weights[self.index]) / sum(weights), 0.99)

    def current(self) -> tuple[Stage, float] | None:
        """The stage under way and its elapsed seconds."""
        if self.index < 0 or not self.plan:
            return None
        return self.plan[self.index], time.monotonic() - self.stage_started

    def remaining(self) -> float:
        """Seconds left by the estimates (never below zero)."""
        if self.index < 0 or not self.plan:
            return 0.0
        left = sum(s.estimate for s in self.plan[self.index:]) - (time.monotonic() - self.stage_started)
        return max(left, 0.0)
