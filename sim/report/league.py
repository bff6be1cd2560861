"""League tables a planner can read: the run's CSVs, the chart, and the table the page shows.

``draw_league_chart`` is what ``sim.runs.api`` calls while it writes a results directory, after
``sim.metrics.league.write_league_tables`` (the CSVs, without Matplotlib; ``write_league_outputs``: both);
``league_chart`` draws one figure from the tables of ``sim.metrics.league`` (for the
run's charts, a briefing and the workbench page) at a fixed size whatever the
territory: every township when there are few, else the ten best and the ten lowest,
and the ten best and ten lowest grids. ``league_frame`` turns a table into what a
planner reads: rank and composite score first, places by name (``sim.report.places``),
headers in words in either language, whole residents and matters, rates in per cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.metrics.league import write_league_tables
from sim.records.schema import Records
from sim.report.fonts import use_cjk_font
from sim.report.labels import check_lang, humanize
from sim.report.places import place_names
from sim.scenario.schema import Config
from sim.scenario.territory import build_territory
from sim.scenario.units import load_villages

__all__ = ["LEAGUE_CHART", "TOP", "city_chart_name", "city_tables", "draw_league_chart", "highlight_rows",
           "league_chart", "league_frame", "league_header", "league_words", "write_league_outputs",
           "write_league_tables"]

#: the chart's file name in a results directory
LEAGUE_CHART = "league.png"
#: how many of the best and of the lowest-ranked units the chart and the page single out
TOP = 10
#: longest place name on a chart's axis (longer ones end in "…")
NAME_CHARS = 26

_WORDS: dict[str, dict[str, str]] = {
    "en": {"title.township": "Townships by composite score", "title.township_cut": "Townships: best and lowest {}",
           "title.grids": "Grids: best and lowest {}", "axis.score": "composite score (0–100)",
           "note.on_time": "on time {:.0%}", "note.more": "… {} more …", "band.top": "top {}",
           "band.bottom": "bottom {}"},
    "zh": {"title.township": "乡镇/街道综合得分排名", "title.township_cut": "乡镇/街道：前{}名与后{}名",
           "title.grids": "网格：前{}名与后{}名", "axis.score": "综合得分（0–100）", "note.on_time": "按期 {:.0%}",
           "note.more": "…… 另有{}个 ……", "band.top": "前{}名", "band.bottom": "后{}名"},
}

#: column -> (English, Chinese) header of the page's league table, in the order shown
_HEADERS: dict[str, tuple[str, str]] = {
    "rank": ("rank", "名次"),
    "score": ("composite score (0–100)", "综合得分（0–100）"),
    "place": ("place", "名称"),
    "parent": ("part of", "所属"),
    "city": ("city", "所属市"),
    "rank_in_city": ("rank in its city", "市内名次"),
    "band": ("standing", "位次"),
    "on_time_rate": ("on-time rate (%)", "按期办结率（%）"),
    "on_time_rate_of_closed": ("on time, of closed matters (%)", "已办结事项按期率（%）"),
    "satisfaction_rate": ("satisfaction (%)", "满意率（%）"),
    "resolution_hours_mean": ("mean resolution time (hours)", "平均办结时长（小时）"),
    "resolution_hours_p90": ("90th percentile resolution time (hours)", "办结时长90分位（小时）"),
    "petitions_per_10k": ("petitions per 10,000 residents a year", "每万人年信访量"),
    "settled_locally_share": ("settled at this level or below (%)", "本级及以下办结占比（%）"),
    "open_at_horizon_share": ("open at the horizon (%)", "期末未办结占比（%）"),
    "residents": ("residents", "常住人口"),
    "matters": ("matters", "事项数"),
    "closed": ("closed", "已办结"),
    "open": ("open at the horizon", "期末未办结"),
}
#: decimals of each column as shown (rates are in per cent by then)
_DECIMALS: dict[str, int] = {"score": 1, "resolution_hours_mean": 1, "resolution_hours_p90": 1,
                             "petitions_per_10k": 2}
_WHOLE = ("rank", "rank_in_city", "residents", "matters", "closed", "open")
_HIDDEN = ("code", "level", "name")


def league_words(key: str, lang: str) -> str:
    """A word of the league chart in ``lang``."""
    return _WORDS[check_lang(lang)][key]


def league_header(column: str, lang: str) -> str:
    """The header of a league column in ``lang`` (a column this module does not know: its name in words)."""
    en, zh = _HEADERS.get(column, (humanize(column), humanize(column)))
    return zh if check_lang(lang) == "zh" else en


def _is_rate(column: str) -> bool:
    return column.endswith(("_rate", "_share")) or "_rate_" in column


def _band(rank: pd.Series, lang: str) -> list[str]:
    ranked = int(rank.notna().sum())
    k = top_count(ranked)
    last = rank.max() if ranked else 0
    out = []
    for r in rank.to_numpy():
        if r <= k:
            out.append(league_words("band.top", lang).format(k))
        elif r > last - k:
            out.append(league_words("band.bottom", lang).format(k))
        else:
            out.append("")
    return out


def top_count(n_units: int) -> int:
    """How many units are singled out at each end of a table of ``n_units``: ten, fewer in a short table."""
    return int(min(TOP, max(1, n_units // 4)))


def league_frame(table: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """The table as a planner reads it: rank, score, place, part of, the metrics, then the counts.

    Columns keep numbers (the page sorts them) rounded to what is shown: rates in per cent
    with one decimal, whole residents and matters; headers in ``lang``; places by name.
    """
    check_lang(lang)
    t = table.copy()
    t["place"] = [names.get(str(c), str(c)) for c in t["code"]]
    t["parent"] = [names.get(str(c), str(c)) for c in t["parent"]]
    if "city" in t.columns:  # a province's table
        t["city"] = [names.get(str(c), str(c)) for c in t["city"]]
    t["band"] = _band(t["rank"], lang)
    known = [c for c in _HEADERS if c in t.columns]
    rest = [c for c in t.columns if c not in _HEADERS and c not in _HIDDEN]
    t = t[known + rest]
    for c in t.columns:
        if c in ("place", "parent", "band", "city"):
            continue
        x = pd.to_numeric(t[c], errors="coerce")
        if _is_rate(c):
            x = x * 100.0
        if c in _WHOLE:
            t[c] = x.round(0).astype("Int64")
        else:
            t[c] = x.round(_DECIMALS.get(c, 1))
    return t.rename(columns={c: league_header(c, lang) for c in t.columns})


def highlight_rows(frame: pd.DataFrame, lang: str) -> list[str]:
    """A CSS background per row of a ``league_frame``: green for the top ten, red for the bottom ten."""
    band = frame[league_header("band", lang)].astype(str)
    top, bottom = league_words("band.top", lang).split("{")[0], league_words("band.bottom", lang).split("{")[0]
    return ["background-color: #e3f1e6" if b.startswith(top) and b else
            "background-color: #f8e1df" if b.startswith(bottom) and b else "" for b in band]


#: longest grid label (its township's name and its own: a village's number repeats in every township)
GRID_NAME_CHARS = 46


def _short(name: str, most: int = NAME_CHARS) -> str:
    return name if len(name) <= most else name[:most - 1] + "…"


def _label(code: str, parent: str | None, names: Mapping[str, str], lang: str) -> str:
    """A unit's name on the chart; a grid's with its township's first (``Township 4 · Village 7, grid 2``)."""
    own = names.get(code, code)
    if parent is None:
        return _short(own)
    return _short(f"{names.get(parent, parent)}{'·' if lang == 'zh' else ' · '}{own}", GRID_NAME_CHARS)


