"""The replication pipeline (sim.runs.replicate): one path from inputs to records for every caller."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engines.select import engine_named, select_engine
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.runs.replicate import Replicator, pair, replicate, summarise
from sim.scenario.territory import build_territory

SHORT = ["territory=township", "run.horizon_days=20", "run.warmup_days=2", "engine=vector"]


@pytest.mark.parametrize("name", ["agent", "vector"])
def test_both_engines_are_engines(name: str) -> None:
    engine = engine_named(name)
    assert engine.name == name
    assert callable(engine.prepare) and callable(engine.run)


def test_select_engine_follows_the_config() -> None:
    cfg = load_config(["territory=township", "engine=auto"])
    engine, why = select_engine(cfg, build_territory(cfg))
    assert engine.name == "agent" and why.startswith("auto:")


def test_replicate_keeps_the_order_asked_with_workers() -> None:
    done: list[int] = []
    assert replicate(abs, [-3, 1, -2], workers=2, on_done=done.append) == [3, 1, 2]
    assert sorted(done) == [1, 2, 3]
    assert replicate(abs, range(-2, 1)) == [2, 1, 0]
    in_order: list[int] = []
    assert replicate(abs, [-3, 1, -2], workers=2, on_done=in_order.append, threads=True) == [3, 1, 2]
    assert in_order == [3, 1, 2]  # in threads, as asked


def test_the_run_api_is_the_pipeline() -> None:
    """sim.run's replication r is Replicator(...).run(r) on the same config."""
    res = sim.run([*SHORT, "run.replications=2"], write=False)
    cfg = res.cfg
    terr = build_territory(cfg)
    engine, _ = select_engine(cfg, terr)
    again = Replicator(cfg, terr, engine).run(0)
    assert res.records is not None
    pd.testing.assert_frame_equal(res.records.matters_frame(), again.records.matters_frame())


def test_inputs_drawn_once_are_not_spent() -> None:
    """The calibration's use: every trial runs the same inputs, which stay whole."""
    cfg = load_config(SHORT)
    terr = build_territory(cfg)
    drawn = generate_inputs(cfg, terr, 0)
    before = {f.name: np.array(getattr(drawn, f.name), copy=True) for f in fields(drawn)}
    replicator = Replicator(cfg, terr, engine_named("vector"), draw=lambda _c, _t, _r: drawn, spend_inputs=False)
    a, b = replicator.run(0).records, replicator.run(0).records
    pd.testing.assert_frame_equal(a.matters_frame(), b.matters_frame())
    for name, values in before.items():
        np.testing.assert_array_equal(getattr(drawn, name), values, err_msg=name)


def test_summarise_and_pair() -> None:
    base = [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}]
    variant = [{"x": 2.0}, {"x": 3.5}, {"x": 4.0}]
    s = summarise(base)
    assert s.means == {"x": 2.0} and s.summaries["x"].n == 3 and s.half_widths["x"] > 0
    d = pair(base, variant, ["x"])["x"]
    assert d.mean == pytest.approx(3.5 / 3) and d.n == 3
