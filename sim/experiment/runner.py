"""Run an experiment: every scenario, ``replications`` paired replications each.

Replication r of every scenario is exactly replication r of ``sim.run(overrides +
["run.replications=R"])``: the same ``run.seed`` for every scenario, and replication r
draws its own independent streams (``scenario_inputs(cfg, terr, r)``). So replication r
of two scenarios sees the same matters wherever the lever leaves the territory alone
(common random numbers), and their differences are paired replication by replication.

The engine is ``engine=vector`` unless overridden (it gives the agent engine's records
exactly, much faster). Replications run as independent tasks, in a pool of
``experiment.workers`` processes (0, the default: one per core); each returns its KPIs
(plus the derived ones below), its daily backlog and, for replication 0, the tables of its records, so the records
themselves never cross a process boundary.

Derived KPIs (per replication, added to ``compute_kpis``):

* ``headcount_fulltime``: full-time grid workers; ``headcount_staff``: every role that
  handles matters (grid leaders, full-time, instructors, professionals, committee,
  platform, module and department staff; not part-time reporters or volunteers);
* with a surge (``scenario.surges``): ``backlog_peak``, the most open matters on any day
  from the first surge's start; ``clear_days``, days from the end of the last surge to
  the first daily sample at which open matters are back within ``CLEAR_TOLERANCE`` (10%)
  of the pre-surge level (their mean over the ``PRE_SURGE_DAYS`` days before the first
  surge); NaN when the backlog has not cleared by the horizon.
"""

from __future__ import annotations

import difflib
import functools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # scipy.stats would add 0.3 s to every start

from sim.checks.preflight import check_fits, estimate
from sim.engines.prepare import Prepared
from sim.engines.protocol import Engine
from sim.engines.select import select_engine
from sim.experiment.moves import county_to_township
from sim.experiment.spec import ExperimentSpec
from sim.metrics.kpis import backlog_series, compute_kpis
from sim.metrics.stability import Stability, judge_stability
from sim.metrics.tables import RunTables, tables_from_records
from sim.records.schema import Records
from sim.runs.config import load_config
from sim.runs.replicate import Replicator, replicate
from sim.runs.source import capacity_of
from sim.scenario.choices import Backend
from sim.scenario.constants import HOURS_PER_DAY
from sim.scenario.schema import Config, warmup_days
from sim.scenario.territory import Territory, build_territory
from sim.util.errors import ConfigError, JobsFailed, one_line
from sim.util.parallel import available_workers

__all__ = ["CLEAR_TOLERANCE", "PRE_SURGE_DAYS", "ExperimentResult", "RepOutput", "run_experiment",
           "run_replication", "scenario_overrides", "surge_kpis", "surge_windows"]

CLEAR_TOLERANCE = 0.10
PRE_SURGE_DAYS = 14.0
#: prepended to every scenario's overrides (a spec or the command line can override them)
DEFAULTS: tuple[str, ...] = ("engine=vector", "run.progress=false")
#: roles that count in ``headcount_staff``
HANDLING_ROLES = ("grid_leader", "fulltime", "instructor", "professional", "committee", "platform", "module",
                  "department")


@dataclass
class RepOutput:
    """What one replication of one scenario returns to the runner."""

    scenario: str
    replication: int
    kpis: dict[str, float]
    t_days: np.ndarray
    open: np.ndarray
    undiscovered: np.ndarray
    engine: str = ""
    seconds: float = 0.0
    tables: RunTables | None = None  # replication 0 only
    unstable: list[tuple[str, float]] = field(default_factory=list)  # replication 0 only: capacity check
    loads: list[tuple[str, str, float]] = field(default_factory=list)  # replication 0 only: (type, level, util)
    per_day: list[float] = field(default_factory=list)  # replication 0 only: the check's long-run matters per day


@dataclass
class ExperimentResult:
    """Everything the outputs are made of; scenarios in ``spec.ordered()`` order (baseline first)."""

    spec: ExperimentSpec
    overrides: dict[str, list[str]]  # scenario -> its full override list
    cfgs: dict[str, Config]
    runs: dict[str, list[dict[str, float]]]  # scenario -> per-replication KPIs (replication order)
    tables: dict[str, RunTables]  # scenario -> replication 0's tables
    backlog: dict[str, pd.DataFrame]  # scenario -> t_days, open, open_half_width, undiscovered (mean over reps)
    unstable: dict[str, list[tuple[str, float]]]
    engine: str = ""
    seconds: float = 0.0
    #: scenario -> the one-line error of its first failed replication; it is left out of the tables above
    failed: dict[str, str] = field(default_factory=dict)
    stability: dict[str, Stability] = field(default_factory=dict)  # scenario -> its verdict (sim.metrics.stability)

    @property
    def lang(self) -> str:
        return self.cfgs[self.spec.baseline].report.lang

    @property
    def replications(self) -> int:
        return self.spec.replications


