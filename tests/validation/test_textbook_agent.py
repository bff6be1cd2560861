"""The agent engine against queueing theory (``scenario=textbook``) and Little's law.

Each textbook case runs R independent replications (``run.replications=R``, the
config's default seed) and compares the mean over replications of a KPI with its
closed form (tests/validation/queueing_theory.py):

* M/M/c: ``wait_hours_mean`` vs Erlang C Wq, ``wait_positive_share`` vs P(W > 0);
* M/G/1 with lognormal service: ``wait_hours_mean`` vs Pollaczek–Khinchine, and
  ``wait_positive_share`` vs ρ (PASTA: an arrival finds the server busy w.p. ρ,
  whatever the service distribution);
* M/M/c+D (fixed patience τ): ``abandoned_share`` vs P(abandon) and
  ``wait_hours_mean_served`` vs the mean wait of served customers.

Tolerance
---------
SE = s / √R from the R replication values. The KPI must lie in
``[theory − k_lo SE, theory + k SE]`` with ``k = t_{R−1}^{-1}(1 − α/2)``,
``α = 2 Φ(−4) ≈ 6.3e-5``: "4 SE" made honest for R replications (with an
estimated SE, 4 SE alone would fail ~1e-3 of seeds at R = 16, not 6e-5). No
allowance is added for bias: the warm-up (20–30 days, at least 1.9 relaxation times
1 / (cμ (1 − √ρ)²) ≤ 11 days) and the matters still waiting at the horizon bias
no estimate detectably (< 0.3 % of theory, within ±2 reference SE, on 3,000–8,000
replications of an independent vectorised FCFS simulation with the engine's
input clipping), i.e. < 0.1 SE of these tests.

``k_lo = k`` except for the mean waits without patience: a replication's mean
wait is right-skewed (skewness 0.3–1.5 at these run lengths for exponential
service, ~3 for lognormal cv 2), so the sample SD is small exactly when the
mean is low and the t statistic has a far heavier *lower* tail than Student's.
The same independent simulation (400,000 resampled groups of R) puts the 3.2e-5
lower quantile of the t statistic at −6.1 (M/M/1, ρ 0.5, 400 days), −6.9 / −6.4
(M/M/1, ρ 0.8, 300 / 600 days), −7.0 / −6.7 (M/M/2, ρ 0.9, 300 / 600 days),
−7.4 / −7.1 (M/M/5, ρ 0.95, 300 / 600 days), −6.1 (lognormal cv 0.5, 400 days),
−7.9 / −7.4 (lognormal cv 2, 400 / 800 days; its tail is driven by services
beyond the 1e-4 quantile, which no finite reference sample shows fully), while
its upper tail stays below the Student value. Skewness falls with run length, so
``k_lo`` is the quantile at the next shorter run length measured, rounded up
with a margin (+2 for cv 2): each assertion fails with probability ~6e-5 per
seed, ~1e-3 over the whole file. The P(W > 0), abandonment and served-wait statistics are nearly
symmetric and follow Student's t (measured likewise).

Which cases run where: every case runs on the vector engine in the default test run
(``test_textbook_vector.py``), whose records equal the agent engine's
(tests/equivalence). The agent engine runs the short cases here (``AGENT_CASES``: the
four with patience and M/M/1 at ρ 0.5, about 20 s of CPU in a pool of up to two worker
processes); its long ones (M/M/c at ρ 0.8-0.95 and M/G/1, about 110 s of CPU, 80 % of
the agent engine's textbook work) run with ``pytest benchmarks/test_textbook_agent.py``,
out of the default run, with the same assertions and tolerances.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import stats

import sim
from sim.metrics.little import littles_law
from sim.metrics.replications import summary_of
from sim.records.schema import STATION_KINDS, Records

try:  # pytest's default import mode puts this directory on sys.path
    import queueing_theory as qt
except ModuleNotFoundError:  # --import-mode=importlib
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import queueing_theory as qt

#: per-assertion false-alarm probability: the two-sided normal tail beyond 4 sigma
ALPHA = 2.0 * float(stats.norm.sf(4.0))
#: mean service time (hours) of every textbook case; mu = 1 / S
S = 0.8


@dataclass(frozen=True)
class Case:
    name: str
    servers: int
    load: float  # offered load per server, rho = lam S / c
    reps: int
    horizon_days: float
    warmup_days: float
    cv: float = 1.0
    patience: float | None = None  # hours
    k_lo_wait: float | None = None  # lower multiplier for the skewed mean wait (module docstring)

    @property
    def lam(self) -> float:
        return self.load * self.servers / S

    def overrides(self) -> list[str]:
        ov = ["scenario=textbook", f"run.replications={self.reps}", f"run.horizon_days={self.horizon_days:g}",
              f"run.warmup_days={self.warmup_days:g}", "run.progress=false",
              f"textbook.servers={self.servers}", f"textbook.arrival_rate_per_hour={self.lam!r}",
              f"textbook.service_mean_hours={S!r}", f"textbook.service_cv={self.cv!r}"]
        if self.patience is not None:
            ov.append(f"textbook.patience_hours={self.patience!r}")
        return ov

    def theory(self) -> dict[str, float]:
        mu = 1.0 / S
        if self.patience is not None:
            r = qt.mmcd(self.servers, self.lam, mu, self.patience)
            return {"abandoned_share": r.p_abandon, "wait_hours_mean_served": r.mean_wait_served}
        if self.cv == 1.0:
            return {"wait_hours_mean": qt.mmc_wq(self.servers, self.lam, mu),
                    "wait_positive_share": qt.erlang_c(self.servers, self.lam, mu)}
        assert self.servers == 1
        return {"wait_hours_mean": qt.pk_wq(self.lam, S, self.cv), "wait_positive_share": self.load}


# Run lengths: window = horizon - warmup; matters per replication ~ lam * 24 * horizon.
# The longest case goes first so the two workers finish together.
CASES: tuple[Case, ...] = (
    # M/M/c, exponential service (relative SE of the mean wait ~4.5 %, 1.8 %, 2.8 %, 3.6 %)
    Case("mm5_rho0.95", 5, 0.95, 16, 450, 30, k_lo_wait=8.0),
    Case("mm1_rho0.5", 1, 0.5, 16, 400, 20, k_lo_wait=7.0),
    Case("mm1_rho0.8", 1, 0.8, 16, 450, 20, k_lo_wait=7.5),
    Case("mm2_rho0.9", 2, 0.9, 16, 450, 20, k_lo_wait=8.0),
    # M/G/1, lognormal service (relative SE 1.7 % and ~5 %)
    Case("mg1_lognormal_cv0.5", 1, 0.7, 16, 400, 20, cv=0.5, k_lo_wait=7.0),
    Case("mg1_lognormal_cv2", 1, 0.7, 20, 600, 20, cv=2.0, k_lo_wait=10.0),
    # M/M/c+D, patience of 1 or 2 mean service times; fast mixing, so short runs
    Case("mm1d_rho0.9_tau2S", 1, 0.9, 16, 80, 10, patience=2 * S),
    Case("mm1d_rho1.1_tau1S", 1, 1.1, 16, 80, 10, patience=1 * S),
    Case("mm3d_rho0.9_tau1S", 3, 0.9, 16, 80, 10, patience=1 * S),
    Case("mm3d_rho1.1_tau2S", 3, 1.1, 16, 80, 10, patience=2 * S),
)
CHECKS = [(c, key) for c in CASES for key in c.theory()]
#: the agent engine's cases in the default run (the module docstring); the rest run in benchmarks/
AGENT_CASES = ("mm1_rho0.5", "mm1d_rho0.9_tau2S", "mm1d_rho1.1_tau1S", "mm3d_rho0.9_tau1S", "mm3d_rho1.1_tau2S")
AGENT_CHECKS = [(c, key) for c, key in CHECKS if c.name in AGENT_CASES]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Serial(Executor):
    """Runs each submission at once in this process (one core: no pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        f: Future[Any] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - re-raised by result()
            f.set_exception(e)
        return f


def agent_runs(request: pytest.FixtureRequest, test: Callable[..., None]) -> Iterator[dict[str, Future]]:
    """The cases the session's items of ``test`` select (not the vector file's), submitted at once (longest
    first) to up to two worker processes."""
    params = [getattr(getattr(item, "callspec", None), "params", {}) for item in request.session.items
              if getattr(item, "function", None) is test]
    selected = {p["case"].name for p in params if isinstance(p.get("case"), Case)}
    workers = min(2, _cores())
    pool: Executor = (ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) if workers > 1
                      else _Serial())
    try:
        yield {c.name: pool.submit(sim.run, c.overrides(), write=False) for c in CASES if c.name in selected}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def textbook_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future]]:
    yield from agent_runs(request, test_textbook_against_theory)


