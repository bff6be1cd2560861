"""Queue order and handler choice of the dispatch rule (MODEL.md 4.4): compiled scalar functions.

A station's waiting visits are served in the order of ``queue_key`` (reminded ones first,
ties to the lower matter id: the engines' queues do that part); an idle server is chosen
by ``handler_key`` among the idle on-shift servers that take the category, ties to the
station's own order (full-time workers, the grid leader, professional workers,
volunteers). The agent engine calls these from Python, the vector kernel from compiled code.
Rules are passed as their index in ``DISPATCH_RULES``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.scenario.constants import DISPATCH_RULES

# the rules' codes (numpy integers: compiled callers share one copy of each function)
R_FCFS, R_SEVERITY, R_EDF, R_LEAST, R_SKILL, R_NEAREST = (
    np.int64(DISPATCH_RULES.index(name)) for name in ("fcfs", "severity", "edf", "least_loaded", "skill", "nearest"))

#: an integer argument: a Python int from the agent engine, a numpy one from the kernel
Int = int | np.integer


@njit(cache=True)
def queue_key(rule: Int, severity: Int, deadline: float, t_arrive: float) -> tuple[float, float]:
    """A waiting visit's place in its queue, least first: severity (hardest first), earliest deadline
    or, for every other rule, first come first served."""
    if rule == R_SEVERITY:
        return -float(severity), t_arrive
    if rule == R_EDF:
        return deadline, t_arrive
    return t_arrive, 0.0


@njit(cache=True)
def ranks_handlers(rule: Int) -> bool:
    """Does the rule rank idle servers (``handler_key``)? Otherwise the station's first one takes it."""
    return bool(rule == R_LEAST or rule == R_SKILL)


@njit(cache=True)
def handler_key(rule: Int, busy_hours: float, specialist: bool) -> float:
    """An idle server's rank under a rule that ranks them, least first: least_loaded the least busy
    so far, skill specialists (who take only some categories) first."""
    if rule == R_LEAST:
        return busy_hours
    return 0.0 if specialist else 1.0
