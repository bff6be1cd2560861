"""Atomic presets (issue 18, item 1): a preset and the units table it names are installed all or nothing;
a calibration stopped at any point leaves the previous preset as it was, and whatever a kill leaves is
removed by the next run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))

from test_calibration_recovery import truth_values  # noqa: E402

import sim  # noqa: E402
import sim.calibrate.run as calibrate_run  # noqa: E402
from sim.calibrate.preset import install_preset  # noqa: E402
from sim.logs import load_log  # noqa: E402
from sim.runs.config import load_config  # noqa: E402
from sim.scenario.preset_files import tidy_calibrated, units_file_name  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "12345_sample.csv"
HEAD = "county,township,village,urban,households,grids\n"


def _units(rows: str) -> str:
    return HEAD + rows


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture
def presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRIDSIM_PRESETS_DIR", str(tmp_path / "presets"))
    return tmp_path / "presets" / "calibrated"


def test_a_preset_names_the_table_installed_with_it_and_the_old_one_goes(tmp_path: Path, presets: Path) -> None:
    values, _tb = truth_values(tmp_path)
    first = _units("truth,north,n1,1,300,1\ntruth,north,n2,1,200,1\n")
    second = _units("truth,north,n1,1,310,1\ntruth,north,n2,1,190,1\n")
    install_preset("known", first, values, {}, ["first"], presets)
    install_preset("known", second, values, {}, ["second"], presets)
    files = sorted(p.name for p in presets.iterdir())
    assert files == sorted(["known.yaml", units_file_name("known", second)])  # no staging, no older table
    cfg = load_config(["calibrated=known"])
    assert Path(cfg.territory.units_file or "").read_text(encoding="utf-8") == second


def test_a_calibration_stopped_during_the_fit_leaves_the_previous_preset(tmp_path: Path, presets: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    values, _tb = truth_values(tmp_path)
    install_preset("t", _units("t,a,b,1,100,1\n"), values, {}, ["the previous fit"], presets)
    before = _snapshot(presets)
    log = load_log(SAMPLE, "12345")

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C at trial 3

    monkeypatch.setattr(calibrate_run, "fit_handling", interrupted)
    # the 61-row sample is far below what calibrate fits (sim/calibrate/usable.py): the stop is what is tested
    monkeypatch.setattr(calibrate_run, "check_usable", lambda *_a: None)
    results = tmp_path / "results"
    with pytest.raises(KeyboardInterrupt):
        calibrate_run.calibrate(log.cases, pd.Timestamp(log.extracted_at), "t", presets=presets.parent,
                                results=results, say=lambda _s: None)
    assert _snapshot(presets) == before  # not a byte of the preset or its table changed
    assert not any(results.iterdir())  # and nothing half-written under results


def test_what_a_kill_leaves_is_removed_by_the_next_run(tmp_path: Path, presets: Path) -> None:
    values, _tb = truth_values(tmp_path)
    install_preset("t", _units("t,a,b,1,100,1\n"), values, {}, ["installed"], presets)
    kept = _snapshot(presets)
    # a kill between the two renames of a re-calibration: its staging directory (owner gone) and its
    # new table, which no YAML names yet
    staging = presets / ".partial-t-4242"
    staging.mkdir()
    (staging / ".gridsim-owner.json").write_text(json.dumps({"pid": 2**22 + 17, "start": "1"}))
    orphan = presets / units_file_name("t", _units("t,a,b,1,999,1\n"))
    orphan.write_text(_units("t,a,b,1,999,1\n"))
    mine = presets / "notes.units.csv"  # not a table gridsim named: never touched
    mine.write_text("kept\n")
    said: list[str] = []
    sim.run("territory=township run.simulate=false", write=False, echo=said.append)
    assert not staging.exists() and not orphan.exists() and mine.exists()
    assert {k: v for k, v in _snapshot(presets).items() if k != "notes.units.csv"} == kept
    assert any("left by an interrupted calibration" in s for s in said)
    assert tidy_calibrated(presets) == []  # nothing left to remove
