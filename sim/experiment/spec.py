"""Experiment specs: ``experiments/<name>/spec.yaml`` (beside the experiment's ``run.py``)
with a top-level ``experiment:`` key.

A spec names the scenarios of one planner's comparison and how to report it::

    experiment:
      title: Unified dispatch
      title_zh: 一体派单
      question: What does dispatching straight to the right office change?
      base: [territory=county, run.horizon_days=365]   # applied to every scenario
      replications: 10                                  # paired (common random numbers)
      baseline: level
      scenarios:                                        # ordered: name -> label, overrides
        level:   {label: Level by level, label_zh: 逐级派单, overrides: []}
        unified: {label: Unified dispatch, label_zh: 一体派单, overrides: [dispatch.mode=unified]}
        # move_to_township: k  -- 减县增乡, k module posts per township from the departments
      kpis: [resolution_hours_p90, escalations_per_matter, on_time_rate]   # first = headline
      charts: [bars, cdf, funnel]

Specs are data for ``sim.experiment``, not Hydra configs; ``sim/configs/experiment/`` holds
Hydra configs only (``tune_staffing.yaml``, a sweep: ``gridsim -m +experiment=tune_staffing``).
The specs belong to the checkout (``$GRIDSIM_EXPERIMENTS_DIR`` names another folder of them).
``load_spec`` reads a spec with OmegaConf into the typed dataclasses below; every problem is
one ``ConfigError`` naming the key.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.util.errors import ConfigError

__all__ = ["CHARTS", "DERIVED_KPIS", "ExperimentSpec", "ScenarioSpec", "experiments_dir", "list_specs", "load_spec",
           "spec_name", "spec_path", "split_overrides"]

#: the charts a spec may ask for
CHARTS: tuple[str, ...] = ("bars", "cdf", "funnel", "backlog", "utilization", "pareto")
#: KPIs the runner adds to every replication's ``compute_kpis`` (the surge ones only with a surge)
DERIVED_KPIS: tuple[str, ...] = ("clear_days", "backlog_peak", "headcount_fulltime", "headcount_staff")
SPEC_FILE = "spec.yaml"
EXPERIMENTS_DIR_ENV = "GRIDSIM_EXPERIMENTS_DIR"
#: overrides the runner owns (set them in the spec instead)
RESERVED = {"run.replications": "experiment.replications"}


@dataclass
class ScenarioSpec:
    """One arm of the comparison."""

    label: str = ""  # shown in charts and findings (English); empty = the scenario's name
    label_zh: str = ""  # shown when report.lang=zh; empty = label
    overrides: list[str] = field(default_factory=list)  # Hydra overrides on top of the spec's base
    # 减县增乡: module posts added per township, filled from the county departments at equal
    # head-count (sim.experiment.moves: any catalogue); 0 = none
    move_to_township: int = 0


@dataclass
class ExperimentSpec:
    """A what-if experiment: scenarios, replications, what to report."""

    title: str = ""
    title_zh: str = ""
    question: str = ""
    question_zh: str = ""
    base: list[str] = field(default_factory=list)  # overrides applied to every scenario (before its own)
    replications: int = 10  # paired replications per scenario (same run.seed: common random numbers)
    baseline: str = ""  # the scenario the others are compared with
    scenarios: dict[str, ScenarioSpec] = field(default_factory=dict)
    kpis: list[str] = field(default_factory=list)  # KPIs to report; the first is the headline
    charts: list[str] = field(default_factory=lambda: ["bars", "cdf", "funnel"])  # briefing: the first three
    workers: int = 0  # processes running replications in parallel (0 = one per core; 1 = in this process)
    reuse: bool = True  # answer from the store of runs when the same experiment ran before (sim/runs/store.py)
    name: str = ""  # the spec's file stem (set by load_spec)

    def label_of(self, scenario: str, lang: str) -> str:
        sc = self.scenarios[scenario]
        en = sc.label or scenario
        return (sc.label_zh or en) if lang == "zh" else en

    def title_in(self, lang: str) -> str:
        en = self.title or self.name
        return (self.title_zh or en) if lang == "zh" else en

    def question_in(self, lang: str) -> str:
        return (self.question_zh or self.question) if lang == "zh" else self.question

    def ordered(self) -> list[str]:
        """Scenario names, baseline first, the others in spec order."""
        return [self.baseline, *[s for s in self.scenarios if s != self.baseline]]


def experiments_dir() -> Path:
    """Where the specs live: ``$GRIDSIM_EXPERIMENTS_DIR``, else the checkout's ``experiments/``."""
    env = os.environ.get(EXPERIMENTS_DIR_ENV)
    return Path(env).resolve() if env else Path(__file__).resolve().parents[2] / "experiments"


