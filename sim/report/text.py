"""Text that fits: widths measured with the font, lines wrapped to a width, titles re-wrapped to their axes.

A chart is drawn at one size for its own file and at another in a briefing's slot; its
title is wrapped again at the size it is drawn (``fit_titles``), so a long title breaks
between words (or between any two hanzi) instead of running into its neighbour or being
cut at "(hours".
"""

from __future__ import annotations

import unicodedata

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

__all__ = ["fit_titles", "set_wrapped_title", "text_width", "wrap"]

#: the attribute a wrapped title keeps its one-line source in
_SOURCE = "_gridsim_source"
#: points kept free at the right of a wrapped title
RIGHT_PAD_PT = 4.0


def text_width(text: str, fontsize: float) -> float:
    """Width in points of ``text`` set in the current sans-serif font at ``fontsize``."""
    w, _h, _d = TextToPath().get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)
    return float(w)


def wrap(text: str, width_pt: float, fontsize: float = 11.0) -> list[str]:
    """Wrap ``text`` into lines at most ``width_pt`` points wide (measured with the font).

    Latin text breaks at spaces; CJK text may break between any two characters. Existing
    line breaks are kept.
    """
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(_wrap_line(paragraph, width_pt, fontsize))
    return out


def _wrap_line(text: str, width_pt: float, fontsize: float) -> list[str]:
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


def set_wrapped_title(ax: Axes, text: str, **kwargs: object) -> Text:
    """``ax.set_title`` that remembers its one-line text, so ``fit_titles`` can wrap it to any size."""
    title = ax.set_title(text, **kwargs)  # type: ignore[arg-type]
    setattr(title, _SOURCE, text)
    return title


def fit_titles(fig: Figure) -> None:
    """Wrap every title set by ``set_wrapped_title`` to the room right of its axes' left edge, at the
    figure's current size (drawn twice: the layout moves the axes once the titles change)."""
    titles = [(ax, t) for ax in fig.axes for t in [ax.title, *_side_titles(ax)] if hasattr(t, _SOURCE)]
    if not titles:
        return
    canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
    for _ in range(2):
        canvas.draw()
        for ax, t in titles:
            room_pt = (_right_edge(fig, ax) - ax.get_position().x0) * fig.get_figwidth() * 72.0 - RIGHT_PAD_PT
            t.set_text("\n".join(wrap(getattr(t, _SOURCE), room_pt, float(t.get_fontsize()))))


def _side_titles(ax: Axes) -> list[Text]:
    """The left and right titles of ``ax`` (matplotlib keeps them beside ``ax.title``)."""
    return [t for t in (getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)) if isinstance(t, Text)]


def _right_edge(fig: Figure, ax: Axes) -> float:
    """Where the room of ``ax``'s title ends (figure fraction): the next axes to its right, or the edge."""
    me = ax.get_position()
    right = [o.get_position().x0 for o in fig.axes
             if o is not ax and o.get_position().x0 > me.x0 + 1e-6 and o.get_position().y1 > me.y0
             and o.get_position().y0 < me.y1 + 0.2]
    return min(right, default=1.0)
