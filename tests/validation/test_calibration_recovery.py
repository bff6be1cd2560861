"""The honest test of a calibrator: a log gridsim generated from a known scenario is fitted back.

A known scenario of the calibrated model's family (three departments with queues that
form, four categories, an hour / weekday / month profile, six places) is simulated a
year; its matter records are exported as a CSV like a real export (closed times only
for matters closed by the extraction, the rest open) with a mapping of this test's own,
imported with ``sim.logs.load_log`` and calibrated. The fitted arrival profile must
match the known one within sampling error (tolerances from the standard errors of the
counts) and every department's capacity (servers / work, matters per working hour)
within 10%.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.model import Handling, build_config, scenario_values, write_units
from sim.calibrate.profile import ArrivalFit, CategoryFit, Timebase
from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.rules.demand import grid_rates_per_hour, hourly_profile
from sim.scenario.territory import build_territory

T0 = pd.Timestamp("2015-01-01")  # a Thursday: the weekday rotation is exercised
EXTRACTED = pd.Timestamp("2016-01-10 12:00")
TRAIN_UNTIL = pd.Timestamp("2015-09-01")
HOUR = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.6, 1.2, 2.2, 2.6, 2.6, 2.4, 2.0, 2.3, 2.4, 2.3, 2.0, 1.5, 1.0, 0.8,
        0.6, 0.5, 0.4, 0.3]
WEEK = [1.3, 1.25, 1.2, 1.2, 1.15, 0.45, 0.45]
SEASON = [0.95, 0.95, 1.0, 1.0, 1.05, 1.05, 1.05, 1.05, 1.0, 1.0, 0.95, 0.95]
#: department -> truth; utilisation about 0.75 with few servers, so that queues form and
#: capacity shows in the close times: rho = work per week / (servers x 45 office hours)
TRUTH = {"agriculture": Handling(servers=11, work_hours=1.0, cv=1.0),  # 378 matters a week: rho 0.76
         "livelihood": Handling(servers=6, work_hours=0.5, cv=1.0),  # 403 a week: rho 0.75
         "politics_law": Handling(servers=8, work_hours=0.375, cv=1.0)}  # 739 a week: rho 0.77
CATS = {"drainage": ("agriculture", 0.25, 0.1), "benefits": ("livelihood", 0.30, 0.2),
        "noise": ("politics_law", 0.25, 0.0), "neighbours": ("politics_law", 0.20, 0.05)}
PLACES = [("north", "n1", 300), ("north", "n2", 200), ("south", "s1", 250), ("south", "s2", 150),
          ("east", "e1", 60), ("east", "e2", 40)]
DAILY = 240.0  # known matters a day (mean over the year)


def truth_values(tmp: Path) -> tuple[dict, Timebase]:
    tb = Timebase(t0=T0, train_from=T0, train_until=TRAIN_UNTIL, extracted_at=EXTRACTED)
    cats = {k: CategoryFit(name=k, key=k, department=d, rows=1, share=s, fast_share=f, fast_hours=0.01,
                           due_share=1.0, deadline_days=5.0 if d != "livelihood" else 3.0, deadline_rows=1)
            for k, (d, s, f) in CATS.items()}
    places = pd.DataFrame(PLACES, columns=["place1", "place2", "rows"])
    fit = ArrivalFit(tb=tb, rows=1, days=1.0, daily_rate=DAILY, hour_profile=HOUR, weekday_profile=WEEK,
                     season_profile=SEASON, months_seen=list(range(12)), categories=cats,
                     channel_mix=[0.2, 0.0, 0.4, 0.4, 0.0], places=places, working_days=True)
    units = write_units(fit, tmp / "truth.units.csv", "truth")
    return scenario_values(fit, TRUTH, units, "truth", 7), tb


def export_log(tmp: Path) -> tuple[Path, Path, object]:
    values, tb = truth_values(tmp)
    cfg = build_config(values)
    terr = build_territory(cfg)
    rec = run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, 0)), 0)
    m = rec.matters
    names = list(cfg.catalog.categories)
    dept = {k: CATS[k][0] for k in CATS}
    horizon = cfg.run.horizon_days * 24.0
    closed = np.where(np.asarray(m.t_close) <= horizon, m.t_close, np.nan)
    village = terr.grid_village[np.asarray(m.grid)]
    vnames = [p[1] for p in PLACES]
    tnames = {p[1]: p[0] for p in PLACES}

    def stamp(h: pd.Series) -> pd.Series:
        return (T0 + pd.to_timedelta(h, unit="h")).dt.strftime("%Y-%m-%d %H:%M:%S")

    cat = np.asarray(names, dtype=object)[np.asarray(m.category, np.int64)]
    df = pd.DataFrame({"id": [f"T{i:06d}" for i in range(m.n)],
                       "opened": stamp(pd.Series(m.t_occur)), "finished": stamp(pd.Series(closed)),
                       "due_by": stamp(pd.Series(m.deadline)), "kind": cat,
                       "office": pd.Series(cat).map(dept), "via": "phone",
                       "area": [tnames[vnames[v]] for v in village], "block": [vnames[v] for v in village]})
    df["finished"] = df["finished"].where(np.isfinite(closed), "")
    log = tmp / "truth_log.csv"
    df.to_csv(log, index=False)
    mapping = tmp / "truth_mapping.yaml"
    mapping.write_text(
        "name: truth\ncolumns:\n  case_id: id\n  created: opened\n  closed: finished\n  due: due_by\n"
        "  type: kind\n  department: office\n  channel: via\n  place1: area\n  place2: block\n"
        "time:\n  format: \"%Y-%m-%d %H:%M:%S\"\nchannels:\n  phone: hotline\n"
        f"extracted_at: \"{EXTRACTED}\"\n", encoding="utf-8")
    return log, mapping, cfg


def expected_training(cfg, tb: Timebase) -> float:
    terr = build_territory(cfg)
    rate = grid_rates_per_hour(cfg, terr.grid_residents, terr.grid_urban).sum()
    a, b = (int(x) for x in tb.hours(pd.Series([tb.train_from, tb.train_until])))
    return float(rate * hourly_profile(cfg, b)[a:b].sum())


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory):
    from sim.calibrate.run import calibrate
    from sim.logs import load_log

    tmp = tmp_path_factory.mktemp("recovery")
    log, mapping, truth_cfg = export_log(tmp)
    imported = load_log(log, mapping)
    cal = calibrate(imported.cases, imported.extracted_at, "recovered", train_until=TRAIN_UNTIL, seed=3, trials=120,
                    presets=tmp / "presets", results=tmp / "results", say=lambda _s: None, replications=3)
    return cal, truth_cfg, imported


def test_arrivals_recovered_within_sampling_error(recovered) -> None:
    cal, truth_cfg, imported = recovered
    fit = cal.fit
    tb = fit.tb
    n = fit.rows
    # expected training-window arrivals: fitted model vs known scenario, Poisson SE
    from sim.calibrate.model import build_config as build
    fitted_cfg = build(scenario_values(fit, cal.handling.handling, Path(cal.results / "recovered.units.csv"),
                                       "recovered", 3))
    e_true, e_fit = expected_training(truth_cfg, tb), expected_training(fitted_cfg, tb)
    assert abs(e_fit - e_true) < 4.0 * np.sqrt(e_true), (e_fit, e_true)
    # hour of day: each share within 4 binomial SE
    true_hour = np.asarray(HOUR) / np.sum(HOUR)
    got_hour = np.asarray(fit.hour_profile) / np.sum(fit.hour_profile)
    se = np.sqrt(true_hour * (1 - true_hour) / n)
    assert np.all(np.abs(got_hour - true_hour) < 4 * se + 1e-12), np.max(np.abs(got_hour - true_hour) / se)
    # weekday (model order: the calibrator rotated it to the log's day 0): per-weekday counts, Poisson SE
    true_week = np.asarray(WEEK) / np.mean(WEEK)
    per_day = n / fit.days
    rel_se = 1.0 / np.sqrt(per_day * fit.days / 7 * true_week)
    assert np.all(np.abs(np.asarray(fit.weekday_profile) - true_week) < 4 * rel_se * true_week)
    # category shares
    for k, (_d, share, _f) in CATS.items():
        got = fit.categories[k].share
        assert abs(got - share) < 4 * np.sqrt(share * (1 - share) / n), (k, got, share)
        # (the quick share is not asserted: "closed within 15 minutes" also counts a department's
        # own quick closures, so it is the truth's share plus those, by construction)


def test_department_capacities_within_10_percent(recovered) -> None:
    cal, _truth, _imp = recovered
    for d, truth in TRUTH.items():
        got = cal.handling.handling[d]
        assert abs(got.capacity_per_hour / truth.capacity_per_hour - 1.0) < 0.10, (d, got, truth)


def test_deadlines_recovered(recovered) -> None:
    cal, _truth, _imp = recovered
    assert cal.fit.working_days
    for k, (d, _s, _f) in CATS.items():
        assert cal.fit.categories[k].deadline_days == (3.0 if d == "livelihood" else 5.0)


def test_each_department_s_half_life_is_read_and_recorded(recovered) -> None:
    # a year that does not drift: any half-life forecasts it about as well (the capacities and shares
    # above are recovered within sampling error whatever was chosen); each department has its own
    cal, _truth, _imp = recovered
    r = cal.fit.tb.recency
    assert r is not None and "rolling origins" in r.rule
    assert {d for d, _ in r.by_department} == set(TRUTH)
    recorded = json.loads((cal.results / "fit.json").read_text())["recency"]
    assert set(recorded["by_department"]) == set(TRUTH) and recorded["scores"]["mix"]
