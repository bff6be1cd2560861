"""gridsim's Hydra config groups, shipped with the package (``pkg://sim.configs``).

The YAML files here are package data: ``config.yaml`` (the root) and one folder per
group (territory, staffing, dispatch, scenario, engine, experiment, hydra/...).
"""
