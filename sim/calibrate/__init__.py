"""Fit a scenario to a work-order log and validate it on held-out months (issue 10, parts 4-7).

``gridsim calibrate ...`` (``cli``) -> ``run.calibrate``: arrivals and mixes (``profile``),
the handling side by simulation (``fit``, ``model``), baselines, distances, validation,
report and the preset.
"""
