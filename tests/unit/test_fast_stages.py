"""The compiled stages before the engine give numpy's answers bit for bit, whatever the number of threads.

Each reference below is the plain numpy expression the compiled code replaced.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from scipy.special import ndtri

import sim.util.parallel
from sim.engines.prepare import prepare
from sim.matters.occur import generate_inputs
from sim.rules.calendar import build_calendar
from sim.rules.demand import sample_times
from sim.rules.service import work_hours, work_table
from sim.runs.config import load_config
from sim.scenario.schema import ShiftConfig
from sim.scenario.territory import build_territory
from sim.util.rng import skip, stream, uniform_pieces, uniform_range
from sim.util.search import make_guide, search_left_into, search_right_into

SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300, -1e300])


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, shapes and dtypes (NaN equal to NaN, -0.0 not equal to 0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a.view(f"i{a.itemsize}"), b.view(f"i{b.itemsize}")))
    return bool(np.array_equal(a, b))


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split even small inputs into several ranges, so that the threaded paths run."""
    monkeypatch.setattr(sim.util.parallel, "MIN_ROWS_PER_TASK", 1000)


@pytest.mark.parametrize("buckets", [1, None, 100_000])
def test_search_is_numpys_searchsorted(buckets: int | None) -> None:
    rng = np.random.default_rng(0)
    a = np.sort(np.concatenate([rng.random(300) * 50, np.repeat([10.0, 20.0], 5), [0.0, 50.0]]))
    keys = np.concatenate([rng.random(20_000) * 60 - 5, a, SPECIAL])
    g = make_guide(a, buckets)
    for cap in (len(a), len(a) - 1):
        left, right = np.empty(len(keys), np.int64), np.empty(len(keys), np.int64)
        search_left_into(g.pad, g.idx, g.lo, g.scale, keys, cap, left)
        search_right_into(g.pad, g.idx, g.lo, g.scale, keys, 1.0, cap, right)
        assert _same(left, np.minimum(np.searchsorted(a, keys, side="left"), cap))
        assert _same(right, np.minimum(np.searchsorted(a, keys, side="right"), cap))


def test_stream_pieces_ranges_and_skip_are_the_one_big_draw() -> None:
    n = 100_003
    whole = stream(1, "x").random(2 * n)
    assert _same(np.concatenate([u.copy() for _, _, u in uniform_pieces(stream(1, "x"), n, 4096)]), whole[:n])
    assert _same(np.concatenate([u.copy() for _, _, u in uniform_range(stream(1, "x"), 777, n, 4096)]),
                 whole[777:n])
    drawn, skipped = stream(1, "x"), stream(1, "x")
    drawn.random(3, dtype=np.float32)  # leaves half a 64-bit draw cached
    skipped.random(3, dtype=np.float32)
    drawn.random(n)
    skip(skipped, n)
    assert drawn.bit_generator.state == skipped.bit_generator.state


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("last_hour", [1.0, 0.25])
def test_sample_times_draws_as_numpy_did(workers: int, last_hour: float, small_tasks: None) -> None:
    weights = np.random.default_rng(3).random(500)
    n = 20_001
    got_rng, ref_rng = stream(2, "t"), stream(2, "t")
    got = sample_times(got_rng, n, weights, 7, last_hour, workers)
    cum = np.cumsum(weights)
    hour = np.minimum(np.searchsorted(cum, ref_rng.random(n) * cum[-1], side="right"), len(weights) - 1)
    offset = ref_rng.random(n)
    if last_hour < 1.0:
        offset = np.where(hour == len(weights) - 1, offset * last_hour, offset)
    assert _same(got, 7 + hour + offset)
    assert got_rng.bit_generator.state == ref_rng.bit_generator.state


