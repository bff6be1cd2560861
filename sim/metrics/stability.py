"""The stability verdict every answer carries (MODEL.md 6): can the offices keep up?

A run is ``unstable`` when any of three rules finds so, checked in this order (``rule``
names the first that did; ``reasons`` lists every finding):

1. ``capacity``: an office type whose long-run load in the capacity check is at or over
   its capacity (utilisation >= 1). Its queue grows without bound, whatever the horizon.
   Likewise when some matters are never found (``finding``: no patrol, part-time reporter
   or resident report reaches them), since they pile up without bound as well. And an
   office whose load measured in the run is at or over its capacity (``offered_load_*``,
   ``sim.metrics.offered``: the work that reached it in the window over its working hours,
   the window's season taken out by the ratio of the long-run matters per day to the
   window's), since the check, which does not follow the run's escalations by time limit,
   can read such an office below 1.
2. ``backlog growth``: the open count grows, with its 95% interval above zero. A seasonal
   swing is not growth: with seasonal demand the growth is judged over whole seasonal
   cycles (the mean open count of the last cycle against the one before, twelve monthly
   differences); a window shorter than two cycles is judged by the capacity check's
   long-run loads (rule 1) alone. Without a season the least-squares slope over the window
   is judged. The interval is over replications when there are several, else from the
   run's own batches (monthly differences, or five batch means).
3. ``warm-up``: the warm-up is shorter than the truncation point MSER-5 finds on the daily
   open count, so the window still holds the start-up transient; a transient from the empty
   start holds fewer open matters than what follows, so a truncation past a burst of more
   (``warmup_mser5_shift`` above 0: the queue's own noise) is not one.

The verdict needs only plain numbers: each replication's KPIs (``backlog_growth_*``,
``warmup_mser5_days``, ``warmup_mser5_shift``, ``offered_load_*``, ``matters_per_day``), the
capacity check's loads and its long-run matters per day, so the run API, the experiments,
the sweeps and a stored run all judge alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.metrics.replications import summary_of

__all__ = ["FINDING", "Reason", "Stability", "judge_stability", "office_of"]

STABLE, UNSTABLE = "stable", "unstable"
#: the verdict's name for the staff who find matters (patrols, part-time reporters), beside the office types
#: of the capacity check (``CapacityReport.verdict_loads``)
FINDING = "finding"
#: the KPIs a replication carries for the verdict (``sim.metrics.open_matters``)
GROWTH_KEY = "backlog_growth_per_30d"
JUDGED_KEY = "backlog_growth_judged_per_30d"  # season-free growth, NaN when not judged
JUDGED_LO, JUDGED_HI = "backlog_growth_judged_lo", "backlog_growth_judged_hi"  # the run's own 95% interval
CYCLES_KEY = "backlog_growth_judged_cycles"  # 2: judged over the last two seasonal cycles; 0: over the window
MSER_KEY = "warmup_mser5_days"
#: a replication's measured load of an office (``sim.metrics.offered``), and a reason's source for one
OFFERED_PREFIX, RUN = "offered_load_", "run"
SHIFT_KEY = "warmup_mser5_shift"  # open count before MSER's point less after it: < 0 for a start-up transient


@dataclass(frozen=True)
class Reason:
    """One finding: which rule, which office (capacity), and one English sentence."""

    kind: str  # "capacity" | "backlog" | "warmup"
    office: str | None = None  # catalogue key of the office type ("urban_construction"), or grid / village / platform
    level: str | None = None  # LEVELS name of the office
    utilization: float | None = None  # its load / capacity: the check's long-run one, or the run's (``source``)
    growth_per_30d: float | None = None  # open matters added per 30 days
    text: str = ""
    source: str = "check"  # "check": the capacity check's load; "run": the work that reached it in the run

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "office": self.office, "level": self.level, "utilization": _finite(self.utilization),
                "growth_per_30d": _finite(self.growth_per_30d), "text": self.text, "source": self.source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(kind=str(d["kind"]), office=d.get("office"), level=d.get("level"),
                   utilization=_opt_float(d.get("utilization")), growth_per_30d=_opt_float(d.get("growth_per_30d")),
                   text=str(d.get("text", "")), source=str(d.get("source", "check")))


@dataclass(frozen=True)
class Stability:
    """``verdict`` ("stable" | "unstable"), the ``rule`` that decided ("capacity", "backlog growth",
    "warm-up" or "none") and every ``reason`` found."""

    verdict: str = STABLE
    rule: str = "none"
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    note: str = ""  # how growth was judged (whole cycles, the capacity check, the window's slope)

    @property
    def unstable(self) -> bool:
        return self.verdict == UNSTABLE

    def line(self) -> str:
        """The first line of a KPI table: the verdict, its rule and its reasons."""
        if not self.unstable:
            return f"stability: stable ({self.note})" if self.note else "stability: stable"
        return f"stability: UNSTABLE ({self.rule}): " + " ".join(r.text for r in self.reasons)

    def tag(self) -> str:
        """The verdict in a table's cell: ``stable`` or ``unstable (<rule>)`` (a sweep's, the store's)."""
        return self.verdict if not self.unstable else f"{self.verdict} ({self.rule})"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "rule": self.rule, "reasons": [r.to_dict() for r in self.reasons],
                "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Stability:
        return cls(verdict=str(d.get("verdict", STABLE)), rule=str(d.get("rule", "none")),
                   reasons=tuple(Reason.from_dict(r) for r in d.get("reasons", ())), note=str(d.get("note", "")))


