"""KPIs of a run made of parts (blocks of counties run apart): each part's passes, merged, then the KPIs.

``compute_kpis`` reads a run's records in a few passes (``sim.metrics.kernels``' matter and
visit passes, ``sim.metrics.open_matters``' open-matter pass, the daily open count). Every
pass is a sum over matters or visits, or a sample of one number per matter: so a part of
the matters (with its visits) gives ``KpiParts``, parts are merged by adding the counts,
the sums and the per-station and per-server busy hours and by joining the samples end to
end in the parts' order, and ``kpis_from_parts`` turns the merged parts into the KPIs by
the very functions ``compute_kpis`` uses.

- Counts, shares, utilisations, the backlog series and its growth: exactly the whole
  run's (integers added; a station's busy hours are one part's).
- The product-limit percentiles and means (resolution, report to close; open matters
  censored): from the union of the parts' samples, not a sketch, so exactly the whole
  run's when the parts are runs of matters in table order (a county's stations serve its
  matters alone).
- The means of the discovery time and of the first-visit waits: the parts' sums added,
  over the counts added; the additions' order differs from ``np.mean``'s, so they agree
  with the whole run's to about 1e-15 relative, not always to the last bit.

The driver holds one float and a flag per window matter for each of the two product-limit
estimates (18 bytes per matter), and a few arrays per station, server and day.
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
    _VisitPass,
    _wait_kpis,
    backlog_series,
    window,
)
from sim.metrics.open_matters import OpenPass, daily_open, open_kpis_of, open_pass
from sim.records.schema import Records, empty_matters
from sim.scenario.constants import CLOSED

__all__ = ["KpiParts", "PartsAccumulator", "kpi_parts", "kpis_from_parts", "merge_parts", "shell_records"]


@dataclass
class KpiParts:
    """One part's passes (or several parts' merged)."""

    matters: _MatterPass
    opened: OpenPass
    # sums and counts of the discovery times, the first-visit waits of matters served and of those whose
    # first visit ended otherwise (the KPIs are their means: no per-matter sample is kept)
    mean_sums: np.ndarray  # float64 [3]
    mean_counts: np.ndarray  # int64 [3]
    wait_counts: np.ndarray  # positive, decided, abandoned
    per_station: np.ndarray  # busy hours in the window
    per_server: np.ndarray
    stations_ok: bool
    open_daily: np.ndarray  # matters occurred and not closed at each day (int64)
    backlog: np.ndarray  # [open, undiscovered] at each of backlog_series' points (int64)
    meta: dict[str, Any] = field(default_factory=dict)


def kpi_parts(rec: Records) -> KpiParts:
    """The passes of one part's records (whose ``stations``, ``servers`` and ``meta`` are the whole run's)."""
    w0, h = window(rec)
    mp = _matter_pass(rec, w0, h)
    op = open_pass(rec, w0, h, float(rec.meta.get("petition_patience_h", np.inf)))
    vp = _visit_pass(rec, w0, h)
    waits, n_served, n_pos, n_decided, n_aband = vp.waits
    _, open_ = daily_open(rec)
    back = backlog_series(rec)
    sums = np.array([np.sum(mp.disc), np.sum(waits[:n_served]), np.sum(waits[n_served:])], np.float64)
    n = np.array([len(mp.disc), n_served, len(waits) - n_served], np.int64)
    return KpiParts(matters=mp._replace(disc=mp.disc[:0]), opened=op, mean_sums=sums, mean_counts=n,
                    wait_counts=np.array([n_pos, n_decided, n_aband], np.int64), per_station=vp.per_station,
                    per_server=vp.per_server, stations_ok=vp.stations_ok, open_daily=open_.astype(np.int64),
                    backlog=np.stack([back["open"].to_numpy(np.int64), back["undiscovered"].to_numpy(np.int64)]),
                    meta=dict(rec.meta))


def _ratio(total: float, n: int) -> float:
    return float(total) / float(n) if n else float("nan")


def _join(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]


def merge_parts(parts: list[KpiParts]) -> KpiParts:
    """The parts as one, in the order given: counts and busy hours added, samples joined end to end."""
    if not parts:
        raise ValueError("no parts to merge")
    if len(parts) == 1:
        return parts[0]
    mps, ops = [p.matters for p in parts], [p.opened for p in parts]
    mp = _MatterPass(counts=sum((m.counts for m in mps[1:]), mps[0].counts.copy()),
                     status_counts=sum((m.status_counts for m in mps[1:]), mps[0].status_counts.copy()),
                     level_counts=sum((m.level_counts for m in mps[1:]), mps[0].level_counts.copy()),
                     disc=_join([m.disc for m in mps]))
    op = OpenPass(counts=sum((o.counts for o in ops[1:]), ops[0].counts.copy()), res=_join([o.res for o in ops]),
                  res_closed=_join([o.res_closed for o in ops]), r2c=_join([o.r2c for o in ops]),
                  r2c_closed=_join([o.r2c_closed for o in ops]))
    # a station's (a server's) visits all belong to one part, so each sum is one part's, plus zeros
    return KpiParts(matters=mp, opened=op, mean_sums=np.sum([p.mean_sums for p in parts], axis=0),
                    mean_counts=np.sum([p.mean_counts for p in parts], axis=0),
                    wait_counts=np.sum([p.wait_counts for p in parts], axis=0),
                    per_station=np.sum([p.per_station for p in parts], axis=0),
                    per_server=np.sum([p.per_server for p in parts], axis=0),
                    stations_ok=all(p.stations_ok for p in parts),
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
    opened = open_kpis_of(parts.opened, parts.open_daily.astype(np.float64), shell.meta, w0, h,
                          int(mp.counts[kn.N_WIN]), int(mp.status_counts[CLOSED]))
    n_pos, n_decided, n_aband = (int(x) for x in parts.wait_counts)
    vp = _VisitPass((np.zeros(0), int(parts.mean_counts[1]), n_pos, n_decided, n_aband), parts.per_station,
                    parts.per_server, parts.stations_ok)
    k: dict[str, float] = {}
    _status_kpis(k, mp)
    k["open_at_horizon_share"] = opened.pop("open_at_horizon_share")
    _wait_kpis(k, vp)
    (s_disc, s_served, s_ended), (n_disc, n_served, n_ended) = parts.mean_sums, parts.mean_counts
    k["wait_hours_mean"] = _ratio(s_served + s_ended, n_served + n_ended)
    k["wait_hours_mean_served"] = _ratio(s_served, n_served)
    _time_kpis(k, mp, opened)
    k["discovery_hours_mean"] = _ratio(s_disc, n_disc)
    _level_kpis(k, mp)
    _quality_kpis(k, shell, mp, h - w0, opened)
    _utilization_kpis(k, shell, vp)
    _cost_kpis(k, shell.meta, mp)
    return k



#: the per-matter samples of ``KpiParts``: (where they are, their dtype)
_SAMPLES = (("opened.res", np.float64), ("opened.res_closed", np.bool_), ("opened.r2c", np.float64),
            ("opened.r2c_closed", np.bool_))


def _get(parts: KpiParts, path: str) -> np.ndarray:
    obj: Any = parts
    for name in path.split("."):
        obj = getattr(obj, name)
    return np.asarray(obj)


class PartsAccumulator:
    """``merge_parts`` one part at a time: each part's samples are copied into arrays reserved for at most
    ``capacity`` matters (memory is taken only as they fill), so that a part can go as soon as it is added.
    Parts must be added in the order ``merge_parts`` would join them."""

    def __init__(self, capacity: int) -> None:
        self._arrays = {path: np.empty(capacity, dtype) for path, dtype in _SAMPLES}
        self._filled = dict.fromkeys(self._arrays, 0)
        self._sums: KpiParts | None = None

    def add(self, parts: KpiParts) -> None:
        for path, out in self._arrays.items():
            x = _get(parts, path)
            k = self._filled[path]
            out[k:k + len(x)] = x
            self._filled[path] = k + len(x)
        empty = {path: np.asarray(_get(parts, path))[:0] for path in self._arrays}
        light = _with_samples(parts, empty)
        self._sums = light if self._sums is None else merge_parts([self._sums, light])

    def result(self) -> KpiParts:
        if self._sums is None:
            raise ValueError("no parts to merge")
        return _with_samples(self._sums, {p: a[:self._filled[p]] for p, a in self._arrays.items()})


def _with_samples(parts: KpiParts, samples: dict[str, np.ndarray]) -> KpiParts:
    """``parts`` with its per-matter samples replaced (counts, busy hours and series kept)."""
    op = parts.opened._replace(res=samples["opened.res"], res_closed=samples["opened.res_closed"],
                               r2c=samples["opened.r2c"], r2c_closed=samples["opened.r2c_closed"])
    return replace(parts, opened=op)
