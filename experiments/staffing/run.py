"""Run the ``staffing`` experiment (spec: sim/configs/experiment/staffing.yaml).

    python experiments/staffing/run.py [overrides...]

is ``python -m sim.experiment staffing [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/staffing-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "staffing"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
