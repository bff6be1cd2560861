"""Tuning: the objective a multirun job returns to an optimising sweeper (Optuna), and its report.

Tuning mode is on when the config lists the ``Tuning`` callback under ``hydra.callbacks``
(``sim/configs/experiment/tune_staffing.yaml`` does). Each job then returns

    objective = kpi                                   if constraint >= at_least and the run is stable
              = kpi + penalty * (1 + shortfall)       if it misses (shortfall = at_least - constraint)
              = kpi + penalty * (2 + at_least + shortfall)   if the run is unstable

so every feasible trial beats every infeasible one, infeasible ones are ranked by how far they
miss, and an unstable staffing (an office that cannot keep up, a growing backlog: its KPIs
understate what is still open) is ranked after every stable one, by the same margin of one
``penalty`` (the penalty is meant to dwarf any cost). A trial done in an earlier run of the sweep
is scored again from its KPIs and verdict, so an older objective does not carry over. At the end of
the multirun the callback writes ``trials.csv`` (one row per trial: the tuned levers, the two
KPIs, the stability verdict, the objective) and ``best.json`` into the sweep directory, beside
Optuna's own ``optimization_results.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.metrics.stability import is_unstable
from sim.report.charts import pareto_chart
from sim.sweep.collect import read_records, sweep_table
from sim.util.strict_json import dumps as strict_dumps

TARGET = "sim.sweep.tune.Tuning"


@dataclass(frozen=True)
class Objective:
    """Minimise ``kpi`` subject to ``constraint >= at_least`` (a penalty when it is missed)."""

    kpi: str = "staff_cost"
    constraint: str = "on_time_rate"
    at_least: float = 0.95
    penalty: float = 1e9

    def __call__(self, kpis: dict[str, float], stable: bool = True) -> float:
        value = float(kpis[self.kpi])
        reached = float(kpis.get(self.constraint, math.nan))
        shortfall = self.at_least - reached if not math.isnan(reached) else self.at_least
        if not stable:  # past the worst a stable trial can miss by (a shortfall of at_least, NaN's)
            return value + self.penalty * (2.0 + self.at_least + max(shortfall, 0.0))
        return value if shortfall <= 0 else value + self.penalty * (1.0 + shortfall)


def objective_from(callbacks: Any) -> Objective | None:
    """The objective configured by a ``Tuning`` entry of ``hydra.callbacks``, or None (not tuning)."""
    for entry in (callbacks or {}).values():
        if isinstance(entry, DictConfig | dict) and entry.get("_target_") == TARGET:
            spec = OmegaConf.to_container(entry) if isinstance(entry, DictConfig) else dict(entry)
            assert isinstance(spec, dict)
            return Objective(**{str(k): v for k, v in spec.items() if k != "_target_"})
    return None


class Tuning(Callback):
    """Hydra callback: marks tuning mode; at the end writes ``trials.csv`` and ``best.json``."""

    def __init__(self, kpi: str = "staff_cost", constraint: str = "on_time_rate", at_least: float = 0.95,
                 penalty: float = 1e9) -> None:
        self.objective = Objective(kpi, constraint, at_least, penalty)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        records = read_records(sweep_dir)
        if not records:
            return
        levers = [str(k) for k in (OmegaConf.select(config, "hydra.sweeper.params") or {})]
        table = trials_table(sweep_table(records), levers, self.objective)
        table.to_csv(sweep_dir / "trials.csv", index=False)
        best = best_trial(table, levers, self.objective)
        (sweep_dir / "best.json").write_text(strict_dumps(best, indent=2) + "\n", encoding="utf-8")
        if best:
            why = "feasible" if best["feasible"] else "INFEASIBLE" + (
                f", {best['stability']}" if is_unstable(best["stability"]) else "")
            print(f"best: {best['objective']:,.2f} ({why}) "
                  f"with {' '.join(f'{k}={v}' for k, v in best['params'].items())}", flush=True)
        chart = plot_trials(table, self.objective, sweep_dir / "trials_pareto.png",
                            str(OmegaConf.select(config, "report.lang") or "en"))
        print(f"trials: {sweep_dir / 'trials.csv'}; chart: {chart}", flush=True)


def plot_trials(table: pd.DataFrame, objective: Objective, path: Path, lang: str) -> Path:
    """Every trial on the cost / on-time chart, the Pareto front joined, the target as a line."""

    ok = table[table["status"] == "ok"]
    cost = pd.DataFrame({"scenario": [f"trial {int(j)}" for j in ok["job"]],
                         "staff_cost": ok[objective.kpi].astype(float).to_numpy(),
                         "on_time_rate": ok[objective.constraint].astype(float).to_numpy()})
    unstable = {f"trial {int(j)}" for j, u in zip(ok["job"], ok["stability"], strict=True) if is_unstable(u)}
    fig = pareto_chart(cost, lang, target=objective.at_least, unstable=unstable)
    fig.savefig(path, dpi=120)
    return path


def trials_table(frame: pd.DataFrame, levers: list[str], objective: Objective) -> pd.DataFrame:
    """One row per trial: job, the tuned levers, status, the two KPIs, stability, objective, results_dir;
    feasible when the constraint is met by a stable run."""
    columns = ["job", *[k for k in levers if k in frame.columns], "status",
               objective.kpi, objective.constraint, "stability", "objective", "results_dir"]
    out = frame.reindex(columns=columns)
    unstable = out["stability"].map(is_unstable).astype(bool)
    out["feasible"] = (out[objective.constraint] >= objective.at_least) & ~unstable
    ok = (out["status"] == "ok").to_numpy()
    if ok.any():  # scored again: a trial of an earlier run of the sweep kept the objective of its time
        out.loc[ok, "objective"] = [objective({objective.kpi: k, objective.constraint: c}, stable=not u)
                                    for k, c, u in zip(out.loc[ok, objective.kpi], out.loc[ok, objective.constraint],
                                                       unstable[ok], strict=True)]
    return out


def best_trial(table: pd.DataFrame, levers: list[str], objective: Objective) -> dict[str, Any]:
    ok = table[(table["status"] == "ok") & table["objective"].notna()]
    if ok.empty:
        return {}
    row = ok.iloc[int(ok["objective"].astype(float).to_numpy().argmin())]
    return {"job": int(row["job"]),
            "params": {k: _plain(row[k]) for k in levers if k in row.index},
            "objective": float(row["objective"]), objective.kpi: float(row[objective.kpi]),
            objective.constraint: float(row[objective.constraint]), "stability": str(row["stability"]),
            "feasible": bool(row["feasible"]),
            "results_dir": str(row["results_dir"]), "objective_spec": asdict(objective)}


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
