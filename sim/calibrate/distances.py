"""Measures of fit between an observed and a simulated log (issue 10, part 5).

Every measure is computed the same way on both sides, on logs censored at the same
extraction time:

* ``close_hours_p50`` / ``close_hours_p90``: closed - created over the cases closed by
  the extraction;
* ``on_time_rate``: over the cases with a due date whose outcome is known at the
  extraction (closed, or open past due): the share closed by the due date;
* ``open_share``: the share still open at the extraction;
* the daily open backlog (``backlog``);
* the process-mining distances of the ``log-distance-measures`` package (cycle-time
  EMD in hours, absolute hourly EMD, circadian EMD, case-arrival EMD) on the closed cases,
  each case one activity from created to closed. The package loops over cases in
  Python, so each log is subsampled deterministically (every k-th row of the
  created-time order) to at most ``MAX_CASES`` cases: about 10 s per distance on the
  2-core machine instead of a minute.
* the fitting objective ``censored_w1``: the 1-Wasserstein distance between the
  log1p(hours) of min(close time, time to extraction) of the two logs, which treats an
  open case as what it is (open for at least that long) and weighs a day's error at 1 day
  like an hour's error at 1 hour.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

#: cases per log given to the log-distance-measures package
MAX_CASES = 8000


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def close_hours(df: pd.DataFrame) -> np.ndarray:
    return np.asarray((df["closed"] - df["created"]).dt.total_seconds(), dtype=np.float64) / 3600.0


def summary(df: pd.DataFrame, extracted_at: pd.Timestamp) -> dict[str, float | None]:
    """The four held-out figures of a log (``None`` where undefined)."""
    if len(df) == 0:
        return {"close_hours_p50": None, "close_hours_p90": None, "on_time_rate": None, "open_share": None}
    h = close_hours(df)
    closed = h[np.isfinite(h)]
    return {"close_hours_p50": _finite(np.quantile(closed, 0.5)) if len(closed) else None,
            "close_hours_p90": _finite(np.quantile(closed, 0.9)) if len(closed) else None,
            "on_time_rate": on_time_rate(df, extracted_at),
            "open_share": float(np.mean(~np.isfinite(h)))}


def on_time_rate(df: pd.DataFrame, extracted_at: pd.Timestamp) -> float | None:
    """Closed by the due date, over cases with a due date whose outcome is known at extraction."""
    due = df["due"]
    closed = df["closed"]
    has = due.notna()
    known = has & (closed.notna() | (due < extracted_at))
    if not known.any():
        return None
    ok = closed.notna() & (closed <= due)
    return float(ok[known].mean())


def censored_hours(df: pd.DataFrame, extracted_at: pd.Timestamp) -> np.ndarray:
    """min(close time, time to extraction) in hours."""
    h = close_hours(df)
    cap = np.asarray((extracted_at - df["created"]).dt.total_seconds(), dtype=np.float64) / 3600.0
    return np.where(np.isfinite(h), np.minimum(h, cap), cap)


def censored_w1(obs: pd.DataFrame, sim: pd.DataFrame, extracted_at: pd.Timestamp) -> float:
    """The fitting objective: W1 between log1p(censored close hours); inf when a side is empty."""
    if len(obs) == 0 or len(sim) == 0:
        return float("inf")
    a = np.log1p(np.maximum(censored_hours(obs, extracted_at), 0.0))
    b = np.log1p(np.maximum(censored_hours(sim, extracted_at), 0.0))
    return float(wasserstein_distance(a, b))


def backlog(df: pd.DataFrame, days: pd.DatetimeIndex) -> np.ndarray:
    """Cases open at the end of each day (created by then, not yet closed)."""
    # in numpy's units: pandas' own index + Timedelta passes numpy a unit-less timedelta (deprecated there)
    ends = days.to_numpy() + np.timedelta64(1, "D")
    created = np.sort(df["created"].to_numpy())
    closed = np.sort(df["closed"].dropna().to_numpy())
    return (np.searchsorted(created, ends, side="left") - np.searchsorted(closed, ends, side="left")).astype(float)


def _event_log(df: pd.DataFrame) -> pd.DataFrame:
    """Closed cases as one-activity event logs, subsampled deterministically to MAX_CASES."""
    d = df[df["closed"].notna()].sort_values("created", kind="stable")
    step = max(1, math.ceil(len(d) / MAX_CASES))
    d = d.iloc[::step]
    return pd.DataFrame({"case": np.arange(len(d)), "activity": "handle",
                         "start_timestamp": d["created"].to_numpy(), "end_timestamp": d["closed"].to_numpy()})


def process_distances(obs: pd.DataFrame, sim: pd.DataFrame) -> dict[str, float | None]:
    """The package's four distances between two logs (None when a side has no closed case)."""
    from log_distance_measures.absolute_event_distribution import absolute_event_distribution_distance
    from log_distance_measures.case_arrival_distribution import case_arrival_distribution_distance
    from log_distance_measures.circadian_event_distribution import circadian_event_distribution_distance
    from log_distance_measures.config import EventLogIDs  # slow to import; only the held-out validation needs it
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance

    a, b = _event_log(obs), _event_log(sim)
    keys = ("cycle_time_emd_hours", "absolute_hourly_emd", "circadian_emd", "case_arrival_emd")
    if len(a) == 0 or len(b) == 0:
        return dict.fromkeys(keys)
    ids = EventLogIDs()
    return {
        "cycle_time_emd_hours": _finite(cycle_time_distribution_distance(a, ids, b, ids,
                                                                         bin_size=datetime.timedelta(hours=1))),
        "absolute_hourly_emd": _finite(absolute_event_distribution_distance(a, ids, b, ids)),
        "circadian_emd": _finite(circadian_event_distribution_distance(a, ids, b, ids)),
        "case_arrival_emd": _finite(case_arrival_distribution_distance(a, ids, b, ids)),
    }
