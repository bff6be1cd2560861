"""What the page does, without the page: bases, the capacity check, what-if runs, comparisons, downloads.

Reads the Python API only (``sim.runs.api`` through ``sim.runs.cached.run_cached``, ``sim.checks.capacity``,
``sim.metrics.replications``, ``sim.report``). Runs go one at a time (``RUN_LOCK``): Hydra's
composition is process-global, and two cores gain nothing from two runs at once; each
browser tab keeps its own history, and every run has its own results directory.

No text from the page becomes a path: results go under the server's ``run.results_dir``
(fixed when it starts), briefings under ``<results_dir>/workbench/`` with names made of
config hashes, and a preset is only ever one of the names ``presets()`` listed.
"""

from __future__ import annotations

import io
import json
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import DictConfig

from sim.app.labels import kpi, t
from sim.app.levers import quick_config, warmup_of
from sim.app.progress import Stage
from sim.checks.capacity import CapacityReport
from sim.checks.cost import START_SECONDS
from sim.checks.preflight import estimate
from sim.metrics.replications import paired_difference
from sim.metrics.stability import is_unstable
from sim.runs.config import resolve_defaults
from sim.runs.store import lookup
from sim.scenario.constants import CLOSED, HOURS_PER_DAY
from sim.scenario.lever_warnings import lever_warnings
from sim.scenario.schema import Config

__all__ = ["HEADLINE_KPIS", "RUN_LOCK", "Outcome", "capacity_for", "presets", "what_if"]

#: runs (and Hydra compositions) one at a time in the server process
RUN_LOCK = threading.RLock()
#: the KPIs the page leads with, and that the comparison sentence states
HEADLINE_KPIS = ("on_time_rate", "resolution_hours_p90", "satisfaction_rate", "petitions_per_10k",
                 "staff_cost_per_year")
#: days of matter draws behind the page's instant capacity check (only its hotline share needs draws)
CAPACITY_DRAW_DAYS = 56.0
#: overrides every page run carries: no progress bar on a server; the vector engine, whose records equal
#: the agent engine's (tests/equivalence), so that a township year answers in a second, not in five
#: the page draws the one chart a planner looks at, not all of them into the directory
PAGE_FIXED = ("run.progress=false", "engine=vector", "report.charts=false")


#: a small run the server makes once, in the background, after its first page is drawn: the engine's
#: compiled kernels come from their cache and the run path and charts are imported before a planner's
#: first click, not after it (a fresh process took 10 s to import them and 7 s for its first run)
WARM_UP = ("territory=township", "engine=vector", "run.horizon_days=3", "run.warmup_days=0", "run.progress=false",
           "report.charts=false")
_WARMING = threading.Event()  # set once the warm-up has started


def warm_up() -> threading.Thread | None:
    """Start the process's warm-up run in a daemon thread (the first call only; later calls return None)."""
    with RUN_LOCK:
        if _WARMING.is_set():
            return None
        _WARMING.set()
    thread = threading.Thread(target=_warm, name="gridsim-warm-up", daemon=True)
    thread.start()
    return thread


def _warm() -> None:
    try:
        from sim.report import charts, league  # noqa: F401  # the page's charts: imported here, not on a click
        from sim.runs.api import run_config  # on first use: the page starts in half a second
        from sim.runs.config import load_config  # on first use: the page starts in half a second

        with RUN_LOCK:  # Hydra's composition is process-global; the run itself needs no lock (it writes nothing)
            cfg = load_config(list(WARM_UP))
        run_config(cfg, write=False)
    except Exception:  # noqa: BLE001  # only a head start: a real problem shows on the planner's own run
        pass


def presets(config_dir: Path | None = None) -> dict[str, list[str]]:
    """The bases a planner can choose: territory and scenario presets, and every calibrated preset."""
    from sim.scenario.compose import config_dir as default_dir  # on first use: the page starts in half a second

    root = config_dir or default_dir()

    def names(group: str, skip: Sequence[str] = ()) -> list[str]:
        return sorted(p.stem for p in (root / group).glob("*.yaml") if p.stem not in skip)

    presets_dir = Path(os.environ.get("GRIDSIM_PRESETS_DIR", "presets"))
    calibrated = sorted(p.stem for p in (presets_dir / "calibrated").glob("*.yaml")) if presets_dir.is_dir() else []
    territories = names("territory")
    order = [x for x in ("township", "county", "city") if x in territories]
    return {"territory": order + [x for x in territories if x not in order],
            "scenario": names("scenario", ("textbook",)), "calibrated": calibrated}


