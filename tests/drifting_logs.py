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
