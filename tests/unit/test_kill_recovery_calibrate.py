"""A real ``gridsim calibrate`` sent SIGTERM while it fits: one line, exit 143, no ``.partial-*`` left.

The subcommands ran before gridsim's SIGTERM handler was installed, so a kill ended the
calibration at once: no line, its ``results/.partial-<stamp>-calibrate-<name>/`` left behind,
and no later calibration removed it. The calibration also removes what a killed run left
in its results directory (``remove_stale``), as a plain run does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.model import Handling

sys.path.insert(0, str(Path(__file__).parents[1] / "validation"))
from generated_logs import export, truth_fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240.0
T0, LAST, EXTRACTED = pd.Timestamp("2019-12-30"), pd.Timestamp("2020-01-06"), pd.Timestamp("2021-01-06")
CATEGORIES = {"pothole": ("works", 0.5, 0.05, 0.2), "noise": ("police", 0.5, 0.1, 0.0)}
TRUTH = {"works": Handling(servers=12, work_hours=0.4, cv=1.0), "police": Handling(servers=10, work_hours=0.3, cv=1.0)}


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _wait_for_partial(proc: subprocess.Popen[str], results: Path) -> Path:
    """The calibration's own .partial-* directory, once its owner file is written."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = [p for p in results.glob(".partial-*-calibrate-week") if (p / ".gridsim-owner.json").is_file()]
        if found:
            return found[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    pytest.fail("no .partial-* directory in time")


@pytest.mark.slow
def test_sigterm_while_calibrating_leaves_nothing(tmp_path: Path) -> None:
    fit = truth_fit(T0, EXTRACTED, 400.0, CATEGORIES, country="US", holiday_factor=0.5)
    log, mapping, _ = export(tmp_path, fit, TRUTH, arrivals_until=LAST, drop=("due", "channel", "place1", "place2"),
                             country="US")
    results, presets = tmp_path / "results", tmp_path / "presets"
    stale = results / ".partial-20200101-000000-calibrate-old"  # what a SIGKILLed calibration left
    stale.mkdir(parents=True)
    (stale / ".gridsim-owner.json").write_text(json.dumps({"pid": _dead_pid(), "start": None}))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sim.entry.cli", "calibrate", f"log={log}", f"mapping={mapping}",
                             "name=week", f"presets={presets}", f"results={results}", "trials=30", "replications=1"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_partial(proc, results)
    time.sleep(1.0)  # into the fit
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=TIMEOUT)

    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1:] == ["gridsim calibrate: terminated"], err
    assert "Traceback" not in err
    assert not list(results.glob(".partial-*")), list(results.iterdir())
    assert f"removed {stale}" in out  # the killed calibration's, before this one claimed its own
    assert not (presets / "calibrated" / "week.yaml").exists()
