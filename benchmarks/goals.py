"""Each benchmark's figure against its goal: printed as met or missed, stored, and asserted.

The goals are the issues' targets (docs/performance.md); a benchmark that misses its goal
fails, so ``pytest benchmarks --benchmark-enable -s`` lists every goal still missed
(benchmarks are out of the default test run).
"""

from __future__ import annotations

from typing import Any


def check_goal(benchmark: Any, what: str, figure: float, goal: float, unit: str, *,
               at_least: bool = False) -> None:
    """Print ``what: figure unit, goal ...: met|missed``, store both in ``extra_info``, assert the goal.

    ``at_least``: the figure must reach the goal (a speed-up), else stay at or under it (a time, memory).
    """
    met = figure >= goal if at_least else figure <= goal
    word = "at least" if at_least else "at most"
    line = f"{what}: {figure:,.4g} {unit}, goal {word} {goal:,.4g} {unit}: {'met' if met else 'missed'}"
    print(f"\n{line}")
    benchmark.extra_info.setdefault("goals", []).append({"what": what, "figure": figure, "goal": goal,
                                                         "unit": unit, "at_least": at_least, "met": met})
    assert met, line
