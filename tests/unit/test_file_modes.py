"""Files renamed into place (a briefing, a calibrated preset) get the permissions any other file gets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sim.calibrate.preset import write_preset
from sim.util.partial import temp_file_beside


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_temporary_file_beside_its_target_takes_the_umask_not_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "briefing.png"
        a, b = temp_file_beside(target, ".png"), temp_file_beside(target, ".png")
        assert a != b and a.parent == tmp_path and a.name.startswith(".briefing.png.")
        assert _mode(a) == 0o644 and a.stat().st_size == 0
        (tmp_path / "plain.csv").write_text("x")
        written = write_preset({"run": {"seed": 1}}, {}, ["a preset"], tmp_path / "boston.yaml")
        assert _mode(written) == _mode(tmp_path / "plain.csv") == 0o644
    finally:
        os.umask(old)
