"""Run the ``grid_size`` experiment (spec: sim/configs/experiment/grid_size.yaml).

    python experiments/grid_size/run.py [overrides...]

is ``python -m sim.experiment grid_size [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/grid_size-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "grid_size"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