def scenario_overrides(spec: ExperimentSpec, run_overrides: Sequence[str] = ()) -> dict[str, list[str]]:
    """Each scenario's overrides: defaults, the spec's base, its own, the command line's, the staffing
    moves of its ``move_to_township`` (``sim.experiment.moves``), replications."""
    out = {}
    for s in spec.ordered():
        ov = [*DEFAULTS, *spec.base, *spec.scenarios[s].overrides, *run_overrides]
        posts = spec.scenarios[s].move_to_township
        if posts:
            try:
                ov += county_to_township(ov, posts, f"experiment.scenarios.{s}.move_to_township")
            except ConfigError as exc:
                key = exc.key if exc.key.startswith("experiment.") else f"experiment.scenarios.{s}"
                raise ConfigError(key, exc.problem if key == exc.key else str(exc)) from None
        out[s] = [*ov, f"run.replications={spec.replications}"]
    return out


def surge_windows(cfg: Config) -> list[tuple[float, float]]:
    """``(start_day, end_day)`` of each configured surge, clipped to the horizon."""
    h = cfg.run.horizon_days
    return [(min(s.start_day, h), min(s.start_day + s.days, h)) for s in cfg.scenario.surges]


def surge_kpis(t_days: np.ndarray, open_: np.ndarray, windows: Sequence[tuple[float, float]]) -> dict[str, float]:
    """``backlog_peak`` and ``clear_days`` of one replication (see the module docstring); {} without surges."""
    if not windows:
        return {}
    start, end = min(a for a, _ in windows), max(b for _, b in windows)
    pre_mask = (t_days >= start - PRE_SURGE_DAYS) & (t_days < start)
    pre = float(np.mean(open_[pre_mask])) if pre_mask.any() else math.nan
    after = t_days >= start
    peak = float(np.max(open_[after])) if after.any() else math.nan
    back = np.flatnonzero((t_days >= end) & (open_ <= (1.0 + CLEAR_TOLERANCE) * pre))
    clear = float(t_days[back[0]] - end) if back.size and math.isfinite(pre) else math.nan
    return {"backlog_peak": peak, "clear_days": clear}


@functools.lru_cache(maxsize=2)
def _setup(overrides: tuple[str, ...]) -> tuple[Config, Territory, Engine]:
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    engine, _why = select_engine(cfg, terr)
    return cfg, terr, engine


def run_replication(scenario: str, overrides: tuple[str, ...], rep: int) -> RepOutput:
    """Replication ``rep`` of one scenario, as ``sim.run`` runs it (a pool task: top level, picklable)."""
    t0 = time.perf_counter()
    cfg, terr, engine = _setup(overrides)
    unstable: list[tuple[str, float]] = []
    loads: list[tuple[str, str, float]] = []
    per_day: list[float] = []

    def capacity(r: int, p: Prepared) -> None:  # replication 0's capacity check, on its prepared inputs
        if r == 0:
            report = capacity_of(p)
            unstable.extend((s.name, float(s.utilization)) for s in report.unstable)
            loads.extend(report.verdict_loads())
            per_day.append(report.matters_per_day)

    rec = Replicator(cfg, terr, engine, inspect=capacity).run(rep).records
    kp, back = _replication_kpis(cfg, terr, rec)
    t_days = back["t_hours"].to_numpy(dtype=float) / HOURS_PER_DAY
    open_ = back["open"].to_numpy(dtype=float)
    tables = tables_from_records(rec, kp) if rep == 0 else None
    return RepOutput(scenario, rep, kp, t_days, open_, back["undiscovered"].to_numpy(dtype=float), engine.name,
                     time.perf_counter() - t0, tables, unstable, loads, per_day)


def _replication_kpis(cfg: Config, terr: Territory, rec: Records) -> tuple[dict[str, float], pd.DataFrame]:
    """One replication's KPIs as an experiment compares them (the run's, headcounts, the surges') and its backlog."""
    kp = compute_kpis(rec)
    staff = terr.staff_by_role()
    kp["headcount_fulltime"] = float(staff.get("fulltime", 0))
    kp["headcount_staff"] = float(sum(staff.get(r, 0) for r in HANDLING_ROLES))
    back = backlog_series(rec)
    kp.update(surge_kpis(back["t_hours"].to_numpy(dtype=float) / HOURS_PER_DAY, back["open"].to_numpy(dtype=float),
                         surge_windows(cfg)))
    return kp, back


