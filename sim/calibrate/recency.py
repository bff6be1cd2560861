"""How fast a log's handling and mix drift: half-lives read from its training months alone.

The fit weighs a training case by its recency (``Timebase.recency_weights``), and how fast to
forget is a property of the log, not a constant: one department changes its practice within
weeks (a storm's backlog cleared, staff taken on), another closes its cases at the same pace all
year, where a long memory only adds cases to learn from. So the half-lives are chosen by the
training months' own forecasts (rolling origins, the way a forecaster is validated on a time
series): at each origin (half-way through the training window, then at 60%, 70% and 80% of it)
the cases created before it, weighted by their age at the origin, forecast the cases created
between it and the end of the training window (as the fit's model forecasts the months after
the window), and the half-life of the best mean forecast over the origins is chosen; a tie goes
to the longer memory, which learns from more cases. On a log that does not drift the best may be
a short half-life by chance (all candidates forecast about equally well), and what the fit then
reads is still within sampling error (``tests/property/test_recency_choice_property.py``); a
department whose pace changes half-way was read with a short one in each of 40 generated logs
(``benchmarks/recency_choice_rates.py``). The held-out months are
never read.

- *Handling*, per model department (the department a category is sent to): the distance is the
  W1 between log1p close hours, every case's close time censored at the same follow-up (from the
  end of the training window to the extraction, which every training case has had), so that
  older cases, followed longer, do not read as slower. A department with too few cases on either
  side of every origin takes the choice read from all departments' cases together.
- *The mix*: the total variation distance between the weighted category shares before the origin
  and the shares after it.

Candidates run from ``HALF_LIFE_MIN_DAYS`` up by a factor ``STEP`` to twice the window, and every
day alike (``math.inf``). A window shorter than twice the floor cannot tell them apart (every
candidate weighs its days almost alike), and a log with too few cases on either side of every
origin (or extracted at the end of its training window) has nothing to compare: they take the
window-share rule (``Timebase.default_half_life_days``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.calibrate.distances import censored_hours
from sim.calibrate.profile import (
    HALF_LIFE_MIN_DAYS,
    Recency,
    Timebase,
    category_departments,
    half_life_decay,
)

#: where the rolling origins fall, as shares of the training window
ORIGINS = (0.5, 0.6, 0.7, 0.8)
#: each candidate half-life is this factor times the one before
STEP = 1.5
#: cases a department needs on each side of an origin for that origin to score it
MIN_SIDE_ROWS = 30
#: the handling choice of the departments with too few cases
ALL = "all departments"


def candidates(window_days: float) -> list[float]:
    """Half-lives tried (days), shortest first, every day alike last."""
    out = [HALF_LIFE_MIN_DAYS]
    while out[-1] * STEP <= 2.0 * window_days:
        out.append(out[-1] * STEP)
    return [*out, math.inf]


def _handling_scores(hours: np.ndarray, age: np.ndarray, before: np.ndarray, after: np.ndarray,
                     tried: list[float]) -> list[float]:
    """W1 between the weighted close hours before the origin and the hours after it, per candidate:
    the two samples sorted together once, each candidate a pass over cumulative weights (what
    ``scipy.stats.wasserstein_distance`` computes, without a sort per candidate)."""
    a, b = hours[before], hours[after]
    values = np.concatenate([a, b])
    order = np.argsort(values, kind="stable")
    gaps = np.diff(values[order])
    from_a = order < len(a)
    cdf_b = np.cumsum(~from_a)[:-1] / len(b)
    age_a = age[before]
    out = []
    for days in tried:
        w = np.zeros(len(values))
        w[: len(a)] = half_life_decay(age_a, days)
        cdf_a = np.cumsum(w[order])[:-1] / w.sum()
        out.append(float(np.sum(np.abs(cdf_a - cdf_b) * gaps)))
    return out


def _mix_score(cats: np.ndarray, age: np.ndarray, before: np.ndarray, later: np.ndarray, days: float) -> float:
    w = pd.Series(half_life_decay(age[before], days)).groupby(cats[before]).sum()
    after = pd.Series(cats[later]).value_counts()
    keys = w.index.union(after.index)
    p = w.reindex(keys, fill_value=0.0) / w.sum()
    q = after.reindex(keys, fill_value=0).astype(float) / after.sum()
    return float(0.5 * (p - q).abs().sum())


def _choose(scores: dict[float, list[float]]) -> tuple[float, dict[str, float]]:
    """The half-life of the lowest mean distance over the origins (a tie: the longer memory, which
    learns from more cases), and each candidate's mean (by label)."""
    means = {d: float(np.mean(v)) for d, v in scores.items() if v}
    best = min(means, key=lambda d: (means[d], -d))
    return best, {label(d): round(m, 5) for d, m in means.items()}


def label(days: float) -> str:
    return "every day alike" if math.isinf(days) else f"{days:.3g} days"


