"""League tables in a run's results: the CSVs and the chart (township table and bottom ten grids).

``write_league_outputs`` is what ``sim.runs.api`` calls while it writes a results directory;
``league_chart`` draws one figure from the tables of ``sim.metrics.league`` (for the
run's charts, a briefing and the workbench page).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.metrics.league import league_tables, units_of, write_league
from sim.records.schema import Records
from sim.report.fonts import use_cjk_font
from sim.report.labels import check_lang
from sim.scenario.schema import Config

__all__ = ["LEAGUE_CHART", "league_chart", "league_words", "write_league_outputs"]

#: the chart's file name in a results directory
LEAGUE_CHART = "league.png"
#: how many of the lowest-ranked grids the chart shows
BOTTOM_GRIDS = 10

_WORDS: dict[str, dict[str, str]] = {
    "en": {"title.township": "Township league (composite score)", "title.grids": "Bottom {} grids",
           "axis.score": "composite score (0-100)", "note.on_time": "on time {:.0%}"},
    "zh": {"title.township": "乡镇/街道排名（综合得分）", "title.grids": "排名最后的{}个网格",
           "axis.score": "综合得分（0-100）", "note.on_time": "按期 {:.0%}"},
}


def league_words(key: str, lang: str) -> str:
    """A word of the league chart in ``lang``."""
    return _WORDS[check_lang(lang)][key]


def _bars(ax: object, table: pd.DataFrame, color: str, lang: str) -> None:
    rows = table.iloc[::-1]  # best at the top of a horizontal bar chart
    y = np.arange(len(rows))
    score = np.nan_to_num(rows["score"].to_numpy(dtype=float), nan=0.0)
    ax.barh(y, score, color=color, height=0.7)  # type: ignore[attr-defined]
    ax.set_yticks(y, [f"{int(r)}. {c}" for r, c in zip(rows["rank"], rows["code"], strict=True)],  # type: ignore[attr-defined]
                  fontsize=7)
    for yi, s, ot in zip(y, score, rows["on_time_rate"].to_numpy(dtype=float), strict=True):
        if np.isfinite(ot):
            ax.annotate(league_words("note.on_time", lang).format(ot), (s, yi), xytext=(3, 0),  # type: ignore[attr-defined]
                        textcoords="offset points", va="center", fontsize=6, color="#444444")
    ax.set_xlim(0, 115)  # type: ignore[attr-defined]
    ax.set_xlabel(league_words("axis.score", lang), fontsize=8)  # type: ignore[attr-defined]
    ax.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]


def league_chart(tables: Mapping[str, pd.DataFrame], lang: str = "en") -> Figure:
    """Township scores (every township, best first) beside the ``BOTTOM_GRIDS`` lowest-ranked grids."""
    check_lang(lang)
    use_cjk_font()
    town = tables["township"]
    grids = tables["grid"].sort_values(["rank", "code"]).tail(BOTTOM_GRIDS)
    height = max(4.4, 0.22 * max(len(town), len(grids)) + 1.2)
    fig = Figure(figsize=(9.6, height), layout="constrained")
    left, right = fig.subplots(1, 2)
    _bars(left, town, "#1f5fa6", lang)
    left.set_title(league_words("title.township", lang), fontsize=11, loc="left")
    _bars(right, grids, "#b8403a", lang)
    right.set_title(league_words("title.grids", lang).format(len(grids)), fontsize=11, loc="left")
    return fig


def write_league_outputs(rec: Records, cfg: Config, directory: Path) -> dict[str, pd.DataFrame]:
    """Write ``league_<level>.csv`` (and ``league.png`` when ``report.charts``); return the tables."""
    from sim.scenario.territory import build_territory  # deterministic and cheap (ms for a county)

    tables = league_tables(rec, units_of(build_territory(cfg)), dict(cfg.report.league_weights))
    write_league(tables, directory)
    if cfg.report.charts:
        fig = league_chart(tables, cfg.report.lang)
        fig.savefig(Path(directory) / LEAGUE_CHART, dpi=120)
        fig.clear()
    return tables
