"""Run the ``flood_volunteers`` experiment: ``python experiments/flood_volunteers/run.py [overrides...]``.

The same as ``python -m sim.experiment flood_volunteers [overrides...]`` (spec: ``spec.yaml`` beside this
file; overrides as experiments/README.md says). Results: results/experiments/flood_volunteers-<stamp>/.
"""

from sim.experiment.__main__ import run_script

if __name__ == "__main__":  # the runner's worker processes import this module too
    run_script(__file__)
