"""The page's league tab (比学赶超): sortable tables a planner can read, a search box and the chart.

``render(st, outcome, lang)`` is the one call the page makes, under its league header
(``show_league(tables, cfg, lang)`` with the run's tables read from its results
directory). Each level (townships, villages, grids; one chosen at a time) has a search box and a
sortable ``st.dataframe``: rank and composite score first, places by name, headers in
words, figures rounded (``sim.report.league.league_frame``), the top and bottom ten
rows tinted; the chart (``league_chart``) has a fixed size at any scale.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from sim.report.labels import check_lang
from sim.report.league import highlight_rows, league_chart, league_frame, league_header
from sim.report.places import place_names_of
from sim.scenario.schema import Config

__all__ = ["column_config", "keep_choice", "league_tables_of", "render", "search", "show_league"]

LEVELS = ("township", "village", "grid")
_TEXT: dict[str, tuple[str, str]] = {
    "tab.township": ("Townships", "乡镇/街道"),
    "tab.village": ("Villages", "村/社区"),
    "tab.grid": ("Grids", "网格"),
    "level": ("Level", "层级"),
    "search": ("Search by name", "按名称搜索"),
    "search.help": ("Part of a place's name, or of what it belongs to", "名称或所属单位中的任意文字"),
    "shown": ("{shown} of {total} shown · green: top {k}, red: bottom {k} · click a header to sort",
              "显示 {shown} / {total} 个 · 绿色：前{k}名，红色：后{k}名 · 点击表头排序"),
    "chart": ("League chart", "排名图"),
    "none": ("No league tables for this run.", "本次运行没有排名表。"),
    "first": ("From the run's first replication of {n}, so its figures differ a little from the answer's, "
              "which are the means over all of them.",
              "依据本次{n}次重复中的第一次，故与答案中（各次重复的平均值）略有出入。"),
}
#: how tall a table is on the page (pixels): about 15 rows, then it scrolls
TABLE_HEIGHT = 560


def _t(key: str, lang: str) -> str:
    en, zh = _TEXT[key]
    return zh if lang == "zh" else en


def search(frame: pd.DataFrame, query: str, lang: str, also: pd.Series | None = None) -> pd.DataFrame:
    """The rows whose place or parent contains ``query`` (any case; empty: every row), or whose ``also``
    (the same rows' names in the other language: a search typed before a language switch) does."""
    q = query.strip().casefold()
    if not q:
        return frame
    cols = [league_header("place", lang), league_header("parent", lang)]
    hit = pd.Series(False, index=frame.index)
    for c in cols:
        if c in frame.columns:
            hit |= frame[c].astype(str).str.casefold().str.contains(q, regex=False)
    if also is not None:
        hit |= also.reindex(frame.index).fillna("").astype(str).str.casefold().str.contains(q, regex=False)
    return frame[hit]


def column_config(frame: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Streamlit column settings: numbers formatted as shown (no fractional residents, per cent signs)."""
    cfg: dict[str, Any] = {}
    for col, fmt in (("rank", "%d"), ("score", "%.1f"), ("residents", "localized"), ("matters", "localized"),
                     ("closed", "localized"), ("open", "localized"), ("on_time_rate", "%.1f%%"),
                     ("on_time_rate_of_closed", "%.1f%%"), ("satisfaction_rate", "%.1f%%"),
                     ("settled_locally_share", "%.1f%%"), ("open_at_horizon_share", "%.1f%%"),
                     ("resolution_hours_mean", "%.1f"), ("resolution_hours_p90", "%.1f"),
                     ("petitions_per_10k", "%.2f")):
        name = league_header(col, lang)
        if name in frame.columns:
            cfg[name] = st.column_config.NumberColumn(name, format=fmt)
    for col in ("place", "parent", "band"):
        name = league_header(col, lang)
        if name in frame.columns:
            cfg[name] = st.column_config.TextColumn(name, width="medium" if col == "place" else "small")
    return cfg


def _png(tables: Mapping[str, pd.DataFrame], names: Mapping[str, str], lang: str) -> bytes:
    fig = league_chart(tables, lang, names)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    fig.clear()
    return buf.getvalue()


def league_tables_of(out_dir: Path) -> dict[str, pd.DataFrame]:
    """The league tables a run wrote into its results directory (``league_<level>.csv``)."""
    files = {lv: Path(out_dir) / f"league_{lv}.csv" for lv in LEVELS}
    return {lv: pd.read_csv(p) for lv, p in files.items() if p.is_file()}


def render(page: Any, outcome: Any, lang: str, tag: str = "") -> None:
    """The league tab of one run of the page (``outcome``: its ``out_dir`` and ``cfg``); ``page`` is the
    Streamlit module the page draws with; ``tag``: the page's key for its language (see ``show_league``)."""
    del page  # the widgets below are Streamlit's own: one page, one module
    n = int(getattr(outcome, "replications", 1) or 1)
    if n > 1:  # the tables are replication 0's (sim.runs.api writes them from its records)
        st.caption(_t("first", lang).format(n=n))
    # one level and one search for the page, whichever run is shown (a planner compares runs by them)
    show_league(league_tables_of(outcome.out_dir), outcome.cfg, lang, key="league-page", tag=tag)


def _other_names(table: pd.DataFrame, cfg: Config, lang: str) -> pd.Series:
    """Each row's place and parent named in the other language (a search typed before a switch)."""
    other = place_names_of(cfg, "zh" if lang == "en" else "en")
    return pd.Series([f"{other.get(str(c), str(c))} {other.get(str(p), str(p))}"
                      for c, p in zip(table["code"], table["parent"], strict=True)], index=table.index)


def keep_choice(widget_key: str, kept_key: str) -> None:
    """A widget's callback: its choice copied to ``kept_key`` of the session state at once, so that the
    widget drawn again under another key (another language) starts from it."""
    if widget_key in st.session_state:
        st.session_state[kept_key] = st.session_state[widget_key]


def show_league(tables: Mapping[str, pd.DataFrame], cfg: Config, lang: str, key: str = "league",
                tag: str = "") -> None:
    """Draw the league tab's content: a choice of level, its search box and table, then the chart.

    The level is a radio, not ``st.tabs``: a search reruns the page, and tabs would fall back to
    the first one, taking the planner away from the table they were searching. The browser
    holds a radio's choice by its label, which a language switch changes: so the radio is
    keyed by ``tag`` (the language, or the page's own key for it) and the level is kept
    beside it, by name, through a switch.
    """
    check_lang(lang)
    levels = [lv for lv in LEVELS if lv in tables]
    if not levels:
        st.caption(_t("none", lang))
        return
    names = place_names_of(cfg, lang)
    with st.container(key="league-view"):
        kept, widget = f"{key}-level", f"{key}-level.{tag or lang}"
        before = st.session_state.get(kept)
        level = st.radio(_t("level", lang), levels, format_func=lambda lv: _t(f"tab.{lv}", lang), horizontal=True,
                         index=levels.index(before) if before in levels else 0, key=widget,
                         label_visibility="collapsed", on_change=keep_choice, args=(widget, kept))
        st.session_state[kept] = level
        frame = league_frame(tables[level], names, lang)
        query = st.text_input(_t("search", lang), key=f"{key}-{level}-search", help=_t("search.help", lang))
        shown = search(frame, query, lang, _other_names(tables[level], cfg, lang) if query.strip() else None)
        k = max(1, sum(1 for b in frame[league_header("band", lang)] if b) // 2)
        st.caption(_t("shown", lang).format(shown=len(shown), total=len(frame), k=k))
        css = dict(zip(shown.index, highlight_rows(shown, lang), strict=True))
        styled = shown.style.apply(lambda row: [css[row.name]] * len(row), axis=1)
        height = min(TABLE_HEIGHT, 40 + 35 * max(len(shown), 1))  # a short table without empty rows
        st.dataframe(styled, hide_index=True, height=height, width="stretch",
                     column_config=column_config(shown, lang), key=f"{key}-{level}-table")
    if "township" in tables and "grid" in tables:
        st.image(_png(tables, names, lang), caption=_t("chart", lang))
