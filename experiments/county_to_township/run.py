"""Run the ``county_to_township`` experiment (spec: sim/configs/experiment/county_to_township.yaml).

    python experiments/county_to_township/run.py [overrides...]

is ``python -m sim.experiment county_to_township [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/county_to_township-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "county_to_township"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
