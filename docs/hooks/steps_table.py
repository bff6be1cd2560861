"""MkDocs hook: the step order table of docs/model.md, generated from ``sim.engines.steps``.

A page that holds the marker line ``<!-- steps-table -->`` gets, in its place,
``sim.engines.steps.table()``: one row per step of ``STEPS`` (its model section, what happens, and
the functions of the shared rules, the agent engine and the vector kernel that implement it), so
the documented order is the one the code follows.
"""

from __future__ import annotations

from typing import Any

from sim.engines.steps import table

MARKER = "<!-- steps-table -->"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the table (pages without it are returned unchanged)."""
    return markdown.replace(MARKER, table()) if MARKER in markdown else markdown
