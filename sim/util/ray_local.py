"""Ray on this machine only: the environment and ``ray.init`` arguments of a loopback-only local Ray.

A local Ray gridsim starts (a streamed run, ``engine.backend=ray``) listens on 127.0.0.1,
has no dashboard, reports no usage statistics, reaches no proxy (a closed local port
stands for one, so nothing it tries leaves the machine) and keeps its session files under
the directory it is given (inside the run's results directory). Joining a cluster
(``engine.ray.address``) uses the cluster's own settings; only the address is checked
here, so that a wrong one is one line at once rather than Ray's minute of retries.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sim.util.errors import ConfigError

LOOPBACK = "127.0.0.1"
#: the environment of a local Ray (and of the processes it starts)
LOCAL_ENV = {
    "http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
    "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_DEDUP_LOGS": "0",
}
#: marks every process of a local Ray gridsim starts (its servers, agents and workers inherit it) with the
#: driver's process id: whatever Ray leaves behind (agents outlive a raylet killed by a signal sent to the
#: whole process group) is found by it and stopped, by the run or by the next one
OWNER_VAR = "GRIDSIM_RAY_OWNER"
#: Ray's session sockets live under the temp dir, and a Unix socket path has at most 107 bytes
MAX_TEMP_DIR_CHARS = 40


class QuietStart(logging.Filter):
    """Two of Ray's notes as a local Ray starts, neither the user's business:

    * that a driver started outside the main thread sets no SIGTERM handler: gridsim's own
      (``sim.util.interrupt``) stays in place, which is what the run wants;
    * that the new cluster uses token authentication, and how to opt out of it: a local Ray on
      127.0.0.1 alone keeps it (its token is in ``~/.ray/auth_token``, where Ray keeps it).
    """

    NOTES = ("SIGTERM handler is not set", "Token authentication is enabled for this Ray cluster")
    LOGGERS = ("ray._private.worker", "ray._private.authentication.authentication_token_setup")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(note in record.getMessage() for note in self.NOTES)

    def attach(self) -> None:
        """On Ray's loggers that write the notes, until ``detach``."""
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def detach(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)


def local_init_args(temp_dir: Path, num_cpus: int) -> dict[str, Any]:
    """``ray.init`` keyword arguments of a local, loopback-only Ray with ``num_cpus`` workers."""
    return {"num_cpus": num_cpus, "_node_ip_address": LOOPBACK, "include_dashboard": False,
            "_temp_dir": str(temp_dir), "configure_logging": False, "log_to_driver": True}


@contextmanager
def loopback_node() -> Iterator[None]:
    """While a local Ray starts: its node on 127.0.0.1 even if Ray was imported before ``LOCAL_ENV`` was set.

    On Linux Ray turns a node address of 127.0.0.1 into the machine's outward address, and
    binds every server there and on all interfaces, unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER``
    was 0 when Ray was first imported (it keeps the value as a constant). The constant is set
    for the start and put back, so that the same process can still join a cluster afterwards
    (where the driver must give its outward address); the processes Ray starts inherit
    ``LOCAL_ENV`` and read it themselves.
    """
    old = _set_cluster_switch(False)
    try:
        yield
    finally:
        if old is not None:
            _set_cluster_switch(old)


def _set_cluster_switch(value: bool) -> bool | None:
    """Set Ray's ``ENABLE_RAY_CLUSTER`` constant (``loopback_node`` says why); its previous value, or None
    when Ray is not imported (then nothing is set: Ray reads the environment when it is)."""
    constants = sys.modules.get("ray._private.ray_constants")
    old = getattr(constants, "ENABLE_RAY_CLUSTER", None)
    if old is not None:
        constants.ENABLE_RAY_CLUSTER = value  # type: ignore[union-attr]
    return None if old is None else bool(old)


