"""The vector engine's state arrays at the end of a run, for tests that recount what the kernel keeps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from sim.engines.prepare import prepare
from sim.engines.vector import engine
from sim.engines.vector.engine import run_vector
from sim.matters.occur import generate_inputs
from sim.runs.config import load_config
from sim.scenario.territory import build_territory


def worlds_after(overrides: list[str], monkeypatch: pytest.MonkeyPatch) -> list[dict[str, np.ndarray]]:
    """Run the scenario of ``overrides`` on the vector engine; each block's World arrays as they ended."""
    worlds: list[dict[str, np.ndarray]] = []
    make = engine.make_world

    def keep(params: Any, arrays: Mapping[str, np.ndarray]) -> Any:
        worlds.append(dict(arrays))
        return make(params, arrays)

    monkeypatch.setattr(engine, "make_world", keep)
    cfg = load_config(overrides)
    terr = build_territory(cfg)
    rec = run_vector(prepare(cfg, terr, generate_inputs(cfg, terr, 0)), 0)
    assert rec.matters.n > 0 and worlds
    return worlds
