"""The golden-file update script shows each case's diff and rewrites only the cases it is told to."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.regression.update_golden import diff_lines, main

CASES = {"a": ["territory=township"], "b": ["scenario=textbook"]}
STORED = {"a": {"on_time_rate": 0.9, "matters": 100.0, "wait_hours_mean": float("nan"), "gone": 1.0},
          "b": {"on_time_rate": 0.5, "matters": 10.0}}


def _golden(tmp_path: Path) -> Path:
    g = tmp_path / "golden"
    g.mkdir()
    for name, kpis in STORED.items():
        (g / f"{name}.json").write_text(json.dumps({"overrides": CASES[name], "kpis": kpis}))
    return g


def _run(overrides: Sequence[str]) -> dict[str, Any]:
    """A model in which case a moved and b did not."""
    if overrides == CASES["a"]:
        return {"on_time_rate": 0.8, "matters": 100.0, "wait_hours_mean": float("nan"), "added": None,
                "engine_seconds": 3.0}
    return dict(STORED["b"], engine_seconds=1.0)


def _stored(g: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((g / f"{name}.json").read_text())["kpis"])


def test_the_diff_names_each_changed_kpi() -> None:
    lines = diff_lines({"overrides": ["x=1"], "kpis": STORED["a"]}, ["x=2"], _run(CASES["a"]) | {"engine_seconds": 0})
    text = "\n".join(lines)
    assert "overrides: ['x=1'] -> ['x=2']" in text
    assert "~ on_time_rate: 0.9 -> 0.8 (-11.11%)" in text
    assert "- gone: 1 (gone)" in text and "+ added: null (new)" in text
    assert "matters" not in text and "wait_hours_mean" not in text  # equal, NaN equal to NaN
    assert diff_lines(None, [], {"k": 1.0}) == ["  new golden file: 1 KPIs"]


def test_without_a_name_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = _golden(tmp_path)
    before = {p.name: p.read_bytes() for p in g.iterdir()}
    assert main([], cases=CASES, golden=g, run=_run) == 0
    out = capsys.readouterr().out
    assert "a: 3 change(s)" in out and "b: unchanged" in out and "nothing written" in out
    assert {p.name: p.read_bytes() for p in g.iterdir()} == before


def test_a_named_case_alone_is_rewritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = _golden(tmp_path)
    b_before = (g / "b.json").read_bytes()
    assert main(["a"], cases=CASES, golden=g, run=_run) == 0
    out = capsys.readouterr().out
    assert "~ on_time_rate: 0.9 -> 0.8" in out and "wrote golden/a.json" in out and "b:" not in out
    a = _stored(g, "a")
    assert a["on_time_rate"] == 0.8 and "gone" not in a and "engine_seconds" not in a
    assert math.isnan(a["wait_hours_mean"])
    assert (g / "b.json").read_bytes() == b_before
    assert sorted(p.name for p in g.iterdir()) == ["a.json", "b.json"]  # no temporary file left


def test_all_shows_every_diff_and_rewrites_the_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = _golden(tmp_path)
    assert main(["--all"], cases=CASES, golden=g, run=_run) == 0
    out = capsys.readouterr().out
    assert "a: 3 change(s)" in out and "b: unchanged" in out and "wrote golden/a.json" in out
    assert _stored(g, "a")["on_time_rate"] == 0.8 and _stored(g, "b") == STORED["b"]


def test_an_unknown_case_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = _golden(tmp_path)
    assert main(["township_levle"], cases=CASES, golden=g, run=_run) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "township_levle" in err and "a, b" in err
