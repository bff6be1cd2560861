"""Write an experiment's results directory: tables, charts, findings and the briefing page.

``<run.results_dir>/experiments/<name>-<stamp>/`` (claimed atomically, written in a
``.partial-*`` directory and renamed when complete) holds:

* ``comparison.csv``: per scenario and KPI the mean, 95% half-width, n, and the paired
  difference against the baseline with its half-width (``comparison_table``), plus the
  scenario's label and its stability verdict (``stable`` or ``unstable (<rule>)``); the spec's
  KPIs first, then a standard set;
* ``runs.csv``: every replication's KPIs (long: scenario, replication, kpi, value);
* ``cdf.csv``, ``funnel.csv`` (replication 0), ``backlog.csv`` (open and undiscovered matters
  per day, mean and half-width of ``open`` over the n replications, ``in_surge`` inside a
  surge window), ``utilization.csv`` (per role: mean, half-width, n over replications),
  ``cost.csv`` (staff cost vs on-time rate, with half-widths and n), ``scenarios.csv`` (each
  scenario's full overrides, and ``status`` ok / failed with the ``error`` of a failed one:
  a failed scenario is in no other table), ``spec.yaml``;
* the charts the spec asks for (``bars_<kpi>.png`` per KPI, ``resolution_cdf.png``,
  ``level_funnel.png``, ``backlog.png``, ``utilization.png``, ``pareto.png``);
* ``finding.txt`` and the one-page ``briefing.png`` / ``briefing.pdf``: titled by the change in words,
  with the base, territory, replications and date, and the stability verdict before the findings
  (``sim.experiment.brief``, as the comparison briefing of ``sim.report.compare_brief``).
"""

from __future__ import annotations

import math
import shutil
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import OmegaConf

from sim.experiment.brief import briefing_parts
from sim.experiment.findings import (
    display_name,
    effect,
    findings,
    fmt_value,
    headlines,
    is_share,
    method_line,
    name_of,
)
from sim.experiment.runner import CLEAR_TOLERANCE, PRE_SURGE_DAYS, ExperimentResult, surge_windows
from sim.metrics.replications import Summary, summary_of
from sim.metrics.tables import comparison_table, cost_table, stack
from sim.report import charts
from sim.report.briefing import briefing, wrap
from sim.report.change import base_words
from sim.runs.manifest import write_manifest
from sim.util.partial import claim_results_dir, drop_owner

__all__ = ["STANDARD_KPIS", "finding_text", "write_experiment"]

#: KPIs always in comparison.csv after the spec's own (when the runs have them)
STANDARD_KPIS: tuple[str, ...] = (
    "matters", "closed", "open_at_horizon", "resolution_hours_mean", "resolution_hours_p50", "resolution_hours_p90",
    "discovery_hours_mean", "wait_hours_mean", "settled_share_grid", "settled_at_or_below_village", "on_time_rate",
    "on_time_rate_of_closed", "open_at_horizon_share", "backlog_growth_per_30d",
    "satisfaction_rate", "petitions_per_10k", "transfers_per_matter", "escalations_per_matter", "utilization_grid",
    "utilization_village", "utilization_platform", "utilization_module", "utilization_department", "staff_cost",
    "cost_per_settled", "headcount_fulltime", "headcount_staff", "backlog_peak", "clear_days")
CHART_FILES = {"cdf": "resolution_cdf.png", "funnel": "level_funnel.png", "backlog": "backlog.png",
               "utilization": "utilization.png", "pareto": "pareto.png"}
DPI = 120


def _labels(result: ExperimentResult) -> dict[str, str]:
    return {s: result.spec.label_of(s, result.lang) for s in result.runs}


def _report_kpis(result: ExperimentResult) -> list[str]:
    present = {k for runs in result.runs.values() for r in runs for k in r}
    return [k for k in dict.fromkeys([*result.spec.kpis, *STANDARD_KPIS]) if k in present]


def _summary(result: ExperimentResult, s: str, k: str) -> Summary:
    return summary_of([float(r.get(k, math.nan)) for r in result.runs[s]])


def _mean_hw(result: ExperimentResult, s: str, k: str) -> tuple[float, float]:
    summ = _summary(result, s, k)
    return summ.mean, summ.half_width


