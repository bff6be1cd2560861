"""A local Ray's processes carry their driver's mark, so that whatever Ray leaves behind is found and stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.util.partial import RAY_PREFIX, remove_stale
from sim.util.ray_local import OWNER_VAR, local_env, owned_processes, servers_dead, stop_owned

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def _marked_sleeper(owner: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], env={**os.environ, OWNER_VAR: str(owner)})


def _gone(p: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 5.0
    while p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return p.poll() is not None


def test_the_mark_is_set_while_a_local_ray_starts_and_finds_its_processes() -> None:
    with local_env():
        assert os.environ[OWNER_VAR] == str(os.getpid())
        child = subprocess.Popen(["sleep", "60"])  # as Ray's servers are started: inheriting the mark
    assert OWNER_VAR not in os.environ or os.environ[OWNER_VAR] != str(os.getpid())
    other = _marked_sleeper(os.getpid() + 1_000_000)  # another driver's: left alone
    try:
        assert child.pid in owned_processes(os.getpid()) and other.pid not in owned_processes(os.getpid())
        assert stop_owned(os.getpid()) >= 1 and _gone(child)
        assert other.poll() is None
    finally:
        for p in (child, other):
            p.kill()
            p.wait()


def test_the_next_run_stops_what_a_killed_runs_ray_left(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / f"{RAY_PREFIX}{dead}").mkdir()
    left = _marked_sleeper(dead)
    try:
        said = remove_stale(tmp_path)
        assert _gone(left) and not (tmp_path / f"{RAY_PREFIX}{dead}").exists()
        assert any(f"process {dead} is gone" in s for s in said)
    finally:
        left.kill()
        left.wait()


def test_a_dead_server_of_the_start_is_seen(tmp_path: Path) -> None:
    """A raylet killed by a signal to the process group stays a zombie of its driver until reaped."""
    exe = tmp_path / "raylet"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    server = subprocess.Popen([str(exe), "60"])
    try:
        time.sleep(0.2)
        assert not servers_dead(os.getpid())
        server.kill()
        deadline = time.monotonic() + 5.0
        while not servers_dead(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert servers_dead(os.getpid())
    finally:
        server.kill()
        server.wait()
    assert not servers_dead(os.getpid())  # reaped: nothing of a start is dead
