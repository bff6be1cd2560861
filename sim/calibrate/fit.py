"""The handling side fitted by simulation (issue 10, part 4).

A log shows close times, not work or head-counts. Each department's handling side
(``model.Handling``: servers, mean work, spread of work) is searched for by running the
engine and comparing the simulated close times of its training-month matters with the
observed ones (the W1 of ``distances.censored_w1``), both censored at the log's extraction
time and each case weighted by its recency (``Timebase.recency_weights``: handling drifts,
and the model predicts the months after the training window).

Departments share no queue in the calibrated model (``sim.calibrate.model``), so a
department's distance depends on its own parameters only and **one simulation scores
every department**: one seeded Optuna study per department (TPE), each asked for a trial,
one engine run, each told its own distance. A department's search stops when its best
distance has not improved by ``TOL`` (relative) in ``PATIENCE`` guided trials (after the
starts and TPE's random ones); the loop stops when every department has stopped, or after
``trials``.

Parametrisation (identifiability): close times identify the work distribution (mean and
spread) through the matters served without waiting, and utilisation through the waiting.
So each department is searched over (work mean, cv, utilisation rho), with two works
(``sim.calibrate.works``) also over the long work's mean and cv (its share is the mixture's, and
the starts are the mixture's works), and its servers are ``ceil(arrivals x mean work / (rho x
office hours))`` in the training window. Capacity
(servers / work, matters per working hour) is identified only where queues form (rho
near 1, as in the recovery test); a department whose matters never wait shows only a lower
bound on its capacity, and the fit then reports the rho of its best trial, which the close
times barely constrain.

The inputs (arrivals, categories, the uniforms that decide work) are drawn once: a trial
changes only the handling side, so trials are compared on common random numbers.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

from sim.calibrate.distances import censored_hours
from sim.calibrate.model import (
    ALL_TWINS,
    LONG_SUFFIX,
    TWIN_SUFFIXES,
    Handling,
    build_config,
    department_slots,
    scaled_work,
    scenario_values,
    simulated_cases,
)
from sim.calibrate.profile import (
    FAST_HOURS,
    LEFT_OPEN_DAYS,
    OFFICE_WEEKDAYS,
    ArrivalFit,
    Timebase,
    close_hours,
    training,
)
from sim.calibrate.works import WorkChoice
from sim.engines.vector.engine import VectorEngine
from sim.matters.occur import generate_inputs
from sim.records.inputs import MatterInputs
from sim.runs.replicate import Replicator
from sim.scenario.schema import Config
from sim.scenario.territory import Territory, build_territory

#: an improvement counts when it lowers a department's best distance by this share of it, or by
#: NOISE_SHARE of the distance's own sampling error (``DepartmentSearch.noise``) if that is larger: a
#: small log's departments stop after ``PATIENCE`` trials of noise instead of chasing it. Trials are
#: compared on common random numbers, so a difference between two of them is far less noisy than the
#: distance itself: with the whole sampling error as the step, a one-week log of 18,000 cases stopped
#: a department at its starting point (its held-out median 2x the observed)
TOL = 0.005
NOISE_SHARE = 0.2
PATIENCE = 20  # guided trials without an improvement that counts before a department stops ...
MIN_TRIALS = 16  # ... after the six starts and TPE's ten random trials (which are not counted)
OFFICE_HOURS_PER_DAY = 9.0


@dataclass
class DepartmentSearch:
    """One department's study and its best trial so far."""

    name: str
    rows: int  # training rows (all)
    slow_rows: int  # training rows not settled at once: the department's own arrivals
    office_hours: float  # working hours of one server in the training window
    max_work: float  # upper end of the work searched: the observed p90 close time's working hours
    study: object
    noise: float = 0.0  # sampling error of the distance: sd of the observed log1p hours / sqrt(cases)
    best: float = math.inf
    best_params: dict[str, float] = field(default_factory=dict)
    since_best: int = 0
    done: bool = False
    trial: object = None
    long_share: float = 0.0  # of the queue's arrivals, the long work's (two works, ``sim.calibrate.works``)

    def handling(self, params: dict[str, float]) -> Handling:
        work, cv, rho = params["work_hours"], params["cv"], params["rho"]
        long_work, long_cv = params.get("long_work_hours", 0.0), params.get("long_cv", 0.0)
        h = Handling(servers=1, work_hours=work, cv=cv, long_work_hours=long_work, long_cv=long_cv,
                     long_share=self.long_share if long_work > 0.0 else 0.0)
        servers = max(1, math.ceil(self.slow_rows * h.mean_work_hours / (rho * self.office_hours)))
        return replace(h, servers=servers)

    def bounds(self, key: str) -> tuple[float, float]:
        """The range searched for a parameter."""
        if key == "long_work_hours":
            return (0.05, max(self.max_work, LONG_WORK_MAX))
        return BOUNDS.get(key, (0.05, self.max_work))

    def space(self, optuna: Any) -> dict[str, Any]:
        """The search space: work, cv and rho; with two works also the long work's mean and cv."""
        dist = optuna.distributions
        out = {"work_hours": dist.LogUniformDistribution(0.05, self.max_work),
               "cv": dist.LogUniformDistribution(*BOUNDS["cv"]),
               "rho": dist.UniformDistribution(*BOUNDS["rho"])}
        if self.long_share > 0.0:
            out |= {"long_work_hours": dist.LogUniformDistribution(*self.bounds("long_work_hours")),
                    "long_cv": dist.LogUniformDistribution(*BOUNDS["long_cv"])}
        return out


