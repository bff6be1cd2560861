"""The bundled CJK font ships with its licence, is what matplotlib picks, and covers every label."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from sim.report import charts
from sim.report.briefing import briefing
from sim.report.fonts import font_family, font_path, use_cjk_font
from sim.report.labels import all_text, kpi_name, level_name, role_name
from sim.scenario import constants
from sim.scenario.schema import CatalogConfig

ZH_SAMPLE = "小事不出格、大事不出村、难事不出镇（按期办结率）"


def _charmap() -> set[int]:
    return set(FT2Font(str(font_path())).get_charmap())


def _is_glyph_warning(w: warnings.WarningMessage) -> bool:
    msg = str(w.message)
    return "missing from" in msg or "Glyph" in msg


def test_font_ships_with_licence_and_stays_small() -> None:
    path = font_path()
    assert path.suffix == ".otf" and path.stat().st_size < 6_000_000
    assert "SIL OPEN FONT LICENSE Version 1.1" in (path.parent / "OFL.txt").read_text(encoding="utf-8")
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "fonts-noto-cjk" in readme and "GB2312" in readme


def test_matplotlib_resolves_chinese_to_the_bundled_font() -> None:
    family = use_cjk_font()
    assert family == font_family() == "Noto Sans SC Gridsim"
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    prop = font_manager.FontProperties(family=matplotlib.rcParams["font.family"])
    assert Path(font_manager.findfont(prop, fallback_to_default=False)).resolve() == font_path().resolve()
    assert {ord(c) for c in ZH_SAMPLE} <= _charmap()


def test_font_has_a_glyph_for_every_label_character() -> None:
    cmap = _charmap()
    text = all_text("zh") + all_text("en")
    text += "".join(constants.LEVELS_ZH + constants.SEVERITIES_ZH + constants.CHANNELS_ZH + constants.MODULES_ZH
                    + constants.DEPARTMENTS_ZH)
    text += "".join(c.name_zh for c in CatalogConfig().categories.values())
    text += "".join(role_name(r, "zh") + level_name(r, "zh") for r in constants.ROLES)
    text += "".join(kpi_name(k, "zh") for k in ("settled_share_county", "utilization_role_volunteer",
                                                "open_queued", "on_time_rate"))
    missing = sorted({c for c in text if c.isprintable() and ord(c) not in cmap})
    assert not missing, f"characters missing from the bundled font: {''.join(missing)}"


def test_every_chart_and_the_briefing_render_chinese_without_missing_glyphs(tmp_path: Path) -> None:
    comp = pd.DataFrame({"scenario": ["基准方案", "一体派单"], "kpi": ["on_time_rate"] * 2, "mean": [0.9, 0.93],
                         "half_width": [0.01, 0.012], "n": [5, 5], "diff_mean": [float("nan"), 0.03],
                         "diff_half_width": [float("nan"), 0.008]})
    cdf = pd.DataFrame({"hours": [1.0, 10.0, 50.0, 200.0], "share": [0.25, 0.5, 0.75, 1.0]})
    funnel = pd.DataFrame({"level": list(constants.LEVELS), "share": [0.5, 0.3, 0.15, 0.05]})
    backlog = pd.DataFrame({"t_days": [0.0, 1.0, 2.0], "open": [0, 50, 60], "undiscovered": [0, 20, 25]})
    util = pd.DataFrame({"role": list(constants.ROLES), "level": [0, 0, 0, 0, 0, 1, 2, 2, 3, 0],
                         "utilization": [0.2, 0.1, 0.0, 0.3, 0.5, 0.8, 0.4, 0.6, 0.9, 1.1]})
    cost = pd.DataFrame({"scenario": ["甲", "乙", "丙"], "staff_cost": [1e6, 1.2e6, 1.1e6],
                         "on_time_rate": [0.9, 0.96, 0.88]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figs = [charts.bar_compare(comp, "on_time_rate", "zh"), charts.cdf_chart(cdf, "zh"),
                charts.funnel_chart(funnel, "zh"), charts.backlog_chart(backlog, "zh", [(0.5, 1.5)]),
                charts.utilization_heatmap(util, "zh"), charts.pareto_chart(cost, "zh")]
        for i, fig in enumerate(figs):
            fig.savefig(tmp_path / f"c{i}.png")
            fig.savefig(tmp_path / f"c{i}.pdf")
        heads = ["每村增加3名两委成员，按期办结率提高3个百分点（95%置信区间±0.8）。",
                 "一体派单使平均办结时长缩短−4.7小时。", "村/社区两委利用率达80%，是瓶颈。"]
        png, pdf = briefing(heads, figs[:3], "乡镇改革方案比较", tmp_path / "简报", "zh")
    bad = [str(w.message) for w in caught if _is_glyph_warning(w)]
    assert not bad, bad
    assert png.stat().st_size > 50_000 and pdf.read_bytes().startswith(b"%PDF")


def test_the_missing_glyph_check_catches_a_missing_glyph(tmp_path: Path) -> None:
    """The check above is not vacuous: a character no font has raises matplotlib's warning."""
    fig, ax = charts._figure("zh")
    ax.set_title("\U0001d11e 乐谱")  # MUSICAL SYMBOL G CLEF: in neither the CJK font nor DejaVu Sans
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "x.png")
    assert any(_is_glyph_warning(w) for w in caught)