@contextmanager
def _no_failure_handler() -> Iterator[None]:
    """While a local Ray starts: Ray's core connects without its stack-dumping SIGTERM handler (Ray keeps
    ``RAY_DISABLE_FAILURE_SIGNAL_HANDLER`` as a constant read at import, and only this driver's is switched:
    its workers keep Ray's handler). Its handler, installed as the driver connects, made a SIGTERM that came
    before the start ended (a signal to the whole process group) abort the run (exit 134)."""
    constants = sys.modules.get("ray._private.ray_constants")
    old = getattr(constants, "RAY_DISABLE_FAILURE_SIGNAL_HANDLER", None)
    if old is not None:
        constants.RAY_DISABLE_FAILURE_SIGNAL_HANDLER = True  # type: ignore[union-attr]
    try:
        yield
    finally:
        if old is not None:
            constants.RAY_DISABLE_FAILURE_SIGNAL_HANDLER = old  # type: ignore[union-attr]


#: the two head processes a run's own local Ray goes without (``_lean_head``): ``Node``'s methods that start them
LEAN_HEAD_SKIPS = ("start_monitor", "start_api_server")


def _skip_start(*_args: Any, **_kwargs: Any) -> None:
    return None


class _LeanHead:
    """``Node``'s two methods skipped while at least one lean start is under way, and Ray's own put back when
    the last one ends: starts that overlap (a start stuck in ``ray.init`` while a later run starts another)
    share one patch, and the methods put back are always Ray's, never the skip."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.starts = 0
        self.node: Any = None  # Ray's Node class while it is patched
        self.saved: dict[str, Any] = {}

    def enter(self) -> None:
        with self.lock:
            self.starts += 1
            if self.starts > 1:
                return
            node = getattr(sys.modules.get("ray._private.node"), "Node", None)
            found = {name: node.__dict__.get(name) for name in LEAN_HEAD_SKIPS} if node is not None else {}
            if all(callable(m) and m is not _skip_start for m in found.values()) and found:
                self.node, self.saved = node, found
                for name in found:
                    setattr(node, name, _skip_start)

    def leave(self) -> None:
        with self.lock:
            self.starts -= 1
            if self.starts > 0 or not self.saved:
                return
            for name, method in self.saved.items():
                setattr(self.node, name, method)
            self.node, self.saved = None, {}


_LEAN = _LeanHead()


@contextmanager
def _lean_head(lean: bool) -> Iterator[None]:
    """While a run's own local Ray starts (``lean``): without the autoscaler's monitor and the dashboard's API
    server.

    Neither serves a run on one machine: there is no cluster to scale, the dashboard is off
    (``include_dashboard=False`` still starts the API server, to load its usage-statistics
    module, and the statistics are off) and nothing gridsim asks of Ray goes through either.
    Together they cost a local Ray's start about a second (``ray.init`` waits for the API
    server to announce itself) and its stop another (the monitor's SIGTERM handler reaches for
    the GCS that ``ray.shutdown`` has already stopped, and Ray kills it after a second), with
    two more Python processes importing beside the run. ``ray start --head --no-monitor`` is
    Ray's own switch for the first; ``ray.init`` has none, so ``Node``'s two methods are skipped
    for the start and put back after it. One of Ray's processes notices the API server's
    absence: the dashboard agent's event module asks the GCS for its address once a second and
    logs that it is missing, into the run's session directory, which is removed with the run.
    A Ray that others join (a stand-in for a cluster's head) is started whole, and so is a Ray
    without the two methods (a later version)."""
    if not lean:
        yield
        return
    _LEAN.enter()
    try:
        yield
    finally:
        _LEAN.leave()


def init_local_ray(ray: ModuleType, temp_dir: Path, num_cpus: int, *, lean: bool = False) -> None:
    """Start a local Ray of ``num_cpus`` workers on the loopback address only (``local_init_args``); ``lean``
    for a run's own, which goes without the processes a run on one machine does not use (``_lean_head``).

    Raises ConfigError (one line, exit 2), with Ray stopped again, if its node came up on any other address
    (a Ray whose switch for it has moved: ``loopback_node``)."""
    with local_env(), loopback_node(), _no_failure_handler(), _lean_head(lean):
        ray.init(**local_init_args(temp_dir, num_cpus))
    address = str(ray.get_runtime_context().gcs_address)
    if _host_port(address)[0] != LOOPBACK:
        ray.shutdown()
        raise ConfigError("engine.backend", f"a local Ray came up at {address}, not on {LOOPBACK} alone: stopped "
                          "before any task; give engine.ray.address of a cluster instead")


def set_local_env_for_good() -> None:
    """``LOCAL_ENV`` for the rest of this process (a sweep on Hydra's local Ray launcher, which starts Ray itself)."""
    os.environ.update(LOCAL_ENV)
    _set_cluster_switch(False)  # in case Ray was imported before the environment was set
    QuietStart().attach()


@contextmanager
def local_env() -> Iterator[None]:
    """``LOCAL_ENV`` and this process's ``OWNER_VAR`` set in this process (inherited by the Ray it starts),
    the old values back afterwards."""
    env = {**LOCAL_ENV, OWNER_VAR: str(os.getpid())}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def on_loopback(address: str) -> bool:
    """Whether ``address`` (host:port, or ray://host:port) names this machine's loopback interface."""
    host = _host_port(address)[0].strip("[]")
    return host == "localhost" or host == "::1" or host.startswith("127.")


def _host_port(address: str) -> tuple[str, str]:
    """The host and the port of ``address`` (host:port, or ray://host:port)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    return host, port


def address_answers(address: str, timeout_s: float = 3.0) -> str | None:
    """None when something listens at ``address`` (host:port, or ray://host:port); else why not."""
    if address == "auto":
        return None
    host, port = _host_port(address)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return None
    except (OSError, ValueError) as exc:
        return f"nothing answers at {address} ({exc.__class__.__name__}: {exc})"


#: where a local Ray's programs live inside its package: its servers (``core/src/ray/…/gcs_server``,
#: ``raylet``) and its Python processes (``_private/…`` workers and log monitor, ``dashboard/…`` agents,
#: ``autoscaler/…`` monitor); a worker renames itself ``ray::<task>``
RAY_PROGRAMS = (b"/ray/core/src/ray/", b"/ray/_private/", b"/ray/dashboard/", b"/ray/autoscaler/")


def is_rays(cmdline: bytes) -> bool:
    """Whether a ``/proc/<pid>/cmdline`` is one of Ray's programs (not any with "ray" in it: ``/home/ray``)."""
    args = cmdline.split(b"\0")
    return args[0].startswith(b"ray::") or any(part in a for a in args for part in RAY_PROGRAMS)


def owned_processes(owner: int) -> list[int]:
    """The processes of the local Ray of process ``owner``: marked with it (``OWNER_VAR``) and Ray's by their
    command line (a process another thread of ``owner`` started while the mark was set is not one); none
    off Linux (no ``/proc``)."""
    marker = f"{OWNER_VAR}={owner}".encode()
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for d in proc.iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            if marker in (d / "environ").read_bytes().split(b"\0") and is_rays((d / "cmdline").read_bytes()):
                found.append(int(d.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def stop_owned(owner: int) -> int:
    """Kill (SIGKILL) every process of the local Ray of process ``owner``; how many were found."""
    pids = owned_processes(owner)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(pids)


#: the servers a local Ray's start runs as children of the process that starts it; one of them dead (a
#: signal to the whole process group) leaves the start waiting a minute for what will never answer
RAY_SERVERS = ("gcs_server", "raylet")


def dead_servers(owner: int) -> set[int]:
    """The servers (``RAY_SERVERS``) of a local Ray that process ``owner`` started which have died: a dead child
    stays a zombie until its parent reaps it, so one is seen however early it died. A start compares them
    with those of an earlier start (``servers_dead``)."""
    proc = Path("/proc")
    dead: set[int] = set()
    if not proc.is_dir():
        return dead
    for d in proc.iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        comm, rest = stat[stat.find("(") + 1: stat.rfind(")")], stat[stat.rfind(")") + 2:].split()
        if len(rest) > 1 and comm in RAY_SERVERS and rest[1] == str(owner) and rest[0] in ("Z", "X"):
            dead.add(int(d.name))
    return dead


def servers_dead(owner: int, before: set[int] | frozenset[int] = frozenset()) -> bool:
    """Whether a server of the local Ray that process ``owner`` is starting has died, not counting ``before``
    (the dead servers of an earlier start of the same process, ``dead_servers`` then)."""
    return bool(dead_servers(owner) - set(before))