# ---------------------------------------------------------------- Little's law
@pytest.fixture(scope="module")
def township_records():  # noqa: ANN201 - Records
    r = sim.run(["territory=township", "run.horizon_days=120", "run.warmup_days=30", "run.replications=1",
                 "run.progress=false"], write=False)
    assert r.records is not None
    return r.records


def _carried_in(ta: np.ndarray, te: np.ndarray, t: float, h: float) -> float:
    """Hours that visits present at t (arrived before, not yet left) spend in [t, h)."""
    present = (ta < t) & (te > t)
    return float(np.sum(np.minimum(te[present], h) - t))


@pytest.mark.parametrize("kind", STATION_KINDS)
def test_littles_law_by_station_kind(kind: str, township_records) -> None:  # noqa: ANN001
    """L = λW at each kind of station of a township, up to the window's edge effect.

    Over the window [w0, h) of length T, L T is the area of all visits' presence in
    the window and λ T W the summed sojourns of the visits arriving in it (open ones
    cut at h in both), so L T − λ T W is exactly the carried-in area: the hours that
    visits present at w0 still spend in the window (the ``littles_law`` docstring).
    We check that identity (so L >= λW), then that this edge effect is of its usual
    size: no larger than the mean + 4 SD of the same carried-in area measured across
    every other midnight of the window that leaves 30 days before the horizon (w0 is
    a midnight too; demand and office hours follow the clock, so a stationary M/G/∞
    estimate E[W²] / (2 E[W] T) would miss the queues that wait overnight). Measured
    on this run: the gap is 0.4 % of L at grids, platforms and departments, 0.6 % at
    modules and 1.9 % at villages, whose sojourns reach weeks; the bounds are 1.3–7.5 %.
    """
    assert_littles_law(township_records, kind)