#: the probe's horizon: enough for a KPI window after a day of warm-up
PROBE_DAYS = 2.0
#: KPIs a run gives only for what had working hours in its window (``utilization_<kind>``, ``offered_load_*``):
#: a probe's day may be a holiday or off shift, so these are checked after the first replication, as before
WINDOW_DEPENDENT = ("utilization_", "offered_load_")


def check_kpi_names(spec: ExperimentSpec, overrides: dict[str, list[str]]) -> None:
    """The spec's KPIs checked against the names a replication of its baseline gives, before anything runs.

    The names depend on the territory's offices (``utilization_<office>``), so they come from the
    baseline's own run shortened to ``PROBE_DAYS`` (under a second for a city), not from a list
    kept beside the KPI code; the values are thrown away."""
    cfg, terr, engine = _setup(tuple(overrides[spec.baseline]))
    days = min(PROBE_DAYS, cfg.run.horizon_days)
    short = replace(cfg, run=replace(cfg.run, horizon_days=days, warmup_days=days / 2, replications=1))
    _check_kpis(spec, _replication_kpis(short, terr, Replicator(short, terr, engine).run(0).records)[0],
                deferred=WINDOW_DEPENDENT)


def _replication_of(task: Task) -> RepOutput:
    """``run_replication`` on one task (a pool task: top level, picklable)."""
    return run_replication(*task)


def _check_kpis(spec: ExperimentSpec, kpis: dict[str, float], deferred: tuple[str, ...] = ()) -> None:
    """Each of the spec's KPIs is one of ``kpis``; a name starting with one of ``deferred`` may be missing."""
    for i, k in enumerate(spec.kpis):
        if k not in kpis and not (deferred and k.startswith(deferred)):
            close = difflib.get_close_matches(k, list(kpis), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(kpis))}"
            raise ConfigError(f"experiment.kpis[{i}]", f"unknown KPI {k!r} ({hint})")


def _validate(spec: ExperimentSpec, overrides: dict[str, list[str]], run_overrides: Sequence[str]) -> dict[str, Config]:
    load_config([*DEFAULTS, *spec.base, *run_overrides])  # a bad base or command line names its own key
    cfgs = {}
    for s, ov in overrides.items():
        try:
            cfgs[s] = load_config(ov)
        except ConfigError as exc:
            raise ConfigError(f"experiment.scenarios.{s}", str(exc)) from None
        if cfgs[s].engine.backend == Backend.ray:  # said, not ignored: the scenarios would run here all the same
            raise ConfigError("engine.backend", f"an experiment runs its scenarios' replications in this process "
                              f"(experiment.workers at a time) and cannot stream them through Ray (scenario {s}); "
                              "engine.backend=ray streams a single run: run that scenario with gridsim instead")
    return cfgs


def _tasks(spec: ExperimentSpec, overrides: dict[str, list[str]]) -> list[Task]:
    # replication-major: the baseline's replication 0 comes first (its KPIs are checked first)
    return [(s, tuple(overrides[s]), r) for r in range(spec.replications) for s in spec.ordered()]


Task = tuple[str, tuple[str, ...], int]


def _mean_backlog(outs: Iterable[RepOutput]) -> pd.DataFrame:
    outs = sorted(outs, key=lambda o: o.replication)
    opens = np.vstack([o.open for o in outs])
    und = np.vstack([o.undiscovered for o in outs])
    n = opens.shape[0]
    q = float(stdtrit(n - 1, 0.975)) if n > 1 else math.nan
    hw = q * opens.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(opens.shape[1], math.nan)
    return pd.DataFrame({"t_days": outs[0].t_days, "open": opens.mean(axis=0), "open_half_width": hw,
                         "undiscovered": und.mean(axis=0)})


def plan_experiment(spec: ExperimentSpec, run_overrides: Sequence[str] = ()
                    ) -> tuple[dict[str, list[str]], dict[str, Config]]:
    """Every scenario's overrides and validated config; raise ``ConfigError`` on bad input."""
    overrides = scenario_overrides(spec, run_overrides)
    return overrides, _validate(spec, overrides, run_overrides)


