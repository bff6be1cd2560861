"""Run the ``staffing`` experiment: ``python experiments/staffing/run.py [overrides...]``.

The same as ``python -m sim.experiment staffing [overrides...]`` (spec: ``spec.yaml`` beside this
file; overrides as experiments/README.md says). Results: results/experiments/staffing-<stamp>/.
"""

from sim.experiment.__main__ import run_script

if __name__ == "__main__":  # the runner's worker processes import this module too
    run_script(__file__)
