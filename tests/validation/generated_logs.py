"""Logs gridsim generates from a known calibrated-family scenario, exported like a real export.

``export`` simulates a truth scenario (``sim.calibrate.model.scenario_values`` of a hand-made
``ArrivalFit`` and head-counts), writes its matters as a CSV (closed times only for matters
closed by the extraction) and a mapping of its own, and returns both paths. Columns can be
left out (a log without due, channel or place columns) and the extraction put long after
the last case (the simulation then runs to the extraction, but matters arrive only until
``arrivals_until``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.holidays import log_holidays
from sim.calibrate.model import Handling, build_config, scenario_values, write_units
from sim.calibrate.profile import ArrivalFit, CategoryFit, Timebase, fit_arrivals, timebase, training
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.logs import load_log
from sim.matters.occur import generate_inputs
from sim.scenario.territory import build_territory

HOUR = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.6, 1.2, 2.2, 2.6, 2.6, 2.4, 2.0, 2.3, 2.4, 2.3, 2.0, 1.5, 1.0, 0.8,
        0.6, 0.5, 0.4, 0.3]
WEEK = [1.3, 1.25, 1.2, 1.2, 1.15, 0.45, 0.45]  # real weekdays, Monday first
PLACES = [("north", "n1", 300), ("north", "n2", 200), ("south", "s1", 250), ("south", "s2", 150)]
COLUMNS = {"case_id": "id", "created": "opened", "closed": "finished", "due": "due_by", "type": "kind",
           "department": "office", "channel": "via", "place1": "area", "place2": "block"}


def truth_fit(t0: pd.Timestamp, extracted: pd.Timestamp, daily: float,
              categories: dict[str, tuple[str, float, float, float]] | dict[str, tuple[str, float, float, float,
                                                                                         float]],
              quick_hours: float = 0.3, quick_cv: float = 0.6, country: str | None = None,
              holiday_factor: float = 1.0) -> ArrivalFit:
    """An ArrivalFit of known values; categories: name -> (department, share, spot share, quick share[, long
    share of the queue's cases: the department's long work, ``Handling.long_work_hours``]); ``country``: the
    holidays of the ``holidays`` package close the offices and change the arrivals."""
    hol = log_holidays(country, None, t0, extracted)
    tb = Timebase(t0=t0, train_from=t0, train_until=t0 + (extracted - t0) / 2, extracted_at=extracted,
                  holidays=hol.holidays, workdays=hol.workdays)
    week = [WEEK[(t0.weekday() + j) % 7] for j in range(7)]  # model order: day 0 is t0's weekday
    cats = {k: CategoryFit(name=k, key=k, department=str(v[0]), rows=1, share=float(v[1]), fast_share=float(v[2]),
                           fast_hours=0.01, due_share=1.0, deadline_days=5.0, deadline_rows=1, quick_share=float(v[3]),
                           quick_hours=quick_hours, quick_cv=quick_cv, long_share=float(v[4]) if len(v) > 4 else 0.0)
            for k, v in categories.items()}
    return ArrivalFit(tb=tb, rows=1, days=1.0, daily_rate=daily, hour_profile=HOUR, weekday_profile=week,
                      season_profile=[1.0] * 12, months_seen=list(range(12)), categories=cats,
                      channel_mix=[0.2, 0.0, 0.4, 0.4, 0.0], holiday_factor=holiday_factor,
                      places=pd.DataFrame(PLACES, columns=["place1", "place2", "rows"]))


def export(tmp: Path, fit: ArrivalFit, truth: dict[str, Handling], *, arrivals_until: pd.Timestamp | None = None,
           drop: tuple[str, ...] = (), seed: int = 7, country: str | None = None) -> tuple[Path, Path, Any]:
    """Simulate the truth to ``fit.tb.extracted_at`` (arrivals until ``arrivals_until``) and write the log
    and its mapping without the ``drop``ped fields; returns (log, mapping, truth config)."""
    tb = fit.tb
    units = write_units(fit, tmp / "truth.units.csv", "truth")
    cfg = build_config(scenario_values(fit, truth, units, "truth", seed))
    terr = build_territory(cfg)
    arriving = cfg
    if arrivals_until is not None:
        days = float((arrivals_until - tb.t0) / pd.Timedelta(days=1))
        arriving = replace(cfg, run=replace(cfg.run, horizon_days=days))
    rec = run_vector(prepare(cfg, terr, generate_inputs(arriving, terr, 0)), 0)
    m = rec.matters
    horizon = cfg.run.horizon_days * 24.0
    closed = np.where(np.asarray(m.t_close) <= horizon, m.t_close, np.nan)
    village = terr.grid_village[np.asarray(m.grid)]
    cats = list(cfg.catalog.categories.values())
    idx = np.asarray(m.category, np.int64)
    kind = np.asarray([c.name_zh for c in cats], dtype=object)[idx]  # a twin's log name is its category's
    dept = {c.name: c.department for c in fit.categories.values()}

    def stamp(h: np.ndarray) -> pd.Series:
        return (tb.t0 + pd.to_timedelta(pd.Series(h), unit="h")).dt.strftime("%Y-%m-%d %H:%M:%S")

    df = pd.DataFrame({"id": [f"T{i:06d}" for i in range(m.n)], "opened": stamp(np.asarray(m.t_occur)),
                       "finished": stamp(closed), "due_by": stamp(np.asarray(m.deadline)), "kind": kind,
                       "office": pd.Series(kind).map(dept), "via": "phone",
                       "area": [PLACES[v][0] for v in village], "block": [PLACES[v][1] for v in village]})
    df["finished"] = df["finished"].where(np.isfinite(closed), "")
    keep = {f: c for f, c in COLUMNS.items() if f not in drop}
    df = df[list(keep.values())]
    log = tmp / "truth_log.csv"
    df.to_csv(log, index=False)
    mapping = tmp / "truth_mapping.yaml"
    lines = ["name: truth", "columns:", *[f"  {f}: {c}" for f, c in keep.items()],
             "time:", '  format: "%Y-%m-%d %H:%M:%S"']
    if "channel" in keep:
        lines += ["channels:", "  phone: hotline"]
    if country:
        lines += ["holidays:", f"  country: {country}"]
    lines.append(f'extracted_at: "{tb.extracted_at}"')
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log, mapping, cfg


def fitted_training(tmp: Path, t0: pd.Timestamp, extracted: pd.Timestamp, train_until: pd.Timestamp,
                    categories: dict[str, tuple[Any, ...]],
                    truth: dict[str, Handling]) -> tuple[ArrivalFit, pd.DataFrame]:
    """A log generated from ``categories`` and ``truth`` (120 matters a day), exported and imported like a real
    one, its training cases (before ``train_until``) fitted: the fit and those cases."""
    log, mapping, _cfg = export(tmp, truth_fit(t0, extracted, 120.0, categories), truth)
    imported = load_log(log, mapping)
    tb = timebase(imported.cases, imported.extracted_at, train_until)
    return fit_arrivals(imported.cases, tb), training(imported.cases, tb)
