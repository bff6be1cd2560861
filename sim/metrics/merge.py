"""KPIs of a run made of parts (blocks of counties run apart): each part's passes, merged, then the KPIs.

``compute_kpis`` reads a run's records in a few passes (``sim.metrics.kernels``' matter and
visit passes, ``sim.metrics.open_matters``' open-matter pass, the daily open count). Every
pass is a sum over matters or visits, or a sample of one number per matter: so a part of
the matters (with its visits) gives ``KpiParts``, parts are merged by adding the counts,
the sums, the per-station and per-server busy hours and the sketches of the censored
times, and ``kpis_from_parts`` turns the merged parts into the KPIs by the very functions
``compute_kpis`` uses.

- Counts, shares, utilisations, the backlog series and its growth: exactly the whole
  run's (integers added; a station's busy hours are one part's).
- The product-limit percentiles and means (resolution, report to close; open matters
  censored): from a mergeable sketch of the censored times (``sim.metrics.sketch``: counts
  of closed and of open times in fixed bins 0.01% wide), each within an interval that
  holds the whole run's exact value (``sketched_bounds``; one bin, 0.01% of it, for a city
  year's); ``..._mean_is_lower_bound`` exactly.
- The means of the discovery time and of the first-visit waits: the parts' sums added,
  over the counts added; the additions' order differs from ``np.mean``'s, so they agree
  with the whole run's to about 1e-15 relative, not always to the last bit.

Nothing per matter reaches the driver: two sketches of ~1.5 MB each, and a few arrays per
station, server and day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.metrics import kernels as kn
from sim.metrics.kpis import (
    _check,
    _cost_kpis,
    _level_kpis,
    _matter_pass,
    _MatterPass,
    _quality_kpis,
    _status_kpis,
    _time_kpis,
    _utilization_kpis,
    _visit_pass,
    backlog_series,
    window,
)
from sim.metrics.offered import offered_kpis
from sim.metrics.open_matters import OpenPass, daily_open, open_kpis_of, open_pass
from sim.metrics.sketch import CensoredSketch, add_sketches, censored_sketch, sketch_summary
from sim.records.schema import Records, empty_matters
from sim.scenario.constants import CLOSED

__all__ = ["SKETCHED", "KpiParts", "PartsAccumulator", "kpi_parts", "kpis_from_parts", "merge_parts",
           "shell_records", "sketched_bounds"]

#: the censored times sketched: (the KPIs' name prefix, the ``KpiParts`` field)
SKETCHED = (("resolution_hours", "res_sketch"), ("report_to_close_hours", "r2c_sketch"))


@dataclass
class KpiParts:
    """One part's passes (or several parts' merged)."""

    matters: _MatterPass
    opened: OpenPass  # its counts (its per-matter samples are empty: the sketches below hold them)
    res_sketch: CensoredSketch  # resolution times
    r2c_sketch: CensoredSketch  # report-to-close times
    # sums and counts of the discovery times, the first-visit waits of matters served, of those whose
    # first visit ended otherwise and of those still waiting at the horizon (their wait so far): the
    # KPIs are their means, no per-matter sample is kept
    mean_sums: np.ndarray  # float64 [4]
    mean_counts: np.ndarray  # int64 [4]
    wait_counts: np.ndarray  # positive, decided, abandoned
    per_station: np.ndarray  # busy hours in the window
    per_server: np.ndarray
    stations_ok: bool
    offered: np.ndarray  # work that arrived in the window and stayed, per station (sim.metrics.offered)
    open_daily: np.ndarray  # matters occurred and not closed at each day (int64)
    backlog: np.ndarray  # [open, undiscovered] at each of backlog_series' points (int64)
    meta: dict[str, Any] = field(default_factory=dict)


def kpi_parts(rec: Records) -> KpiParts:
    """The passes of one part's records (whose ``stations``, ``servers`` and ``meta`` are the whole run's)."""
    w0, h = window(rec)
    mp = _matter_pass(rec, w0, h)
    op = open_pass(rec, w0, h, float(rec.meta.get("petition_patience_h", np.inf)))
    vp = _visit_pass(rec, w0, h)
    waits, n_served, n_ended, n_pos, n_decided, n_aband = vp.waits
    _, open_ = daily_open(rec)
    back = backlog_series(rec)
    served, ended, waiting = waits[:n_served], waits[n_served:n_served + n_ended], waits[n_served + n_ended:]
    sums = np.array([np.sum(mp.disc), np.sum(served), np.sum(ended), np.sum(waiting)], np.float64)
    n = np.array([len(mp.disc), n_served, n_ended, len(waiting)], np.int64)
    return KpiParts(matters=mp._replace(disc=mp.disc[:0]), opened=_without_samples(op),
                    res_sketch=censored_sketch(op.res, op.res_closed),
                    r2c_sketch=censored_sketch(op.r2c, op.r2c_closed), mean_sums=sums, mean_counts=n,
                    wait_counts=np.array([n_pos, n_decided, n_aband], np.int64), per_station=vp.per_station,
                    per_server=vp.per_server, stations_ok=vp.stations_ok, offered=vp.offered,
                    open_daily=open_.astype(np.int64),
                    backlog=np.stack([back["open"].to_numpy(np.int64), back["undiscovered"].to_numpy(np.int64)]),
                    meta=dict(rec.meta))


def _ratio(total: float, n: int) -> float:
    return float(total) / float(n) if n else float("nan")


def _without_samples(op: OpenPass) -> OpenPass:
    return op._replace(res=op.res[:0], res_closed=op.res_closed[:0], r2c=op.r2c[:0], r2c_closed=op.r2c_closed[:0])


def _add_all(sketches: list[CensoredSketch]) -> CensoredSketch:
    total = sketches[0]
    for sk in sketches[1:]:
        total = add_sketches(total, sk)
    return total


def merge_parts(parts: list[KpiParts]) -> KpiParts:
    """The parts as one, in the order given: counts, sums, busy hours and sketches added."""
    if not parts:
        raise ValueError("no parts to merge")
    if len(parts) == 1:
        return parts[0]
    mps, ops = [p.matters for p in parts], [p.opened for p in parts]
    mp = _MatterPass(counts=sum((m.counts for m in mps[1:]), mps[0].counts.copy()),
                     status_counts=sum((m.status_counts for m in mps[1:]), mps[0].status_counts.copy()),
                     level_counts=sum((m.level_counts for m in mps[1:]), mps[0].level_counts.copy()),
                     disc=mps[0].disc[:0])
    op = ops[0]._replace(counts=sum((o.counts for o in ops[1:]), ops[0].counts.copy()))
    # a station's (a server's) visits all belong to one part, so each sum is one part's, plus zeros
    return KpiParts(matters=mp, opened=op, res_sketch=_add_all([p.res_sketch for p in parts]),
                    r2c_sketch=_add_all([p.r2c_sketch for p in parts]),
                    mean_sums=np.sum([p.mean_sums for p in parts], axis=0),
                    mean_counts=np.sum([p.mean_counts for p in parts], axis=0),
                    wait_counts=np.sum([p.wait_counts for p in parts], axis=0),
                    per_station=np.sum([p.per_station for p in parts], axis=0),
                    per_server=np.sum([p.per_server for p in parts], axis=0),
                    stations_ok=all(p.stations_ok for p in parts),
                    offered=np.sum([p.offered for p in parts], axis=0),
                    open_daily=np.sum([p.open_daily for p in parts], axis=0),
                    backlog=np.sum([p.backlog for p in parts], axis=0), meta=parts[0].meta)


def shell_records(rec: Records) -> Records:
    """``rec`` without matters and visits: what the KPIs read besides the passes (stations, servers, meta)."""
    m = empty_matters(0)
    v = replace(rec.visits, **{f: getattr(rec.visits, f)[:0] for f in rec.visits.__dataclass_fields__})
    return Records(matters=m, visits=v, stations=rec.stations, meta=dict(rec.meta), servers=rec.servers)


def kpis_from_parts(parts: KpiParts, shell: Records, *, strict: bool = True) -> dict[str, float]:
    """``compute_kpis`` of the run whose merged passes are ``parts`` (``shell``: ``shell_records`` of a part)."""
    w0, h = window(shell)
    mp = parts.matters
    _check(mp.counts, strict)
    times: dict[str, float] = {}
    for name, field_name in SKETCHED:
        times.update(sketch_summary(getattr(parts, field_name), name)[0])
    opened = open_kpis_of(parts.opened, parts.open_daily.astype(np.float64), shell.meta, w0, h,
                          int(mp.counts[kn.N_WIN]), int(mp.status_counts[CLOSED]), times)
    n_pos, n_decided, n_aband = (int(x) for x in parts.wait_counts)
    k: dict[str, float] = {}
    _status_kpis(k, mp)
    k["open_at_horizon_share"] = opened.pop("open_at_horizon_share")
    # compute_kpis' wait figures (``_wait_kpis``, in its order) from the parts' sums and counts
    (s_disc, s_served, s_ended, s_waiting), (n_disc, n_served, n_ended, n_waiting) = parts.mean_sums, parts.mean_counts
    k["wait_hours_mean"] = _ratio(s_served + s_ended + s_waiting, n_served + n_ended + n_waiting)
    k["wait_hours_mean_served"] = _ratio(s_served, n_served)
    k["wait_positive_share"] = _ratio(n_pos, n_served + n_waiting)
    k["abandoned_share"] = _ratio(n_aband, n_decided)
    _time_kpis(k, mp, opened)
    k["discovery_hours_mean"] = _ratio(s_disc, n_disc)
    _level_kpis(k, mp)
    _quality_kpis(k, shell, mp, h - w0, opened)
    _utilization_kpis(k, shell, parts.per_station, parts.per_server, parts.stations_ok)
    offered_kpis(k, shell, parts.offered, w0, h)
    _cost_kpis(k, shell.meta, mp, h - w0)
    return k


def sketched_bounds(parts: KpiParts) -> dict[str, tuple[float, float]]:
    """Each sketched KPI of ``kpis_from_parts(parts, ...)`` and the interval ``(low, high)`` holding the
    exact value the whole run's records give (``sim.metrics.sketch.sketch_summary``)."""
    out: dict[str, tuple[float, float]] = {}
    for name, field_name in SKETCHED:
        out.update(sketch_summary(getattr(parts, field_name), name)[1])
    return out


class PartsAccumulator:
    """``merge_parts`` one part at a time, so that a part can go as soon as it is added. Parts are added
    in the order ``merge_parts`` would take them (the means' sums are added in that order)."""

    def __init__(self) -> None:
        self._sums: KpiParts | None = None

    def add(self, parts: KpiParts) -> None:
        self._sums = parts if self._sums is None else merge_parts([self._sums, parts])

    def result(self) -> KpiParts:
        if self._sums is None:
            raise ValueError("no parts to merge")
        return self._sums
