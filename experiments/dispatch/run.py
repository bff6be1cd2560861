"""Run the ``dispatch`` experiment (spec: sim/configs/experiment/dispatch.yaml).

    python experiments/dispatch/run.py [overrides...]

is ``python -m sim.experiment dispatch [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/dispatch-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "dispatch"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
