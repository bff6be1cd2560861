"""MkDocs hook: the step order table of docs/model.md, generated from ``sim.engines.steps.STEPS``.

A page that holds the marker line ``<!-- steps-table -->`` gets, in its place, one row per step
(its MODEL section, what happens, and the functions of the shared rules, the agent engine and the
vector kernel that implement it), so the documented order is the one the code follows.
"""

from __future__ import annotations

from typing import Any

from sim.engines.steps import STEPS

MARKER = "<!-- steps-table -->"


def _names(refs: tuple[str, ...]) -> str:
    """``module:Qualified.name`` references as code spans of their last part; an em dash for none."""
    if not refs:
        return "—"
    return ", ".join(f"`{ref.split(':')[-1].removeprefix('AgentRun.')}`" for ref in refs)


def steps_table() -> str:
    """The table as Markdown: one row per step of ``STEPS``, in order."""
    rows = [
        "| step | model section | what happens | shared rules | agent engine | kernel |",
        "|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        rows.append(f"| {step.name} | {step.model} | {step.does} | {_names(step.rules)} | "
                    f"{_names(step.agent)} | {_names(step.kernel)} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the table (pages without it are returned unchanged)."""
    return markdown.replace(MARKER, steps_table()) if MARKER in markdown else markdown
