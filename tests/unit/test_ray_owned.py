"""A local Ray's processes carry their driver's mark, so that whatever Ray leaves behind is found and stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.util.partial import OWNER_FILE, RAY_PREFIX, remove_stale
from sim.util.ray_local import OWNER_VAR, dead_servers, is_rays, local_env, owned_processes, servers_dead, stop_owned

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def _ray_named(tmp: Path, name: str = "raylet") -> str:
    """``sleep`` where Ray keeps its servers: Ray's processes are told by their command line too."""
    exe = tmp / "ray" / "core" / "src" / "ray" / name / name
    if not exe.exists():
        exe.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    return str(exe)


def _marked_sleeper(owner: int, tmp: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([_ray_named(tmp), "60"], env={**os.environ, OWNER_VAR: str(owner)})


def _gone(p: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 5.0
    while p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return p.poll() is not None


def test_the_mark_is_set_while_a_local_ray_starts_and_finds_its_processes(tmp_path: Path) -> None:
    with local_env():
        assert os.environ[OWNER_VAR] == str(os.getpid())
        child = subprocess.Popen([_ray_named(tmp_path), "60"])  # as Ray's servers are started: inheriting the mark
        bystander = subprocess.Popen(["sleep", "60"])  # another thread's process, started meanwhile: not Ray's
    assert OWNER_VAR not in os.environ or os.environ[OWNER_VAR] != str(os.getpid())
    other = _marked_sleeper(os.getpid() + 1_000_000, tmp_path)  # another driver's: left alone
    try:
        mine = owned_processes(os.getpid())
        assert child.pid in mine and other.pid not in mine and bystander.pid not in mine
        assert stop_owned(os.getpid()) >= 1 and _gone(child)
        assert other.poll() is None and bystander.poll() is None
    finally:
        for p in (child, other, bystander):
            p.kill()
            p.wait()


def test_the_next_run_stops_what_a_killed_runs_ray_left(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / f"{RAY_PREFIX}{dead}").mkdir()
    left = _marked_sleeper(dead, tmp_path)
    try:
        said = remove_stale(tmp_path)
        assert _gone(left) and not (tmp_path / f"{RAY_PREFIX}{dead}").exists()
        assert any(f"process {dead} is gone" in s for s in said)
    finally:
        left.kill()
        left.wait()


def test_a_dead_server_of_the_start_is_seen_and_an_earlier_starts_is_not(tmp_path: Path) -> None:
    """A raylet killed by a signal to the process group stays a zombie of its driver until reaped; one left
    unreaped by an earlier start in the same process does not make a new start look broken."""
    exe = _ray_named(tmp_path)
    earlier = subprocess.Popen([exe, "60"])
    earlier.kill()
    _wait_for(lambda: earlier.pid in dead_servers(os.getpid()))
    before = dead_servers(os.getpid())
    server = subprocess.Popen([exe, "60"])
    try:
        time.sleep(0.2)
        assert not servers_dead(os.getpid(), before)
        server.kill()
        _wait_for(lambda: servers_dead(os.getpid(), before))
        assert servers_dead(os.getpid(), before)
    finally:
        for p in (server, earlier):
            p.kill()
            p.wait()
    assert not servers_dead(os.getpid())  # reaped: nothing of a start is dead


def _wait_for(ok: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5.0
    while not ok() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_run_ending_while_its_start_is_broken_does_not_wait_for_it(tmp_path: Path) -> None:
    """The start's raylet dies (a signal to the process group) while Ray's start waits on it: ``close`` kills
    what is left of it by its mark and returns at once, instead of waiting out Ray's minute."""
    from types import SimpleNamespace

    from sim.runs.ray_blocks import _EarlyStart

    hung = threading.Event()
    spawned: list[subprocess.Popen[bytes]] = []

    def init(**_kw: object) -> None:  # Ray's start as a group signal leaves it: servers up, one dead, waiting
        spawned.append(subprocess.Popen([_ray_named(tmp_path), "60"]))  # the raylet (marked: local_env is set)
        spawned.append(subprocess.Popen([_ray_named(tmp_path, "ray-agent"), "60"]))  # an agent that outlives it
        spawned[0].kill()
        hung.wait(120)

    fake = SimpleNamespace(init=init, shutdown=lambda: None)
    start = _EarlyStart(fake, tmp_path / "ray", 1)  # type: ignore[arg-type]
    start.begin()
    _wait_for(lambda: len(spawned) == 2)
    t0 = time.monotonic()
    start.close()
    try:
        assert time.monotonic() - t0 < 10.0
        assert _gone(spawned[1])  # the agent killed by its mark
    finally:
        hung.set()
        for p in spawned:
            p.kill()
            p.wait()


def test_rays_programs_are_told_by_where_they_live_not_by_a_name_holding_ray() -> None:
    site = b"/usr/lib/python3/site-packages/ray"
    assert is_rays(site + b"/core/src/ray/gcs/gcs_server\0--gcs_server_port=0")
    assert is_rays(b"/usr/bin/python3\0-u\0" + site + b"/_private/workers/default_worker.py\0--node-ip-address")
    assert is_rays(b"ray::IDLE\0") and is_rays(b"python\0" + site + b"/dashboard/agent.py")
    assert not is_rays(b"/home/ray/venv/bin/python\0/home/ray/murray.py")  # Ray's Docker user, not Ray
    assert not is_rays(b"sort\0--array\0")


def test_another_machines_local_ray_on_a_shared_disk_is_left_alone(tmp_path: Path) -> None:
    """A ``.ray-<pid>`` whose owner ran on another host: its pid means nothing here, so it is kept."""
    import json
    import socket

    dead = _dead_pid()
    theirs = tmp_path / f"{RAY_PREFIX}{dead}"
    theirs.mkdir()
    (theirs / OWNER_FILE).write_text(json.dumps({"pid": dead, "start": None, "host": "another-node"}))
    assert remove_stale(tmp_path) == [] and theirs.is_dir()
    here = {"pid": dead, "start": None, "host": socket.gethostname()}
    (theirs / OWNER_FILE).write_text(json.dumps(here))
    assert remove_stale(tmp_path) and not theirs.exists()  # this machine's, its process gone: removed


def test_a_reused_pids_folder_is_removed_but_the_live_process_ray_is_not_stopped(tmp_path: Path) -> None:
    """``.ray-P`` of a dead run whose pid P now belongs to another process (another run, its own local Ray
    marked P elsewhere): the folder goes, the processes marked P stay."""
    import json
    import socket

    mine = os.getpid()
    old = tmp_path / f"{RAY_PREFIX}{mine}"
    old.mkdir()
    (old / OWNER_FILE).write_text(json.dumps({"pid": mine, "start": "1", "host": socket.gethostname()}))
    live = _marked_sleeper(mine, tmp_path)  # as this process's own local Ray would be
    try:
        said = remove_stale(tmp_path)
        assert said and not old.exists()
        assert live.poll() is None
    finally:
        live.kill()
        live.wait()
