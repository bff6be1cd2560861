"""The briefing of one run against another (the workbench's "compare two runs"), from plain data.

Each side is a ``Side``: what the page calls it, its resolved config, its replications'
KPIs, and where its results are (league tables, the stability verdict in ``kpis.json``).
A side is called the baseline only when it is the base itself (``is_base``); otherwise it
is the reference, by its own name. The title is the change in words
(``sim.report.change``); the facts say the base, the territory, the replications of each
side and the date; the verdict of the changed side comes first (and the reference's when
it is unstable); each finding and each bar is rounded by one rule (``sim.report.numbers``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from sim.metrics.replications import paired_difference, summary_of
from sim.report.briefing import briefing, compose
from sim.report.change import base_words, change_title, config_changes, territory_words
from sim.report.charts import bar_compare
from sim.report.labels import check_lang, label
from sim.report.league import league_chart
from sim.report.names import kpi_label
from sim.report.numbers import bare_name, fmt_change, fmt_value, shared_decimals, unit_of
from sim.report.places import place_names_of
from sim.report.verdict import Verdict, verdict_of
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory

__all__ = ["BRIEFING_KPIS", "Side", "compare_briefing", "compare_page", "comparison_rows", "kpi_title", "side_label"]

#: the KPIs the findings state, in order (the page's headline KPIs)
BRIEFING_KPIS = ("on_time_rate", "resolution_hours_p90", "satisfaction_rate", "petitions_per_10k",
                 "staff_cost_per_year")
LEAGUE_LEVELS = ("township", "village", "grid")


@dataclass(frozen=True)
class Side:
    """One run of a comparison."""

    name: str  # what the page calls it ("#3")
    cfg: Config
    runs: Sequence[Mapping[str, Any]]  # one KPI dict per replication
    is_base: bool = False  # the base itself, no lever changed: the only side called "baseline"
    out_dir: Path | None = None  # its results directory (league tables, kpis.json)
    stability: Any = None  # its Stability (or to_dict()); None: read from out_dir's kpis.json


def side_label(side: Side, lang: str) -> str:
    """"baseline" for the base itself, else "run #3"."""
    return label("note.baseline", lang) if side.is_base else label("brief.run", lang).format(side.name)


def _values(side: Side, kpi: str) -> list[float]:
    out = []
    for r in side.runs:
        v = r.get(kpi)
        out.append(math.nan if v is None else float(v))
    return out


def _above(side: Side, kpi: str) -> bool:
    """True when every replication's curve stops short of this percentile (the KPI is ``None``)."""
    return bool(side.runs) and all(r.get(kpi, 0.0) is None or r.get(f"{kpi}_above_horizon") == 1.0
                                   for r in side.runs)


def comparison_rows(a: Side, b: Side, kpis: Sequence[str], lang: str) -> pd.DataFrame:
    """``scenario, kpi, mean, half_width, n, diff_mean, diff_half_width`` for ``bar_compare``: the reference
    first, the change second, with the paired difference when both sides have the same replications."""
    rows = []
    for side in (a, b):
        for k in kpis:
            s = summary_of(_values(side, k))
            d_mean = d_hw = math.nan
            if side is b and len(a.runs) == len(b.runs) and a.runs:
                d = paired_difference([{k: v} for v in _values(a, k)], [{k: v} for v in _values(b, k)], k)
                d_mean, d_hw = d.mean, d.half_width
            rows.append({"scenario": side_label(side, lang), "kpi": k, "mean": None if _above(side, k) else s.mean,
                         "half_width": s.half_width, "n": s.n, "diff_mean": d_mean, "diff_half_width": d_hw})
    return pd.DataFrame(rows)


def kpi_title(kpi: str, lang: str) -> str:
    """A KPI's name without its unit (the unit goes with each figure), capitalised in English."""
    name = bare_name(kpi_label(kpi, lang))
    return name[:1].upper() + name[1:] if lang == "en" else name


def _finding(rows: pd.DataFrame, kpi: str, lang: str) -> str:
    ref, new = rows[rows["kpi"] == kpi].to_dict("records")
    unit = unit_of(kpi, lang, ref["mean"] if ref["mean"] is not None else new["mean"])
    dec = shared_decimals([ref["mean"], new["mean"]], [ref["half_width"], new["half_width"]], unit)
    va = fmt_value(kpi, ref["mean"], lang, ref["half_width"], unit, dec, interval=False)
    vb = fmt_value(kpi, new["mean"], lang, new["half_width"], unit, dec, interval=False)
    text = f"{kpi_title(kpi, lang)}{'：' if lang == 'zh' else ': '}{va} → {vb}"
    if math.isfinite(new["diff_mean"]):
        change = fmt_change(kpi, new["diff_mean"], new["diff_half_width"], lang, unit)
        same = change == fmt_change(kpi, 0.0, 0.0, lang, unit)
        text += ("，" if lang == "zh" else "; ") + (change if same else (
            f"变化 {change}" if lang == "zh" else f"change {change}"))
    return text


