"""A one-page briefing for leadership: title, 3-5 plain-language findings, three charts.

The page is A4 landscape, written as PNG (150 dpi) and PDF. Each chart Figure is
redrawn at the size of its slot on the page (so its fonts keep their point sizes)
into an image that the page shows; the caller's figures get their size back after.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.image import imread  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

from sim.report.fonts import use_cjk_font  # noqa: E402
from sim.report.labels import check_lang, label  # noqa: E402

__all__ = ["A4_LANDSCAPE", "briefing", "text_width", "wrap"]

A4_LANDSCAPE = (11.69, 8.27)  # inches
PAGE_DPI = 150
CHART_DPI = 200
MARGIN = 0.45  # inches
HEADLINE_PT = 11.0


def text_width(text: str, fontsize: float) -> float:
    """Width in points of ``text`` set in the current sans-serif font at ``fontsize``."""
    w, _h, _d = TextToPath().get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)
    return float(w)


def wrap(text: str, width_pt: float, fontsize: float = HEADLINE_PT) -> list[str]:
    """Wrap ``text`` into lines at most ``width_pt`` points wide (measured with the font).

    Latin text breaks at spaces; CJK text may break between any two characters.
    """
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if line.strip() and text_width((line + token).rstrip(), fontsize) > width_pt:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words with their trailing space, and single wide characters."""
    out: list[str] = []
    word = ""
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
            if ch == " ":
                out.append(word)
                word = ""
    if word:
        out.append(word)
    return out


def _render(fig: Figure, size: tuple[float, float]) -> np.ndarray:
    """``fig`` drawn at ``size`` inches as an RGBA array (its own size restored afterwards)."""
    old = tuple(fig.get_size_inches())
    fig.set_size_inches(size)
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=CHART_DPI, facecolor="white")
    finally:
        fig.set_size_inches(old)
    buf.seek(0)
    return np.asarray(imread(buf, format="png"))


def briefing(headlines: Sequence[str], figures: Sequence[Figure], title: str, out_stem: str | Path,
             lang: str = "en") -> tuple[Path, Path]:
    """Write ``<out_stem>.png`` and ``<out_stem>.pdf``: one A4-landscape page; return both paths.

    ``headlines``: 3-5 findings, each a plain sentence with its numbers (wrapped to the
    page width); ``figures``: three charts (from ``sim.report.charts``), left to right.
    """
    check_lang(lang)
    if not 3 <= len(headlines) <= 5:
        raise ValueError(f"a briefing takes 3 to 5 headlines, got {len(headlines)}")
    if len(figures) != 3:
        raise ValueError(f"a briefing takes exactly 3 figures, got {len(figures)}")
    use_cjk_font()
    pw, ph = A4_LANDSCAPE
    page = Figure(figsize=A4_LANDSCAPE, facecolor="white")
    inner = pw - 2 * MARGIN

    # --- title, then the findings as bullet lines
    y = ph - MARGIN  # inches from the bottom, moving down
    page.text(MARGIN / pw, y / ph, title, fontsize=18, va="top", ha="left")
    y -= 0.45
    page.text(MARGIN / pw, y / ph, label("briefing.findings", lang), fontsize=12, color="#1f5fa6",
              va="top", ha="left")
    y -= 0.3
    line_h = HEADLINE_PT * 1.45 / 72.0
    for text in headlines:
        for j, line in enumerate(wrap(str(text), (inner - 0.3) * 72.0)):
            page.text((MARGIN + 0.05) / pw, y / ph, "•" if j == 0 else "", fontsize=HEADLINE_PT, va="top")
            page.text((MARGIN + 0.25) / pw, y / ph, line, fontsize=HEADLINE_PT, va="top", ha="left")
            y -= line_h
        y -= 0.04
    page.add_artist(Line2D([MARGIN / pw, (pw - MARGIN) / pw], [(y - 0.05) / ph] * 2,
                                            color="#bbbbbb", lw=0.8))

    # --- three charts side by side, each drawn at the size of its slot
    foot = 0.35
    gap = 0.15
    top = y - 0.15
    h = max(top - MARGIN - foot, 2.0)
    w = (inner - 2 * gap) / 3
    for i, fig in enumerate(figures):
        x0 = MARGIN + i * (w + gap)
        ax = page.add_axes((x0 / pw, (top - h) / ph, w / pw, h / ph))
        ax.imshow(_render(fig, (w, h)), aspect="auto", interpolation="antialiased")
        ax.set_axis_off()
    page.text(MARGIN / pw, (MARGIN * 0.6) / ph, label("briefing.source", lang), fontsize=8, color="#777777",
              va="bottom", ha="left")

    stem = Path(out_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, pdf = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".pdf")
    page.savefig(png, dpi=PAGE_DPI)
    page.savefig(pdf)
    return png, pdf
