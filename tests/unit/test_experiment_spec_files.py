"""An experiment spec that is not valid YAML is one line with its file and line, and does not hide the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.__main__ import main

GOOD = """experiment:
  title: two staffings
  baseline: a
  scenarios:
    a: {label: A, overrides: []}
    b: {label: B, overrides: [staffing.fulltime_per_grid=2]}
"""
BROKEN = "experiment:\n  title: x\n  scenarios: {a: {label: A, overrides: []}\n"


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in (("good", GOOD), ("broken", BROKEN)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "spec.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRIDSIM_EXPERIMENTS_DIR", str(tmp_path))
    return tmp_path


def test_a_broken_spec_is_one_line_naming_its_file_and_line(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["broken"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert str(specs / "broken" / "spec.yaml") in err and "cannot read YAML: line 4" in err


def test_the_list_names_the_good_specs_and_warns_of_the_broken(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    said = capsys.readouterr()
    assert said.out.split() == ["good"]
    assert f"warning: {specs / 'broken' / 'spec.yaml'}: cannot read YAML: line 4" in said.err


def test_an_empty_folder_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRIDSIM_EXPERIMENTS_DIR", str(tmp_path / "none"))
    assert main(["--list"]) == 0
    assert f"no experiment specs in {tmp_path / 'none'}" in capsys.readouterr().err
