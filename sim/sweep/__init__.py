"""Multiruns: ``gridsim -m key=a,b ...`` sweeps any lever through a Hydra app.

``app``      the ``@hydra.main`` app and the ``-m`` entry (checks the overrides first)
``job``      one job: resume, run, per-job record, progress line, objective
``collect``  per-job records and the sweep table (``sweep.csv`` / ``sweep.parquet``)
``tune``     the tuning objective and its report (``best.json``, ``trials.csv``)
"""
