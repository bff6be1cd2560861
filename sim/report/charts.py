"""Charts drawn from KPI tables only (``sim.metrics.tables``): one matplotlib Figure each.

Every function takes a table (a pandas DataFrame in the documented format) and
``lang`` (``en`` | ``zh``) and returns a ``matplotlib.figure.Figure`` built without
pyplot, so nothing is shown and no global figure list grows; every word comes from
``labels``, and the bundled CJK font renders the Chinese. A table with a
``scenario`` column gives one line or bar group per scenario, in table order.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: charts are written to files

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from sim.metrics.survival import REACH_EPS  # noqa: E402
from sim.metrics.tables import RunTables, pareto_mask  # noqa: E402
from sim.report.fonts import use_cjk_font  # noqa: E402
from sim.report.labels import check_lang, kpi_name, label, level_name, role_name  # noqa: E402
from sim.report.numbers import (  # noqa: E402
    Unit,
    bare_name,
    fmt_change,
    fmt_value,
    indistinguishable,
    shared_decimals,
    unit_of,
    zero_words,
)
from sim.report.text import set_wrapped_title  # noqa: E402
from sim.scenario.catalogue import label_of  # noqa: E402
from sim.scenario.constants import HOURS_PER_DAY, LEVELS  # noqa: E402
from sim.scenario.schema import OfficeConfig  # noqa: E402

__all__ = ["backlog_chart", "bar_compare", "cdf_chart", "draw_run_charts", "funnel_chart", "office_chart",
           "pareto_chart", "utilization_heatmap"]

FIGSIZE = (6.4, 4.4)
DPI = 120
COLORS = ("#1f5fa6", "#d9822b", "#3a9b5c", "#b8403a", "#7a5aa6", "#8c6d46", "#c2609e", "#6b6b6b")


def _figure(lang: str, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    check_lang(lang)
    use_cjk_font()
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _title(ax: Axes, key: str, lang: str, *args: object, subtitle: str | None = None,
           text: str | None = None) -> None:
    """The chart's title (wrapped to the size the chart is drawn at: ``fit_titles``) and a grey subtitle."""
    text = label(key, lang).format(*args) if text is None else text
    text = text[:1].upper() + text[1:] if lang == "en" else text
    lines = 0 if subtitle is None else subtitle.count("\n") + 1
    set_wrapped_title(ax, text, fontsize=12, loc="left", pad=6 + 12 * lines)
    if subtitle is not None:
        ax.annotate(subtitle, (0, 1), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points",
                    fontsize=9, color="#555555", va="bottom")


