"""A command's usage text from its module docstring, as a terminal shows it."""

from __future__ import annotations

import re

__all__ = ["usage_text"]

_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)


def usage_text(doc: str | None) -> str:
    """``doc`` without its reStructuredText literal marks (````gridsim calibrate```` reads ``gridsim calibrate``)."""
    return _LITERAL.sub(r"\1", doc or "").strip()
