"""Report: KPI tables from records, one chart per table (en and zh), run charts in the results directory."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.metrics.survival import REACH_EPS, km_curve, km_quantile
from sim.metrics.tables import (
    COMPARISON_COLUMNS,
    RunTables,
    cdf_table,
    comparison_table,
    cost_table,
    pareto_mask,
    stack,
    tables_from_records,
)
from sim.report import charts
from sim.report.briefing import briefing, text_width, wrap
from sim.report.labels import kpi_name, label, level_name, role_name
from sim.report.numbers import zero_words
from sim.scenario.constants import LEVELS

SHORT = ["territory=township", "run.horizon_days=30", "run.warmup_days=5"]
NAN = math.nan


@pytest.fixture(scope="module")
def run_tables() -> RunTables:
    res = sim.run(SHORT, write=False)
    assert res.records is not None
    return tables_from_records(res.records)


def _ax(fig: Figure):  # the chart's main axes (a heatmap also has a colorbar)
    return fig.axes[0]


def _title(fig: Figure) -> str:
    return _ax(fig).get_title(loc="left")


COMP = pd.DataFrame({"scenario": ["base", "unified", "staff+", "base", "unified", "staff+"],
                     "kpi": ["on_time_rate"] * 3 + ["resolution_hours_mean"] * 3,
                     "mean": [0.90, 0.91, 0.95, 60.0, 55.0, 40.0], "half_width": [0.01, 0.01, 0.012, 3.0, 3.0, 2.0],
                     "n": [5] * 6, "diff_mean": [NAN, 0.004, 0.05, NAN, -5.0, -20.0],
                     "diff_half_width": [NAN, 0.006, 0.01, NAN, 2.0, 3.0]})
CDF = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "hours": [2.0, 24.0, 96.0, 1.0, 12.0, 48.0],
                    "share": [1 / 3, 2 / 3, 1.0] * 2})
FUNNEL = pd.DataFrame({"level": list(LEVELS), "share": [0.5, 0.3, 0.15, 0.05]})
BACKLOG = pd.DataFrame({"t_days": np.arange(10.0), "open": np.arange(10) * 3, "undiscovered": np.arange(10)})
UTIL = pd.DataFrame({"role": ["fulltime", "committee", "module", "department"], "level": [0, 1, 2, 3],
                     "utilization": [0.2, 0.8, 0.5, 1.1]})
COST = pd.DataFrame({"scenario": list("abcde"), "staff_cost": [1e6, 1.2e6, 1.1e6, 1.5e6, 0.9e6],
                     "on_time_rate": [0.90, 0.96, 0.89, 0.97, 0.85]})


# ------------------------------------------------------------------ tables
def test_cdf_table_is_thinned_and_ends_at_one() -> None:
    t = cdf_table(np.r_[np.arange(1000.0)[::-1], NAN])
    assert list(t.columns) == ["hours", "share"] and len(t) <= 200
    assert t["hours"].is_monotonic_increasing and t["share"].is_monotonic_increasing
    assert t["hours"].iloc[0] == 0.0 and t["hours"].iloc[-1] == 999.0 and t["share"].iloc[-1] == 1.0
    assert cdf_table([]).empty


def test_cdf_table_counts_open_matters_as_censored() -> None:
    # by hand: 4 matters, the ones at 2 h and 4 h still open. At 1 h one of 4 closes: S = 3/4. The one open at
    # 2 h leaves the risk set; at 3 h one of the 2 left closes: S = 3/8. The curve ends below 1 (at 5/8)
    t = cdf_table([1.0, 2.0, 3.0, 4.0], [True, False, True, False])
    assert t["hours"].tolist() == [1.0, 3.0]
    assert t["share"].tolist() == pytest.approx([0.25, 0.625])
    # every matter closed: the plain empirical CDF, ties closed together
    assert cdf_table([2.0, 1.0, 2.0, 5.0])["share"].tolist() == pytest.approx([0.25, 0.75, 1.0])
    # the table keeps the rows where the curve first reaches one half and 90%, whatever it thins: its median
    # is the resolution KPI's (product-limit quantile)
    rng = np.random.default_rng(3)
    hours, shut = rng.exponential(40.0, 5000), rng.random(5000) < 0.8
    t = cdf_table(hours, shut, points=7)
    curve = km_curve(hours, shut)
    for q in (0.5, 0.9):
        assert t["hours"][t["share"] >= q - REACH_EPS].iloc[0] == km_quantile(curve, q)
    assert cdf_table([]).empty


def test_tables_from_a_real_run(run_tables: RunTables) -> None:
    t = run_tables
    # the product-limit estimate the resolution percentiles read, open matters censored: it ends at 1 only
    # where the longest time followed is a closing (a month's run: its open matters are its last days')
    assert 2 <= len(t.cdf) <= 200 and 0.0 < t.cdf["share"].iloc[-1] <= 1.0
    assert t.cdf["share"].is_monotonic_increasing and t.cdf["hours"].is_monotonic_increasing
    assert t.kpis["open_at_horizon_share"] > 0
    p50 = t.cdf["hours"][t.cdf["share"] >= 0.5 - 1e-12]
    if len(p50) and t.cdf["share"].iloc[0] < 0.5:  # the thinned rows bracket the KPI's median
        assert t.cdf["hours"][t.cdf["share"] < 0.5].iloc[-1] <= t.kpis["resolution_hours_p50"] <= p50.iloc[0]
    assert list(t.funnel["level"]) == list(LEVELS)
    # of all the window's matters: the shares sum to the closed share, the open ones settled nowhere yet
    assert t.funnel["share"].sum() == pytest.approx(t.kpis["closed"] / t.kpis["matters"])
    assert t.funnel["share"].iloc[0] == pytest.approx(t.kpis["settled_share_grid"])
    assert list(t.backlog.columns) == ["t_days", "open", "undiscovered"] and t.backlog["t_days"].iloc[-1] == 30.0
    assert list(t.utilization.columns) == ["role", "level", "utilization"]
    assert dict(zip(t.utilization["role"], t.utilization["level"], strict=True))["committee"] == "village"
    assert t.surges.empty


def test_comparison_table_pairs_against_the_baseline() -> None:
    runs = {"base": [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}], "alt": [{"x": 2.0}, {"x": 3.5}, {"x": 4.0}]}
    t = comparison_table(runs, ["x"])
    assert list(t.columns) == COMPARISON_COLUMNS
    base, alt = t.iloc[0], t.iloc[1]
    assert base["mean"] == 2.0 and base["n"] == 3 and math.isnan(base["diff_mean"])
    assert alt["diff_mean"] == pytest.approx(np.mean([1.0, 1.5, 1.0])) and alt["diff_half_width"] > 0
    with pytest.raises(ValueError, match="baseline"):
        comparison_table(runs, ["x"], baseline="nope")


def test_stack_cost_table_and_pareto_front(run_tables: RunTables) -> None:
    both = stack({"a": run_tables, "b": run_tables}, "funnel")
    assert list(both.columns) == ["scenario", "level", "share"] and len(both) == 2 * len(LEVELS)
    ct = cost_table({"a": {"staff_cost": 1.0, "on_time_rate": 0.9}, "b": {"staff_cost": 2.0}})
    assert list(ct.columns) == ["scenario", "staff_cost", "on_time_rate"] and math.isnan(ct["on_time_rate"][1])
    mask = pareto_mask(COST["staff_cost"], COST["on_time_rate"])
    assert list(COST["scenario"][mask]) == ["a", "b", "d", "e"]


# ------------------------------------------------------------------ labels
def test_labels_in_both_languages() -> None:
    assert level_name(1, "zh") == "村/社区" and level_name("county", "en") == "county"
    assert role_name("fulltime", "zh") == "专职网格员" and role_name("committee", "zh") == "两委成员"
    assert kpi_name("on_time_rate", "zh") == "按期办结率"
    assert kpi_name("settled_share_township", "zh") == "乡镇/街道办结占比"
    assert kpi_name("utilization_role_platform", "en") == "utilisation: platform dispatcher"
    assert kpi_name("something_new", "zh") == "something new"  # a new KPI in words, never its key
    assert label("subtitle.funnel", "zh") == "小事不出格、大事不出村、难事不出镇"
    with pytest.raises(ValueError, match="report.lang"):
        label("title.cdf", "fr")


# ------------------------------------------------------------------ charts
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bar_compare(lang: str) -> None:
    fig = charts.bar_compare(COMP, "on_time_rate", lang)
    assert len(_ax(fig).patches) == 3
    ticks = [t.get_text() for t in _ax(fig).get_xticklabels()]
    assert ticks[0].startswith("base") and "+5" in ticks[2]  # +5 percentage points
    zero = zero_words(lang).replace(" from", "\nfrom")  # "not distinguishable from zero", as the text says
    assert zero in ticks[1] and zero not in ticks[2]  # 0.4 ± 0.6 pp, then +5 ± 1
    assert len(charts.bar_compare(COMP, "resolution_hours_mean", lang).axes[0].patches) == 3
    with pytest.raises(ValueError, match="no rows"):
        charts.bar_compare(COMP, "satisfaction_rate", lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cdf_funnel_backlog_heatmap_pareto(lang: str) -> None:
    fig = charts.cdf_chart(CDF, lang)
    assert len(_ax(fig).lines) == 2
    assert _ax(fig).lines[0].get_xdata()[-1] == pytest.approx(4.0)  # days
    # a line the open matters hold below one half has no median: its legend says so
    starved = cdf_table([24.0, 48.0, 240.0, 240.0, 240.0], [True, True, False, False, False])
    drawn = charts.cdf_chart(starved, lang).axes[0].get_legend()
    assert drawn is not None
    legend = [x.get_text() for x in drawn.get_texts()]
    assert legend == [label("note.median_open", lang)]
    # nothing closed at all: a flat line at 0 up to the longest time followed, still drawn and named
    none = cdf_table([24.0, 48.0], [False, False])
    assert none["hours"].tolist() == [0.0, 48.0] and none["share"].tolist() == [0.0, 0.0]
    ax = charts.cdf_chart(pd.concat([none.assign(scenario="cut"), starved.assign(scenario="base")]), lang).axes[0]
    both = ax.get_legend()
    assert len(ax.lines) == 2 and both is not None and len(both.get_texts()) == 2
    fig = charts.funnel_chart(FUNNEL, lang)
    assert len(_ax(fig).patches) == 4 and len(_ax(fig).lines) == 1
    assert _ax(fig).lines[0].get_ydata()[-1] == pytest.approx(1.0)  # cumulative
    two = pd.concat([FUNNEL.assign(scenario="a"), FUNNEL.assign(scenario="b")])
    fig = charts.funnel_chart(two, lang)
    assert len(_ax(fig).patches) == 8 and len(_ax(fig).lines) == 2
    fig = charts.backlog_chart(BACKLOG, lang, surge_windows=[(2.0, 4.0), (6.0, 7.0)])
    assert len(_ax(fig).lines) == 2 and len(_ax(fig).patches) == 2
    fig = charts.utilization_heatmap(UTIL, lang)
    assert len(_ax(fig).images) == 1 and len(_ax(fig).texts) == 4
    fig = charts.utilization_heatmap(pd.concat([UTIL.assign(scenario="a"), UTIL.assign(scenario="b")]), lang)
    assert _ax(fig).images[0].get_array().shape == (2, 4)
    fig = charts.pareto_chart(COST, lang, target=0.95)
    ax = _ax(fig)
    assert len(ax.lines) == 2 and len(ax.lines[0].get_xdata()) == 4  # the front, the target
    assert ax.lines[1].get_ydata()[0] == 0.95


def test_titles_differ_between_english_and_chinese() -> None:
    makers = [lambda lg: charts.bar_compare(COMP, "on_time_rate", lg), lambda lg: charts.cdf_chart(CDF, lg),
              lambda lg: charts.funnel_chart(FUNNEL, lg), lambda lg: charts.backlog_chart(BACKLOG, lg),
              lambda lg: charts.utilization_heatmap(UTIL, lg), lambda lg: charts.pareto_chart(COST, lg)]
    for make in makers:
        en, zh = _title(make("en")), _title(make("zh"))
        assert en and zh and en != zh
        assert en.isascii() and not zh.isascii()


# ------------------------------------------------------------------ run charts and briefing
def test_draw_run_charts_from_a_real_run(run_tables: RunTables, tmp_path: Path) -> None:
    paths = charts.draw_run_charts(run_tables, tmp_path / "charts", "zh")
    assert [p.name for p in paths] == list(charts.RUN_CHARTS)
    for p in paths:
        assert p.is_file() and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_run_writes_its_charts_to_the_results_directory(tmp_path: Path) -> None:
    res = sim.run([*SHORT, f"run.results_dir={tmp_path}", "run.write_records=false"])
    assert res.out_dir is not None
    for name in charts.RUN_CHARTS:
        assert (res.out_dir / name).is_file(), name
    off = sim.run(["territory=township", "run.horizon_days=6", "run.warmup_days=1", "report.charts=false",
                   f"run.results_dir={tmp_path / 'off'}", "run.write_records=false"])
    assert off.out_dir is not None and (off.out_dir / "kpis.json").is_file()
    assert not any((off.out_dir / n).exists() for n in charts.RUN_CHARTS)


def test_wrap_keeps_lines_within_the_width() -> None:
    text = "每村增加3名两委成员，按期办结率提高0.7个百分点，平均办结时长缩短4.7小时。" * 3
    lines = wrap(text, 300.0)
    assert len(lines) > 1 and "".join(lines) == text
    assert all(text_width(ln, 11.0) <= 300.0 for ln in lines)
    en = wrap("one two three four five six seven eight nine ten " * 4, 200.0)
    assert all(text_width(ln, 11.0) <= 200.0 for ln in en) and not any(ln.startswith(" ") for ln in en)


def test_briefing_writes_a_png_and_pdf_page(tmp_path: Path) -> None:
    figs = [charts.bar_compare(COMP, "on_time_rate", "en"), charts.funnel_chart(FUNNEL, "en"),
            charts.pareto_chart(COST, "en")]
    sizes = [tuple(f.get_size_inches()) for f in figs]
    heads = ["Three more committee members per village raise the on-time rate by 5 points (95% CI ±1).",
             "Unified dispatch saves 5 hours per matter.", "Committees are the bottleneck at 80% utilisation."]
    png, pdf = briefing(heads, figs, "Reform options", tmp_path / "brief", "en")
    assert png.name == "brief.png" and pdf.name == "brief.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and re.search(rb"/MediaBox \[\s*0 0 841\.68 595\.44\s*\]", data)
    from PIL import Image

    with Image.open(png) as im:
        assert abs(im.size[0] - 1754) <= 1 and abs(im.size[1] - 1240) <= 1  # A4 landscape at 150 dpi
    assert [tuple(f.get_size_inches()) for f in figs] == sizes  # the caller's figures keep their size
    with pytest.raises(ValueError, match="3 to 5 headlines"):
        briefing(heads[:2], figs, "x", tmp_path / "b2", "en")
    with pytest.raises(ValueError, match="exactly 3 figures"):
        briefing(heads, figs[:2], "x", tmp_path / "b3", "en")
