"""Across-replication summaries."""

from __future__ import annotations

import math

import pytest

from sim.metrics.replications import Summary, half_widths, means, paired_difference, summarize, summary_of

T_975_3 = 3.182446305284263  # Student t quantile, 0.975, 3 df
T_975_2 = 4.302652729911275  # 0.975, 2 df
T_95_3 = 2.3533634348018264  # 0.95, 3 df (90 % interval)


def test_half_width_by_hand() -> None:
    s = summarize([{"x": 1.0}, {"x": 2.0}, {"x": 3.0}, {"x": 4.0}])["x"]
    std = math.sqrt(5 / 3)
    assert isinstance(s, Summary)
    assert (s.mean, s.n) == (2.5, 4)
    assert s.std == pytest.approx(std)
    assert s.half_width == pytest.approx(T_975_3 * std / 2)
    assert (s.lo, s.hi) == pytest.approx((2.5 - s.half_width, 2.5 + s.half_width))
    s90 = summarize([{"x": 1.0}, {"x": 2.0}, {"x": 3.0}, {"x": 4.0}], confidence=0.90)["x"]
    assert s90.half_width == pytest.approx(T_95_3 * std / 2)


def test_nan_runs_ignored_per_kpi() -> None:
    runs = [{"x": 1.0, "y": math.nan}, {"x": math.nan, "y": 5.0}, {"x": 3.0, "y": 7.0}, {"x": 5.0}]
    out = summarize(runs)
    assert list(out) == ["x", "y"]
    assert out["x"].n == 3 and out["x"].mean == pytest.approx(3.0)
    assert out["x"].std == pytest.approx(2.0)
    assert out["x"].half_width == pytest.approx(T_975_2 * 2.0 / math.sqrt(3))
    assert out["y"].n == 2 and out["y"].mean == pytest.approx(6.0)


def test_degenerate_samples() -> None:
    out = summarize([{"x": 2.0, "z": math.nan}])
    assert out["x"].n == 1 and out["x"].mean == 2.0
    assert math.isnan(out["x"].half_width) and math.isnan(out["x"].std)
    assert out["z"].n == 0 and math.isnan(out["z"].mean)
    assert summarize([]) == {}
    assert summary_of([3.0, 3.0, 3.0]).half_width == 0.0
    with pytest.raises(ValueError):
        summary_of([1.0, 2.0], confidence=1.5)


def test_paired_difference() -> None:
    a = [{"x": 1.0}, {"x": 2.0}, {"x": 3.0}, {"x": 4.0}]
    b = [{"x": 2.0}, {"x": 4.0}, {"x": 5.0}, {"x": math.nan}]
    d = paired_difference(a, b, "x")
    assert d.n == 3
    assert d.mean == pytest.approx(5 / 3)
    assert d.std == pytest.approx(math.sqrt(1 / 3))
    assert d.half_width == pytest.approx(T_975_2 * math.sqrt(1 / 3) / math.sqrt(3))
    with pytest.raises(ValueError):
        paired_difference(a, b[:2], "x")


def test_means_and_half_widths() -> None:
    out = summarize([{"x": 1.0}, {"x": 3.0}])
    assert means(out) == {"x": 2.0}
    assert half_widths(out)["x"] == pytest.approx(out["x"].half_width)
