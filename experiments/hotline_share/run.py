"""Run the ``hotline_share`` experiment: ``python experiments/hotline_share/run.py [overrides...]``.

The same as ``python -m sim.experiment hotline_share [overrides...]`` (spec: ``spec.yaml`` beside this
file; overrides as experiments/README.md says). Results: results/experiments/hotline_share-<stamp>/.
"""

from sim.experiment.__main__ import run_script

if __name__ == "__main__":  # the runner's worker processes import this module too
    run_script(__file__)
