"""Two naive forecasts of the held-out months, for the calibrated model to beat (issue 10, part 6).

Each returns the held-out cases with predicted ``closed`` times (censored at the
extraction like the log), so every measure is computed on them exactly as on the log
and on the simulation.

* **carry-forward**: a held-out case of department d closes after the close time of a
  training case of d drawn at random (seeded); a training case still open counts as
  never closing. Training cases were created before every held-out case, so their close
  times are known for longer than any held-out case can be followed: the draw censors
  correctly.
* **M/M/c per department**, capacity from Little's law on the training months: the
  department holds L matters on average (the mean daily open backlog of its training
  cases) with arrival rate lambda, so a matter stays W = L / lambda (Little). The M/M/c has
  c = ceil(L) servers, and the service rate mu that makes its mean sojourn equal W
  (bisection); a held-out case's close time is drawn from that M/M/c's stationary sojourn
  (wait with probability Erlang C, exponential at rate c mu - lambda, plus an exponential
  service), on a 24-hour clock.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.calibrate.distances import backlog, close_hours


def _closed_at(test: pd.DataFrame, hours: np.ndarray, extracted_at: pd.Timestamp) -> pd.DataFrame:
    closed = test["created"] + pd.to_timedelta(np.where(np.isfinite(hours), hours, np.nan), unit="h")
    closed = closed.where(closed <= extracted_at)
    return test.assign(closed=closed.to_numpy(), is_open=closed.isna().to_numpy())


def carry_forward(train: pd.DataFrame, test: pd.DataFrame, extracted_at: pd.Timestamp, seed: int) -> pd.DataFrame:
    """Held-out cases closing after a training close time of their department (seeded draw)."""
    rng = np.random.default_rng(seed)
    h_train = close_hours(train)
    pool_all = np.where(np.isfinite(h_train), h_train, np.inf)
    pools = {d: pool_all[(train["department"] == d).to_numpy()] for d in train["department"].unique()}
    out = np.empty(len(test))
    dept = test["department"].to_numpy()
    for d in np.unique(dept):
        rows = np.flatnonzero(dept == d)
        pool = pools.get(d)
        pool = pool if pool is not None and len(pool) else pool_all
        out[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return _closed_at(test, out, extracted_at)


def erlang_c(c: int, a: float) -> float:
    """P(wait) in M/M/c with offered load a < c (Erlang B recursion, stable for large c)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def mmc_sojourn_mean(c: int, lam: float, mu: float) -> float:
    a = lam / mu
    return erlang_c(c, a) / (c * mu - lam) + 1.0 / mu


def mmc_fit(lam: float, w: float) -> tuple[int, float]:
    """(c, mu) with c = ceil(L), L = lam w, and mean sojourn w (Little's law)."""
    c = max(1, math.ceil(lam * w))
    lo, hi = lam / c * (1.0 + 1e-9), max(1e3 / w, lam)  # sojourn -> inf at lo, < w at hi
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if mmc_sojourn_mean(c, lam, mid) > w:
            lo = mid
        else:
            hi = mid
    return c, hi


def little_w(train: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, float]:
    """(lambda per hour, W hours) of a department's training cases: W = mean daily backlog / lambda."""
    hours = float((end - start) / pd.Timedelta(hours=1))
    lam = len(train) / max(hours, 1e-9)
    days = pd.date_range(start.normalize(), end - pd.Timedelta(days=1), freq="D")
    ell = float(np.mean(backlog(train, days))) if len(days) else 0.0
    return lam, max(ell / max(lam, 1e-12), 1e-3)


def mmc(train: pd.DataFrame, test: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
        extracted_at: pd.Timestamp, seed: int) -> tuple[pd.DataFrame, dict[str, tuple[int, float]]]:
    """Held-out cases closing after an M/M/c sojourn of their department; and each (c, mu)."""
    rng = np.random.default_rng(seed)
    out = np.full(len(test), np.inf)
    dept = test["department"].to_numpy()
    params: dict[str, tuple[int, float]] = {}
    by = {d: g for d, g in train.groupby("department")}
    for d in np.unique(dept):
        rows = np.flatnonzero(dept == d)
        g = by.get(d)
        if g is None or len(g) == 0:
            continue  # no training case: the baseline has nothing to say, the case stays open
        lam, w = little_w(g, start, end)
        c, mu = mmc_fit(lam, w)
        params[str(d)] = (c, mu)
        p_wait = erlang_c(c, lam / mu)
        wait = np.where(rng.random(len(rows)) < p_wait, rng.exponential(1.0 / (c * mu - lam), len(rows)), 0.0)
        out[rows] = wait + rng.exponential(1.0 / mu, len(rows))
    return _closed_at(test, out, extracted_at), params
