"""Vector engine plumbing: county blocks for threads, county bounds, capacities."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.engines.prepare import Prepared, county_bounds, county_orders, discovery_order, prepare
from sim.engines.vector import engine
from sim.engines.vector.engine import _blocks, _capacities, run_vector
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=40), st.integers(1, 8))
def test_blocks_are_contiguous_cover_every_county_and_are_at_most_k(sizes: list[int], k: int) -> None:
    blocks = _blocks(sizes, k)
    assert 1 <= len(blocks) <= k
    assert blocks[0][0] == 0 and blocks[-1][1] == len(sizes)
    assert all(a < b for a, b in blocks)
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(blocks[:-1], blocks[1:], strict=True))


def test_blocks_balance_matters() -> None:
    # twenty equal counties on two workers: ten each
    assert _blocks([5] * 20, 2) == [(0, 10), (10, 20)]
    # one county can't be split, however many workers
    assert _blocks([100], 4) == [(0, 1)]


def test_county_bounds_and_orders_agree() -> None:
    cfg = load_config(["territory=township", "territory.counties=3", "territory.villages_per_township=4",
                       "run.horizon_days=40", "run.warmup_days=5"])
    terr = build_territory(cfg)
    p = prepare(cfg, terr, generate_inputs(cfg, terr))
    bounds = county_bounds(p)
    assert bounds is not None and bounds[0] == 0 and bounds[-1] == p.inputs.n
    for c, order in enumerate(county_orders(p)):
        lo, hi = int(bounds[c]), int(bounds[c + 1])
        assert np.array_equal(order, discovery_order(p.found.t_discover[lo:hi], p.horizon_h) + lo)
    # a table not numbered county by county has no bounds (the engine then gathers rows)
    rows = np.argsort(p.inputs.t_occur, kind="stable")
    shuffled = prepare(cfg, terr, p.inputs.take(rows))
    assert county_bounds(shuffled) is None


@pytest.mark.parametrize("horizon", [0.5, 1e9])
def test_discovery_order_is_stable_and_cut_at_the_horizon(horizon: float) -> None:
    t = np.array([3.0, 1.0, np.inf, 1.0, 0.25])
    order = discovery_order(t, horizon)
    want = [i for i in [4, 1, 3, 0, 2] if t[i] < horizon]
    assert order.tolist() == want and order.dtype == np.int64


def _three_counties() -> Prepared:
    cfg = load_config(["territory=township", "territory.counties=3", "territory.villages_per_township=4",
                       "run.horizon_days=40", "run.warmup_days=5", "staffing.professional_per_township=4"])
    terr = build_territory(cfg)
    return prepare(cfg, terr, generate_inputs(cfg, terr))


def test_capacities_are_bounds_unless_the_machine_is_too_small(monkeypatch: pytest.MonkeyPatch) -> None:
    caps = _capacities([1000, 500], [600, 500], 10, 20, 30, 1)
    assert caps is not None
    assert [c.visits for c in caps] == [1024 + 10_000, 1024 + 5_000]  # every visit a block's matters can make
    assert [c.nodes for c in caps] == [1024 + 12_000, 1024 + 10_000] and caps[0].events >= 600 + 2 * 20 + 30
    monkeypatch.setattr(engine, "physical_memory", lambda: 1 << 20)
    assert _capacities([1000, 500], [600, 500], 10, 20, 30, 1) is None


def test_too_large_bounds_fall_back_to_estimates_and_keep_the_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    want = run_vector(_three_counties())
    monkeypatch.setattr(engine, "physical_memory", lambda: 1 << 20)
    p = _three_counties()
    work = p.work.copy()
    got = run_vector(p, spend_inputs=True)
    # estimated capacities may run out and the run is repeated: so nothing was given back
    assert np.array_equal(p.work, work)
    for table in ("matters", "visits"):
        a, b = getattr(want, table), getattr(got, table)
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f")


def test_the_world_is_built_by_field_name_and_a_wrong_name_is_named() -> None:
    from sim.engines.vector.world import WORLD_ARRAYS, make_world

    arrays = {name: np.zeros(1) for name, _ in WORLD_ARRAYS}
    params = engine.kernel_params(_three_counties())
    del arrays["visit_t_arrive"]
    arrays["visit_t_arive"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"missing: \['visit_t_arrive'\], unknown: \['visit_t_arive'\]"):
        make_world(params, arrays)