def assert_littles_law(rec: Records, kind: str) -> None:
    """L = λW at the stations of ``kind`` exactly up to the carried-in area, itself of its usual size."""
    kinds = np.asarray(rec.stations.kind)
    mask = kinds == kind
    assert mask.any(), f"no {kind} station in the township"
    c = littles_law(rec, mask)
    assert c.n > 100 and c.L > 0
    w0, h = float(rec.meta["warmup_h"]), float(rec.meta["horizon_h"])
    T = h - w0
    v = rec.visits
    sel = mask[v.station]
    ta = v.t_arrive[sel]
    te = np.where(np.isnan(v.t_end[sel]), h, v.t_end[sel])
    assert np.all(te >= ta)
    gap = (c.L - c.lam * c.W) * T
    carried = _carried_in(ta, te, w0, h)
    assert gap == pytest.approx(carried, rel=1e-9, abs=1e-6 * c.L * T)
    others = np.array([_carried_in(ta, te, t, h) for t in np.arange(w0 + 24.0, h - 30 * 24.0 + 1.0, 24.0)])
    bound = float(others.mean() + 4.0 * others.std(ddof=1))
    assert -1e-9 * c.L * T <= gap <= bound, (
        f"{kind}: L={c.L:.4f}, lam W={c.lam * c.W:.4f}: gap {gap / (c.L * T):.4f} of L T, edge effect at "
        f"other midnights {others.mean() / (c.L * T):.4f} +- {others.std(ddof=1) / (c.L * T):.4f}")


@pytest.mark.parametrize(("case", "key"), AGENT_CHECKS, ids=[f"{c.name}-{k}" for c, k in AGENT_CHECKS])
def test_textbook_against_theory(case: Case, key: str, textbook_runs: dict[str, Future]) -> None:
    assert_matches_theory(case, key, textbook_runs[case.name].result().runs)


def assert_matches_theory(case: Case, key: str, runs: list[dict[str, float]]) -> None:
    """The replications' mean of ``key`` lies within the module docstring's SE band around theory."""
    assert len(runs) == case.reps
    values = np.array([r[key] for r in runs], dtype=np.float64)
    assert np.all(np.isfinite(values)), values
    s = summary_of(values)
    se = s.std / math.sqrt(s.n)
    k = float(stats.t.isf(ALPHA / 2.0, s.n - 1))
    k_lo = case.k_lo_wait if (key == "wait_hours_mean" and case.k_lo_wait is not None) else k
    theory = case.theory()[key]
    lo, hi = theory - k_lo * se, theory + k * se
    z = (s.mean - theory) / se if se > 0 else math.inf
    assert lo <= s.mean <= hi, (
        f"{case.name} {key}: simulated {s.mean:.5f} (SE {se:.5f}, R={s.n}) vs theory {theory:.5f}: "
        f"{z:+.2f} SE, allowed [-{k_lo:.2f}, +{k:.2f}] SE")