@dataclass
class FitResult:
    handling: dict[str, Handling]
    distance: dict[str, float]  # best censored W1 per department
    rho: dict[str, float]
    trials: int
    seconds: float
    history: list[dict[str, float]]


def office_hours(tb: Timebase) -> float:
    """Working hours of one office server in the training window (Mon-Fri 08:00-17:00, not on the
    log's holidays, and on its make-up working days)."""
    days = pd.date_range(tb.train_from.normalize(), tb.train_until - pd.Timedelta(seconds=1), freq="D")
    date = days.to_numpy().astype("datetime64[D]")
    works = np.isin(days.weekday, OFFICE_WEEKDAYS) | np.isin(date, np.array(tb.workdays, dtype="datetime64[D]"))
    works &= ~np.isin(date, np.array(tb.holidays, dtype="datetime64[D]"))
    return float(max(int(works.sum()), 1) * OFFICE_HOURS_PER_DAY)


def _sampler(optuna: Any, seed: int) -> Any:
    """Seeded multivariate TPE (CMA-ES from the same start was tried on the recovery log and
    converged more slowly in the trials a run can afford)."""
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


def max_work(obs: pd.DataFrame) -> float:
    """A mean work above the observed p90 close time (in working hours) cannot fit: the search stops there."""
    h = close_hours(obs)
    closed = h[np.isfinite(h)]
    p90 = float(np.quantile(closed, 0.9)) if len(closed) else 24.0 * 30
    return float(max(1.0, p90 * 45.0 / 168.0))


def initial_guess(obs: pd.DataFrame, works: WorkChoice | None = None) -> dict[str, float]:
    """A start: work = the working share of the median slow close time, cv 1.5, rho 0.7; with two works,
    each work's mean and cv as the mixture of working hours has them (``sim.calibrate.works``)."""
    h = close_hours(obs)
    slow = h[np.isfinite(h) & (h > FAST_HOURS)]
    med = float(np.median(slow)) if len(slow) else 24.0
    top = max_work(obs)
    if works is None or works.chosen != "two works":
        return {"work_hours": float(np.clip(med * 45.0 / 168.0, 0.05, top)), "cv": 1.5, "rho": 0.7}
    lo, hi = BOUNDS["cv"]
    return {"work_hours": float(np.clip(works.short_mean_hours, 0.05, top)),
            "cv": float(np.clip(works.short_cv, lo, hi)), "rho": 0.7,
            "long_work_hours": float(np.clip(works.long_mean_hours, 0.05, max(top, LONG_WORK_MAX))),
            "long_cv": float(np.clip(works.long_cv, lo, hi))}


