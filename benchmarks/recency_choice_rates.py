"""How often the recency choice reads drift, on generated logs with and without it.

    python benchmarks/recency_choice_rates.py [logs]

For each of ``logs`` seeds (default 40) three generated training logs (``tests/drifting_logs.py``:
two departments, 12,000 cases over 240 days): one that does not drift, one whose 'roads'
department closes 4x faster from day 120, one whose category mix drifts. Prints how many of the
non-drifting logs' choices (both departments, all departments together, the mix) are 42 days or
less, and in how many drifting logs the drift was read (42 days or less). Out of the default test
run: about a minute for 40 seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from sim.calibrate.recency import choose_recency  # noqa: E402
from tests.drifting_logs import log, tb  # noqa: E402

SHORT = 42.0


def main(n: int) -> None:
    short = total = pace = mix = 0
    for seed in range(100, 100 + n):
        still = choose_recency(log(seed, drift=False, n=12_000), tb())
        days = [d for _, d in still.by_department] + [still.handling_days, still.mix_days]
        short += sum(d <= SHORT for d in days)
        total += len(days)
        pace += dict(choose_recency(log(seed, drift=True, n=12_000), tb()).by_department)["roads"] <= SHORT
        mix += choose_recency(log(seed, drift=False, mix_drift=True, n=12_000), tb()).mix_days <= SHORT
    print(f"logs without drift: {short} of {total} choices {SHORT:g} days or less")
    print(f"a department's pace changed half-way: read in {pace} of {n} logs")
    print(f"the category mix drifts: read in {mix} of {n} logs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