def spec_path(name: str) -> Path:
    """``experiments/<name>/spec.yaml``, or ``name`` itself when it is a path to a YAML file."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    return experiments_dir() / name / SPEC_FILE


def spec_name(path: Path) -> str:
    """An experiment's name: its folder for ``<name>/spec.yaml``, else the file's stem."""
    return path.parent.name if path.name == SPEC_FILE else path.stem


#: what reading a spec's YAML can raise (a YAML syntax error is none of OmegaConf's own)
_UNREADABLE = (OmegaConfBaseException, OSError, ValueError, yaml.YAMLError)


def list_specs() -> list[str]:
    """Names of the experiment specs in ``experiments/`` (``<name>/spec.yaml`` with an ``experiment:`` key)."""
    return [spec_name(path) for path, why in _spec_files() if why is None]


def unreadable_specs() -> list[str]:
    """One line for each ``<name>/spec.yaml`` that cannot be read: its path and why (the YAML's line)."""
    return [f"{path}: {why}" for path, why in _spec_files() if why is not None and why != _NOT_A_SPEC]


_NOT_A_SPEC = "no top-level 'experiment:' key"


def _spec_files() -> list[tuple[Path, str | None]]:
    out: list[tuple[Path, str | None]] = []
    for path in sorted(experiments_dir().glob(f"*/{SPEC_FILE}")):
        try:
            raw = OmegaConf.load(path)
        except _UNREADABLE as exc:
            out.append((path, f"cannot read YAML: {_yaml_problem(exc)}"))
            continue
        out.append((path, None if isinstance(raw, DictConfig) and "experiment" in raw else _NOT_A_SPEC))
    return out


def _yaml_problem(exc: BaseException) -> str:
    """A YAML error in one line, with the line of the file it is on (PyYAML counts from 0)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return _first_line(exc)


def split_overrides(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(spec_overrides, run_overrides)``: ``experiment.x=y`` edits the spec (as ``x=y``),
    everything else is a Hydra override applied to every scenario after its own."""
    spec_ov, run_ov = [], []
    for ov in overrides:
        key = ov.split("=", 1)[0].lstrip("+~")
        if key == "experiment" or key.startswith("experiment."):
            if "=" not in ov or not key.startswith("experiment."):
                raise ConfigError(key, f"expected experiment.<field>=<value>, got {ov!r}")
            spec_ov.append(ov.split("experiment.", 1)[1])
        elif key in RESERVED:
            raise ConfigError(key, f"an experiment sets it: use {RESERVED[key]}=... instead")
        else:
            run_ov.append(ov)
    return spec_ov, run_ov


def _first_line(exc: BaseException) -> str:
    return next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)


def _key_of(exc: OmegaConfBaseException) -> str:
    key = getattr(exc, "full_key", None) or getattr(exc, "key", None) or ""
    return f"experiment.{key}" if key else "experiment"


def _unknown_field(exc: OmegaConfBaseException) -> str | None:
    """"unknown key (did you mean 'replications'?)" for a misspelled field of a spec or a scenario, in the
    words the run's own overrides use, not OmegaConf's (which names the dataclass)."""
    key = str(getattr(exc, "key", "") or "")
    if not key or "not in" not in str(exc):
        return None
    known = [f.name for f in fields(ScenarioSpec if "ScenarioSpec" in str(exc) else ExperimentSpec)]
    close = difflib.get_close_matches(key, known, n=1)
    return "unknown key" + (f" (did you mean '{close[0]}'?)" if close else f"; the keys are {', '.join(known)}")


