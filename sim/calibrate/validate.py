"""Held-out validation: ``validation.json`` (issue 10, part 6).

The calibrated model, fitted on the training months and run with arrivals from its
fitted profile (not the log's own matters), predicts the held-out months; two naive
baselines predict them too (``sim.calibrate.baselines``). Every figure is computed by
``sim.calibrate.distances`` the same way on the observed, simulated and baseline logs,
all censored at the extraction.

The load effect: the weeks of the held-out window (whole weeks from ``train_until`` up to
the last created case) are ranked by their load, the number of cases created in them over
the centred median of the ``LEVEL_WEEKS`` weeks around them (so that a season within the
window drops out: a window from September to December whose raw busiest weeks are
September's and quietest December's compares two seasons, not busy and quiet weeks), weeks
with a public holiday or a make-up working day left out (quiet because the offices close);
the busiest quarter and the quietest quarter of them are compared (on-time rate and median
close time of the cases created in them), in the log and in the simulation (ranked by its
own arrivals), by the same code. A queueing model should show the slope; a carry-forward
cannot. The forecast's arrivals know nothing of the held-out weeks' load (a month the training
window did not see gets the training mean), so its busiest weeks are Poisson noise and
holiday weeks: ``traced`` is the same comparison on the fitted model fed the log's own cases
(``sim.calibrate.trace``), the same weeks as the log's, where only the handling differs.

The file has exactly the issue's keys; undefined figures are ``null``, and no NaN or
infinity is written (strict JSON).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.distances import close_hours, on_time_rate, process_distances, summary
from sim.calibrate.profile import Timebase

TOP_DEPARTMENTS = 5
#: a week's load is its count over the median count of the weeks around it, this many centred on it
LEVEL_WEEKS = 5


def _iso(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).isoformat()


def _p50(df: pd.DataFrame) -> float | None:
    h = close_hours(df)
    h = h[np.isfinite(h)]
    return float(np.median(h)) if len(h) else None


def _ordinary_weeks(tb: Timebase, weeks_in: int) -> np.ndarray:
    """The held-out weeks (0 .. weeks_in - 1 from ``train_until``) with no public holiday and no make-up
    working day in them."""
    special = pd.to_datetime(pd.Series([*tb.holidays, *tb.workdays], dtype=object))
    week = np.asarray((special - tb.train_until) / pd.Timedelta(days=7))
    taken = {int(np.floor(w)) for w in week if np.isfinite(w)}
    return np.array([w for w in range(weeks_in) if w not in taken], dtype=np.int64)


def load_effect(df: pd.DataFrame, tb: Timebase) -> dict[str, float | None]:
    """On-time rate and median close hours of the busiest vs the quietest quarter of the held-out weeks.

    Only the held-out window is read (whole weeks from ``train_until`` to the last case created),
    and a week's load is its count over the centred median of the ``LEVEL_WEEKS`` weeks around it
    (fewer at the window's ends): over a year, and over a few months too, the busiest weeks by count
    are one season's and the comparison would measure the season, not the load. A week with a public
    holiday or a make-up working day (the log's calendar, ``tb.holidays`` / ``tb.workdays``) is left
    out: it is quiet because the offices close, so its capacity falls with its load. Fewer than four
    such weeks: undefined (``None``).
    """
    keys = ("busy_on_time", "quiet_on_time", "busy_p50", "quiet_p50")
    df = df[(df["created"] >= tb.train_until) & (df["created"] <= tb.window_end)]
    weeks_in = int((tb.window_end - tb.train_until) / pd.Timedelta(days=7))
    weeks = _ordinary_weeks(tb, max(weeks_in, 0))
    if len(df) == 0 or len(weeks) < 4:
        return dict.fromkeys(keys)
    week = np.asarray((df["created"] - tb.train_until) / pd.Timedelta(days=7)).astype(np.int64)
    counts = np.bincount(week[week < weeks_in], minlength=weeks_in).astype(np.float64)
    ordinary = np.full(weeks_in, np.nan)
    ordinary[weeks] = counts[weeks]
    # the level over the ordinary weeks around each week (a holiday week's count would pull it down)
    level = pd.Series(ordinary).rolling(LEVEL_WEEKS, center=True, min_periods=1).median().to_numpy()[weeks]
    order = np.argsort(counts[weeks] / np.maximum(level, 1.0), kind="stable")
    q = max(1, len(weeks) // 4)
    quiet, busy = weeks[order[:q]], weeks[order[-q:]]
    b, s = df[np.isin(week, busy)], df[np.isin(week, quiet)]
    return {"busy_on_time": on_time_rate(b, tb.extracted_at), "quiet_on_time": on_time_rate(s, tb.extracted_at),
            "busy_p50": _p50(b), "quiet_p50": _p50(s)}


def validation(observed: pd.DataFrame, simulated: pd.DataFrame, carry: pd.DataFrame, mmc: pd.DataFrame,
               tb: Timebase, traced: pd.DataFrame | None = None) -> dict[str, Any]:
    """The validation record (``observed`` / ``simulated``: whole logs; the baselines: held-out only;
    ``traced``: the fitted model fed the log's own cases, ``sim.calibrate.trace``, for the load effect)."""
    ext = tb.extracted_at

    def window(df: pd.DataFrame, a: pd.Timestamp, b: pd.Timestamp) -> pd.DataFrame:
        return df[(df["created"] >= a) & (df["created"] < b)]

    obs_tr, obs_te = window(observed, tb.train_from, tb.train_until), window(observed, tb.train_until, ext)
    sim_te = window(simulated, tb.train_until, ext)
    top = obs_te["department"].value_counts().index[:TOP_DEPARTMENTS]
    departments: dict[str, Any] = {}
    for d in top:
        o, s = summary(obs_te[obs_te["department"] == d], ext), summary(sim_te[sim_te["department"] == d], ext)
        departments[str(d)] = {"observed": {k: o[k] for k in ("close_hours_p50", "close_hours_p90")},
                               "simulated": {k: s[k] for k in ("close_hours_p50", "close_hours_p90")}}
    d_model, d_cf, d_mmc = process_distances(obs_te, sim_te), process_distances(obs_te, carry), \
        process_distances(obs_te, mmc)
    distances = {k: {"model": d_model[k], "carry_forward": d_cf[k], "mmc": d_mmc[k]}
                 for k in ("cycle_time_emd_hours", "absolute_hourly_emd", "circadian_emd")}
    return {
        "train": {"from": _iso(tb.train_from), "until": _iso(tb.train_until), "matters": int(len(obs_tr))},
        "test": {"from": _iso(tb.train_until), "until": _iso(tb.window_end), "matters": int(len(obs_te))},
        "heldout": {"observed": summary(obs_te, ext), "simulated": summary(sim_te, ext),
                    "carry_forward": summary(carry, ext), "mmc": summary(mmc, ext)},
        "departments": departments,
        "distances": distances,
        # the forecast's busy weeks are noise (its unseen months are flat); the traced run's are the log's
        "load_effect": {"observed": load_effect(observed, tb), "simulated": load_effect(simulated, tb),
                        "traced": None if traced is None else load_effect(traced, tb)},
    }


def strict(x: Any) -> Any:
    """Replace NaN / infinities by None, numpy scalars by Python numbers, recursively."""
    if isinstance(x, dict):
        return {str(k): strict(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [strict(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_validation(record: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(strict(record), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def case_arrival_emd(observed: pd.DataFrame, simulated: pd.DataFrame, tb: Timebase) -> float | None:
    """The fourth distance (case arrivals), for the report: not one of validation.json's keys."""
    obs_te = observed[observed["created"] >= tb.train_until]
    sim_te = simulated[simulated["created"] >= tb.train_until]
    return process_distances(obs_te, sim_te)["case_arrival_emd"]
