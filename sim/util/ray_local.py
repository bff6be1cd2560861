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
import socket
import sys
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


def init_local_ray(ray: ModuleType, temp_dir: Path, num_cpus: int) -> None:
    """Start a local Ray of ``num_cpus`` workers on the loopback address only (``local_init_args``).

    Raises ConfigError (one line, exit 2), with Ray stopped again, if its node came up on any other address
    (a Ray whose switch for it has moved: ``loopback_node``)."""
    with local_env(), loopback_node():
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
    """``LOCAL_ENV`` set in this process (inherited by the Ray it starts), the old values back afterwards."""
    old = {k: os.environ.get(k) for k in LOCAL_ENV}
    os.environ.update(LOCAL_ENV)
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
