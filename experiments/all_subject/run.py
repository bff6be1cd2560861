"""Run the ``all_subject`` experiment (spec: sim/configs/experiment/all_subject.yaml).

    python experiments/all_subject/run.py [overrides...]

is ``python -m sim.experiment all_subject [overrides...]``: ``experiment.<field>=...`` edits the spec
(e.g. ``experiment.replications=3``), anything else applies to every scenario (e.g.
``run.horizon_days=120``, ``report.lang=zh``). Results: results/experiments/all_subject-<stamp>/.
"""

from __future__ import annotations

import sys

from sim.experiment.__main__ import main

NAME = "all_subject"

if __name__ == "__main__":  # the runner's worker processes import this module too
    raise SystemExit(main([NAME, *sys.argv[1:]]))