def _ends(table: pd.DataFrame, k: int) -> tuple[pd.DataFrame, int]:
    """The whole table when short, else its ``k`` best and ``k`` lowest rows; and how many were left out."""
    rows = table.sort_values(["rank", "code"], kind="stable")
    if len(rows) <= 2 * k:
        return rows, 0
    return pd.concat([rows.head(k), rows.tail(k)]), len(rows) - 2 * k


def _bars(ax: Axes, rows: pd.DataFrame, left_out: int, names: Mapping[str, str], lang: str,
          colors: tuple[str, str], with_parent: bool = False) -> None:
    """Horizontal bars, best at the top; a gap row says how many units lie between the two ends."""
    n_top = len(rows) // 2 if left_out else len(rows)
    ys, labels = [], []
    y = 0.0
    for i, code in enumerate(rows["code"]):
        if left_out and i == n_top:
            ax.text(0.0, -(y + 0.1), league_words("note.more", lang).format(left_out), fontsize=7,
                    color="#777777", va="center")
            y += 1.2
        ys.append(-y)
        parent = str(rows["parent"].iloc[i]) if with_parent else None
        labels.append(f"{int(rows['rank'].iloc[i])}. {_label(str(code), parent, names, lang)}")
        y += 1.0
    score = np.nan_to_num(rows["score"].to_numpy(dtype=float), nan=0.0)
    color = [colors[0] if i < n_top else colors[1] for i in range(len(rows))]
    ax.barh(ys, score, color=color, height=0.72)
    ax.set_yticks(ys, labels, fontsize=7)
    for yi, s, ot in zip(ys, score, rows["on_time_rate"].to_numpy(dtype=float), strict=True):
        if np.isfinite(ot):
            ax.annotate(league_words("note.on_time", lang).format(ot), (s, yi), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=6, color="#444444")
    ax.set_xlim(0, 135)  # room for the on-time note after a full bar
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.tick_params(axis="x", labelsize=7)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-y + 0.4, 0.6)
    ax.set_xlabel(league_words("axis.score", lang), fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)