class Simulator:
    """One engine run per trial on inputs drawn once.

    The scenario is built and validated once; a trial swaps in its departments' work and
    head-counts (``dataclasses.replace``: the values stay inside the ranges searched).
    """

    def __init__(self, fit: ArrivalFit, units_file: str, name: str, seed: int,
                 handling: dict[str, Handling], replications: int = 1) -> None:
        self.fit, self.units_file, self.name, self.seed = fit, units_file, name, seed
        # keyed by category config key (a twin belongs to its category's department)
        self.departments = {c.key: c.department for c in fit.categories.values()}
        for twin in ALL_TWINS:
            self.departments |= {c.key + twin: c.department for c in fit.categories.values()}
        # a category's work is its department's times its own pace (``category_work``), the long twin's too
        self.work_factor = {c.key: c.work_factor for c in fit.categories.values()} \
            | {c.key + LONG_SUFFIX: c.work_factor for c in fit.categories.values()}
        self.due_share = {c.key: c.due_share for c in fit.categories.values()}
        for twin in ALL_TWINS:
            self.due_share |= {c.key + twin: c.due_share for c in fit.categories.values()}
        self.base = build_config(scenario_values(fit, handling, Path(units_file), name, seed))
        self.slots = department_slots(sorted(handling))
        terr = build_territory(self.base)
        # matters arrive until the last case the log created, and are followed on to the extraction
        arriving = replace(self.base, run=replace(self.base.run, horizon_days=min(fit.tb.arrival_days,
                                                                                  self.base.run.horizon_days)))
        self.inputs: list[MatterInputs] = [generate_inputs(arriving, terr, r) for r in range(replications)]
        names = list(self.base.catalog.categories)
        depts = sorted(handling)
        self.dept_names = depts
        self.cat_dept = np.array([depts.index(self.departments[n]) for n in names], np.int64)

    def config(self, handling: dict[str, Handling]) -> Config:
        b = self.base

        def work(key: str) -> tuple[float, float]:
            h = handling[self.departments[key]]
            f = self.work_factor[key]
            return (scaled_work(h.long_work_hours, f), h.long_cv) if key.endswith(LONG_SUFFIX) \
                else (scaled_work(h.work_hours, f), h.cv)

        cats = {k: c if k.endswith(TWIN_SUFFIXES) else
                replace(c, service_hours=[*c.service_hours[:3], work(k)[0]], service_cv=work(k)[1])
                for k, c in b.catalog.categories.items()}
        staff = {self.slots[d]: h.servers for d, h in handling.items()}
        return replace(b, catalog=replace(b.catalog, categories=cats),
                       staffing=replace(b.staffing, department_staff={**b.staffing.department_staff, **staff}))

    def records(self, handling: dict[str, Handling], rep: int = 0,
                inputs: Callable[[Config, Territory], MatterInputs] | None = None) -> Any:
        """Records of replication ``rep``'s inputs drawn once, or of the matters ``inputs`` makes for the
        trial's config and territory (``sim.calibrate.trace``: the log's own cases)."""
        cfg = self.config(handling)
        terr = build_territory(cfg)
        drawn = self.inputs[rep] if inputs is None else inputs(cfg, terr)
        # every trial runs the inputs drawn once (common random numbers): they are not spent
        replicator = Replicator(cfg, terr, VectorEngine(), draw=lambda _c, _t, _r: drawn, spend_inputs=False)
        return replicator.run(rep).records, cfg

    def run(self, handling: dict[str, Handling],
            inputs: Callable[[Config, Territory], MatterInputs] | None = None) -> pd.DataFrame:
        """The simulated log (all matters to the extraction) under these handling values."""
        rec, cfg = self.records(handling, inputs=inputs)
        return simulated_cases(rec, cfg, self.fit.tb, self.due_share, self.departments, self.seed)

    def censored_by_department(self, handling: dict[str, Handling]) -> dict[str, Weighted]:
        """Simulated min(close, extraction) - created hours of training-month matters and their recency
        weights, per department (every replication's, pooled)."""
        tb = self.fit.tb
        t0, t1 = tb.hours(pd.Series([tb.train_from, tb.train_until]))
        ys, depts, created = [], [], []
        for rep in range(len(self.inputs)):
            rec, cfg = self.records(handling, rep)
            m = rec.matters
            horizon = cfg.run.horizon_days * 24.0
            occ = np.asarray(m.t_occur)
            close = np.asarray(m.t_close)
            keep = (occ >= t0) & (occ < t1)
            ys.append(np.where(np.isfinite(close) & (close <= horizon), close, horizon)[keep] - occ[keep])
            depts.append(self.cat_dept[np.asarray(m.category, np.int64)[keep]])
            created.append(occ[keep])
        y, dept, at = np.concatenate(ys), np.concatenate(depts), np.concatenate(created)
        return {d: Weighted(y[dept == k], tb.recency_weights(at[dept == k], d)) for k, d in enumerate(self.dept_names)}


