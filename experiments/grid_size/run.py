"""Run the ``grid_size`` experiment: ``python experiments/grid_size/run.py [overrides...]``.

The same as ``python -m sim.experiment grid_size [overrides...]`` (spec: ``spec.yaml`` beside this
file; overrides as experiments/README.md says). Results: results/experiments/grid_size-<stamp>/.
"""

from sim.experiment.__main__ import run_script

if __name__ == "__main__":  # the runner's worker processes import this module too
    run_script(__file__)
