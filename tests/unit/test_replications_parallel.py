"""Replications side by side (sim.runs.replicate): the same KPIs and records as one after another."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest

import sim
from sim.checks.preflight import side_by_side
from sim.records.schema import Records

#: a small vector run: two counties (so that engine.workers also splits the engine into blocks), 3 replications
SMALL = ["territory=township", "territory.counties=2", "territory.villages_per_township=4", "engine=vector",
         "run.horizon_days=60", "run.replications=3"]


def _same_records(a: Records, b: Records) -> None:
    for table in ("matters", "visits"):
        ta, tb = getattr(a, table), getattr(b, table)
        for f in fields(ta):
            x, y = np.asarray(getattr(ta, f.name)), np.asarray(getattr(tb, f.name))
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f"{table}.{f.name} differs"


def _without_timing(run: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in run.items() if k != "engine_seconds"}


def _same_kpis(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])), k


def test_side_by_side_gives_the_serial_results() -> None:
    serial = sim.run([*SMALL, "engine.workers=1"], write=False)
    together = sim.run([*SMALL, "engine.workers=2"], write=False)
    assert serial.estimate is not None and serial.estimate.at_once == 1
    assert together.estimate is not None and together.estimate.at_once == 2
    assert len(serial.runs) == len(together.runs) == 3
    for a, b in zip(serial.runs, together.runs, strict=True):
        _same_kpis(_without_timing(a), _without_timing(b))
    _same_kpis(_without_timing(serial.kpis), _without_timing(together.kpis))
    assert serial.records is not None and together.records is not None
    assert together.records.meta["replication"] == 0
    _same_records(serial.records, together.records)


def test_replications_differ_from_each_other() -> None:
    # each block draws its own streams: a mix-up (every block running replication 0) would pass the test above
    runs = sim.run([*SMALL, "engine.workers=2"], write=False).runs
    assert len({r["matters"] for r in runs}) > 1


@pytest.mark.parametrize(("engine", "reps", "cores", "room", "per", "expected"), [
    ("vector", 3, 2, 10.0, 1.0, 2),  # one per core
    ("vector", 8, 16, 10.0, 1.0, 8),  # no more than there are replications
    ("vector", 4, 4, 2.5, 1.0, 2),  # as many as the memory holds
    ("vector", 4, 4, 0.5, 1.0, 1),  # at least one (check_fits decides whether that fits)
    ("agent", 4, 4, 10.0, 1.0, 1),  # Python that holds the GIL: one at a time
    ("vector", 1, 4, 10.0, 1.0, 1),
])
def test_how_many_at_once(engine: str, reps: int, cores: int, room: float, per: float, expected: int) -> None:
    assert side_by_side(engine, reps, cores, room, per) == expected