@dataclass(frozen=True)
class Weighted:
    """Censored close hours of a department's training cases and each case's recency weight."""

    hours: np.ndarray
    weights: np.ndarray


def observed_weighted(obs: pd.DataFrame, tb: Timebase, department: str) -> Weighted:
    """A department's observed training cases as the fit compares them (``Simulator.censored_by_department``)."""
    return Weighted(censored_hours(obs, tb.extracted_at), tb.recency_weights(tb.hours(obs["created"]), department))


def _w1(a: Weighted, b: Weighted) -> float:
    """W1 between the recency-weighted log1p hours of two sides (inf when a side is empty)."""
    if len(a.hours) == 0 or len(b.hours) == 0:
        return float("inf")
    return float(wasserstein_distance(np.log1p(np.maximum(a.hours, 0.0)), np.log1p(np.maximum(b.hours, 0.0)),
                                      a.weights, b.weights))


RHO_MAX = 0.98
#: the polish's relative steps, one round each
POLISH_STEPS = (0.2, 0.1, 0.05, 0.025)
#: rho stays below 1: a department keeps up in the long run (the cases a log never closes are
#: the left-open share's). With rho up to 1.3, the Boston fit put a department at 1.3: its training
#: months fitted a little better and its held-out median came out 6x the observed one.
BOUNDS = {"cv": (0.2, 6.0), "long_cv": (0.2, 6.0), "rho": (0.2, RHO_MAX)}
#: the long work's mean may reach the working hours of ``LEFT_OPEN_DAYS`` (a case open longer is left open)
LONG_WORK_MAX = LEFT_OPEN_DAYS * OFFICE_HOURS_PER_DAY * 5.0 / 7.0


def polish(searches: dict[str, DepartmentSearch], sim: Simulator, obs_y: dict[str, Weighted],
           say: Callable[[str], None], start: float) -> int:
    """Coordinate steps from every department's best (all departments in one run per step).

    TPE samples widely and stops near, not at, a minimum; on the recovery log its best
    capacities scattered by about 10%. So each parameter is moved by +-step from the best
    for all departments at once, a move kept where it lowers that department's distance,
    with shrinking steps. Returns the runs made.
    """
    runs = 0
    for step in POLISH_STEPS:
        for key in ("rho", "work_hours", "cv", "long_work_hours", "long_cv"):
            if not any(key in s.best_params for s in searches.values()):
                continue
            for sign in (1.0, -1.0):
                trial: dict[str, dict[str, float]] = {}
                for d, s in searches.items():
                    p = dict(s.best_params)
                    if key in p:
                        lo, hi = s.bounds(key)
                        p[key] = float(np.clip(p[key] * (1.0 + sign * step), lo, hi))
                    trial[d] = p
                y = sim.censored_by_department({d: searches[d].handling(trial[d]) for d in searches})
                runs += 1
                for d, s in searches.items():
                    dist = _w1(obs_y[d], y[d])
                    if dist < s.best:
                        s.best, s.best_params = dist, trial[d]
        total = sum(s.best for s in searches.values() if math.isfinite(s.best))
        say(f"calibrate: polish step {step:g}: sum of department distances {total:.4f} "
            f"({time.perf_counter() - start:.0f} s)")
    return runs


def fit_handling(cases: pd.DataFrame, fit: ArrivalFit, units_file: str, name: str, seed: int,
                 trials: int = 80, say: Callable[[str], None] = print,
                 replications: int = 1) -> tuple[FitResult, Simulator]:
    """Search every department's handling side at once; return the best and the simulator.

    Optuna's notes to developers (its multivariate TPE is marked experimental) are not the
    user's business: they are filtered here, by category, and nothing else is.
    """
    import optuna  # optuna takes seconds to import; only a fit needs it

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        return _search(optuna, cases, fit, units_file, name, seed, trials, say, replications)