def league_chart(tables: Mapping[str, pd.DataFrame], lang: str = "en", names: Mapping[str, str] | None = None,
                 panels: Sequence[str] = ("township", "grid"), figsize: tuple[float, float] | None = None,
                 top: int = TOP) -> Figure:
    """Townships (every one when there are at most ``2 * top``, else the ``top`` best and lowest) and the
    ``top`` best and lowest grids, labelled by place name; the same size at any scale."""
    check_lang(lang)
    use_cjk_font()
    names = names or {}
    n_rows = max(min(len(tables[p]), 2 * top) + (1 if len(tables[p]) > 2 * top else 0) for p in panels)
    size = figsize or (4.8 * len(panels), max(3.2, 0.2 * n_rows + 1.4))
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, level in zip(axes, panels, strict=True):
        rows, left_out = _ends(tables[level], top)
        if level == "township":
            colors = ("#1f5fa6", "#1f5fa6") if not left_out else ("#1f5fa6", "#b8403a")
            title = (league_words("title.township", lang) if not left_out
                     else league_words("title.township_cut", lang).format(top, top) if lang == "zh"
                     else league_words("title.township_cut", lang).format(top))
        else:
            colors = ("#3a9b5c", "#b8403a")
            k = len(rows) // 2 if left_out else len(rows)
            title = (league_words("title.grids", lang).format(k, k) if lang == "zh"
                     else league_words("title.grids", lang).format(k))
        _bars(ax, rows, left_out, names, lang, colors, with_parent=level == "grid" and "parent" in rows)
        ax.set_title(title, fontsize=9, loc="left")
    return fig


def city_tables(tables: Mapping[str, pd.DataFrame], city: str) -> dict[str, pd.DataFrame]:
    """The rows of one city's units in each table, ranked within the city (``rank_in_city`` as ``rank``)."""
    out = {}
    for level, table in tables.items():
        rows = table[table["city"] == city]
        out[level] = rows.assign(rank=rows["rank_in_city"]).sort_values(["rank", "code"], kind="stable")
    return out


def city_chart_name(city: str) -> str:
    """The file of one city's league chart in a results directory."""
    return f"league_{city}.png"


def draw_league_chart(tables: Mapping[str, pd.DataFrame], cfg: Config, directory: Path) -> None:
    """Write ``league.png`` from the tables ``write_league_tables`` gave, and where the territory has cities
    (a province) ``league_<city>.png`` for each: its townships and its best and lowest grids."""
    units = cfg.territory.units_file
    villages = load_villages(units) if units and not cfg.textbook.enabled else None
    terr = build_territory(cfg)
    names = place_names(terr, villages, cfg.report.lang)
    charts: list[tuple[str, dict[str, pd.DataFrame], str | None]] = [(LEAGUE_CHART, dict(tables), None)]
    if "city" in tables["grid"].columns:
        charts += [(city_chart_name(c), city_tables(tables, c), names.get(c, c)) for c in terr.city_codes]
    for file, shown, title in charts:
        fig = league_chart(shown, cfg.report.lang, names)
        if title is not None:
            fig.suptitle(title, fontsize=10, x=0.02, ha="left")
        fig.savefig(Path(directory) / file, dpi=120)
        fig.clear()


def write_league_outputs(rec: Records, cfg: Config, directory: Path) -> dict[str, pd.DataFrame]:
    """Write ``league_<level>.csv`` (and ``league.png`` when ``report.charts``); return the tables."""
    tables = write_league_tables(rec, cfg, directory)
    if cfg.report.charts:
        draw_league_chart(tables, cfg, directory)
    return tables
