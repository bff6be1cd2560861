"""Closure and feedback (MODEL.md 4.7): callback satisfaction, reopening, petitions; the wrong module.

Compiled scalar functions on plain values (the ``outcome`` config's numbers are passed in):
the agent engine calls them from Python, the vector kernel from compiled code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: an integer argument: a Python int from the agent engine, a numpy one from the kernel
Int = int | np.integer


@njit(cache=True)
def satisfaction_prob1(base: float, per_day: float, per_overdue: float, per_transfer: float, floor: float,
                       total_hours: float, overdue: bool, transfers: Int) -> float:
    """Probability a callback finds the resident satisfied: falls with time, lateness and transfers.

    ``base``, ``per_day``, ``per_overdue``, ``per_transfer`` and ``floor`` are ``outcome.satisfaction_*``.
    """
    p = (base - per_day * total_hours / 24.0 - per_overdue * (1.0 if overdue else 0.0)
         - per_transfer * float(transfers))
    return min(max(p, floor), 1.0)


@njit(cache=True)
def reopens(satisfied: bool, reopened: Int, max_reopens: Int, u_reopen: float, reopen_prob: float) -> bool:
    """A dissatisfied resident reopens the matter (rework), up to ``max_reopens`` times."""
    return bool((not satisfied) and reopened < max_reopens and u_reopen < reopen_prob)


@njit(cache=True)
def petitions(satisfied: bool, total_hours: float, patience_days: float, u_petition: float,
              petition_prob: float) -> bool:
    """A dissatisfied resident whose matter outlasted their patience petitions (上访)."""
    return (not satisfied) and total_hours > patience_days * 24.0 and u_petition < petition_prob


@njit(cache=True)
def wrong_module(right: Int, n_modules: Int, u_to: float) -> int:
    """The module a misclassified matter goes to first: one of the other modules, evenly by ``u_to``."""
    return int((right + 1 + int(u_to * (n_modules - 1))) % n_modules)


def party_prob(share: float, settle_prob: float) -> float:
    """Chance a party-member household settles a small matter: the configured chance at a 5% share."""
    return float(min(1.0, settle_prob * share / 0.05))
