"""Closure and feedback (MODEL.md 4.7): callback satisfaction, reopening, petitions."""

from __future__ import annotations

from sim.scenario.schema import OutcomeConfig


def satisfaction_prob1(o: OutcomeConfig, total_hours: float, overdue: bool, transfers: int) -> float:
    """Probability a callback finds the resident satisfied: falls with time, lateness and transfers."""
    p = (o.satisfaction_base - o.satisfaction_per_day * total_hours / 24.0
         - o.satisfaction_overdue * float(overdue) - o.satisfaction_per_transfer * float(transfers))
    return min(max(p, o.satisfaction_floor), 1.0)


def reopens(o: OutcomeConfig, satisfied: bool, reopened: int, u_reopen: float) -> bool:
    """A dissatisfied resident reopens the matter (rework), up to ``max_reopens`` times."""
    return (not satisfied) and reopened < o.max_reopens and u_reopen < o.reopen_prob


def petitions(o: OutcomeConfig, satisfied: bool, total_hours: float, u_petition: float) -> bool:
    """A dissatisfied resident whose matter outlasted their patience petitions (上访)."""
    return (not satisfied) and total_hours > o.petition_patience_days * 24.0 and u_petition < o.petition_prob


def party_prob(share: float, settle_prob: float) -> float:
    """Chance a party-member household settles a small matter: the configured chance at a 5% share."""
    return float(min(1.0, settle_prob * share / 0.05))
