"""The bundled CJK font: Chinese labels render on any machine without installing fonts.

``fonts/NotoSansSC-Regular-subset.otf`` is the Simplified Chinese face of Noto Sans
CJK (SIL Open Font License 1.1, ``fonts/OFL.txt``), subset to ASCII, Latin-1,
punctuation, full-width forms and every GB2312 character (``fonts/README.md`` says
how). It has Latin glyphs too, so it goes first in ``font.sans-serif`` and both
scripts come from one font; DejaVu Sans (matplotlib's own) is the fallback for
anything outside the subset.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

__all__ = ["FONT_FILE", "font_family", "font_path", "use_cjk_font"]

FONT_FILE = "NotoSansSC-Regular-subset.otf"


def font_path() -> Path:
    """Path of the bundled CJK font file (raise ``FileNotFoundError`` if the package lacks it)."""
    path = Path(__file__).with_name("fonts") / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"bundled CJK font missing: {path} (reinstall gridsim)")
    return path


@cache
def font_family() -> str:
    """Register the bundled font with matplotlib (once) and return its family name."""
    path = str(font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def use_cjk_font() -> str:
    """Make the bundled font matplotlib's sans-serif font; return its family name.

    Sets ``font.family`` to sans-serif with the CJK font first and DejaVu Sans as the
    fallback, and ``axes.unicode_minus`` off (ASCII hyphen-minus for negative ticks).
    Safe to call before every chart: the registration happens once.
    """
    family = font_family()
    rc = matplotlib.rcParams
    rest = [f for f in rc["font.sans-serif"] if f not in (family, "DejaVu Sans")]
    rc["font.family"] = ["sans-serif"]
    rc["font.sans-serif"] = [family, "DejaVu Sans", *rest]
    rc["axes.unicode_minus"] = False
    return family