def load_spec(name: str, overrides: Sequence[str] = ()) -> ExperimentSpec:
    """Read and check a spec; ``overrides`` are dotlist edits of it (``replications=3``)."""
    path = spec_path(name)
    if not path.is_file():
        raise ConfigError("experiment", f"no experiment spec {path} (have: {', '.join(list_specs()) or 'none'})")
    try:
        raw = OmegaConf.load(path)
    except _UNREADABLE as exc:
        raise ConfigError("experiment", f"{path}: cannot read YAML: {_yaml_problem(exc)}") from None
    if not isinstance(raw, DictConfig) or "experiment" not in raw:
        raise ConfigError("experiment", f"{path} is not an experiment spec (no top-level 'experiment:' key)")
    if not isinstance(raw.experiment, DictConfig):
        raise ConfigError("experiment", f"{path}: 'experiment' must be a mapping")
    try:
        node = OmegaConf.merge(OmegaConf.structured(ExperimentSpec), raw.experiment)
        if overrides:
            node = OmegaConf.merge(node, OmegaConf.from_dotlist(list(overrides)))
        obj: Any = OmegaConf.to_object(node)
    except OmegaConfBaseException as exc:
        raise ConfigError(_key_of(exc), _unknown_field(exc) or _first_line(exc)) from None
    assert isinstance(obj, ExperimentSpec), type(obj)
    obj.name = obj.name or spec_name(path)
    check_spec(obj)
    return obj


def check_spec(spec: ExperimentSpec) -> None:
    """Semantic checks (types are checked by OmegaConf): raise ``ConfigError`` on the first problem."""
    if not spec.scenarios:
        raise ConfigError("experiment.scenarios", "needs at least two scenarios, got none")
    if len(spec.scenarios) < 2:
        raise ConfigError("experiment.scenarios", f"needs at least two scenarios, got {list(spec.scenarios)}")
    if not spec.baseline:
        raise ConfigError("experiment.baseline", "missing: name the scenario the others are compared with")
    if spec.baseline not in spec.scenarios:
        raise ConfigError("experiment.baseline", f"{spec.baseline!r} is not one of the scenarios "
                                                 f"({', '.join(spec.scenarios)})")
    if spec.replications < 2:
        raise ConfigError("experiment.replications", f"must be >= 2 for a confidence interval, got "
                                                     f"{spec.replications}")
    if spec.workers < 0:
        raise ConfigError("experiment.workers", f"must be >= 0 (0 = one per core), got {spec.workers}")
    if not spec.kpis:
        raise ConfigError("experiment.kpis", "name at least one KPI (the first is the headline)")
    if len(set(spec.kpis)) != len(spec.kpis):
        raise ConfigError("experiment.kpis", f"lists a KPI twice: {spec.kpis}")
    for i, chart in enumerate(spec.charts):
        if chart not in CHARTS:
            raise ConfigError(f"experiment.charts[{i}]", f"unknown chart {chart!r} (one of {', '.join(CHARTS)})")
    for name, sc in spec.scenarios.items():
        if sc.move_to_township < 0:
            raise ConfigError(f"experiment.scenarios.{name}.move_to_township",
                              f"must be a whole number >= 0, got {sc.move_to_township}")
        for j, ov in enumerate(sc.overrides):
            key = ov.split("=", 1)[0].lstrip("+~")
            if key in RESERVED or key.startswith("experiment"):
                raise ConfigError(f"experiment.scenarios.{name}.overrides[{j}]",
                                  f"{key} cannot vary between scenarios")
    for j, ov in enumerate(spec.base):
        key = ov.split("=", 1)[0].lstrip("+~")
        if key in RESERVED:
            raise ConfigError(f"experiment.base[{j}]", f"use {RESERVED[key]} instead of {key}")
