"""The station arrays a streamed worker shares between blocks, and the busy hours per role, equal what each
run made for itself."""

from __future__ import annotations

import numpy as np

from sim.engines.prepare import prepare
from sim.engines.vector.engine import run_vector
from sim.engines.vector.fixed import busy_by_role, station_arrays
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.constants import ROLES
from sim.scenario.territory import build_territory


def test_busy_hours_by_role_equal_a_loop_over_the_servers() -> None:
    rng = np.random.default_rng(5)
    role = rng.integers(1, len(ROLES), 1_000)
    busy = rng.random(1_000) * 1e3
    looped: dict[str, float] = {}
    for srv, r in enumerate(role):
        looped[ROLES[int(r)]] = looped.get(ROLES[int(r)], 0.0) + float(busy[srv])
    got = busy_by_role(role, busy)
    assert list(got) == list(looped)  # roles in the order of their first server
    assert got == looped  # the same sums to the bit (added in server order)


def test_a_run_given_another_runs_station_arrays_gives_the_same_records() -> None:
    cfg = load_config(["territory.counties=2", "territory.townships_per_county=2", "run.horizon_days=20"])
    terr = build_territory(cfg)
    first = prepare(cfg, terr, generate_inputs(cfg, terr, 0, counties=[0]))
    shared = station_arrays(first)
    for county in (0, 1):
        own = run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, 0, counties=[county])), 0)
        given = run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, 0, counties=[county]), first.layout), 0,
                           stations=shared)
        for name in ("matters", "visits"):
            a, b = getattr(own, name), getattr(given, name)
            for field in a.__dataclass_fields__:
                np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=f"{name}.{field}")
        assert own.meta == given.meta