def is_unstable(said: object) -> bool:
    """Whether a verdict as tables and files keep it says unstable: a ``Stability.tag()`` cell
    (``unstable (capacity)``, a sweep's or the store's), a ``Stability.to_dict()`` mapping (a run's
    ``kpis.json``, the page's outcome) or a ``Stability``; anything else (none, a missing cell) is not."""
    if isinstance(said, Stability):
        return said.unstable
    if isinstance(said, Mapping):
        return said.get("verdict") == UNSTABLE
    return isinstance(said, str) and said.startswith(UNSTABLE)


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def office_of(station_type: str) -> str:
    """The office key of a capacity-check station type: ``department:urban_construction`` -> ``urban_construction``."""
    return station_type.split(":", 1)[1] if ":" in station_type else station_type


def _office_words(station_type: str) -> str:
    kind, _, name = station_type.partition(":")
    if not name:
        return f"the {kind} staff"
    return f"the {name.replace('_', '-')} {kind}"


def _capacity_reasons(loads: Sequence[tuple[str, str, float]], growth: float | None) -> list[Reason]:
    out = []
    for name, level, util in loads:
        if not util >= 1.0:
            continue
        who = _office_words(name)
        who = who[0].upper() + who[1:]
        if name == FINDING:
            text = ("Some matters are never found: no patrol or part-time reporter passes them and their residents "
                    "do not report them, so they pile up without bound.")
        elif math.isinf(util):
            text = f"{who} has no capacity for the work sent to it, so its matters are never settled."
        else:
            text = (f"{who} cannot keep up: its long-run load is {util:.2f} times its capacity "
                    f"(capacity check).")
        out.append(Reason("capacity", office_of(name), level, util, growth, text))
    if out and growth is not None and math.isfinite(growth):
        out[-1] = _with_growth_sentence(out[-1], growth)
    return out


def _measured_key(station_type: str, run: Mapping[str, float]) -> str | None:
    """The ``offered_load_*`` KPI of a capacity-check station type in ``run`` (``office_keys``' naming)."""
    kind, _, name = station_type.partition(":")
    for key in ([f"{OFFERED_PREFIX}{kind}_{name}", f"{OFFERED_PREFIX}{name}"] if name else [f"{OFFERED_PREFIX}{kind}"]):
        if key in run:
            return key
    return None


def _measured_loads(runs: Sequence[Mapping[str, float]], loads: Sequence[tuple[str, str, float]],
                    long_run_per_day: float | None) -> list[tuple[str, str, float, float]]:
    """``(station type, level, load measured in the runs, the check's)`` of each office the check reads below 1
    and the runs at or over it: the mean over replications of its offered load, each times the long-run matters
    per day over the replication's (the window's season out; 1 without them)."""
    out = []
    for name, level, util in loads:
        if util >= 1.0 or name == FINDING or not runs:
            continue
        vals = []
        for run in runs:
            key = _measured_key(name, run)
            load, per_day = (float(run[key]) if key else math.nan), float(run.get("matters_per_day", math.nan))
            season = long_run_per_day / per_day if long_run_per_day and per_day > 0 else 1.0
            vals.append(load * season)
        vals = [v for v in vals if math.isfinite(v)]
        if vals and sum(vals) / len(vals) >= 1.0:
            out.append((name, level, sum(vals) / len(vals), util))
    return out


def _measured_reasons(measured: list[tuple[str, str, float, float]], growth: float | None) -> list[Reason]:
    out = []
    for name, level, load, util in measured:
        who = _office_words(name)
        text = (f"{who[0].upper() + who[1:]} cannot keep up: the work that reached it in the run is {load:.2f} times "
                f"its capacity ({util:.2f} in the capacity check, which does not follow the run's escalations by "
                "time limit).")
        out.append(Reason("capacity", office_of(name), level, load, growth, text, source=RUN))
    if out and growth is not None and math.isfinite(growth):
        out[-1] = _with_growth_sentence(out[-1], growth)
    return out


