"""Run the ``flood_volunteers`` experiment (spec: sim/configs/experiment/flood_volunteers.yaml).

    python experiments/flood_volunteers/run.py [overrides...]

is ``python -m sim.experiment flood_volunteers [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/flood_volunteers-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "flood_volunteers"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
