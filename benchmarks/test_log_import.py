"""Log import speed: the Boston 311 year (121,145 rows) through the boston311 mapping.

Run: ``pytest benchmarks/test_log_import.py --benchmark-enable -s``. The goal (issue 10):
a few seconds at most on the 2-core machine; the test fails above 10 s, a margin for a
loaded machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.goals import check_goal
from sim.logs import load_log

BOSTON = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "boston311_2015.csv.gz"


@pytest.mark.skipif(not BOSTON.exists(), reason="the shared Boston 311 log is not on this machine")
def test_boston_import(benchmark: Any) -> None:
    log = benchmark.pedantic(load_log, args=(BOSTON, "boston311"), rounds=3, iterations=1)
    sec = benchmark.stats.stats.median
    benchmark.extra_info.update(rows=log.report.rows_read, seconds=sec, rows_per_second=log.report.rows_read / sec)
    print(f"\nBoston 311 import: {log.report.rows_read:,} rows in {sec:.2f} s (median of 3)")
    check_goal(benchmark, "Boston 311 import (median of 3)", sec, 10.0, "s")