def _facts(a: Side, b: Side, lang: str, when: dt.date) -> list[str]:
    la, lb = side_label(a, lang), side_label(b, lang)
    terr = build_territory(b.cfg)
    horizon, warm = b.cfg.run.horizon_days, b.cfg.run.warmup_days
    na, nb = len(a.runs), len(b.runs)
    reps = (label("brief.reps_same", lang).format(n=na) if na == nb
            else label("brief.reps_differ", lang).format(a=la, na=na, b=lb, nb=nb))
    compared = label("brief.compared_base" if a.is_base else "brief.compared", lang).format(b=lb, a=la)
    return [compared,
            label("brief.base", lang).format(base_words(a.cfg, lang)),
            label("brief.territory", lang).format(territory_words(terr, lang)),
            reps + label("brief.horizon", lang).format(h=horizon, w=warm if warm is not None else 0.0),
            label("brief.date", lang).format(f"{when.year}年{when.month}月{when.day}日" if lang == "zh" else
                                             f"{when.day} {when.strftime('%B %Y')}")]


def _verdict(a: Side, b: Side, lang: str) -> Verdict:
    vb = verdict_of(b.stability if b.stability is not None else b.out_dir, b.cfg.catalog, lang)
    va = verdict_of(a.stability if a.stability is not None else a.out_dir, a.cfg.catalog, lang)
    colon = "：" if lang == "zh" else ": "
    if va.stable is False:  # the reference is unstable too: its figures are no steady state either
        text = f"{side_label(b, lang)}{colon}{vb.text} {side_label(a, lang)}{colon}{va.text}"
        return Verdict(False, text)
    return Verdict(vb.stable, f"{side_label(b, lang)}{colon}{vb.text}")


def _league(side: Side) -> dict[str, pd.DataFrame]:
    if side.out_dir is None:
        return {}
    files = {lv: Path(side.out_dir) / f"league_{lv}.csv" for lv in LEAGUE_LEVELS}
    return {lv: pd.read_csv(p) for lv, p in files.items() if p.is_file()}


def compare_briefing(a: Side, b: Side, out_stem: str | Path, lang: str, when: dt.date | None = None,
                     kpis: Sequence[str] = BRIEFING_KPIS) -> tuple[Path, Path]:
    """Write the one-page briefing of ``b`` against ``a`` (``<out_stem>.png`` and ``.pdf``); return both."""
    return briefing(*_contents(a, b, lang, when, kpis), out_stem, lang, **_extras(a, b, lang, when))


def compare_page(a: Side, b: Side, lang: str, when: dt.date | None = None,
                 kpis: Sequence[str] = BRIEFING_KPIS) -> tuple[Figure, list[str]]:
    """The page ``compare_briefing`` writes, and what of its charts does not fit (for the layout checks)."""
    return compose(*_contents(a, b, lang, when, kpis), lang, **_extras(a, b, lang, when))


def _extras(a: Side, b: Side, lang: str, when: dt.date | None) -> dict[str, Any]:
    return {"facts": _facts(a, b, lang, when or dt.date.today()), "verdict": _verdict(a, b, lang)}


def _contents(a: Side, b: Side, lang: str, when: dt.date | None,
              kpis: Sequence[str]) -> tuple[list[str], list[Figure], str]:
    check_lang(lang)
    rows = comparison_rows(a, b, kpis, lang)
    title = change_title(config_changes(a.cfg, b.cfg, lang), lang)
    lines = [_finding(rows, k, lang) for k in kpis][:5]
    reference = label("note.baseline" if a.is_base else "note.reference", lang)
    figs = [bar_compare(rows, k, lang, reference=reference, title=kpi_title(k, lang))
            for k in ("on_time_rate", "resolution_hours_p90")]
    league = _league(b)
    # townships when there are a few to compare, else the grids (a one-township territory)
    level = "township" if len(league.get("township", ())) >= 3 else "grid"
    if level in league:
        figs.append(league_chart(league, lang, place_names_of(b.cfg, lang), panels=(level,), top=5))
    else:
        figs.append(bar_compare(rows, "satisfaction_rate", lang, reference=reference,
                                title=kpi_title("satisfaction_rate", lang)))
    return lines, figs, title