def _groups(table: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """``[(scenario, rows)]`` in table order, or ``[(None, table)]`` without a scenario column."""
    if "scenario" not in table.columns:
        return [(None, table)]
    return [(str(s), table[table["scenario"] == s]) for s in pd.unique(table["scenario"])]


def bar_compare(table: pd.DataFrame, kpi: str, lang: str, reference: str | None = None, title: str | None = None,
                unit: Unit | None = None) -> Figure:
    """Bars of one KPI per scenario with 95% CI error bars and the paired difference from the first.

    ``table``: ``scenario, kpi, mean, half_width, n`` and optionally ``diff_mean,
    diff_half_width`` (``comparison_table``). The first scenario is the reference: under its
    bar ``reference`` (default "baseline"; a comparison of two variants passes "reference");
    each other bar's label carries its difference from it and says when that is not
    distinguishable from zero. Values, intervals and changes are rounded by the one rule of
    ``sim.report.numbers`` in the KPI's display ``unit`` (shares in per cent, long times in
    days), the same as the briefing's text. A mean of ``None`` is "above the horizon".
    """
    fig, ax = _figure(lang)
    rows = table[table["kpi"] == kpi].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"no rows for KPI {kpi!r} in the comparison table")
    raw = [None if v is None else float(v) for v in rows["mean"]]
    first = next((v for v in raw if v is not None and math.isfinite(v)), math.nan)
    u = unit or unit_of(kpi, lang, first)
    x = np.arange(len(rows))
    mean = np.array([math.nan if v is None else v for v in raw]) * u.factor
    hw = np.nan_to_num(rows["half_width"].to_numpy(dtype=float), nan=0.0) * u.factor
    ax.bar(x, np.nan_to_num(mean), color=[COLORS[i % len(COLORS)] for i in x], width=0.6, yerr=hw, capsize=5,
           error_kw={"elinewidth": 1.2})
    ticks = []
    ref = label("note.baseline", lang) if reference is None else reference
    dec = shared_decimals(raw, list(rows["half_width"]), u)
    for i, r in enumerate(rows.to_dict("records")):
        value = fmt_value(kpi, raw[i], lang, float(r["half_width"]), u, dec)
        ax.annotate(value, (float(x[i]), float(np.nan_to_num(mean[i]) + hw[i])), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
        d, dhw = float(r.get("diff_mean", math.nan)), float(r.get("diff_half_width", math.nan))
        name = str(r["scenario"])
        if i == 0:
            ticks.append(name if name.casefold() == ref.casefold() else f"{name}\n{ref}")
        elif math.isfinite(d):
            change = fmt_change(kpi, d, dhw, lang, u, words=False)
            # the text's own words, on two lines under a narrow bar
            zero = "\n" + zero_words(lang).replace(" from", "\nfrom") if indistinguishable(d, dhw) else ""
            ticks.append(f"{name}\n{change.replace(' ± ', chr(10) + '± ')}{zero}")
        else:
            ticks.append(name)
    ax.set_xticks(x, ticks, fontsize=8)
    # in the unit the bars are drawn in (a long time in days), not the KPI's own (hours): axis and title alike
    named = (kpi_name(kpi, lang) if not u.suffix else f"{bare_name(kpi_name(kpi, lang))} ({u.suffix.strip()})"
             if lang == "en" else f"{bare_name(kpi_name(kpi, lang))}（{u.suffix.strip()}）")
    ax.set_ylabel(named)
    top = float(np.nanmax(mean + hw)) if np.isfinite(mean).any() else 1.0
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    note = label("note.error_bars" if reference is None else "note.error_bars_ref", lang)
    if title is None:
        own = kpi_name(kpi, lang)  # a name that carries its unit carries the drawn one
        _title(ax, "title.compare", lang, named if bare_name(own) != own else own, subtitle=note)
    else:
        _title(ax, "", lang, text=title, subtitle=note)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def cdf_chart(cdf_table: pd.DataFrame, lang: str) -> Figure:
    """Resolution-time CDFs (``hours, share`` [+ ``scenario``]); x in days, one line per scenario. A share is of
    all the window's matters, open ones counted (``sim.metrics.tables``): a line ends below 100% when some were
    still open at the horizon."""
    fig, ax = _figure(lang)
    right = 0.0
    for i, (s, rows) in enumerate(_groups(cdf_table)):
        days = rows["hours"].to_numpy(dtype=float) / HOURS_PER_DAY
        share = rows["share"].to_numpy(dtype=float)
        if days.size == 0:
            continue
        # the first row at one half (within the product's rounding, as the KPI reads it); with many matters
        # still open the curve stops below one half: no median to state
        reach = int(np.searchsorted(share, 0.5 - REACH_EPS))
        note = (label("note.median", lang).format(float(days[reach])) if reach < days.size
                else label("note.median_open", lang))
        ax.plot(days, share, drawstyle="steps-post", color=COLORS[i % len(COLORS)], lw=1.8,
                label=note if s is None else f"{s}: {note}")
        right = max(right, float(days[min(int(np.searchsorted(share, 0.99)), days.size - 1)]))
    ax.set_xlim(0, right * 1.05 if right > 0 else 1.0)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(label("axis.days", lang))
    ax.set_ylabel(label("axis.share_closed", lang))
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(loc="lower right", fontsize=8)
    _title(ax, "title.cdf", lang)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def funnel_chart(funnel_table: pd.DataFrame, lang: str) -> Figure:
    """Share settled at grid / village / township / county (bars) and cumulatively (a line).

    ``funnel_table``: ``level, share`` [+ ``scenario``]; levels as ``LEVELS`` names or indices.
    """
    fig, ax = _figure(lang)
    groups = _groups(funnel_table)
    width = 0.8 / len(groups)
    x = np.arange(len(LEVELS))
    for i, (s, rows) in enumerate(groups):
        share = pd.Series(rows["share"].to_numpy(dtype=float), index=[level_name(v, "en") for v in rows["level"]])
        y = share.reindex(list(LEVELS)).to_numpy(dtype=float)
        cum = np.nancumsum(y)
        color = COLORS[i % len(COLORS)]
        xs = x - 0.4 + width * (i + 0.5)
        ax.bar(xs, np.nan_to_num(y), width=width * 0.9, color=color, alpha=0.85,
               label=label("legend.at_level", lang) if s is None else s)
        ax.plot(x, cum, marker="o", color=color, lw=1.4, ls="--", ms=5)
        if i == 0 and np.isfinite(cum[-1]):
            ax.annotate(label("legend.cumulative", lang), (x[-1], cum[-1]), xytext=(0, 7),
                        textcoords="offset points", ha="right", va="bottom", fontsize=8, color="#444444")
        if len(groups) <= 2:
            for xi, yi in zip(xs, y, strict=True):
                if math.isfinite(yi):
                    inside = yi >= 0.08
                    ax.annotate(f"{yi:.0%}", (xi, yi), xytext=(0, -3 if inside else 2), textcoords="offset points",
                                ha="center", va="top" if inside else "bottom", fontsize=8,
                                color="white" if inside else "#333333")
    ax.set_xticks(x, [level_name(i, lang) for i in range(len(LEVELS))])
    ax.set_ylim(0, 1.14)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(label("axis.share_settled", lang))
    ax.legend(loc="center right", fontsize=8, frameon=False)
    _title(ax, "title.funnel", lang, subtitle=label("subtitle.funnel", lang))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def backlog_chart(backlog_table: pd.DataFrame, lang: str,
                  surge_windows: Sequence[tuple[float, float]] | pd.DataFrame | None = None) -> Figure:
    """Open matters over time (``t_days, open, undiscovered`` [+ ``scenario``]).

    One run draws open and undiscovered; several scenarios draw open per scenario.
    ``surge_windows`` (``(start_day, end_day)`` pairs or a ``surge_table``) are shaded.
    """
    fig, ax = _figure(lang)
    groups = _groups(backlog_table)
    for i, (s, rows) in enumerate(groups):
        color = COLORS[i % len(COLORS)]
        t = rows["t_days"].to_numpy(dtype=float)
        ax.plot(t, rows["open"].to_numpy(dtype=float), color=color, lw=1.8,
                label=label("legend.open", lang) if s is None else s)
        if s is None and "undiscovered" in rows.columns:
            ax.plot(t, rows["undiscovered"].to_numpy(dtype=float), color=color, lw=1.2, ls=":",
                    label=label("legend.undiscovered", lang))
    if isinstance(surge_windows, pd.DataFrame):
        surge_windows = list(zip(surge_windows["start_day"], surge_windows["end_day"], strict=True))
    for k, (a, b) in enumerate(surge_windows or ()):
        ax.axvspan(float(a), float(b), color="#d9822b", alpha=0.15, lw=0,
                   label=label("legend.surge", lang) if k == 0 else None)
    ax.set_xlabel(label("axis.day", lang))
    ax.set_ylabel(label("axis.matters", lang))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    _title(ax, "title.backlog", lang)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def utilization_heatmap(util_table: pd.DataFrame, lang: str) -> Figure:
    """Utilisation heatmap, values annotated: roles x levels (``role, level, utilization``),
    or scenarios x roles when the table has a ``scenario`` column. Red at or above 1."""
    fig, ax = _figure(lang)
    t = util_table.copy()
    if "level" in t.columns:  # roles ordered grid first, county last
        t["level"] = [level_name(v, "en") for v in t["level"]]
        rank = {lv: i for i, lv in enumerate(LEVELS)}
        t = t.sort_values("level", key=lambda c: c.map(lambda v: rank.get(v, len(LEVELS))), kind="stable")
    if "scenario" in t.columns:
        rows_key, cols_key = "scenario", "role"
        row_order = [str(s) for s in pd.unique(t["scenario"])]
        col_order = [str(r) for r in pd.unique(t["role"])]
        t["scenario"] = t["scenario"].astype(str)
    else:
        rows_key, cols_key = "role", "level"
        row_order = [str(r) for r in pd.unique(t["role"])]
        col_order = list(LEVELS) + [str(v) for v in pd.unique(t["level"]) if v not in LEVELS]
    grid = t.pivot_table(index=rows_key, columns=cols_key, values="utilization", aggfunc="mean")
    grid = grid.reindex(index=row_order, columns=col_order)
    vals = grid.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap="RdYlGn_r", vmin=0.0, vmax=1.0, aspect="auto")
    for (r, c), v in np.ndenumerate(vals):
        if math.isfinite(v):
            red, green, blue, _a = im.cmap(im.norm(v))
            dark = 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.45
            ax.text(c, r, f"{v:.0%}", ha="center", va="center", fontsize=9, color="white" if dark else "black")
    def name(key: str, v: str) -> str:
        return role_name(v, lang) if key == "role" else level_name(v, lang) if key == "level" else v

    ax.set_xticks(range(len(col_order)), [name(cols_key, v) for v in col_order],
                  rotation=30 if cols_key == "role" else 0, ha="right" if cols_key == "role" else "center")
    ax.set_yticks(range(len(row_order)), [name(rows_key, v) for v in row_order])
    ax.set_xlabel(label(f"axis.{cols_key}", lang))
    ax.set_ylabel(label(f"axis.{rows_key}", lang))
    ax.tick_params(length=0)
    fig.colorbar(im, ax=ax, shrink=0.8, format=PercentFormatter(1.0))
    _title(ax, "title.utilization", lang)
    return fig


