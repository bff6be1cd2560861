"""Regression: the KPIs of fixed small scenarios equal the stored golden values.

A failure means the model's output changed. If the change is intended, run
``python -m tests.regression.update_golden`` to see each case's diff, ``... update_golden <case>``
to rewrite the cases meant to change, and explain it in the commit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import sim
from tests.regression.golden_cases import CASES, VOLATILE

GOLDEN = Path(__file__).with_name("golden")


@pytest.mark.parametrize("name", sorted(CASES))
def test_kpis_equal_golden(name: str) -> None:
    stored = json.loads((GOLDEN / f"{name}.json").read_text())
    assert stored["overrides"] == CASES[name], "the case changed: update the golden file"
    got = {k: v for k, v in sim.run(CASES[name], write=False).kpis.items() if k not in VOLATILE}
    assert sorted(got) == sorted(stored["kpis"])
    for key, want in stored["kpis"].items():
        if math.isnan(want):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-12), key
