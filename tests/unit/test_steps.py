"""The STEPS table names code that exists and follows MODEL.md's order; the engines cite it."""

from __future__ import annotations

import inspect
import re

import pytest

from sim.engines.agent import engine as agent_engine
from sim.engines.steps import STEPS, resolve, table
from sim.engines.vector import world

REFS = sorted({(s.name, r) for s in STEPS for r in (*s.rules, *s.agent, *s.kernel)})


@pytest.mark.parametrize(("step", "ref"), REFS, ids=[f"{s}-{r}" for s, r in REFS])
def test_every_named_function_exists(step: str, ref: str) -> None:
    obj = resolve(ref)
    name = ref.split(":")[1].split(".")[-1]
    if name.startswith("PC_"):
        assert isinstance(obj, int)
    else:
        assert callable(obj) or isinstance(obj, property), ref


def test_steps_follow_model_md_section_4_and_cover_it() -> None:
    sections = [tuple(int(x) for x in s.model.split(".")) for s in STEPS]
    assert sections == sorted(sections)
    assert {s.model for s in STEPS} == {f"4.{k}" for k in range(1, 9)}  # MODEL.md 4 has steps 1-8


def test_every_kernel_resume_point_belongs_to_a_step() -> None:
    cited = {r.split(":")[1] for s in STEPS for r in s.kernel if ":PC_" in r}
    defined = {n for n in vars(world) if n.startswith("PC_")} - {"PC_DONE"}
    assert defined == cited


def test_the_agent_engine_docstring_lists_the_steps_in_order() -> None:
    doc = inspect.getdoc(agent_engine) or ""
    assert "sim.engines.steps.STEPS" in doc
    listed = re.findall(r"^\d+\. (\w+)", doc, re.M)
    assert listed == [s.name for s in STEPS]


def test_markdown_table_has_a_row_per_step() -> None:
    rows = table().splitlines()
    assert len(rows) == 2 + len(STEPS) and all(f"| {s.name} |" in t for s, t in zip(STEPS, rows[2:], strict=True))
