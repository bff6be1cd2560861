"""Coverage of the experiments' 95% confidence intervals on a KPI whose mean is known exactly.

In the textbook preset matters arrive as a Poisson process of rate λ per hour over the
horizon, so the KPI ``matters`` (those occurring in the window ``[warm-up, horizon)``) has
mean exactly λ × window hours, whatever the queue does. We run M independent experiments
(``run.seed`` = the config's seed + i, i = 0..M-1, never searched), each of R replications
run exactly as the experiment runner runs them, and count how often the interval covers:

* ``summary_of`` over the R replications (the per-scenario intervals of
  ``comparison_table``) must cover λ × window;
* the paired difference of two arms on common random numbers, λ_a and λ_b (the
  ``diff_*`` columns of ``comparison_table``) must cover (λ_b - λ_a) × window.

The count of covering experiments is Binomial(M, 0.95) when the intervals are right (a
Poisson count of mean ~200 is close enough to normal for Student's t at R = 4); we
assert it lies within 4 binomial standard errors of 0.95 (a false alarm ~6e-5). Wrong
statistics fail: at R = 4 a normal (z) interval covers 0.855 and a half-width from s/n
instead of s/√n 0.79, both more than 4 standard errors (0.036 at M = 600, 0.044 at
M = 400) below 0.95.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.metrics.kpis import compute_kpis
from sim.metrics.replications import summary_of
from sim.metrics.tables import comparison_table
from sim.runs.config import load_config
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory

pytestmark = pytest.mark.slow

HORIZON_DAYS, WARMUP_DAYS = 5.0, 1.0
WINDOW_H = (HORIZON_DAYS - WARMUP_DAYS) * 24.0
R = 4
K_SE = 4.0


def _cfg(rate: float) -> Config:
    return load_config(["scenario=textbook", "engine=vector", "run.progress=false",
                        f"run.horizon_days={HORIZON_DAYS:g}", f"run.warmup_days={WARMUP_DAYS:g}",
                        f"textbook.arrival_rate_per_hour={rate:g}"])


def _replications(cfg: Config, seed: int) -> list[dict[str, float]]:
    """R replications of one experiment, as ``sim.experiment.runner.run_replication`` runs them."""
    cfg = replace(cfg, run=replace(cfg.run, seed=seed))
    terr = build_territory(cfg)
    return [compute_kpis(run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, r)), r)) for r in range(R)]


def _assert_coverage(covered: int, m: int) -> None:
    se = math.sqrt(0.95 * 0.05 / m)
    rate = covered / m
    assert abs(rate - 0.95) <= K_SE * se, f"coverage {rate:.3f} over {m} experiments (0.95 ± {K_SE * se:.3f})"


def test_mean_ci_covers_the_poisson_mean() -> None:
    lam, m = 2.0, 600
    cfg = _cfg(lam)
    truth = lam * WINDOW_H
    covered = 0
    for i in range(m):
        s = summary_of([r["matters"] for r in _replications(cfg, cfg.run.seed + i)])
        assert s.n == R
        covered += s.lo <= truth <= s.hi
    _assert_coverage(covered, m)


def test_paired_difference_ci_covers_the_known_difference() -> None:
    lam_a, lam_b, m = 2.0, 2.5, 400
    cfg_a, cfg_b = _cfg(lam_a), _cfg(lam_b)
    truth = (lam_b - lam_a) * WINDOW_H
    covered = 0
    for i in range(m):
        seed = cfg_a.run.seed + 100_000 + i
        runs = {"a": _replications(cfg_a, seed), "b": _replications(cfg_b, seed)}
        row = comparison_table(runs, ["matters"], "a").set_index("scenario").loc["b"]
        lo, hi = row["diff_mean"] - row["diff_half_width"], row["diff_mean"] + row["diff_half_width"]
        covered += int(bool(lo <= truth <= hi))
    _assert_coverage(covered, m)
