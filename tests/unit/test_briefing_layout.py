"""The briefing for leadership and every chart fit their boxes in English and Chinese; the briefing names
the change, the base, the territory, the replications, the date and the verdict; one rounding rule."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.report import charts
from sim.report.briefing import fit_to_slot
from sim.report.compare_brief import Side, compare_briefing, compare_page, comparison_rows
from sim.report.layout import layout_problems
from sim.report.league import league_chart
from sim.runs.config import load_config
from sim.scenario.constants import LEVELS, ROLES
from sim.scenario.territory import build_territory

LANGS = ("en", "zh")
WHEN = dt.date(2026, 12, 6)
UNSTABLE = {"verdict": "unstable", "rule": "capacity",
            "reasons": [{"kind": "capacity", "office": "urban_construction", "level": "county", "utilization": 1.48,
                         "growth_per_30d": None, "text": "urban_construction at 1.48"}]}


def _runs(n: int, shift: float, seed: int) -> list[dict[str, float | None]]:
    rng = np.random.default_rng(seed)
    return [{"on_time_rate": 0.894 + shift + rng.normal(0, 0.002), "resolution_hours_p90": 288.0 - 500 * shift
             + rng.normal(0, 4.0), "satisfaction_rate": 0.886 + rng.normal(0, 0.003),
             "petitions_per_10k": 7.15 + rng.normal(0, 0.2), "staff_cost": 122_022_235.62 + 3e6 * (shift > 0)}
            for _ in range(n)]


def _league_dir(tmp: Path, cfg: object) -> Path:
    """League CSVs for the territory of ``cfg`` with made-up figures (what a run writes)."""
    terr = build_territory(cfg)  # type: ignore[arg-type]
    rng = np.random.default_rng(3)
    for level, codes in (("township", terr.township_codes), ("village", terr.village_codes),
                         ("grid", terr.grid_codes)):
        n = len(codes)
        score = rng.uniform(10, 95, n)
        pd.DataFrame({"rank": pd.Series(-score).rank(method="min").astype(int), "code": codes, "level": level,
                      "parent": [c.rsplit("-", 1)[0] for c in codes], "residents": rng.uniform(500, 3000, n),
                      "matters": rng.integers(100, 900, n), "closed": rng.integers(90, 800, n),
                      "on_time_rate": rng.uniform(0.7, 1.0, n), "resolution_hours_mean": rng.uniform(20, 90, n),
                      "resolution_hours_p90": rng.uniform(100, 400, n), "satisfaction_rate": rng.uniform(0.7, 1, n),
                      "petitions_per_10k": rng.uniform(0, 20, n), "settled_locally_share": rng.uniform(0.3, 1, n),
                      "score": score}).sort_values("rank").to_csv(tmp / f"league_{level}.csv", index=False)
    return tmp


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> tuple[Side, Side, Side]:
    base = load_config(["territory=county"])
    variant = load_config(["territory=county", "staffing.fulltime_per_grid=2"])
    other = load_config(["territory=county", "staffing.fulltime_per_grid=2", "dispatch.mode=unified",
                         "staffing.department_staff.urban_construction=40"])
    out = _league_dir(tmp_path_factory.mktemp("league"), variant)
    return (Side("#1", base, _runs(3, 0.0, 1), is_base=True, out_dir=out),
            Side("#2", variant, _runs(3, 0.021, 2), out_dir=out, stability={"verdict": "stable", "rule": "none",
                                                                                "reasons": []}),
            Side("#3", other, _runs(3, 0.03, 3), out_dir=out, stability=UNSTABLE))


def _texts(page: Figure) -> list[Text]:
    return [t for t in page.findobj(Text) if t.get_text().strip()]


Pages = dict[tuple[str, str], tuple[Figure, list[str]]]


@pytest.fixture(scope="module")
def pages(sides: tuple[Side, Side, Side]) -> Pages:
    """The two briefings in both languages: the variant against the base, a second variant against the first."""
    base, variant, other = sides
    return {(pair, lang): compare_page(a, b, lang, WHEN) for pair, (a, b) in
            (("base", (base, variant)), ("variants", (variant, other))) for lang in LANGS}


@pytest.mark.parametrize("lang", LANGS)
def test_the_briefing_fits_its_page_in_both_languages(pages: Pages, lang: str) -> None:
    for pair in ("base", "variants"):
        page, chart_problems = pages[pair, lang]
        assert chart_problems == []  # every chart fits its slot: no clipped label, no title collision
        assert layout_problems(page) == []  # the page's own lines stay on the page and apart


def test_the_briefing_names_the_change_base_territory_replications_date_and_verdict_first(pages: Pages) -> None:
    texts = _texts(pages["variants", "en"][0])
    words = "\n".join(t.get_text() for t in texts)
    was = load_config(["territory=county"]).staffing.department_staff["urban_construction"]  # the default's head-count
    assert texts[0].get_text().startswith(f"Housing and urban management staff (county) {was} → 40")  # not "#3 vs #2"
    for expected in ("dispatch mode level by level → unified", "Base: a county, the baseline scenario",
                     "12 townships", "563 grids", "Replications: 3 on each side", "6 December 2026",
                     "Unstable (capacity)", "Housing and urban management at utilisation 148%"):
        assert expected in words, expected
    assert "urban_construction" not in words and "#3 against #2" not in words
    verdict = next(t for t in texts if "Unstable" in t.get_text())
    findings = next(t for t in texts if t.get_text() == "Findings")
    assert verdict.get_position()[1] > findings.get_position()[1]  # the verdict comes before the findings
    zh = "\n".join(t.get_text() for t in _texts(pages["variants", "zh"][0]))
    for expected in (f"县级住建城管人员 {was} → 40", "逐级派单 → 一体派单", "2026年12月6日", "不稳定",
                     "住建城管利用率148%"):
        assert expected in zh, expected


@pytest.mark.parametrize("lang", LANGS)
def test_a_variant_is_never_labelled_baseline(sides: tuple[Side, Side, Side], pages: Pages, lang: str) -> None:
    _, variant, other = sides
    rows = comparison_rows(variant, other, ["on_time_rate"], lang)
    fig = charts.bar_compare(rows, "on_time_rate", lang, reference="reference" if lang == "en" else "参照")
    ticks = " ".join(t.get_text() for t in fig.axes[0].get_xticklabels())
    page_words = " ".join(t.get_text() for t in _texts(pages["variants", lang][0]))
    baseline = "baseline" if lang == "en" else "基准"
    scenario = "the baseline scenario" if lang == "en" else "基准情景"  # the base's scenario preset is called so
    assert baseline not in ticks and baseline not in page_words.replace(scenario, "")
    assert ("run #2" if lang == "en" else "运行#2") in ticks


def test_one_rounding_rule_for_the_text_and_the_bars(sides: tuple[Side, Side, Side], pages: Pages) -> None:
    base, variant, _ = sides
    rows = comparison_rows(base, variant, ["on_time_rate", "resolution_hours_p90"], "en")
    words = "\n".join(t.get_text() for t in _texts(pages["base", "en"][0]))
    for kpi in ("on_time_rate", "resolution_hours_p90"):
        fig = charts.bar_compare(rows, kpi, "en")
        tick = fig.axes[0].get_xticklabels()[1].get_text().split("\n")  # run #2, +2.1 pp, ± 0.21
        change = f"{tick[1]} {tick[2]}"
        assert f"change {change}" in words, (change, words)
        value = [t.get_text() for t in fig.axes[0].texts][1].split(" ± ")[0]
        assert f"→ {value}" in words


def test_the_briefing_is_written_whole_as_pdf_and_png(sides: tuple[Side, Side, Side], tmp_path: Path) -> None:
    base, variant, _ = sides
    png, pdf = compare_briefing(base, variant, tmp_path / "brief", "zh", WHEN)
    assert pdf.read_bytes()[:5] == b"%PDF-" and png.stat().st_size > 50_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.pdf", "brief.png"]  # no temporary left


# ----------------------------------------------------------------- every chart
CDF = pd.DataFrame({"hours": [1.0, 10.0, 50.0, 200.0], "share": [0.25, 0.5, 0.75, 1.0]})
FUNNEL = pd.DataFrame({"level": list(LEVELS), "share": [0.5, 0.3, 0.15, 0.05]})
BACKLOG = pd.DataFrame({"t_days": [0.0, 1.0, 2.0], "open": [0, 50, 60], "undiscovered": [0, 20, 25]})
UTIL = pd.DataFrame({"role": list(ROLES), "level": [0, 0, 0, 0, 0, 1, 2, 2, 3, 0],
                     "utilization": [0.2, 0.1, 0.0, 0.3, 0.5, 0.8, 0.4, 0.6, 0.9, 1.1]})
COST = pd.DataFrame({"scenario": ["1. #1", "2. #2", "3. #3"], "staff_cost": [1e8, 1.2e8, 1.1e8],
                     "on_time_rate": [0.9, 0.96, 0.88]})


def _offices() -> pd.DataFrame:
    cat = load_config(["territory=township"]).catalog
    rows = [{"kind": k, "office": o.name, "name_zh": o.name_zh, "name_en": o.name_en, "utilization": 0.3 + i / 20}
            for k, offices in (("module", cat.modules), ("department", cat.departments))
            for i, o in enumerate(offices)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", LANGS)
def test_every_chart_fits_its_figure(lang: str, sides: tuple[Side, Side, Side]) -> None:
    base, variant, _ = sides
    rows = comparison_rows(base, variant, ["on_time_rate", "resolution_hours_p90", "staff_cost"], lang)
    figs = {"cdf": charts.cdf_chart(CDF, lang), "funnel": charts.funnel_chart(FUNNEL, lang),
            "backlog": charts.backlog_chart(BACKLOG, lang, [(0.5, 1.5)]),
            "utilization": charts.utilization_heatmap(UTIL, lang), "offices": charts.office_chart(_offices(), lang),
            "pareto": charts.pareto_chart(COST, lang),
            **{k: charts.bar_compare(rows, k, lang) for k in ("on_time_rate", "resolution_hours_p90", "staff_cost")}}
    for name, fig in figs.items():
        assert layout_problems(fig) == [], name
        # and at the size of a briefing's slot
        assert fit_to_slot(fig, (3.46, 3.9)) == [], name


def _league(n_town: int, n_grid: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)

    def table(prefix: str, n: int) -> pd.DataFrame:
        score = np.sort(rng.uniform(5, 99, n))[::-1]
        return pd.DataFrame({"rank": np.arange(1, n + 1), "code": [f"{prefix}{i:05d}" for i in range(n)],
                             "score": score, "on_time_rate": rng.uniform(0.6, 1.0, n)})

    return {"township": table("C01-T", n_town), "grid": table("C01-T01-V01-G", n_grid)}


@pytest.mark.parametrize("lang", LANGS)
def test_the_league_chart_has_one_size_at_any_scale(lang: str) -> None:
    sizes = []
    for n_town, n_grid in ((12, 563), (240, 11_000), (1, 44)):
        tables = _league(n_town, n_grid)
        names = {c: f"Very long place name number {i} of the city" for i, c in enumerate(tables["grid"]["code"])}
        fig = league_chart(tables, lang, names)
        assert layout_problems(fig) == [], (n_town, n_grid)
        sizes.append(tuple(fig.get_size_inches()))
        ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
        assert len(ticks) == min(20, n_grid) and ticks[0].startswith("1. ")
        assert not any("C01-T" in t for t in ticks)  # places by name, not code
    assert max(h for _w, h in sizes) * 110 < 800  # the city chart was 5,300 px tall
    assert math.isclose(sizes[0][1], sizes[1][1])  # the city chart is as tall as the county's


def test_long_findings_take_smaller_text_not_the_charts_room() -> None:
    """Five long findings and a long verdict (an experiment whose baseline is unstable says so in each) shrink the
    page's text until the charts keep their least height above the source line, rather than overlapping it."""
    from sim.report.briefing import FOOT, MARGIN, MIN_CHART_H, compose
    from sim.report.verdict import Verdict

    long = "Unstable: the warm-up is shorter than the point MSER-5 finds on the daily open count. " * 4
    figs = []
    for _ in range(3):
        fig = Figure(figsize=(4, 3))
        fig.add_subplot().plot([0, 1], [0, 1])
        figs.append(fig)
    page, problems = compose([long] * 5, figs, "A title", "en", facts=["a fact"] * 8,
                             verdict=Verdict(False, long * 2))
    assert not [p for p in problems if p.startswith("the text")], problems
    page_h = page.get_size_inches()[1]
    chart_bottoms = [ax.get_position().y0 * page_h for ax in page.axes]
    assert len(chart_bottoms) == 3 and min(chart_bottoms) >= MARGIN + FOOT - 1e-6
    assert min(ax.get_position().height * page_h for ax in page.axes) >= MIN_CHART_H - 1e-6


@pytest.mark.parametrize("lang", LANGS)
def test_a_grid_on_the_league_chart_is_named_with_its_township(lang: str) -> None:
    """A village's number repeats in every township: a grid's label names its township first."""
    tables = _league(12, 563)
    tables["grid"]["parent"] = [f"C01-T{1 + i % 12:02d}" for i in range(563)]
    names = {f"C01-T{t:02d}": (f"{t}号乡镇" if lang == "zh" else f"Township {t}") for t in range(1, 13)}
    names |= {c: ("7号村·2号网格" if lang == "zh" else "Village 7, grid 2") for c in tables["grid"]["code"]}
    fig = league_chart(tables, lang, names)
    assert layout_problems(fig) == []
    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    first = "1. 1号乡镇·7号村·2号网格" if lang == "zh" else "1. Township 1 · Village 7, grid 2"
    assert ticks[0] == first
    town_ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert not any("·" in t for t in town_ticks)  # a township is named alone