def _origins(tr: pd.DataFrame, tb: Timebase) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(created before the origin, created after it, age at the origin in days) per origin: each
    forecasts the rest of the training window, as the fit forecasts the months after it."""
    created = tr["created"]
    width = tb.train_until - tb.train_from
    for share in ORIGINS:
        origin = tb.train_from + share * width
        age = (origin - created).dt.total_seconds().to_numpy(np.float64) / 86400.0
        before = (created < origin).to_numpy()
        yield before, ~before, age


def _share_rule(tb: Timebase, why: str) -> Recency:
    """Nothing read from the log: one half-life for the mix and every department, a share of the window."""
    days = tb.default_half_life_days()
    return Recency(mix_days=days, by_department=(), handling_days=days, rule=why)


def choose_recency(tr: pd.DataFrame, tb: Timebase) -> Recency:
    """Half-lives for the mix and each model department, read from the training cases ``tr``."""
    window = float((tb.train_until - tb.train_from) / pd.Timedelta(days=1))
    if window < 2.0 * HALF_LIFE_MIN_DAYS or len(tr) == 0:
        return _share_rule(tb, f"training window of {window:.3g} days: too short to read a drift from; "
                               f"half-life a quarter of it, at least {HALF_LIFE_MIN_DAYS:g} days")
    follow = float((tb.extracted_at - tb.train_until) / pd.Timedelta(hours=1))
    if follow <= 0.0:
        return _share_rule(tb, "extracted at the end of the training window: no close time to compare; half-life a "
                               f"quarter of the window, at least {HALF_LIFE_MIN_DAYS:g} days")
    hours = np.log1p(np.clip(censored_hours(tr, tb.extracted_at), 0.0, follow))
    dept = tr["category"].map(category_departments(tr)).astype(str).to_numpy()
    cats = tr["category"].astype(str).to_numpy()
    groups = [(ALL, np.ones(len(tr), bool))] + [(str(d), dept == d) for d in np.unique(dept)]
    tried = candidates(window)
    mix: dict[float, list[float]] = {d: [] for d in tried}
    handling: dict[str, dict[float, list[float]]] = {}
    for before, after, age in _origins(tr, tb):
        if before.sum() < MIN_SIDE_ROWS or after.sum() < MIN_SIDE_ROWS:
            continue
        for name, sel in groups:
            if (before & sel).sum() < MIN_SIDE_ROWS or (after & sel).sum() < MIN_SIDE_ROWS:
                continue
            scores = _handling_scores(hours[sel], age[sel], before[sel], after[sel], tried)
            for days, score in zip(tried, scores, strict=True):
                handling.setdefault(name, {d: [] for d in tried})[days].append(score)
        for days in tried:
            mix[days].append(_mix_score(cats, age, before, after, days))
    if ALL not in handling:
        return _share_rule(tb, "too few cases on either side of the rolling origins; half-life a quarter of "
                               f"the training window, at least {HALF_LIFE_MIN_DAYS:g} days")
    mix_days, mix_means = _choose(mix)
    all_days, all_means = _choose(handling.pop(ALL))
    chosen = {name: _choose(s) for name, s in sorted(handling.items())}
    unscored = tuple(name for name, _ in groups[1:] if name not in chosen)
    rule = (f"rolling origins at {', '.join(f'{o:.0%}' for o in ORIGINS)} of the training window, each "
            "forecasting the rest of it: the half-life of the best mean forecast (handling: W1 of log1p close "
            "hours at equal follow-up; mix: total variation of category shares)")
    return Recency(mix_days=mix_days, by_department=tuple((n, c[0]) for n, c in chosen.items()),
                   handling_days=all_days, rule=rule, unscored=unscored,
                   scores={"mix": mix_means, ALL: all_means, **{n: c[1] for n, c in chosen.items()}})


def _days(days: float) -> float | None:
    return None if math.isinf(days) else round(days, 3)


def recency_record(tb: Timebase) -> dict[str, object]:
    """``fit.json``'s account of the half-lives (days; null: every day alike)."""
    r = tb.recency
    if r is None:
        return {"rule": "window share", "mix_days": _days(tb.default_half_life_days())}
    return {"rule": r.rule, "mix_days": _days(r.mix_days), "handling_days": _days(r.handling_days),
            "by_department": {d: _days(v) for d, v in r.by_department}, "scores": r.scores}


def recency_line(tb: Timebase) -> str:
    """One line for the calibration's output."""
    r = tb.recency
    if r is None or not r.scores:  # not read from the log: the window-share rule
        return f"calibrate: recency half-life {label(tb.default_half_life_days())} (the training window is " \
               "too short or too sparse to read its drift from)"
    parts = [f"{d or '(the log names no department)'} {label(v)}" for d, v in r.by_department]
    if not parts:
        parts = [f"all departments {label(r.handling_days)}"]
    elif r.unscored:  # departments with too few cases at every origin take all departments' choice
        parts.append(f"other departments {label(r.handling_days)}")
    return (f"calibrate: recency half-lives read from the training months (rolling origins): the mix "
            f"{label(r.mix_days)}; handling {', '.join(parts)}")