def base_overrides(territory: str, scenario: str, calibrated: str | None, results_dir: str) -> list[str]:
    """The overrides of a base; each name must be one ``presets()`` lists (checked by the caller's widget)."""
    out = [f"territory={territory}", f"scenario={scenario}", f"run.results_dir={results_dir}", *PAGE_FIXED]
    if calibrated:
        out.append(f"calibrated={calibrated}")
    return out


_BASES: dict[tuple[str, ...], tuple[DictConfig, Config]] = {}


def base_config(overrides: Sequence[str]) -> tuple[DictConfig, Config]:
    """The composed base (DictConfig for ``quick_config``, and its Config), composed once per base."""
    key = tuple(overrides)
    with RUN_LOCK:
        if key not in _BASES:
            from sim.runs.config import load_config  # on first use: the page starts in half a second
            from sim.scenario.compose import compose_dictconfig  # on first use: the page starts in half a second

            cfg = load_config(overrides)  # raises a one-line ConfigError
            _BASES[key] = (compose_dictconfig(overrides), cfg)
        return _BASES[key]


#: the last capacity checks, by lever overrides: the page checks its levers on every rerun (a click on
#: Run, a chart chosen), and the same levers have the same check; each entry keeps its base to compare
_CHECKED: dict[tuple[str, ...], tuple[DictConfig, CapacityReport]] = {}
#: the configs of the page's runs and look-ups, by base and levers (a Config is immutable): a what-if
#: composes each side three times (the replications, the pre-flight estimate, the run)
_PAGE_CFGS: dict[tuple[tuple[str, ...], tuple[str, ...]], Config] = {}
#: entries each memo keeps (a long-running server forgets the oldest)
MEMO_SIZE = 64


def _remember[K, V](memo: dict[K, V], key: K, value: V) -> V:
    with RUN_LOCK:
        while len(memo) >= MEMO_SIZE:
            memo.pop(next(iter(memo)))
        memo[key] = value
    return value


def capacity_for(base: DictConfig, lever_overrides: Sequence[str]) -> CapacityReport:
    """The capacity check of base + levers, instantly: no Hydra composition, ``CAPACITY_DRAW_DAYS`` of draws.

    Raises ``ConfigError`` for a bad value, as the CLI would. The same levers on the same base are
    checked once (the check is deterministic: the draws are replication 0's).
    """
    key = tuple(lever_overrides)
    seen = _CHECKED.get(key)
    if seen is not None and seen[0] is base:
        return seen[1]
    return _remember(_CHECKED, key, (base, _capacity_of(base, lever_overrides)))[1]


def _capacity_of(base: DictConfig, lever_overrides: Sequence[str]) -> CapacityReport:
    from sim.engines.prepare import prepare  # on first use: the page starts in half a second
    from sim.runs.source import capacity_of, scenario_inputs  # on first use: the page starts in half a second
    from sim.scenario.territory import build_territory  # on first use: the page starts in half a second

    cfg = quick_config(base, lever_overrides)
    terr = build_territory(cfg)
    short = cfg.run.horizon_days > CAPACITY_DRAW_DAYS
    draw_cfg = replace(cfg, run=replace(cfg.run, horizon_days=CAPACITY_DRAW_DAYS, warmup_days=0.0)) if short else cfg
    p = prepare(draw_cfg, terr, scenario_inputs(draw_cfg, terr, 0))
    return capacity_of(replace(p, cfg=cfg))  # rates and surges over the whole horizon; draws only for the hotline


@dataclass
class Outcome:
    """One run on the page: what ``sim.runs.cached.run_cached`` gave, with the page's own facts."""

    name: str
    overrides: list[str]  # the levers' overrides (besides the base's)
    base: list[str]
    kpis: dict[str, Any]
    ci: dict[str, Any]
    runs: list[dict[str, Any]]
    out_dir: Path
    from_store: bool
    seconds: float
    cfg: Config
    baseline: Outcome | None = None
    diffs: dict[str, tuple[float, float]] = field(default_factory=dict)  # kpi -> (mean, half-width) vs baseline
    stability: dict[str, Any] | None = None  # sim.metrics.stability.Stability.to_dict(), where the run has one
    values: dict[str, Any] = field(default_factory=dict)  # every lever's value (the page's fields)
    capacity: CapacityReport | None = None  # the capacity check of its levers (the verdict before stability existed)
    warnings: list[str] = field(default_factory=list)  # what in its config changes nothing (a surge after its end)

    @property
    def replications(self) -> int:
        return len(self.runs)

    @property
    def territory(self) -> str:
        return self.cfg.territory.name


