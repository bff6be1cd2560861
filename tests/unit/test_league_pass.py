"""The league's one pass over the matters against a per-unit computation of every figure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics.league import LEAGUE_LEVELS, LeagueUnits, league_tables
from sim.metrics.survival import km_curve, km_mean, km_quantile
from sim.scenario.constants import CLOSED
from tests.unit.test_league import _records

N_GRIDS, N_VILLAGES, N_TOWNSHIPS = 12, 5, 2


def _random_rows(seed: int, n: int) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        grid = int(rng.integers(0, N_GRIDS - 1))  # the last grid has no matters
        t_occur = float(np.round(rng.uniform(0.0, 110.0)))
        closed = rng.random() < 0.7
        t_close = t_occur + float(np.round(rng.exponential(30.0))) if closed else math.nan
        level = int(rng.integers(0, 4)) if closed else -1
        on_time = int(rng.random() < 0.6) if closed else -1
        satisfied = int(rng.integers(-1, 2)) if closed else -1
        rows.append((grid, t_occur, t_close, level, on_time, satisfied, bool(rng.random() < 0.1)))
    return rows


def test_every_level_equals_a_per_unit_computation() -> None:
    rec = _records(_random_rows(7, 600))
    rec.meta.update(petition_patience_h=20.0, petition_prob=0.3)
    grid_village = np.array([0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4])
    village_township = np.array([0, 0, 1, 1, 1])
    units = LeagueUnits(
        grid_codes=[f"G{g:02d}" for g in range(N_GRIDS)], grid_village=grid_village,
        grid_township=village_township[grid_village], grid_residents=np.full(N_GRIDS, 500.0),
        village_codes=[f"V{v}" for v in range(N_VILLAGES)], township_codes=["T0", "T1"],
        county_codes=["C"], township_county=np.zeros(N_TOWNSHIPS, np.int64))
    tables = league_tables(rec, units)
    m, h = rec.matters, 110.0
    inwin = (m.t_occur >= 10.0) & (m.t_occur < h)
    closed = m.status == CLOSED
    res = np.where(closed, m.t_close, h) - m.t_occur
    for level, below in LEAGUE_LEVELS.items():
        grid_unit = {"grid": np.arange(N_GRIDS), "village": grid_village, "township": village_township[grid_village]}
        codes = {"grid": units.grid_codes, "village": units.village_codes, "township": units.township_codes}
        table = tables[level].set_index("code")
        for u, code in enumerate(codes[level]):
            mine = inwin & (grid_unit[level][m.grid] == u)
            row = table.loc[code].to_dict()
            assert row["matters"] == mine.sum() and row["closed"] == (mine & closed).sum()
            settled = mine & closed & (m.level_settled >= 0) & (m.level_settled <= below)
            if mine.any():  # of all the unit's matters: one still open is settled nowhere yet
                assert row["settled_locally_share"] == settled.sum() / mine.sum()
            if not mine.any():
                assert math.isnan(row["resolution_hours_p90"]) and math.isnan(row["score"])
                continue
            curve = km_curve(res[mine], closed[mine])
            want_p90 = km_quantile(curve, 0.9)
            assert (math.isnan(want_p90) and math.isnan(row["resolution_hours_p90"])) \
                or row["resolution_hours_p90"] == want_p90
            assert row["resolution_hours_mean"] == pytest.approx(km_mean(curve), rel=1e-12)  # summed in another order
            unhappy_open = (mine & ~closed & (h - m.deadline > 20.0)).sum()
            rated = (mine & (m.satisfied >= 0)).sum() + unhappy_open
            assert row["satisfaction_rate"] == (mine & (m.satisfied == 1)).sum() / rated
