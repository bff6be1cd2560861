"""The agent engine's long textbook cases against queueing theory, out of the default run.

``tests/validation/test_textbook_agent.py`` defines every case, its closed form and its
tolerance (from the replications' standard error; its docstring says how). The default
run checks every case on the vector engine and the short ones on the agent engine; the
agent engine's long cases (M/M/c at ρ 0.8-0.95, M/G/1 with lognormal service: about 110 s
of CPU, two worker processes) are checked here with the same assertions:
``pytest benchmarks/test_textbook_agent.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validation"))
import test_textbook_agent as base  # noqa: E402 - the validation folder is not a package

LONG_CHECKS = [(c, key) for c, key in base.CHECKS if c.name not in base.AGENT_CASES]


@pytest.fixture(scope="module")
def long_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future]]:
    yield from base.agent_runs(request, test_long_textbook_case_against_theory)


@pytest.mark.parametrize(("case", "key"), LONG_CHECKS, ids=[f"{c.name}-{k}" for c, k in LONG_CHECKS])
def test_long_textbook_case_against_theory(case: base.Case, key: str, long_runs: dict[str, Future]) -> None:
    base.assert_matches_theory(case, key, long_runs[case.name].result().runs)