def _with_growth_sentence(r: Reason, growth: float) -> Reason:
    text = (f"{r.text} Open matters grow by about {growth:,.0f} per 30 days; "
            "the figures understate resolution times.")
    return Reason(r.kind, r.office, r.level, r.utilization, r.growth_per_30d, text, r.source)


def _judged_growth(runs: Sequence[Mapping[str, float]]) -> tuple[float, float, float] | None:
    """(growth, lo, hi) of the season-free growth per 30 days, or None when it was not judged."""
    vals = [float(r.get(JUDGED_KEY, math.nan)) for r in runs]
    vals = [v for v in vals if math.isfinite(v)]
    if not vals:
        return None
    if len(vals) >= 2:
        s = summary_of(vals)
        return s.mean, s.lo, s.hi
    r = next(r for r in runs if math.isfinite(float(r.get(JUDGED_KEY, math.nan))))
    return vals[0], float(r.get(JUDGED_LO, math.nan)), float(r.get(JUDGED_HI, math.nan))


def _mean_of(runs: Sequence[Mapping[str, float]], key: str) -> float:
    return summary_of([float(r.get(key, math.nan)) for r in runs]).mean


def judge_stability(runs: Sequence[Mapping[str, float]], loads: Sequence[tuple[str, str, float]] | None,
                    warmup_days: float, seasonal_note: str = "", long_run_per_day: float | None = None) -> Stability:
    """The verdict from every replication's KPIs and the capacity check's ``loads``.

    ``loads``: ``(station type, level name, utilisation)`` per office type of the capacity
    check (None when the check is not at hand, e.g. a stored run: that rule is then skipped).
    ``warmup_days``: the run's warm-up. ``long_run_per_day``: the check's matters per day, against
    which a window's season is taken out of the loads measured in the run.
    """
    growth = _mean_of(runs, GROWTH_KEY) if runs else math.nan
    reasons: list[Reason] = []
    rules: list[str] = []
    known = growth if math.isfinite(growth) else None
    cap = _capacity_reasons(loads or (), known)
    cap += _measured_reasons(_measured_loads(runs, loads or (), long_run_per_day), None if cap else known)
    if cap:
        reasons += cap
        rules.append("capacity")
    judged = _judged_growth(runs)
    notes = []
    if judged is None:
        notes.append("backlog growth judged by the capacity check's long-run loads: the window holds no two "
                     "whole seasonal cycles")
    else:
        g, lo, hi = judged
        cycles = any(float(r.get(CYCLES_KEY, 0.0)) > 0 for r in runs)
        how = "over whole seasonal cycles" if cycles else "over the window"
        notes.append(f"backlog growth {g:+,.0f} per 30 days {how} (95% interval {lo:+,.0f} to {hi:+,.0f})")
        if lo > 0:
            reasons.append(Reason("backlog", None, None, None, g,
                                  f"Open matters grow by about {g:,.0f} per 30 days {how} "
                                  f"(95% interval {lo:,.0f} to {hi:,.0f}); the figures understate resolution "
                                  "times."))
            rules.append("backlog growth")
    mser = _mean_of(runs, MSER_KEY) if runs else math.nan
    if math.isfinite(mser):
        shift = _mean_of(runs, SHIFT_KEY)
        burst = (" past a burst of more open matters, not the start-up transient"
                 if warmup_days < mser and shift > 0 else "")
        notes.append(f"warm-up {warmup_days:g} days, MSER-5 finds {mser:.0f}{burst}")  # a mean over replications
        if warmup_days < mser and not shift > 0.0:  # NaN (a stored run without it): judged by MSER-5 alone
            # with an office that cannot keep up or a growing backlog the open count keeps climbing and MSER-5
            # truncates late for that reason: a longer warm-up would be no remedy, so none is offered
            said = (f"the figures still hold the start-up transient (run.warmup_days={math.ceil(mser):d} or more)"
                    if not rules else "the open count is still climbing, as above, which no warm-up removes")
            reasons.append(Reason("warmup", None, None, None, None,
                                  f"The warm-up ({warmup_days:g} days) is shorter than the {mser:.0f} days MSER-5 "
                                  f"finds on the daily open count: {said}."))
            rules.append("warm-up")
    if not rules:
        return Stability(STABLE, "none", (), "; ".join(["no office at or over capacity", *notes]))
    return Stability(UNSTABLE, rules[0], tuple(reasons), "; ".join(notes))
