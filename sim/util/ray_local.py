"""Ray on this machine only: the environment and ``ray.init`` arguments of a loopback-only local Ray.

A local Ray gridsim starts (a streamed run, ``engine.backend=ray``) listens on 127.0.0.1,
has no dashboard, reports no usage statistics, reaches no proxy (a closed local port
stands for one, so nothing it tries leaves the machine) and keeps its session files under
the directory it is given (inside the run's results directory). Joining a cluster
(``engine.ray.address``) uses the cluster's own settings; only the address is checked
here, so that a wrong one is one line at once rather than Ray's minute of retries.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def local_init_args(temp_dir: Path, num_cpus: int) -> dict[str, Any]:
    """``ray.init`` keyword arguments of a local, loopback-only Ray with ``num_cpus`` workers."""
    return {"num_cpus": num_cpus, "_node_ip_address": LOOPBACK, "include_dashboard": False,
            "_temp_dir": str(temp_dir), "configure_logging": False, "log_to_driver": True}


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


def address_answers(address: str, timeout_s: float = 3.0) -> str | None:
    """None when something listens at ``address`` (host:port, or ray://host:port); else why not."""
    if address == "auto":
        return None
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return None
    except (OSError, ValueError) as exc:
        return f"nothing answers at {address} ({exc.__class__.__name__}: {exc})"