def _search(optuna: Any, cases: pd.DataFrame, fit: ArrivalFit, units_file: str, name: str, seed: int,
            trials: int, say: Callable[[str], None], replications: int) -> tuple[FitResult, Simulator]:
    tb = fit.tb
    tr = training(cases, tb)
    # the model sends a category to its department: score each department on those categories
    tr = tr.assign(department=tr["category"].map({c.name: c.department for c in fit.categories.values()}))
    hours = office_hours(tb)
    searches: dict[str, DepartmentSearch] = {}
    obs_y: dict[str, Weighted] = {}  # each department's observed training cases, as the fit compares them
    depts = sorted({c.department for c in fit.categories.values()})
    obs_by_dept = {d: g for d, g in tr.groupby("department")}
    for k, d in enumerate(depts):
        g = obs_by_dept[d]
        # the department's own arrivals: neither settled on the spot, nor on the quick path, nor left open
        slow = int(round(sum(c.rows * max(0.0, 1.0 - c.fast_share - c.quick_share - c.open_share)
                             for c in fit.categories.values() if c.department == d)))
        study = optuna.create_study(direction="minimize", sampler=_sampler(optuna, seed + k))
        works = fit.works.get(d)
        long_share = works.long_share if works is not None and works.chosen == "two works" else 0.0
        x0 = initial_guess(g, works)
        # starts along the ridge close times leave open (more work at a lower utilisation or
        # less at a higher one), so that TPE begins on both sides of it
        for scale, rho in ((1.0, 0.7), (0.5, 0.9), (0.25, 0.95), (1.0, 0.5), (0.5, 0.75), (0.25, 0.85)):
            point = {**x0, "work_hours": max(0.05, x0["work_hours"] * scale), "rho": rho}
            if "long_work_hours" in x0:
                point["long_work_hours"] = max(0.05, x0["long_work_hours"] * scale)
            study.enqueue_trial(point)
        ow = obs_y[d] = observed_weighted(g, tb, d)
        y = np.log1p(np.maximum(ow.hours, 0.0))
        # the weighted sd over the square root of the cases' effective number (Kish)
        n_eff = float(ow.weights.sum() ** 2 / max(float((ow.weights ** 2).sum()), 1e-300))
        sd = float(np.sqrt(np.average((y - np.average(y, weights=ow.weights)) ** 2, weights=ow.weights)))
        searches[d] = DepartmentSearch(name=d, rows=len(g), slow_rows=max(slow, 1), office_hours=hours,
                                       max_work=max_work(g), study=study, noise=sd / np.sqrt(max(n_eff, 1.0)),
                                       long_share=long_share)
    start = time.perf_counter()
    best_params = {d: initial_guess(obs_by_dept[d], fit.works.get(d)) for d in depts}
    sim = Simulator(fit, units_file, name, seed, {d: searches[d].handling(best_params[d]) for d in depts},
                    replications)
    history: list[dict[str, float]] = []
    n = 0
    for n in range(1, trials + 1):
        current: dict[str, Handling] = {}
        for d, s in searches.items():
            if s.done:
                current[d] = s.handling(s.best_params)
                continue
            t = s.study.ask(s.space(optuna))  # type: ignore[attr-defined]
            s.trial = t
            params = dict(t.params)
            current[d] = s.handling(params)
        sim_by_dept = sim.censored_by_department(current)
        row: dict[str, float] = {"trial": float(n)}
        for d, s in searches.items():
            if s.done:
                continue
            dist = _w1(obs_y[d], sim_by_dept[d])
            s.study.tell(s.trial, dist)  # type: ignore[attr-defined]
            row[d] = dist
            counts = dist < s.best - max(TOL * s.best, NOISE_SHARE * s.noise)
            if dist < s.best:  # the best is kept whether or not the step counts as progress
                s.best, s.best_params = dist, dict(s.trial.params)  # type: ignore[attr-defined]
            # patience counts TPE's guided trials only: a department whose best is one of the starts
            # must still get PATIENCE guided trials (on Boston, counting from the starts stopped one
            # department after seven guided trials, its distance 3x the one a full search found)
            s.since_best = 0 if counts or n <= MIN_TRIALS else s.since_best + 1
            s.done = s.since_best >= PATIENCE
        history.append(row)
        active = sum(not s.done for s in searches.values())
        total = sum(s.best for s in searches.values() if math.isfinite(s.best))
        say(f"calibrate: trial {n}/{trials}: sum of department distances {total:.4f}, "
            f"{active} of {len(searches)} departments still improving ({time.perf_counter() - start:.0f} s)")
        if active == 0:
            break
    n += polish(searches, sim, obs_y, say, start)
    handling = {d: s.handling(s.best_params) for d, s in searches.items()}
    return (FitResult(handling=handling, distance={d: s.best for d, s in searches.items()},
                      rho={d: s.best_params.get("rho", float("nan")) for d, s in searches.items()},
                      trials=n, seconds=time.perf_counter() - start, history=history), sim)
