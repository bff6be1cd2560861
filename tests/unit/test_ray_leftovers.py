"""A killed streamed run's local Ray session files (``<results_dir>/.ray-<pid>``) are removed by the next run."""

from __future__ import annotations

import os
from pathlib import Path

from sim.util.partial import RAY_PREFIX, remove_stale


def test_a_dead_runs_ray_files_go_and_a_live_ones_stay(tmp_path: Path) -> None:
    dead = tmp_path / f"{RAY_PREFIX}999999999"  # above pid_max: no such process
    live = tmp_path / f"{RAY_PREFIX}{os.getpid()}"
    for d in (dead, live):
        (d / "session_x" / "sockets").mkdir(parents=True)
    said = remove_stale(tmp_path)
    assert not dead.exists() and live.exists()
    assert len(said) == 1 and "process 999999999 is gone" in said[0]
