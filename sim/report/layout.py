"""Does every word of a figure fit? Text extents measured on the drawn figure.

``layout_problems(fig)`` draws ``fig`` (Agg) and returns one line per problem: a text
that leaves the figure (a clipped label, a title cut at "(hours"), or two texts that
overlap (a title colliding with its neighbour's, tick labels on top of each other). The
briefing checks each chart at the size of its slot before it places it, and the tests
check every chart and the page in both languages.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["layout_problems", "text_boxes"]

#: pixels a text may touch the figure's edge or another text by (anti-aliasing, rounding)
TOLERANCE_PX = 1.0


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """``(text, extent in pixels)`` of every non-empty text drawn on ``fig`` (tick labels outside the view,
    invisible and empty texts are not drawn, so they are not counted)."""
    canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
    renderer = canvas.get_renderer()
    drawn: list[Text] = []
    draw_text = renderer.draw_text

    def spy(gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
            mtext: Text | None = None) -> None:
        if mtext is not None and s.strip():
            drawn.append(mtext)
        draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = spy
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text  # the class's method again
    seen: set[int] = set()
    out = []
    for t in drawn:
        if id(t) not in seen:  # a multi-line text is drawn line by line
            seen.add(id(t))
            out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def _shrunk(b: Bbox, by: float) -> Bbox:
    return Bbox.from_extents(b.x0 + by, b.y0 + by, b.x1 - by, b.y1 - by)


def layout_problems(fig: Figure) -> list[str]:
    """Texts outside ``fig`` and pairs of texts that overlap; empty when every word fits."""
    boxes = text_boxes(fig)
    page = fig.bbox
    problems = []
    for text, b in boxes:
        if (b.x0 < page.x0 - TOLERANCE_PX or b.y0 < page.y0 - TOLERANCE_PX or b.x1 > page.x1 + TOLERANCE_PX
                or b.y1 > page.y1 + TOLERANCE_PX):
            problems.append(f"outside the figure: {text!r}")
    for (t1, b1), (t2, b2) in combinations(boxes, 2):
        if _shrunk(b1, TOLERANCE_PX).overlaps(_shrunk(b2, TOLERANCE_PX)):
            problems.append(f"overlap: {t1!r} and {t2!r}")
    return problems