@pytest.mark.parametrize("holidays", [(), (3, 25, 26, 27)])
@pytest.mark.parametrize("shift", [ShiftConfig(8.0, 17.0, [0, 1, 2, 3, 4]), ShiftConfig(0.0, 24.0, list(range(7)))])
def test_calendar_array_methods_are_the_numpy_formulas(shift: ShiftConfig, holidays: tuple[int, ...]) -> None:
    cal = build_calendar(shift, 365.0, holidays)
    rng = np.random.default_rng(1)
    t = np.concatenate([rng.random(20_000) * 30_000 - 100, rng.integers(0, 1200, 2000) * 24.0, SPECIAL])
    work = np.concatenate([rng.random(len(t) - 4) * 300, [0.0, -1.0, np.nan, np.inf]])
    rng.shuffle(work)
    days = np.abs(work) / 10
    n, ends = cal.n_days, cal.before[1:]
    with np.errstate(all="ignore"):
        day = np.clip((t // 24.0).astype(np.int64), 0, n - 1)
        worked = cal.before[day] + np.clip(t - day * 24.0 - cal.start[day], 0.0, cal.hours[day])
        c = worked + work
        d = np.minimum(np.searchsorted(ends, c, side="left"), n - 1)
        at_worked = d * 24.0 + cal.start[d] + (c - cal.before[d])
        advance = np.where(work > 0, np.maximum(at_worked, t), t)
        d_open = np.minimum(np.searchsorted(ends, worked, side="right"), n - 1)
        k = np.ceil(days).astype(np.int64)
        due_day = np.minimum(np.searchsorted(cal.day_cum, cal.day_cum[day] + k, side="left"), n - 1)
        due = due_day * 24.0 + (t - day * 24.0) - (k - days) * 24.0
        assert _same(cal.worked(t), worked)
        assert _same(cal.at_worked(c), at_worked)
        assert _same(cal.advance(t, work), advance)
        assert _same(cal.next_open(t[t != 0]), np.maximum(t, d_open * 24.0 + cal.start[d_open])[t != 0])
        assert _same(cal.add_days(t, days, working=True), due)
        assert _same(cal.add_days(t, days, working=False), t + days * 24.0)
    assert float(cal.advance(5.0, 3.0)) == cal.advance1(5.0, 3.0)


@pytest.mark.parametrize("workers", [1, 3])
def test_work_table_is_work_hours_by_category(workers: int, small_tasks: None) -> None:
    rng = np.random.default_rng(2)
    n = 20_001
    u = rng.random((n, 4), dtype=np.float32)
    u[:2] = np.array([[0.0], [1 - 2**-24]], np.float32)
    u_rework = rng.random(n, dtype=np.float32)
    category = rng.integers(0, 4, n).astype(np.int16)
    mean = rng.random((4, 4)) * 10
    cv = np.array([1.0, 0.5, 1.0 + 1e-9, 2.0])

    def both_branches(u: np.ndarray | float, mean: np.ndarray | float, cv: np.ndarray | float) -> np.ndarray:
        u = np.clip(np.asarray(u, dtype=np.float64), 1e-12, 1.0 - 1e-7)
        mean, cv = np.asarray(mean, dtype=np.float64), np.asarray(cv, dtype=np.float64)
        expo = -np.log1p(-u) * mean
        sigma2 = np.log1p(cv * cv)
        return np.where(np.isclose(cv, 1.0), expo, mean * np.exp(np.sqrt(sigma2) * ndtri(u) - sigma2 / 2.0))

    m, c = mean[category], cv[category][:, None]
    assert _same(work_table(u, category, mean, cv, workers=workers), both_branches(u, m, c))
    assert _same(work_table(u_rework, category, mean, cv, 1.5, workers), both_branches(u_rework[:, None], m, c) * 1.5)
    assert _same(work_hours(u[:50], m[:50], c[:50]), both_branches(u[:50], m[:50], c[:50]))
    assert _same(work_hours(0.3, 2.0, 0.5), both_branches(0.3, 2.0, 0.5))


def test_inputs_and_prepared_do_not_depend_on_the_thread_count(small_tasks: None) -> None:
    runs = []
    for workers in (1, 3):
        cfg = load_config(["territory=township", "scenario=flood", "scenario.mismatch_share=0.2",
                           f"engine.workers={workers}"])
        terr = build_territory(cfg)
        runs.append(prepare(cfg, terr, generate_inputs(cfg, terr)))
    one, three = runs
    for f in fields(one.inputs):
        assert _same(getattr(one.inputs, f.name), getattr(three.inputs, f.name)), f.name
    for f in fields(one.found):
        assert _same(getattr(one.found, f.name), getattr(three.found, f.name)), f.name
    for name in ("t_intake", "intake_grid", "deadline", "work", "rework"):
        assert _same(getattr(one, name), getattr(three, name)), name
