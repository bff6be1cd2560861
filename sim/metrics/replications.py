"""Across-replication summaries: means with Student-t confidence half-widths.

Each run is the KPI dict of one replication (``compute_kpis``). NaN values are
ignored per KPI, so ``n`` counts the replications where the KPI was defined.
``paired_difference`` summarises b - a replication by replication, which is the
right interval when both variants ran on common random numbers (same seeds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # scipy.stats would add 0.3 s to every start

__all__ = ["Summary", "half_widths", "means", "paired_difference", "summarize", "summary_of"]


@dataclass(frozen=True)
class Summary:
    """Mean, half-width of the confidence interval, sample std (ddof 1), sample size."""

    mean: float
    half_width: float
    std: float
    n: int

    @property
    def lo(self) -> float:
        return self.mean - self.half_width

    @property
    def hi(self) -> float:
        return self.mean + self.half_width


def summary_of(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> Summary:
    """Summary of one sample; NaNs dropped. n < 2 gives NaN std and half-width."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie in (0, 1)")
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Summary(math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(x))
    if n < 2:
        return Summary(mean, math.nan, math.nan, n)
    std = float(np.std(x, ddof=1))
    q = float(stdtrit(n - 1, 0.5 + confidence / 2.0))  # Student's t quantile (scipy.stats.t.ppf's own)
    return Summary(mean, q * std / math.sqrt(n), std, n)


#: the flag beside a percentile that a replication's curve did not reach (``sim.metrics.survival``)
ABOVE_HORIZON = "_above_horizon"


def summarize(runs: list[dict[str, float]], confidence: float = 0.95) -> dict[str, Summary]:
    """Per-KPI Summary over the runs (keys in first-seen order; a missing key counts as NaN).

    A percentile above the horizon in any replication has no mean (NaN, written as null):
    the mean of the other replications would understate it. Its flag's mean is the share of
    replications where it was above.
    """
    keys = list(dict.fromkeys(key for run in runs for key in run))
    out = {key: summary_of([run.get(key, math.nan) for run in runs], confidence) for key in keys}
    for key in keys:
        flag = out.get(key + ABOVE_HORIZON)
        if flag is not None and flag.n and flag.mean > 0:
            out[key] = Summary(math.nan, math.nan, math.nan, out[key].n)
    return out


def paired_difference(
    a_runs: list[dict[str, float]], b_runs: list[dict[str, float]], key: str, confidence: float = 0.95
) -> Summary:
    """Summary of b - a for one KPI, pairing runs by position (replication r with r).

    Pairs where either value is NaN or missing are dropped.
    """
    if len(a_runs) != len(b_runs):
        raise ValueError(f"paired runs differ in length: {len(a_runs)} vs {len(b_runs)}")
    a = np.array([r.get(key, math.nan) for r in a_runs], dtype=np.float64)
    b = np.array([r.get(key, math.nan) for r in b_runs], dtype=np.float64)
    return summary_of(b - a, confidence)


def means(summaries: dict[str, Summary]) -> dict[str, float]:
    """The means, e.g. as the ``kpis`` argument of ``format_kpi_table``."""
    return {k: s.mean for k, s in summaries.items()}


def half_widths(summaries: dict[str, Summary]) -> dict[str, float]:
    """The half-widths, e.g. as the ``ci`` argument of ``format_kpi_table``."""
    return {k: s.half_width for k, s in summaries.items()}