def office_chart(office_table: pd.DataFrame, lang: str) -> Figure:
    """Utilisation of every township module and county department (``office_table``), one bar each.

    Any catalogue: bars are labelled with the office's display name (``label_of``: ``name_zh``
    in Chinese, ``name_en`` in English) and the chart grows with the number of offices. Red
    at or above 1.
    """
    t = office_table.reset_index(drop=True)
    n = len(t)
    fig, ax = _figure(lang, (FIGSIZE[0], max(FIGSIZE[1], 1.6 + 0.24 * n)))
    util = t["utilization"].to_numpy(dtype=float)
    y = np.arange(n)
    colors = [COLORS[0] if k == "module" else COLORS[1] for k in t["kind"]]
    colors = [COLORS[3] if math.isfinite(u) and u >= 1.0 else c for u, c in zip(util, colors, strict=True)]
    ax.barh(y, np.nan_to_num(util, nan=0.0), color=colors, height=0.7)
    staffed = t["capacity_hours"].to_numpy(dtype=float) > 0 if "capacity_hours" in t.columns else np.ones(n, bool)
    for i, u in enumerate(util):
        if not staffed[i]:  # an office left with no one: said in red, not drawn as an empty bar
            ax.annotate(label("office.no_staff", lang), (0.0, i), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=7, color=COLORS[3], fontweight="bold")
            continue
        ax.annotate("-" if not math.isfinite(u) else f"{u:.0%}", (0.0 if not math.isfinite(u) else float(u), i),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    en = t["name_en"] if "name_en" in t.columns else [""] * n
    names = [label_of(OfficeConfig(str(name), zh if isinstance(zh, str) else "", e if isinstance(e, str) else ""),
                      lang) for name, zh, e in zip(t["office"], t["name_zh"], en, strict=True)]
    ax.set_yticks(y, names, fontsize=8)
    kinds = [k for k in ("module", "department") if (t["kind"] == k).any()]
    ax.legend(handles=[Patch(color=COLORS[0] if k == "module" else COLORS[1], label=label(f"kind.{k}", lang))
                       for k in kinds], loc="best", fontsize=8, frameon=False)  # clear of the longest bars
    ax.invert_yaxis()  # catalogue order, modules first, from the top
    ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--")
    finite = util[np.isfinite(util)]
    ax.set_xlim(0, max(1.1, float(finite.max()) * 1.15 if finite.size else 1.1))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="y", length=0)
    ax.spines[["top", "right"]].set_visible(False)
    _title(ax, "title.offices", lang)
    return fig