def _backlog(result: ExperimentResult) -> pd.DataFrame:
    parts = []
    for s, b in result.backlog.items():
        t = b["t_days"].to_numpy(dtype=float)
        in_surge = np.zeros(t.size, bool)
        for a, e in surge_windows(result.cfgs[s]):
            in_surge |= (t >= a) & (t <= e)
        parts.append(b.assign(scenario=s, n=result.replications, in_surge=in_surge))
    back = pd.concat(parts, ignore_index=True)
    return back[["scenario", *[c for c in back.columns if c != "scenario"]]]


def _verdict(result: ExperimentResult, scenario: str) -> str:
    """``stable``, or ``unstable (<rule>)``: the scenario's stability column."""
    v = result.stability.get(scenario)
    if v is None:
        return ""
    return v.verdict if not v.unstable else f"{v.verdict} ({v.rule})"


def build_tables(result: ExperimentResult) -> dict[str, pd.DataFrame]:
    """Every CSV table of the results directory, by file stem."""
    spec, labels = result.spec, _labels(result)
    comp = comparison_table(result.runs, _report_kpis(result), spec.baseline)
    comp.insert(1, "label", comp["scenario"].map(labels))
    comp["stability"] = comp["scenario"].map(lambda s: _verdict(result, s))  # last: readers index the first
    long = [{"scenario": s, "replication": i, "kpi": k, "value": v}
            for s, runs in result.runs.items() for i, r in enumerate(runs) for k, v in r.items()]
    util_rows = []
    for s, t in result.tables.items():
        for role, level in zip(t.utilization["role"], t.utilization["level"], strict=True):
            u = _summary(result, s, f"utilization_role_{role}")
            util_rows.append({"scenario": s, "role": role, "level": level, "utilization": u.mean,
                              "half_width": u.half_width, "n": u.n})
    cost = cost_table({s: {k: _mean_hw(result, s, k)[0] for k in ("staff_cost", "on_time_rate")}
                       for s in result.runs})
    cost["staff_cost_half_width"] = [_mean_hw(result, s, "staff_cost")[1] for s in cost["scenario"]]
    cost["on_time_rate_half_width"] = [_mean_hw(result, s, "on_time_rate")[1] for s in cost["scenario"]]
    cost["n"] = [_summary(result, s, "on_time_rate").n for s in cost["scenario"]]
    # every scenario of the spec, a failed one marked (it is in no other table)
    scen = pd.DataFrame([{"scenario": s, "label": spec.scenarios[s].label, "label_zh": spec.scenarios[s].label_zh,
                          "overrides": " ".join(result.overrides[s]),
                          "status": "failed" if s in result.failed else "ok", "error": result.failed.get(s, "")}
                         for s in spec.ordered()])
    return {"comparison": comp, "runs": pd.DataFrame(long), "cdf": stack(result.tables, "cdf"),
            "funnel": stack(result.tables, "funnel"), "backlog": _backlog(result),
            "utilization": pd.DataFrame(util_rows, columns=["scenario", "role", "level", "utilization",
                                                            "half_width", "n"]),
            "cost": cost, "scenarios": scen}


