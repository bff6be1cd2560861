"""Little's law L = lambda W as a consistency check on the visit table.

Over the KPI window ``[warmup_h, horizon_h)`` of length T:

* ``L``   time-average number of visits present (arrived, not yet left) at the
  chosen stations: the exact integral of the presence count, i.e. the summed
  overlap of each visit's interval ``[t_arrive, t_end]`` (``t_end`` = horizon for a
  visit still there) with the window, divided by T;
* ``lam`` visits arriving in the window per hour;
* ``W``   mean sojourn ``t_end - t_arrive`` of those arriving visits (open ones
  counted to the horizon).

Edge effects: on a finite window the identity is approximate. Visits that arrived
before the warm-up and are still present add area to L but are not in lam or W;
visits that arrive inside the window and would leave after the horizon are
truncated at the horizon in both L and W (consistent), so the only mismatch is
the carried-in work at the window's start. When every visit lies inside the window
(arrives at or after ``warmup_h`` and leaves by ``horizon_h``), L T and lam T W are
both the sum of the sojourns, and the law holds exactly (up to rounding). The gap
shrinks like (carried-in area) / (L T) as the window grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.metrics.kpis import window
from sim.records.schema import Records

__all__ = ["LittleCheck", "littles_law"]


@dataclass(frozen=True)
class LittleCheck:
    """Result of ``littles_law``: L, lam (per hour), W (hours), n arriving visits, T."""

    L: float
    lam: float
    W: float
    n: int
    window_hours: float

    @property
    def relative_gap(self) -> float:
        """|L - lam W| / L; NaN when L is 0 (or undefined)."""
        if not self.L > 0:
            return math.nan
        return abs(self.L - self.lam * self.W) / self.L


def littles_law(rec: Records, station_mask: np.ndarray | None = None) -> LittleCheck:
    """Little's law on the visits to the stations where ``station_mask`` is True (all if None)."""
    w0, h = window(rec)
    T = h - w0
    v = rec.visits
    sel = np.ones(len(v.matter_id), bool)
    if station_mask is not None:
        mask = np.asarray(station_mask, bool)
        if mask.shape != (len(rec.stations.capacity_hours),):
            raise ValueError("station_mask must have one entry per station")
        sel = mask[v.station]
    t_arr = v.t_arrive[sel]
    t_end = np.where(np.isnan(v.t_end[sel]), h, v.t_end[sel])
    area = float(np.sum(np.clip(np.minimum(t_end, h) - np.maximum(t_arr, w0), 0.0, None)))
    arriving = (t_arr >= w0) & (t_arr < h)
    n = int(arriving.sum())
    W = float(np.mean(t_end[arriving] - t_arr[arriving])) if n else math.nan
    return LittleCheck(L=area / T, lam=n / T, W=W, n=n, window_hours=T)