def stability_of(result: Any, out_dir: Path) -> dict[str, Any] | None:
    """The run's stability verdict as a dict: ``result.stability`` (a fresh run), else its ``kpis.json``."""
    verdict = getattr(result, "stability", None)
    if verdict is not None:
        return dict(verdict.to_dict()) if hasattr(verdict, "to_dict") else dict(verdict)
    try:
        payload = json.loads((out_dir / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = payload.get("stability") if isinstance(payload, dict) else None
    return dict(found) if isinstance(found, dict) else None


def stage_estimate(cfg: Config) -> tuple[bool, float]:
    """(in the store already, estimated seconds on the page): the pre-flight estimate without a process start."""
    key_cfg = resolve_defaults(cfg)[0]
    if key_cfg.run.reuse and lookup(key_cfg) is not None:
        return True, 0.0
    return False, max(estimate(key_cfg).seconds - START_SECONDS, 0.3)


def _page_cfg(base: Sequence[str], levers: Sequence[str]) -> Config:
    key = (tuple(base), tuple(levers))
    found = _PAGE_CFGS.get(key)
    return found if found is not None else _remember(_PAGE_CFGS, key, _compose_page_cfg(base, levers))


def _compose_page_cfg(base: Sequence[str], levers: Sequence[str]) -> Config:
    # the look-up composes without Hydra (quick_config: the same Config, tests/unit/test_workbench.py)
    page_base = [o for o in base if not o.startswith("run.") or o.startswith(("run.results_dir", "run.progress"))]
    run_ov = [o for o in base if o not in page_base]
    return quick_config(base_config(page_base)[0], [*run_ov, *levers])


def _run(name: str, base: Sequence[str], levers: Sequence[str]) -> Outcome:
    from sim.runs.cached import run_cached  # on first use: the page starts in half a second

    t0 = time.perf_counter()
    with RUN_LOCK:
        cfg = _page_cfg(base, levers)
        result, hit = run_cached([*base, *levers], source="page", cfg=cfg)
    assert result.out_dir is not None
    out_dir = Path(result.out_dir)
    return Outcome(name=name, overrides=list(levers), base=list(base), kpis=dict(result.kpis), ci=dict(result.ci),
                   runs=list(result.runs), out_dir=out_dir, from_store=hit,
                   seconds=time.perf_counter() - t0, cfg=result.cfg, stability=stability_of(result, out_dir),
                   warnings=lever_warnings(result.cfg, [*base, *levers]))


def _no_stages(_plan: list[Stage], _index: int) -> None:
    pass


def what_if(name: str, base: Sequence[str], run_levers: Sequence[str], levers: Sequence[str],
            on_stage: Callable[[list[Stage], int], None] = _no_stages) -> Outcome:
    """Run (or take from the store) the baseline and the variant, with the paired differences.

    ``run_levers`` (replications, horizon) apply to both, so replication r of each shares its
    random numbers (common random numbers, as the experiments pair them). ``on_stage(plan, i)``
    is told each stage as it starts, with the pre-flight's estimate of every stage; the
    outcome's ``seconds`` is the whole answer's time, both stages included.
    """
    t0 = time.perf_counter()
    base_run = [*base, *run_levers]
    reps = _page_cfg(base_run, []).run.replications
    plan = []
    for stage, lv in (("stage.baseline", []), ("stage.variant", list(levers)))[: 2 if levers else 1]:
        stored, seconds = stage_estimate(_page_cfg(base_run, lv))
        plan.append(Stage(stage + (".store" if stored else ""), reps, seconds))
    on_stage(plan, 0)
    baseline = _run("baseline", base_run, [])
    if not levers:
        return replace(baseline, name=name, seconds=time.perf_counter() - t0)
    on_stage(plan, 1)
    variant = _run(name, base_run, levers)
    variant.baseline = baseline
    for k in HEADLINE_KPIS:
        if _all_finite(baseline.runs, k) and _all_finite(variant.runs, k):
            d = paired_difference(baseline.runs, variant.runs, k)
            variant.diffs[k] = (d.mean, d.half_width)
    variant.seconds = time.perf_counter() - t0
    return variant


def _all_finite(runs: Sequence[Mapping[str, Any]], k: str) -> bool:
    return all(isinstance(r.get(k), int | float) and math.isfinite(r[k]) for r in runs)


def paired(a: Outcome, b: Outcome) -> Outcome:
    """``b`` with its paired differences from ``a`` (none when their replication counts differ)."""
    pair = replace(b, baseline=a, diffs={})
    if len(a.runs) == len(b.runs):
        for k in (k for k in HEADLINE_KPIS if _all_finite(a.runs, k) and _all_finite(b.runs, k)):
            d = paired_difference(a.runs, b.runs, k)
            pair.diffs[k] = (d.mean, d.half_width)
    return pair


def _is_share(k: str) -> bool:
    return k.endswith("_rate") or "share" in k or "settled_at_or_below" in k


def sentences(o: Outcome, lang: str) -> list[str]:
    """The planner's sentences: "on-time rate +2.1 points ± 0.4", one per headline KPI."""
    out = []
    for k, (d, hw) in o.diffs.items():
        if not math.isfinite(d):
            continue
        if _is_share(k):
            text = t("sentence.pp", lang).format(name=kpi(k, lang), d=100 * d, hw=100 * hw if math.isfinite(hw) else 0)
        else:
            text = t("sentence.value", lang).format(name=kpi(k, lang), d=d, hw=hw if math.isfinite(hw) else 0)
        if not math.isfinite(hw):
            text = text.rsplit(" ± ", 1)[0] + " " + t("sentence.single", lang)
        elif abs(d) <= hw:
            text += f" ({t('sentence.ns', lang)})"
        out.append(text)
    return out


# --------------------------------------------------------------------------- charts
ROLE_LEVEL = {"grid_leader": "grid", "fulltime": "grid", "professional": "grid", "parttime": "grid",
              "volunteer": "grid", "committee": "village", "instructor": "township", "platform": "township",
              "module": "township", "department": "county"}


def run_tables(o: Outcome) -> Any:
    """The run's chart tables (``sim.metrics.tables.RunTables``), from its results directory."""
    from sim.metrics.kernels import window_resolution
    from sim.metrics.tables import SURGE_COLUMNS, RunTables, cdf_table, funnel_table

    d = o.out_dir
    cdf = cdf_table([])
    matters = d / "matters.parquet"
    if matters.is_file():
        m = pd.read_parquet(matters, columns=["t_occur", "t_close", "status"])
        w0, h = warmup_of(o.cfg) * HOURS_PER_DAY, o.cfg.run.horizon_days * HOURS_PER_DAY
        # open matters counted, censored at the horizon (as the CLI's chart and the KPIs count them)
        cdf = cdf_table(*window_resolution(m["t_occur"].to_numpy(np.float64), m["t_close"].to_numpy(np.float64),
                                           m["status"].to_numpy(), w0, h, CLOSED))
    back = pd.read_csv(d / "backlog.csv") if (d / "backlog.csv").is_file() else pd.DataFrame(
        {"t_hours": [], "open": [], "undiscovered": []})
    backlog = pd.DataFrame({"t_days": back["t_hours"] / HOURS_PER_DAY, "open": back["open"],
                            "undiscovered": back["undiscovered"]})
    util = pd.DataFrame([{"role": k[len("utilization_role_"):], "level": ROLE_LEVEL.get(k[17:], ""),
                          "utilization": v} for k, v in o.kpis.items() if k.startswith("utilization_role_")],
                        columns=["role", "level", "utilization"])
    surges = pd.DataFrame([{"surge": i, "start_day": s.start_day, "end_day": s.start_day + s.days}
                           for i, s in enumerate(o.cfg.scenario.surges)], columns=SURGE_COLUMNS)
    return RunTables(cdf=cdf, funnel=funnel_table(o.kpis), backlog=backlog, utilization=util, kpis=o.kpis,
                     surges=surges)


def league_of(o: Outcome) -> dict[str, pd.DataFrame]:
    return {lv: pd.read_csv(o.out_dir / f"league_{lv}.csv") for lv in ("township", "village", "grid")
            if (o.out_dir / f"league_{lv}.csv").is_file()}


#: the page's charts, in the order it offers them
CHARTS = ("cdf", "funnel", "backlog", "utilization", "offices", "pareto", "league")
_DRAWN: dict[tuple[str, str, str], bytes] = {}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    fig.clear()
    return buf.getvalue()


def _draw(o: Outcome, name: str, lang: str) -> Figure | None:
    from sim.report.charts import backlog_chart, cdf_chart, funnel_chart, utilization_heatmap
    from sim.report.league import league_chart  # on first use: the page starts in half a second
    from sim.report.places import place_names_of  # on first use: the page starts in half a second

    if name == "league":
        league = league_of(o)
        return league_chart(league, lang, place_names_of(o.cfg, lang)) if len(league) == 3 else None
    if name == "offices":  # each module and department apart: the heatmap's averages by role hide a starved one
        from sim.report.charts import office_chart  # on first use: the page starts in half a second

        offices = o.out_dir / "offices.csv"
        return office_chart(pd.read_csv(offices), lang) if offices.is_file() else None
    tb = run_tables(o)
    if name == "cdf":
        return cdf_chart(tb.cdf, lang)
    if name == "funnel":
        return funnel_chart(tb.funnel, lang)
    if name == "backlog":
        return backlog_chart(tb.backlog, lang, tb.surges)
    return utilization_heatmap(tb.utilization, lang)


def pareto_runs(o: Outcome, history: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """The runs of the cost vs on-time chart: the session's runs on ``o``'s territory and horizon only
    (a county's cost beside a city's would squash both, and a quarter's rates are not a year's)."""
    def same(h: Outcome) -> bool:
        return h.territory == o.territory and h.cfg.run.horizon_days == o.cfg.run.horizon_days

    return {h.name: h.kpis for h in history if same(h)}


def chart(o: Outcome, name: str, lang: str, history: Sequence[Outcome] = ()) -> bytes | None:
    """One chart of the page (PNG bytes) in ``lang``, the CJK font for Chinese; a run's own charts
    are drawn once per language and kept (page runs write none: ``report.charts=false``)."""
    if name == "pareto":
        from sim.metrics.tables import cost_table  # on first use: the page starts in half a second
        from sim.report.charts import pareto_chart  # on first use: the page starts in half a second

        seen = pareto_runs(o, history)
        bad = {h.name for h in history if h.name in seen and is_unstable(h.stability)}
        base = o.baseline
        # a run of the session that is a baseline (no lever changed, or the shown run's) is named so whichever
        # run is shown; the shown run's baseline is a point of its own only if no run of the session is it
        # (one point, two names drawn over each other otherwise)
        is_base = {h.name for h in history if h.name in seen
                   and (not h.overrides or (base is not None and h.out_dir == base.out_dir))}
        if base is not None and not any(h.out_dir == base.out_dir and h.name in seen for h in history):
            seen.setdefault(t("baseline", lang), base.kpis)
            if is_unstable(base.stability):
                bad.add(t("baseline", lang))
        named = {n: f"{n} ({t('baseline', lang)})" for n in is_base}
        seen = {named.get(k, k): v for k, v in seen.items()}
        bad = {named.get(k, k) for k in bad}
        table = cost_table(seen, per_year=True)  # a year's cost, as the answer's table gives it
        return _png(pareto_chart(table, lang, unstable=bad, per_year=True)) if seen else None
    key = (str(o.out_dir), lang, name)
    if key not in _DRAWN:
        fig = _draw(o, name, lang)
        if fig is None:
            return None
        png = _png(fig)
        with RUN_LOCK:
            if len(_DRAWN) > 512:
                _DRAWN.clear()  # a long-running server keeps only recent charts
            _DRAWN[key] = png
    return _DRAWN[key]


# ----------------------------------------------------------------------- downloads
def briefing_pdf(a: Outcome, b: Outcome, lang: str) -> bytes:
    """The one-page briefing of ``b`` against ``a`` (PDF bytes), written under ``<results_dir>/workbench/``."""
    from sim.report.compare_brief import Side, compare_briefing  # on first use: the page starts in half a second
    from sim.runs.store import config_hash  # on first use: the page starts in half a second

    def side(o: Outcome) -> Side:  # only a run without lever changes is the baseline
        return Side(o.name, o.cfg, o.runs, is_base=not o.overrides, out_dir=o.out_dir,
                    stability=getattr(o, "stability", None))

    out = Path(a.cfg.run.results_dir) / "workbench"
    stem = out / f"briefing-{config_hash(a.cfg)[:10]}-{config_hash(b.cfg)[:10]}-{lang}"
    _png, pdf = compare_briefing(side(a), side(b), stem, lang)
    return pdf.read_bytes()


def lever_summary(overrides: Sequence[str]) -> str:
    return "; ".join(overrides) if overrides else "—"


def split_run_levers(overrides: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(run.* overrides, the rest)``: the first apply to the baseline too."""
    run_ov = [o for o in overrides if o.startswith("run.")]
    return run_ov, [o for o in overrides if not o.startswith("run.")]


def mapping_str(m: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in m.items())