def _shown(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    return df.assign(scenario=df["scenario"].map(labels))


def _tick_label(text: str, lang: str, n: int) -> str:
    """A scenario label broken into short lines for a bar chart's x axis (``n`` bars)."""
    if lang == "zh":
        if len(text) <= 6:
            return text
        for sep, keep in (("·", ""), ("+", "+"), ("（", "（"), ("，", "")):
            if sep in text:
                head, tail = text.split(sep, 1)
                return f"{head}\n{keep}{tail}"
        return f"{text[: len(text) // 2]}\n{text[len(text) // 2:]}"
    return textwrap.fill(text, width=max(7, 54 // max(n, 1)), break_long_words=False)


def _fit_slot(fig: Figure, n_scenarios: int, bars: bool, width_pt: float = 200.0) -> None:
    """Fit a chart to a briefing slot (it is drawn narrower there): break long titles, keeping
    the room above the subtitle, and shrink crowded bar labels."""

    for ax in fig.axes:
        title = ax.get_title(loc="left")
        if title and "\n" not in title:
            lines = wrap(title, width_pt, 12.0)
            if len(lines) > 1:
                subs = [t for t in ax.texts if getattr(t, "xy", None) == (0, 1)]
                pad = 6 + 12 * (subs[0].get_text().count("\n") + 1) if subs else 6
                ax.set_title("\n".join(lines), loc="left", fontsize=12, pad=pad)
        if bars and n_scenarios >= 5:
            ax.tick_params(axis="x", labelsize=7)


def _chart_makers(result: ExperimentResult, tables: dict[str, pd.DataFrame]) -> dict[str, Callable[[], Figure]]:
    """Chart id (``bars:<kpi>`` or a ``CHART_FILES`` key) -> a function drawing it."""

    lang, labels = result.lang, _labels(result)
    comp = _shown(tables["comparison"], {s: _tick_label(v, lang, len(labels)) for s, v in labels.items()})
    comp["kpi"] = [display_name(k, lang) if k.startswith(("clear_", "backlog_", "headcount_")) else k
                   for k in comp["kpi"]]

    def bars(kpi: str) -> Callable[[], Figure]:
        shown = display_name(kpi, lang) if kpi.startswith(("clear_", "backlog_", "headcount_")) else kpi
        return lambda: charts.bar_compare(comp, shown, lang)

    base_cfg = result.cfgs[result.spec.baseline]
    util = _shown(tables["utilization"], labels)
    makers: dict[str, Callable[[], Figure]] = {f"bars:{k}": bars(k) for k in result.spec.kpis}
    makers["cdf"] = lambda: charts.cdf_chart(_shown(tables["cdf"], labels), lang)
    makers["funnel"] = lambda: charts.funnel_chart(_shown(tables["funnel"], labels), lang)
    makers["backlog"] = lambda: charts.backlog_chart(_shown(tables["backlog"], labels), lang,
                                                     surge_windows(base_cfg))
    makers["utilization"] = lambda: charts.utilization_heatmap(util[util["utilization"].notna()], lang)
    unstable = {labels.get(sc, sc) for sc, v in result.stability.items() if v.unstable}
    makers["pareto"] = lambda: charts.pareto_chart(_shown(tables["cost"], labels), lang, unstable=unstable)
    return makers


def _chart_ids(result: ExperimentResult) -> tuple[list[str], list[str]]:
    """(every chart to write, the three on the briefing page).

    The page takes the spec's charts in order (``bars`` = the headline KPI), then bars of
    the next KPIs; the utilisation heatmap goes on the page only when nothing else is left
    (a third of a page is too small for it).
    """
    spec = result.spec
    files: list[str] = []
    for c in spec.charts:
        files += [f"bars:{k}" for k in spec.kpis] if c == "bars" else [c]
    first = [f"bars:{spec.kpis[0]}" if c == "bars" else c for c in spec.charts if c != "utilization"]
    fill = [*(f"bars:{k}" for k in spec.kpis[1:]), "cdf", "funnel", "backlog", "utilization"]
    page = list(dict.fromkeys([*first, *fill]))
    return files, page[:3]


def _file_of(chart_id: str) -> str:
    return f"bars_{chart_id[5:]}.png" if chart_id.startswith("bars:") else CHART_FILES[chart_id]


def _fmt_hw(kpi: str, hw: float, lang: str) -> str:
    """A half-width: shares in % with two significant digits, the rest as their KPI."""
    if is_share(kpi) and math.isfinite(hw) and 0 < hw < 0.01:
        return f"{hw * 100:.2g}%"
    return fmt_value(kpi, hw, lang)


def finding_text(result: ExperimentResult) -> str:
    """The text of ``finding.txt``: context, the findings, then every reported KPI with its CI."""
    spec, lang, labels = result.spec, result.lang, _labels(result)
    cfg = result.cfgs[spec.baseline]
    zh = lang == "zh"
    fs = findings(result.runs, spec.baseline, spec.kpis, labels, lang, result.unstable, stability=result.stability)
    out = [spec.title_in(lang)]
    if spec.question:
        out.append(("问题：" if zh else "Question: ") + spec.question_in(lang))
    base = base_words(cfg, lang)  # "a township, the baseline scenario" in the run's language, not the preset's key
    out.append((f"{len(result.runs)}个方案 × {spec.replications}次配对重复；{base}，"
                f"{cfg.run.horizon_days:g}天（预热{cfg.run.warmup_days:g}天），run.seed={cfg.run.seed}，{result.engine}引擎，用时{result.seconds:.0f}秒")
               if zh else
               (f"{len(result.runs)} scenarios x {spec.replications} paired replications; {base}, "
                f"{cfg.run.horizon_days:g} days ({cfg.run.warmup_days:g} of warm-up), run.seed={cfg.run.seed}, "
                f"{result.engine} engine, {result.seconds:.0f} s"))
    for s, error in result.failed.items():
        out.append((f"方案 {s} 运行失败，未纳入比较：{error}") if zh
                   else f"Scenario {s} failed and is left out of the comparison: {error}")
    out += ["", "结论：" if zh else "Findings:"]
    out += [f"- {f}" for f in fs.values()]
    out += ["", method_line(spec.replications, lang), ""]
    out.append("各指标（均值 ± 95%置信区间半宽；与基准的配对差值）：" if zh
               else "KPIs (mean ± 95% half-width; paired difference from the baseline):")
    width = max(len(v) for v in labels.values())
    for k in spec.kpis:
        out.append(f"  {name_of(k, lang)} [{k}]")
        for s in result.runs:
            m, hw = _mean_hw(result, s, k)
            spread = "" if hw == 0.0 else f" ± {_fmt_hw(k, hw, lang)}"  # a staff cost the same in every replication
            line = f"    {labels[s]:<{width}}  {fmt_value(k, m, lang)}{spread}"
            if s != spec.baseline:
                change = effect(result.runs[spec.baseline], result.runs[s], k).change(lang)
                line += f"   ({'差值' if zh else 'diff'} {change})"
            out.append(line)
    if cfg.scenario.surges:
        out += ["", (f"积压消化天数：高峰结束后，未办结事项数首次回到高峰前{PRE_SURGE_DAYS:g}天均值的"
                     f"{1 + CLEAR_TOLERANCE:.0%}以内所需天数（逐次重复计算）。") if zh else
                (f"Days to clear: from the end of the surge to the first day on which open matters are back within "
                 f"{CLEAR_TOLERANCE:.0%} of their mean over the {PRE_SURGE_DAYS:g} days before it (per replication).")]
    return "\n".join(out) + "\n"


def write_experiment(result: ExperimentResult) -> Path:
    """Write the results directory (see the module docstring); return its path."""

    spec, lang = result.spec, result.lang
    cfg = result.cfgs[spec.baseline]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    final, tmp = claim_results_dir(Path(cfg.run.results_dir) / "experiments", f"{spec.name}-{stamp}")
    try:
        tables = build_tables(result)
        for stem, df in tables.items():
            df.to_csv(tmp / f"{stem}.csv", index=False)
        (tmp / "spec.yaml").write_text(OmegaConf.to_yaml(OmegaConf.structured(spec)), encoding="utf-8")
        (tmp / "finding.txt").write_text(finding_text(result), encoding="utf-8")
        makers = _chart_makers(result, tables)
        files, page = _chart_ids(result)
        figs: dict[str, Figure] = {}
        for cid in dict.fromkeys([*files, *page]):
            figs[cid] = makers[cid]()
            if cid in files:
                figs[cid].savefig(tmp / _file_of(cid), dpi=DPI)
        labels = _labels(result)
        lines = headlines(result.runs, spec.baseline, spec.kpis, labels, lang, result.unstable, result.stability)
        for c in page:
            _fit_slot(figs[c], len(result.runs), c.startswith("bars:"))
        parts = briefing_parts(result)  # the comparison briefing's title, facts and verdict box
        briefing(lines, [figs[c] for c in page], parts.title, tmp / "briefing", lang, facts=parts.facts,
                 verdict=parts.verdict)
        write_manifest(tmp)  # last: every file's size and checksum, which the store checks before serving it
        drop_owner(tmp)  # a finished directory names no owner (remove_stale reads it)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
