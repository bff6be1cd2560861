"""The Python API: ``sim.run(overrides=[...])`` does what the ``gridsim`` command does.

compose -> validate -> territory -> matter inputs -> capacity check -> engine
(each replication) -> KPIs -> results directory. Results are written to a
temporary directory that is renamed into place only when everything succeeded,
so a failed run leaves nothing half-written under ``run.results_dir``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim.capacity import CapacityReport, capacity_check, format_capacity
from sim.engines.prepare import prepare
from sim.engines.select import pick_engine
from sim.inputs import generate_inputs
from sim.metrics.kpis import backlog_series, compute_kpis, format_kpi_table, utilization_table
from sim.metrics.replications import Summary, half_widths, means, summarize
from sim.records import Records
from sim.scenario.build import load_config
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory


@dataclass
class RunResult:
    """What a run produced. ``kpis`` are means over replications, ``ci`` their 95% half-widths."""

    cfg: Config
    capacity: CapacityReport
    engine: str = ""
    kpis: dict[str, float] = field(default_factory=dict)
    ci: dict[str, float] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)
    runs: list[dict[str, float]] = field(default_factory=list)
    records: Records | None = None  # the first replication's records
    state: pd.DataFrame | None = None  # the agent engine's daily DataCollector frame
    out_dir: Path | None = None


def _run_engine(engine: str, p: Any, rep: int, progress: bool) -> tuple[Records, pd.DataFrame | None]:
    if engine == "agent":
        from sim.engines.agent.engine import run_agent

        rec, model = run_agent(p, rep, progress)
        return rec, model.datacollector.get_model_vars_dataframe()
    if engine == "vector":
        from sim.engines.vector.engine import run_vector

        return run_vector(p, rep), None
    raise AssertionError(f"unknown engine {engine}")  # pick_engine only returns available engines


def run(overrides: Sequence[str] = (), *, write: bool = True,
        echo: Callable[[str], None] | None = None) -> RunResult:
    """Run a scenario given Hydra overrides; raise ``ConfigError`` on bad input."""
    say = echo or (lambda _s: None)
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    inputs = generate_inputs(cfg, terr, 0)
    p = prepare(cfg, terr, inputs)
    result = RunResult(cfg=cfg, capacity=capacity_check(p))
    say(format_capacity(result.capacity))
    if cfg.run.simulate:
        engine, why = pick_engine(cfg, terr)
        result.engine = engine
        say(f"\nengine: {engine} ({why}); {cfg.run.replications} replication(s), "
            f"{cfg.run.horizon_days:g} days, {inputs.n:,} matters in the first")
        for rep in range(cfg.run.replications):
            if rep > 0:
                p = prepare(cfg, terr, generate_inputs(cfg, terr, rep))
            t0 = time.perf_counter()
            rec, state = _run_engine(engine, p, rep, cfg.run.progress)
            kp = compute_kpis(rec)
            kp["engine_seconds"] = time.perf_counter() - t0
            result.runs.append(kp)
            if rep == 0:
                result.records, result.state = rec, state
        result.summaries = summarize(result.runs)
        result.kpis, result.ci = means(result.summaries), half_widths(result.summaries)
        say("\n" + format_kpi_table(result.kpis, result.ci if cfg.run.replications > 1 else None))
    if write:
        result.out_dir = _write(result, overrides)
    return result


def _jsonable(x: Any) -> Any:
    # numpy scalars and the like
    return x.item() if hasattr(x, "item") else str(x)


def claim_results_dir(parent: Path, name: str) -> tuple[Path, Path]:
    """Claim ``parent/name`` (or ``name-2``, ``-3``, ...) atomically: returns (final, its .partial- twin).

    The caller writes into the twin and renames it to ``final`` only when everything is
    written, so a failed run leaves nothing; two runs finishing in the same second get
    different names.
    """
    parent.mkdir(parents=True, exist_ok=True)
    k = 1
    while True:
        final = parent / (name if k == 1 else f"{name}-{k}")
        tmp = parent / f".partial-{final.name}"
        if not final.exists():
            try:
                tmp.mkdir(exist_ok=False)
                return final, tmp
            except FileExistsError:
                pass
        k += 1


def _write(result: RunResult, overrides: Sequence[str]) -> Path:
    cfg = result.cfg
    parent = Path(cfg.run.results_dir)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    final, tmp = claim_results_dir(parent, f"{stamp}-{cfg.territory.name}-{cfg.scenario.name}")
    try:
        (tmp / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)), encoding="utf-8")
        (tmp / "overrides.txt").write_text("\n".join(overrides) + ("\n" if overrides else ""), encoding="utf-8")
        capacity = json.dumps(result.capacity.to_dict(), indent=2, default=_jsonable)
        (tmp / "capacity.json").write_text(capacity, encoding="utf-8")
        if result.runs:
            payload = {"engine": result.engine, "replications": len(result.runs), "kpis": result.kpis,
                       "ci_half_width": result.ci, "summaries": {k: asdict(v) for k, v in result.summaries.items()},
                       "runs": result.runs}
            (tmp / "kpis.json").write_text(json.dumps(payload, indent=2, default=_jsonable), encoding="utf-8")
        rec = result.records
        if rec is not None:
            backlog_series(rec).to_csv(tmp / "backlog.csv", index=False)
            utilization_table(rec).to_csv(tmp / "utilization.csv", index=False)
            if result.state is not None:
                result.state.to_csv(tmp / "state_daily.csv", index=False)
            if cfg.run.write_records:
                rec.write_parquet(tmp)
            if cfg.report.charts and result.runs:
                from sim.report.charts import draw_run_charts
                from sim.report.tables import tables_from_records

                draw_run_charts(tables_from_records(rec, result.runs[0]), tmp, cfg.report.lang)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