def pareto_chart(cost_table: pd.DataFrame, lang: str, target: float = 0.95,
                 unstable: Collection[str] = (), per_year: bool = False) -> Figure:
    """Staff cost (million yuan) vs on-time rate (``scenario, staff_cost, on_time_rate``): every
    variant a point, the Pareto front (cheapest for its on-time rate) joined and highlighted,
    and the target on-time rate as a horizontal line. The ``unstable`` scenarios are marked apart
    and kept off the front: a starved office reads cheap while its open matters pile up. ``per_year``:
    the table's costs are a year's (``cost_table(..., per_year=True)``), and the axis says so."""
    fig, ax = _figure(lang)
    cost = cost_table["staff_cost"].to_numpy(dtype=float) / 1e6
    rate = cost_table["on_time_rate"].to_numpy(dtype=float)
    bad = np.array([str(n) in set(unstable) for n in cost_table["scenario"]], dtype=bool)
    front = np.zeros(len(cost), dtype=bool)
    front[~bad] = pareto_mask(cost[~bad], rate[~bad])
    other = ~front & ~bad
    ax.scatter(cost[other], rate[other], s=30, color="#9a9a9a", label=label("legend.runs", lang), zorder=2)
    if bad.any():
        ax.scatter(cost[bad], rate[bad], s=40, marker="x", color=COLORS[3], label=label("legend.unstable", lang),
                   zorder=2)
    order = np.flatnonzero(front)[np.argsort(cost[front])]
    ax.plot(cost[order], rate[order], color=COLORS[0], lw=1.6, marker="o", ms=7, zorder=3,
            label=label("legend.pareto", lang))
    ax.axhline(target, color=COLORS[3], ls="--", lw=1.2, label=label("legend.target", lang).format(target))
    if len(cost_table) <= 12:
        for name, cx, ry in zip(cost_table["scenario"], cost, rate, strict=True):
            if math.isfinite(cx) and math.isfinite(ry):
                ax.annotate(str(name), (cx, ry), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    finite = rate[np.isfinite(rate)]
    lo = float(min(finite.min(), target)) if finite.size else target
    ax.set_ylim(max(0.0, lo - 0.05), min(1.0, max(float(finite.max()) if finite.size else 1.0, target)) + 0.03)
    ax.set_xlabel(label("axis.staff_cost_per_year" if per_year else "axis.staff_cost", lang))
    ax.set_ylabel(label("axis.on_time_rate", lang))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    _title(ax, "title.pareto", lang)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


#: file names written by ``draw_run_charts``
RUN_CHARTS = ("resolution_cdf.png", "level_funnel.png", "backlog.png", "utilization.png")
#: written too when the tables have the catalogue's ``offices`` table
OFFICE_CHART = "offices.png"


def draw_run_charts(tables: RunTables, out_dir: str | Path, lang: str = "en") -> list[Path]:
    """Write the single-run charts (``RUN_CHARTS``, and ``OFFICE_CHART`` when ``tables.offices``
    has rows) into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figs = [cdf_chart(tables.cdf, lang), funnel_chart(tables.funnel, lang),
            backlog_chart(tables.backlog, lang, tables.surges), utilization_heatmap(tables.utilization, lang)]
    names = list(RUN_CHARTS)
    if len(tables.offices):
        figs.append(office_chart(tables.offices, lang))
        names.append(OFFICE_CHART)
    paths = []
    for name, fig in zip(names, figs, strict=True):
        path = out / name
        fig.savefig(path, dpi=DPI)
        fig.clear()
        paths.append(path)
    return paths
