"""A one-page briefing for leadership: what changed, on what, the verdict, 3-5 findings, three charts.

The page is A4 landscape, written as PNG (150 dpi) and PDF. From the top: the title (the
change, wrapped), the facts (base, territory, replications, date), the stability verdict
in a coloured box, the findings, then three charts side by side. Each chart Figure is
redrawn at the size of its slot on the page (so its fonts keep their point sizes), its
titles wrapped to that size and its fonts made smaller until no text leaves the figure
or overlaps another (``sim.report.layout``); the caller's figures get their size and
fonts back after.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sim.report.fonts import use_cjk_font  # noqa: E402
from sim.report.labels import check_lang, label  # noqa: E402
from sim.report.layout import layout_problems  # noqa: E402
from sim.report.text import fit_titles, text_width, wrap  # noqa: E402
from sim.report.verdict import Verdict  # noqa: E402
from sim.util.partial import temp_file_beside  # noqa: E402

__all__ = ["A4_LANDSCAPE", "briefing", "compose", "fit_to_slot", "text_width", "wrap"]

A4_LANDSCAPE = (11.69, 8.27)  # inches
PAGE_DPI = 150
CHART_DPI = 200
MARGIN = 0.45  # inches
HEADLINE_PT = 10.5
TITLE_PT = 17.0
FACT_PT = 9.0
VERDICT_PT = 10.5
#: smallest fraction of its own font size a chart is shrunk to in its slot
MIN_SHRINK = 0.6
#: the charts' least height on the page (inches), and the source line's strip under them
MIN_CHART_H, FOOT = 2.3, 0.3
#: the sizes the page's text is tried at, its own first, until the charts keep their least height
TEXT_SCALES = (1.0, 0.94, 0.88, 0.82, 0.76, 0.7)
#: colours of the verdict box: (background, text) when stable, unstable, not assessed
VERDICT_COLORS = {True: ("#e3f1e6", "#1e5e2d"), False: ("#f8e1df", "#8e2620"), None: ("#eeeeee", "#444444")}


def fit_to_slot(fig: Figure, size: tuple[float, float]) -> list[str]:
    """Set ``fig`` to ``size`` inches, wrap its titles and shrink its fonts until every text fits;
    return what still does not fit (empty when all does). Font sizes are changed in place."""
    fig.set_size_inches(size)
    fit_titles(fig)
    problems = layout_problems(fig)
    scale = 1.0
    while problems and scale * 0.9 >= MIN_SHRINK:
        scale *= 0.9
        for t in fig.findobj(Text):
            t.set_fontsize(float(t.get_fontsize()) * 0.9)
        fit_titles(fig)
        problems = layout_problems(fig)
    return problems


def _render(fig: Figure, size: tuple[float, float]) -> tuple[np.ndarray, list[str]]:
    """``fig`` fitted to ``size`` inches as an RGBA array, and what did not fit (its own size and fonts
    restored afterwards)."""
    old = tuple(fig.get_size_inches())
    texts = fig.findobj(Text)
    fonts = [float(t.get_fontsize()) for t in texts]
    words = [t.get_text() for t in texts]
    try:
        left = fit_to_slot(fig, size)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=CHART_DPI, facecolor="white")
    finally:
        fig.set_size_inches(old)
        for t, f, w in zip(texts, fonts, words, strict=True):
            t.set_fontsize(f)
            t.set_text(w)
    buf.seek(0)
    return np.asarray(imread(buf, format="png")), left


def _text_bottom(title: str, facts: Sequence[str], verdict: Verdict | None, headlines: Sequence[str],
                 scale: float) -> float:
    """Where (inches from the bottom) ``compose``'s text ends with its fonts at ``scale``: the same steps,
    nothing drawn."""
    pw, ph = A4_LANDSCAPE
    width_pt = (pw - 2 * MARGIN) * 72.0

    def step(n: int, size: float) -> float:
        return n * size * 1.4 / 72.0

    y = ph - MARGIN - step(len(wrap(title, width_pt, TITLE_PT)[:3]), TITLE_PT) - 0.04
    y -= sum(step(len(wrap(f, width_pt, FACT_PT * scale)), FACT_PT * scale) for f in facts)
    if verdict is not None:
        y -= 0.08 + step(len(wrap(verdict.text, width_pt - 16.0, VERDICT_PT * scale)), VERDICT_PT * scale) + 0.1
    y -= 0.14 + step(1, 11.5) + len(headlines) * 0.03
    return y - sum(step(len(wrap(str(h), width_pt - 18.0, HEADLINE_PT * scale)), HEADLINE_PT * scale)
                   for h in headlines)


def _lines(page: Figure, lines: Sequence[str], x: float, y: float, size: float, **kw: object) -> float:
    """Write ``lines`` from ``y`` (inches from the bottom) down; return the ``y`` below them."""
    pw, ph = A4_LANDSCAPE
    step = size * 1.4 / 72.0
    for line in lines:
        page.text(x / pw, y / ph, line, fontsize=size, va="top", ha="left", **kw)  # type: ignore[arg-type]
        y -= step
    return y


def briefing(headlines: Sequence[str], figures: Sequence[Figure], title: str, out_stem: str | Path,
             lang: str = "en", *, facts: Sequence[str] = (), verdict: Verdict | None = None) -> tuple[Path, Path]:
    """Write ``<out_stem>.png`` and ``<out_stem>.pdf``: one A4-landscape page; return both paths.

    ``headlines``: 3-5 findings, each a plain sentence with its numbers; ``figures``: three
    charts (from ``sim.report.charts``), left to right; ``facts``: short lines under the
    title (the base, the territory, the replications, the date); ``verdict``: the
    stability verdict, shown before the findings. Every line is wrapped to the page. Both
    files are written under temporary names and renamed into place: never half a page.
    """
    page, _problems = compose(headlines, figures, title, lang, facts=facts, verdict=verdict)
    stem = Path(out_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext, kw in ((".png", {"dpi": PAGE_DPI}), (".pdf", {})):
        path = stem.with_name(stem.name + ext)
        tmp = temp_file_beside(path, ext)
        try:
            page.savefig(tmp, **kw)  # type: ignore[arg-type]
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        out.append(path)
    return out[0], out[1]


def compose(headlines: Sequence[str], figures: Sequence[Figure], title: str, lang: str = "en", *,
            facts: Sequence[str] = (), verdict: Verdict | None = None) -> tuple[Figure, list[str]]:
    """The briefing page (see ``briefing``) and what of its charts still does not fit its slot (empty when
    every word fits)."""
    check_lang(lang)
    if not 3 <= len(headlines) <= 5:
        raise ValueError(f"a briefing takes 3 to 5 headlines, got {len(headlines)}")
    if len(figures) != 3:
        raise ValueError(f"a briefing takes exactly 3 figures, got {len(figures)}")
    use_cjk_font()
    pw, ph = A4_LANDSCAPE
    page = Figure(figsize=A4_LANDSCAPE, facecolor="white")
    inner = pw - 2 * MARGIN
    width_pt = inner * 72.0

    # the text's fonts as large as leave the charts their height (long findings: smaller, not over the charts)
    scale = next((k for k in TEXT_SCALES if _text_bottom(title, facts, verdict, headlines, k) - 0.1 - MARGIN
                  - FOOT >= MIN_CHART_H), TEXT_SCALES[-1])
    fact_pt, verdict_pt, headline_pt = FACT_PT * scale, VERDICT_PT * scale, HEADLINE_PT * scale
    y = ph - MARGIN  # inches from the bottom, moving down
    y = _lines(page, wrap(title, width_pt, TITLE_PT)[:3], MARGIN, y, TITLE_PT)
    y -= 0.04
    for fact in facts:
        y = _lines(page, wrap(fact, width_pt, fact_pt), MARGIN, y, fact_pt, color="#555555")
    if verdict is not None:
        y -= 0.08
        verdict_lines = wrap(verdict.text, width_pt - 16.0, verdict_pt)
        bg, fg = VERDICT_COLORS[verdict.stable]
        box_h = len(verdict_lines) * verdict_pt * 1.4 / 72.0 + 0.1
        page.add_artist(FancyBboxPatch((MARGIN / pw, (y - box_h) / ph), inner / pw, box_h / ph,
                                       boxstyle="round,pad=0,rounding_size=0.004", facecolor=bg, edgecolor=fg,
                                       linewidth=0.8, transform=page.transFigure))
        _lines(page, verdict_lines, MARGIN + 0.1, y - 0.05, verdict_pt, color=fg)
        y -= box_h
    y -= 0.14
    y = _lines(page, [label("briefing.findings", lang)], MARGIN, y, 11.5, color="#1f5fa6")
    for text in headlines:
        lines = wrap(str(text), width_pt - 18.0, headline_pt)
        page.text((MARGIN + 0.05) / pw, y / ph, "•", fontsize=headline_pt, va="top")
        y = _lines(page, lines, MARGIN + 0.25, y, headline_pt) - 0.03
    page.add_artist(Line2D([MARGIN / pw, (pw - MARGIN) / pw], [(y - 0.03) / ph] * 2, color="#bbbbbb", lw=0.8))

    # --- three charts side by side, each drawn at the size of its slot
    gap = 0.15
    top = y - 0.1
    h = top - MARGIN - FOOT
    if h < MIN_CHART_H:  # even the smallest text leaves too little: said, and the charts keep their height
        problems_text = [f"the text leaves the charts {h:.2f} in, less than {MIN_CHART_H} in"]
        h = MIN_CHART_H
    else:
        problems_text = []
    w = (inner - 2 * gap) / 3
    problems: list[str] = problems_text
    for i, fig in enumerate(figures):
        x0 = MARGIN + i * (w + gap)
        ax = page.add_axes((x0 / pw, (top - h) / ph, w / pw, h / ph))
        image, left = _render(fig, (w, h))
        problems += [f"chart {i + 1}: {p}" for p in left]
        ax.imshow(image, aspect="auto", interpolation="antialiased")
        ax.set_axis_off()
    page.text(MARGIN / pw, (MARGIN * 0.6) / ph, label("briefing.source", lang), fontsize=8, color="#777777",
              va="bottom", ha="left")
    return page, problems
