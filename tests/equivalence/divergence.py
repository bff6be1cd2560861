"""Where two engines' records first part: the earliest diverging event, named.

``first_divergence(a, b)`` walks both record sets as one story in time, as one would
step two simulators side by side: each matter's visits in order (the k-th visit of
matter i in one engine against the k-th in the other), then the matter's own record.
Every difference gets the simulated time at which it shows (a visit's arrival for where
it went and its work, its start for the start and the server, its end for the end and
the outcome; a matter's own time fields at their earlier value, the outcome fields at
closing), and the earliest is reported: matter, time, field, both values, and how much
differs in all. Later differences are usually its consequences.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.records.schema import Records
from sim.scenario.constants import LEVELS

#: visit field -> the visit time at which a difference in it shows
VISIT_WHEN = {"station": "t_arrive", "level": "t_arrive", "work": "t_arrive", "t_arrive": "t_arrive",
              "t_start": "t_start", "server": "t_start", "t_end": "t_end", "outcome": "t_end"}
#: matter field -> the matter time at which a difference in it shows (unlisted: itself, or t_close)
MATTER_WHEN = {"channel": "t_discover", "severity": "t_discover", "level_settled": "t_close",
               "transfers": "t_close", "escalations": "t_close", "reopened": "t_close", "on_time": "t_close",
               "satisfied": "t_close", "petitioned": "t_close", "abandoned": "t_close", "reminded": "t_close",
               "status": "t_close", "place_level": "t_close"}


@dataclass(frozen=True)
class Divergence:
    time: float  # hours
    matter: int
    where: str  # "visit k at station s (level)" or "matter record"
    field: str
    a: object
    b: object

    def describe(self, names: tuple[str, str]) -> str:
        when = f"{self.time:.6g} h (day {self.time / 24:.3f})" if np.isfinite(self.time) else "the horizon"
        return (f"first divergence at {when}: matter {self.matter}, {self.where}: {self.field} "
                f"{names[0]}={self.a!r} {names[1]}={self.b!r}")


def _differs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f" or y.dtype.kind == "f":
        xf, yf = x.astype(np.float64), y.astype(np.float64)
        return ~((xf == yf) | (np.isnan(xf) & np.isnan(yf)))
    return x != y


def _earlier(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The earlier of two times, a missing one (NaN) counting as later; both missing: +inf."""
    t = np.fmin(x.astype(np.float64), y.astype(np.float64))
    return np.where(np.isnan(t), np.inf, t)


def _visits(r: Records) -> pd.DataFrame:
    v = r.visits_frame()
    v["k"] = v.groupby("matter_id", sort=False).cumcount()  # visit number within its matter, in log order
    return v


def _plain(x: object) -> object:
    """A numpy scalar as the Python number it holds (readable in the message)."""
    return x.item() if isinstance(x, np.generic) else x


def _visit_divergences(a: Records, b: Records, names: tuple[str, str]) -> tuple[list[Divergence], int]:
    m = _visits(a).merge(_visits(b), on=["matter_id", "k"], how="outer", suffixes=("_a", "_b"), indicator=True)
    found: list[Divergence] = []
    rows = np.zeros(len(m), bool)
    for name, when in VISIT_WHEN.items():
        x, y = m[f"{name}_a"].to_numpy(), m[f"{name}_b"].to_numpy()
        bad = _differs(x, y)
        rows |= bad
        if bad.any():
            t = _earlier(m[f"{when}_a"].to_numpy(), m[f"{when}_b"].to_numpy())
            j = int(np.flatnonzero(bad)[np.argmin(t[bad])])
            row = m.iloc[j]
            station, level = (row["station_a"], row["level_a"]) if row["_merge"] != "right_only" else (
                row["station_b"], row["level_b"])
            lv = LEVELS[int(level)] if np.isfinite(level) and 0 <= int(level) < len(LEVELS) else "?"
            where = f"visit {int(row['k'])} at station {int(station)} ({lv})"
            if row["_merge"] != "both":
                where += f", only in {names[0] if row['_merge'] == 'left_only' else names[1]}"
            found.append(Divergence(float(t[j]), int(row["matter_id"]), where, f"visits.{name}", _plain(x[j]),
                                    _plain(y[j])))
    return found, int(rows.sum())


def _matter_divergences(a: Records, b: Records) -> tuple[list[Divergence], int]:
    ma, mb = a.matters, b.matters
    if ma.n != mb.n:
        return [Divergence(0.0, min(ma.n, mb.n), "matter table", "rows", ma.n, mb.n)], abs(ma.n - mb.n)
    found: list[Divergence] = []
    rows = np.zeros(ma.n, bool)
    for f in fields(ma):
        x, y = np.asarray(getattr(ma, f.name)), np.asarray(getattr(mb, f.name))
        bad = _differs(x, y)
        rows |= bad
        if bad.any():
            when = MATTER_WHEN.get(f.name, f.name if f.name.startswith("t_") or f.name == "deadline" else "t_close")
            when = "t_intake" if when == "deadline" else when
            t = _earlier(np.asarray(getattr(ma, when)), np.asarray(getattr(mb, when)))
            j = int(np.flatnonzero(bad)[np.argmin(t[bad])])
            found.append(Divergence(float(t[j]), j, "matter record", f"matters.{f.name}", x[j].item(), y[j].item()))
    return found, int(rows.sum())


def first_divergence(a: Records, b: Records, names: tuple[str, str] = ("agent", "vector")) -> str | None:
    """None when the records are equal; otherwise the earliest divergence and the totals, in one text."""
    visits, n_visits = _visit_divergences(a, b, names)
    matters, n_matters = _matter_divergences(a, b)
    every = visits + matters  # at one time, a visit's difference comes first: the matter's follow from it
    if not every:
        return None
    first = min(every, key=lambda d: d.time)
    return (f"{first.describe(names)} ({n_matters} matter rows and {n_visits} visits differ in all; "
            f"fields: {', '.join(sorted({d.field for d in every}))})")


def record_differences(a: Records, b: Records) -> list[str]:
    """Every matter and visit field that differs, with its count and first differing row (empty: equal)."""
    out = []
    for table in ("matters", "visits"):
        ta, tb = getattr(a, table), getattr(b, table)
        for f in fields(ta):
            x, y = np.asarray(getattr(ta, f.name)), np.asarray(getattr(tb, f.name))
            if x.shape != y.shape:
                out.append(f"{table}.{f.name}: {x.shape} rows vs {y.shape}")
                continue
            same = (x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else x == y
            if not same.all():
                k = int(np.flatnonzero(~same)[0])
                out.append(f"{table}.{f.name}: {int((~same).sum())} rows differ (first {k}: {x[k]} vs {y[k]})")
    return out


def assert_same_records(a: Records, b: Records, names: tuple[str, str] = ("agent", "vector")) -> None:
    """Equal records, field by field; otherwise fail naming the first diverging event."""
    diffs = record_differences(a, b)
    assert not diffs, f"{first_divergence(a, b, names)}\n" + "\n".join(diffs)
