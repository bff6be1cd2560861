"""Multiruns: ``gridsim -m key=a,b ...`` sweeps any lever through the Hydra app of ``sim.entry.hydra_app``.

``app``      the check of a sweep's overrides before it starts, and its environment
``job``      one job: resume, run, per-job record, progress line, objective
``collect``  per-job records and the sweep table (``sweep.csv`` / ``sweep.parquet``)
``tune``     the tuning objective and its report (``best.json``, ``trials.csv``)
"""
