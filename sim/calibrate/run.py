"""The calibration pipeline: fit, validate, report, write the preset (issue 10, parts 4-6).

``calibrate(cases, extracted_at, ...)`` takes a cases frame of the imported-log contract,
so it runs on any log ``sim.logs.load_log`` reads and on simulated logs (the recovery
test). Everything is written into a claimed results directory that is renamed into
place only when complete; the preset and its units table are installed last, all or
nothing (``sim.calibrate.preset.install_preset``): a calibration stopped at any point
leaves the previous preset as it was.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibrate.baselines import carry_forward, mmc
from sim.calibrate.fit import FitResult, fit_handling
from sim.calibrate.holidays import NONE as NO_HOLIDAYS
from sim.calibrate.holidays import LogHolidays
from sim.calibrate.model import department_slots, scenario_values, write_units
from sim.calibrate.preset import install_preset, preset_units_path, presets_dir, write_preset
from sim.calibrate.profile import (
    LEFT_OPEN_DAYS,
    MIN_DEPARTMENT_ROWS,
    POOLED,
    ArrivalFit,
    fit_arrivals,
    heldout,
    small_departments,
    timebase,
    training,
)
from sim.calibrate.recency import choose_recency, recency_line, recency_record
from sim.calibrate.report import write_report
from sim.calibrate.split import split_by_department
from sim.calibrate.trace import traced_cases
from sim.calibrate.usable import check_usable
from sim.calibrate.validate import case_arrival_emd, strict, validation, write_validation
from sim.util.interrupt import signals_deferred
from sim.util.partial import claim_results_dir, drop_owner, remove_stale


@dataclass
class Calibration:
    fit: ArrivalFit
    handling: FitResult
    record: dict[str, Any]
    preset: Path
    results: Path
    seconds: float


def _comments(fit: ArrivalFit, res: FitResult, slots: dict[str, str], holidays: LogHolidays) -> dict[str, str]:
    """Provenance of each fitted value, by dotted key."""
    n, days = fit.rows, fit.days
    c: dict[str, str] = {
        "demand.rate_per_1000_per_day": f"fitted: {n:,} training rows over {days:.0f} days "
                                        f"({fit.daily_rate:.1f} matters a day); units sized by their rows",
        "demand.hour_profile": f"fitted from {n:,} rows (hour of created)",
        "demand.weekday_profile": f"fitted from {n:,} rows; index 0 = weekday of model day 0 "
                                  f"({fit.tb.t0.day_name()})",
        "demand.season_profile": f"fitted from {n:,} rows; months seen {[m + 1 for m in fit.months_seen]}, "
                                 "the others = training mean",
        "discovery.channel_mix": f"fitted from {n:,} rows (recorded only: the log's created is intake)",
        "catalog.deadlines.working_days": "chosen: the day count with the smaller spread of due - created",
        "calendar.shifts.office.days": "Mon-Fri on the log's calendar (model day 0 = "
                                       f"{fit.tb.t0.date()})",
        "calendar.start_date": "the day of the log's first case",
        "calendar.holiday_dates": f"the log's public holidays ({holidays.source})",
        "calendar.workday_dates": f"the log's make-up working days ({holidays.source})",
        "demand.holiday_factor": ("fitted: arrivals on the training holidays' weekdays over an ordinary day's"
                                  if fit.tb.holidays else "no holiday in training: a weekend day's rate over a "
                                  "weekday's"),
        "territory.units_file": f"{len(fit.places)} places (place1 -> township, place2 -> village) sized by rows",
        "run.horizon_days": f"to the extraction, {fit.tb.extracted_at}",
    }
    for cat in fit.categories.values():
        k = f"catalog.categories.{cat.key}"
        c[f"{k}.share"] = f"fitted from {cat.rows:,} rows"
        c[f"{k}.severity_mix"] = f"settled at once (< 3 min): {cat.fast_share:.3f} of {cat.rows:,} rows" + (
            " (department pooled: few rows)" if cat.rows < 30 else "")
        c[f"{k}.deadline_days"] = (f"median due - created of {cat.deadline_rows:,} rows" if cat.deadline_days
                                   is not None else "no due date in the log")
        c[f"{k}.service_hours"] = (f"[3]: department {cat.department}'s fitted work x {cat.work_factor:.3g}, "
                                   "the category's pace in its queue")
        if cat.quick_share > 0:
            c[f"{k}__quick.share"] = (f"quick path: {cat.quick_share:.3f} of the rows (department {cat.department}'s "
                                      f"two-path fit, {fit.paths[cat.department].why})")
        if cat.long_share > 0 and res.handling[cat.department].long_work_hours > 0:
            c[f"{k}__long.share"] = (f"long work: {cat.long_share:.3f} of the queue's rows (department "
                                     f"{cat.department}'s two works, {fit.works[cat.department].why})")
            c[f"{k}__long.service_hours"] = (f"[3]: department {cat.department}'s fitted long work x "
                                             f"{cat.work_factor:.3g}, the category's pace")
        if cat.open_share > 0:
            c[f"{k}__left_open.share"] = (f"left open: {cat.open_share:.3f} of the rows open {LEFT_OPEN_DAYS:g}+ days "
                                          "after created")
    for d, h in res.handling.items():
        c[f"staffing.department_staff.{slots[d]}"] = (
            f"fitted by simulation ({res.trials} trials): work {h.work_hours:.3g} h, cv {h.cv:.3g}, "
            + (f"long work {h.long_work_hours:.3g} h, cv {h.long_cv:.3g} for {h.long_share:.3f} of the queue, "
               if h.long_work_hours > 0 else "")
            + f"rho {res.rho[d]:.2f}; censored W1 {res.distance[d]:.4f}")
    return c


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def calibrate(cases: pd.DataFrame, extracted_at: pd.Timestamp, name: str, *, train_until: pd.Timestamp | None = None,
              seed: int = 12345, trials: int = 80, presets: Path | None = None, results: Path = Path("results"),
              say: Callable[[str], None] = print, replications: int = 2,
              holidays: LogHolidays = NO_HOLIDAYS) -> Calibration:
    """Fit, validate and write; returns what was written."""

    start = time.perf_counter()
    tb = timebase(cases, extracted_at, train_until, holidays)
    check_usable(cases, training(cases, tb), heldout(cases, tb))
    cases, split = split_by_department(cases, tb.train_until)
    if split:
        say(f"calibrate: {split} model categor{'y' if split == 1 else 'ies'} added for the cases of a category "
            "handled by a department other than its main one (named '<category> (<department>)')")
    train = training(cases, tb)  # the training rows after the split (the half-lives change no window)
    tb = replace(tb, recency=choose_recency(train, tb))
    say(recency_line(tb))
    small = small_departments(train)
    if small:
        say(f"calibrate: warning: {len(small)} department(s) with fewer than {MIN_DEPARTMENT_ROWS} training cases "
            f"are fitted together as '{POOLED}': {', '.join(small[:5])}{' ...' if len(small) > 5 else ''}")
    fit = fit_arrivals(cases, tb)
    say(f"calibrate: {fit.rows:,} training cases {tb.train_from.date()} .. {tb.train_until.date()}, "
        f"{len(heldout(cases, tb)):,} held out to {tb.window_end} (followed to the extraction, "
        f"{tb.extracted_at}); {_count(len(fit.categories), 'category', 'categories')}, "
        f"{_count(len({c.department for c in fit.categories.values()}), 'department', 'departments')}, "
        f"{_count(len(fit.places), 'place', 'places')}")
    pdir = presets or presets_dir()
    for line in remove_stale(results):  # what a killed calibration or run left there
        say(line)
    tmp: Path | None = None
    try:
        with signals_deferred():  # Ctrl-C or SIGTERM is delivered after the claim, inside the try that undoes it
            final, tmp = claim_results_dir(results, f"{time.strftime('%Y%m%d-%H%M%S')}-calibrate-{name}")
        # the fit reads a units table inside the results being written: the presets directory is
        # touched only at the end, all or nothing (install_preset)
        work_units = write_units(fit, tmp / f"{name}.units.csv", name).resolve()
        units_text = work_units.read_text(encoding="utf-8")
        units = preset_units_path(pdir / "calibrated", name, units_text)
        res, sim = fit_handling(cases, fit, str(work_units), name, seed, trials, say, replications)
        say(f"calibrate: handling fitted in {res.trials} trials ({res.seconds:.0f} s); validating")
        simulated = sim.run(res.handling)
        tr, te = training(cases, tb), heldout(cases, tb)
        cf = carry_forward(tr, te, tb.extracted_at, seed)
        mm, mmc_params = mmc(tr, te, tb.train_from, tb.train_until, tb.extracted_at, seed)
        say("calibrate: the fitted model fed the log's own cases (the load effect's traced side)")
        record = validation(cases, simulated, cf, mm, tb, traced=traced_cases(sim, res.handling, cases))
        write_validation(record, tmp / "validation.json")
        extra = {"handling": {d: asdict(h) | {"capacity_per_hour": h.capacity_per_hour, "rho": res.rho[d],
                                             "censored_w1": res.distance[d]} for d, h in res.handling.items()},
                 "trials": res.trials, "fit_seconds": res.seconds, "history": res.history,
                 "mmc": {d: {"servers": c, "mu_per_hour": mu} for d, (c, mu) in mmc_params.items()},
                 "case_arrival_emd_model": case_arrival_emd(cases, simulated, tb),
                 # per department: one path (the queue) or two (a quick share, then the queue), and why
                 "paths": {d: {k: v for k, v in asdict(c).items() if k != "params"} for d, c in fit.paths.items()},
                 # per department: one work distribution through its queue or two (a body and a long tail), and why
                 "works": {d: {k: v for k, v in asdict(c).items() if k != "params"} for d, c in fit.works.items()},
                 # per category: its work over its department's, read from the log (sim.calibrate.category_work)
                 "category_work": {c.name: {"department": c.department, "factor": c.work_factor}
                                   for c in fit.categories.values()},
                 # how fast the fit forgets: the half-lives read from the training months, and why
                 "recency": recency_record(tb)}
        (tmp / "fit.json").write_text(json.dumps(strict(extra), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        write_report(cases, simulated, record, tb, name, tmp)
        values = scenario_values(fit, res.handling, units, name, seed)
        slots = department_slots(sorted(res.handling))
        header = [f"gridsim calibrate: scenario '{name}' fitted to {len(cases):,} cases, training "
                  f"{tb.train_from.date()} .. {tb.train_until.date()}, extracted {tb.extracted_at}",
                  f"select with: calibrated={name}; validation: {final / 'validation.json'}"]
        comments = _comments(fit, res, slots, holidays)
        write_preset(values, comments, header, tmp / f"{name}.yaml")  # a copy beside the validation
        drop_owner(tmp)  # a finished directory names no owner (remove_stale reads it)
        tmp.rename(final)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    preset = install_preset(name, units_text, values, comments, header, pdir / "calibrated")
    return Calibration(fit=fit, handling=res, record=record, preset=preset, results=final,
                       seconds=time.perf_counter() - start)
