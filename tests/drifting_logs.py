"""Generated training logs for the recency choice's tests: two departments, one of which may change
its pace half-way, and a category mix that may drift (``sim.calibrate.recency``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate.profile import Timebase

T0 = pd.Timestamp("2015-01-01")
UNTIL = T0 + pd.Timedelta(days=240)
EXTRACTED = pd.Timestamp("2016-01-10")


def tb(until: pd.Timestamp = UNTIL) -> Timebase:
    return Timebase(t0=T0, train_from=T0, train_until=until, extracted_at=EXTRACTED)


def log(seed: int, *, drift: bool, mix_drift: bool = False, days: float = 240.0, n: int = 24_000) -> pd.DataFrame:
    """Two departments: 'roads' closes in a median of 40 h, 10 h from day 120 on when ``drift``;
    'parks' at 60 h throughout. With ``mix_drift`` the share of 'pothole' grows from 0.1 to 0.9."""
    rng = np.random.default_rng(seed)
    day = np.sort(rng.uniform(0.0, days, n))
    roads = rng.random(n) < 0.5
    median = np.where(roads, np.where(drift & (day >= days / 2), 10.0, 40.0), 60.0)
    hours = median * rng.lognormal(0.0, 1.0, n)
    p_pothole = 0.1 + 0.8 * day / days if mix_drift else np.full(n, 0.5)
    pothole = rng.random(n) < p_pothole
    category = np.where(roads, np.where(pothole, "pothole", "sign"), np.where(pothole, "tree", "lawn"))
    created = T0 + pd.to_timedelta(day, unit="D")
    return pd.DataFrame({"created": created, "closed": created + pd.to_timedelta(hours, unit="h"),
                         "category": category, "department": np.where(roads, "roads", "parks")})


#: each department's true median close time (hours) where it does not drift
TRUE_MEDIAN = {"roads": 40.0, "parks": 60.0}


def weighted_median_z(df: pd.DataFrame, t: Timebase, department: str) -> float:
    """How far the department's recency-weighted median close time (at the half-life ``t`` gives it)
    is from the truth, in standard errors of a median of its effective number of cases (Kish)."""
    g = df[df["department"] == department]
    hours = ((g["closed"] - g["created"]).dt.total_seconds() / 3600.0).to_numpy()
    w = t.recency_weights(t.hours(g["created"]), department)
    order = np.argsort(hours)
    cum = np.cumsum(w[order]) / w.sum()
    median = hours[order][np.searchsorted(cum, 0.5)]
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    se_log = 1.2533 / np.sqrt(n_eff)  # the median of log hours: sigma 1, sqrt(pi / 2) / sqrt(n)
    return float(abs(np.log(median / TRUE_MEDIAN[department])) / se_log)


def weighted_share_z(df: pd.DataFrame, t: Timebase, category: str, share: float) -> float:
    """How far the category's recency-weighted share of all cases is from ``share``, in binomial
    standard errors of the weights' effective number of cases."""
    w = t.recency_weights(t.hours(df["created"]))
    got = float(w[(df["category"] == category).to_numpy()].sum() / w.sum())
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    return abs(got - share) / float(np.sqrt(share * (1 - share) / n_eff))