def preflight(spec: ExperimentSpec, cfgs: dict[str, Config]) -> None:
    """The run's pre-flight for each scenario as the experiment runs it: its replications, in this process
    (an experiment never streams), as many at once as its workers; a scenario too big or too long is one
    line naming it."""
    for s, cfg in cfgs.items():
        one = replace(cfg, run=replace(cfg.run, replications=spec.replications),
                      engine=replace(cfg.engine, backend=Backend.threads, workers=spec.workers))
        try:
            check_fits(one, estimate(one, writes=False), streams=False)  # an experiment runs in this process
        except ConfigError as exc:
            raise ConfigError(f"experiment.scenarios.{s}", str(exc)) from None


def run_experiment(spec: ExperimentSpec, run_overrides: Sequence[str] = (),
                   echo: Callable[[str], None] | None = None,
                   planned: tuple[dict[str, list[str]], dict[str, Config]] | None = None) -> ExperimentResult:
    """Run every scenario of ``spec`` (``run_overrides`` apply to all); raise ``ConfigError`` on bad input.

    ``planned``: what ``plan_experiment(spec, run_overrides)`` returned, when the caller has it already.
    """
    say = echo or (lambda _s: None)
    t0 = time.perf_counter()
    overrides, cfgs = planned if planned is not None else plan_experiment(spec, run_overrides)
    preflight(spec, cfgs)  # here, not in the plan: an experiment the store answers is not refused
    check_kpi_names(spec, overrides)  # a misspelled KPI is one line now, not after the first replication
    base_cfg = cfgs[spec.baseline]
    say(f"experiment {spec.name}: {spec.title_in(base_cfg.report.lang)}")
    if spec.question:
        say(("问题：" if base_cfg.report.lang == "zh" else "question: ") + spec.question_in(base_cfg.report.lang))
    say(f"{len(spec.scenarios)} scenarios x {spec.replications} paired replications (run.seed="
        f"{base_cfg.run.seed}), {base_cfg.territory.name}, {base_cfg.run.horizon_days:g} days "
        f"({base_cfg.run.warmup_days:g} of warm-up), {available_workers(spec.workers)} worker(s)")
    outs: dict[str, list[RepOutput]] = {s: [] for s in spec.ordered()}
    checked = False

    def on_done(o: RepOutput) -> None:
        nonlocal checked
        if not checked:
            _check_kpis(spec, o.kpis)
            checked = True
        outs[o.scenario].append(o)
        if len(outs[o.scenario]) == spec.replications:
            secs = sum(x.seconds for x in outs[o.scenario])
            done = sum(len(v) == spec.replications for v in outs.values())
            say(f"[{done}/{len(outs)}] {o.scenario}: {spec.replications} replications, {secs:.1f} s of work "
                f"({o.engine} engine)")

    failed: dict[str, str] = {}

    def on_failed(task: Task, exc: Exception) -> None:
        scenario, _ov, rep = task
        if scenario not in failed:
            failed[scenario] = one_line(exc)
            say(f"scenario {scenario} failed (replication {rep}): {failed[scenario]}; the others go on")

    replicate(_replication_of, _tasks(spec, overrides), available_workers(spec.workers), on_done,
              on_failed=on_failed)
    if spec.baseline in failed:
        raise JobsFailed(f"the baseline scenario {spec.baseline} failed: {failed[spec.baseline]}; with nothing to "
                         f"compare with, no results were written ({len(failed)} of {len(outs)} scenario(s) failed)")
    if failed and len(failed) == len(outs) - 1:
        other = next(iter(failed))
        raise JobsFailed(f"every scenario but the baseline failed (scenario {other}: {failed[other]}); with nothing "
                         "to compare, no results were written")
    for s in failed:
        del outs[s]  # a scenario without all its paired replications is not compared
    runs: dict[str, list[dict[str, float]]] = {}
    tables: dict[str, RunTables] = {}
    unstable: dict[str, list[tuple[str, float]]] = {}
    stability: dict[str, Stability] = {}
    for s, lst in outs.items():
        lst.sort(key=lambda o: o.replication)
        runs[s] = [o.kpis for o in lst]
        first = lst[0]
        assert first.tables is not None
        tables[s], unstable[s] = first.tables, first.unstable
        stability[s] = judge_stability(runs[s], first.loads, warmup_days(cfgs[s].run),
                                       long_run_per_day=first.per_day[0] if first.per_day else None)
    backlog = {s: _mean_backlog(lst) for s, lst in outs.items()}
    engine = outs[spec.baseline][0].engine
    return ExperimentResult(spec=spec, overrides=overrides, cfgs=cfgs, runs=runs, tables=tables, backlog=backlog,
                            unstable=unstable, engine=engine, seconds=time.perf_counter() - t0, failed=failed,
                            stability=stability)
