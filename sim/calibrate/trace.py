"""The fitted model fed the log's own cases: the simulated side of the load effect.

The held-out figures are a forecast: the simulation's arrivals are drawn from the profile
fitted on the training months, so it knows nothing of the held-out weeks' load (a month the
training window never saw gets the training mean). Its busiest and quietest held-out weeks
are then Poisson noise and holiday weeks, not the weeks the log's offices found busy.

The load effect asks another question: does the fitted handling respond to load as the
log's offices did? So its simulated side is a trace-driven run: the fitted model fed the
log's own cases (each case's created time and category; a category's quick and left-open
twins drawn by their fitted shares; every other input drawn as for a generated matter). The
observed and simulated weeks are then the same weeks, ranked by the same counts and
censored at the same extraction, and only the handling differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate.fit import Simulator
from sim.calibrate.model import LEFT_OPEN_SUFFIX, LONG_SUFFIX, QUICK_SUFFIX, Handling, long_share_of, twin_shares
from sim.calibrate.profile import CategoryFit
from sim.matters.occur import inputs_from_cases
from sim.records.inputs import MatterInputs
from sim.scenario.schema import Config
from sim.scenario.territory import Territory


def case_categories(cases: pd.DataFrame, fit_categories: dict[str, CategoryFit], names: list[str],
                    u: np.ndarray) -> np.ndarray:
    """Each case's model category: its own, or its quick, left-open or long-work twin (``u`` below the twin's
    share)."""
    index = {n: i for i, n in enumerate(names)}
    out = np.empty(len(cases), dtype=np.int16)
    cat = cases["category"].astype(str).to_numpy()
    for name, c in fit_categories.items():
        rows = cat == name
        if not rows.any():
            continue
        _fast, left, quick = twin_shares(c)
        code = np.full(int(rows.sum()), index[c.key], dtype=np.int16)
        ur = u[rows]
        if c.key + QUICK_SUFFIX in index:
            code[ur < quick] = index[c.key + QUICK_SUFFIX]
        if c.key + LEFT_OPEN_SUFFIX in index:
            code[(ur >= quick) & (ur < quick + left)] = index[c.key + LEFT_OPEN_SUFFIX]
        if c.key + LONG_SUFFIX in index:
            code[(ur >= quick + left) & (ur < quick + left + long_share_of(c))] = index[c.key + LONG_SUFFIX]
        out[rows] = code
    return out


def traced_inputs(cfg: Config, terr: Territory, cases: pd.DataFrame, fit_categories: dict[str, CategoryFit],
                  t_hours: np.ndarray, seed: int) -> MatterInputs:
    """Matter inputs of the log's cases (those of a category the training window saw), in time order.

    A case's place does not change its handling in the calibrated model (departments are the
    county's, and the intake grid never queues), so its grid is drawn by residents.
    """
    rng = np.random.default_rng([seed, 7])  # the twins' and grids' draws: fixed by the seed
    order = np.argsort(t_hours, kind="stable")
    cases, t = cases.iloc[order], np.asarray(t_hours)[order]
    category = case_categories(cases, fit_categories, list(cfg.catalog.categories), rng.random(len(cases)))
    cum = np.cumsum(terr.grid_residents)
    grid = np.minimum(np.searchsorted(cum, rng.random(len(cases)) * cum[-1], side="right"),
                      terr.n_grids - 1).astype(np.int32)
    return inputs_from_cases(cfg, terr, t, grid, category, np.full(len(cases), -1, dtype=np.int8))


def traced_cases(sim: Simulator, handling: dict[str, Handling], cases: pd.DataFrame) -> pd.DataFrame:
    """The simulated log of the log's own cases under the fitted handling (the fit's scenario), censored at
    the extraction like the log."""
    tb = sim.fit.tb
    seen = cases[cases["category"].astype(str).isin(sim.fit.categories)
                 & (cases["created"] >= tb.t0) & (cases["created"] <= tb.window_end)]
    return sim.run(handling, lambda cfg, terr: traced_inputs(cfg, terr, seen, sim.fit.categories,
                                                             tb.hours(seen["created"]), sim.seed))
