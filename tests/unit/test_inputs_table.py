"""The matter table drawn straight into one allocation gives the numbers the county-by-county tables gave.

The digests below were produced by the implementation before the table was allocated
once (each county's table drawn apart, surges merged, the counties concatenated):
``_digest`` of ``generate_inputs(cfg, terr, 1)`` for each case's overrides, of its
block of counties 1..2 and of ``inputs_from_cases`` on the cases ``_replay_cases``
makes. They are identical with one and with two threads, and so must the new ones be.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields

import numpy as np
import pytest

import sim.util.parallel
from sim.matters.occur import county_counts, generate_inputs, inputs_from_cases
from sim.matters.table import empty_table, merge_surges_into, rows_of
from sim.records.inputs import MatterInputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory

SMALL_CITY = ["territory=city", "territory.counties=3", "territory.townships_per_county=2"]
FLOOD = ["scenario=flood", "scenario.surges.0.start_day=5", "scenario.mismatch_share=0.2"]
#: overrides -> digest of the whole table (replication 1)
CASES = {
    "one_county_with_a_surge": (["territory=township", "run.horizon_days=20", *FLOOD], "d80f38bedf09c97d"),
    "three_counties_with_a_surge": ([*SMALL_CITY, "run.horizon_days=20", *FLOOD], "979bf9f0248dd77d"),
    "three_counties_partial_last_hour": ([*SMALL_CITY, "run.horizon_days=10.3"], "a8355046a201815a"),
    "surge_to_a_partial_last_hour": ([*SMALL_CITY, "run.horizon_days=20.5", "run.seed=7", *FLOOD[:2],
                                      "scenario.surges.0.days=15.5"], "cfa283cda4a09eb9"),
    "textbook": (["scenario=textbook"], "bc3d061f4c7c7e12"),
    "textbook_partial_hours": (["scenario=textbook", "run.horizon_days=7.3", "run.warmup_days=0",
                                "textbook.arrival_rate_per_hour=1.7"], "b181f7b115336a63"),
}
#: counties 1..2 of "three_counties_with_a_surge"
BLOCK_DIGEST = "1e014b95e792406c"
#: inputs_from_cases with the log's channels (replication 2) and without (replication 0)
REPLAY_DIGESTS = ("dc8896da2c45b77a", "aba0adf8e8a388cf")


def _digest(m: MatterInputs) -> str:
    """Every field's name, dtype, shape and bytes, in field order."""
    h = hashlib.sha256()
    for f in fields(m):
        a = np.ascontiguousarray(getattr(m, f.name))
        h.update(f"{f.name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


@pytest.fixture(params=[1, 2], ids=["one_thread", "two_threads"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The thread count; small inputs are split into several ranges, so that the threaded paths run."""
    monkeypatch.setattr(sim.util.parallel, "MIN_ROWS_PER_TASK", 500)
    return int(request.param)


@pytest.mark.parametrize("case", list(CASES))
def test_the_table_is_the_one_drawn_county_by_county(case: str, workers: int) -> None:
    overrides, expected = CASES[case]
    cfg = load_config([*overrides, f"engine.workers={workers}"])
    terr = build_territory(cfg)
    m = generate_inputs(cfg, terr, 1)
    assert _digest(m) == expected
    counts = county_counts(cfg, terr, 1)
    assert counts.sum() == m.n
    if not cfg.textbook.enabled:  # each county's rows are its own, in county order
        assert np.array_equal(terr.grid_county[m.grid], np.repeat(np.arange(terr.n_counties), counts))


def test_a_block_of_counties_is_its_rows_of_the_whole_table(workers: int) -> None:
    cfg = load_config([*CASES["three_counties_with_a_surge"][0], f"engine.workers={workers}"])
    terr = build_territory(cfg)
    whole = generate_inputs(cfg, terr, 1)
    block = generate_inputs(cfg, terr, 1, counties=range(1, 3))
    assert _digest(block) == BLOCK_DIGEST
    lo = int(county_counts(cfg, terr, 1)[0])
    assert _digest(rows_of(whole, lo, whole.n)) == BLOCK_DIGEST
    assert (block.surge >= 0).any()  # the surge's matters are in it


def _replay_cases(n_grids: int, n_categories: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(5)
    n = 3000
    t = np.sort(rng.random(n) * 200)
    return t, rng.integers(0, n_grids, n), rng.integers(0, n_categories, n), rng.integers(-1, 5, n)


def test_replayed_cases_draw_the_same_numbers(workers: int) -> None:
    cfg = load_config([*CASES["three_counties_partial_last_hour"][0], f"engine.workers={workers}"])
    terr = build_territory(cfg)
    t, grid, category, channel = _replay_cases(len(terr.grid_county), len(cfg.catalog.categories))
    with_channels = inputs_from_cases(cfg, terr, t, grid, category, channel, 2)
    without = inputs_from_cases(cfg, terr, t, grid, category, np.full(len(t), -1), 0)
    assert (_digest(with_channels), _digest(without)) == REPLAY_DIGESTS


def _block(t: list[float], grid: list[int], surge: int) -> MatterInputs:
    """A table whose rows say where they came from: u_tie = surge * 100 + row (u_service likewise)."""
    out = empty_table(len(t))
    for f in fields(out):
        getattr(out, f.name)[...] = 0
    out.t_occur[:], out.grid[:], out.surge[:] = t, grid, surge
    out.u_tie[:] = surge * 100 + np.arange(len(t))
    out.u_service[:] = out.u_tie[:, None]
    return out


def test_surges_merge_in_place_by_time_ties_in_block_order() -> None:
    base = _block([1.0, 2.0, 2.0, 5.0], [0] * 4, -1)
    surges = [_block([2.0, 0.5, 6.0], [1, 0, 1], 0), _block([2.0, 5.0], [0, 0], 1)]
    rows = empty_table(base.n + sum(b.n for b in surges))
    for f in fields(rows):
        getattr(rows, f.name)[:base.n] = getattr(base, f.name)
    merge_surges_into(rows, base.n, surges, np.zeros(2, np.int64))
    # a stable sort of [base, surge 0, surge 1] by time (one county)
    assert rows.t_occur.tolist() == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0, 6.0]
    assert rows.u_tie.tolist() == [1, -100, -99, -98, 0, 100, -97, 101, 2]
    assert np.array_equal(rows.u_service, np.repeat(rows.u_tie[:, None], 4, axis=1))
    assert rows.surge.tolist() == [0, -1, -1, -1, 0, 1, -1, 1, 0]
