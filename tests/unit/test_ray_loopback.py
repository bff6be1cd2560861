"""A local Ray that gridsim starts listens on 127.0.0.1 alone, even when Ray was imported before its settings.

Ray (on Linux) turns a node address of 127.0.0.1 into the machine's outward address and binds
its servers on every interface unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` was 0 at Ray's
first import. Here Ray is imported first, as a test module or a user's script would, and the
sockets that appear while gridsim's local Ray runs are read from ``/proc/net/tcp*``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.util.ray_local import LOCAL_ENV, init_local_ray

ray = pytest.importorskip("ray")  # imported here, before gridsim sets anything

#: the addresses of the loopback interface as /proc/net/tcp and tcp6 write them
_LOOPBACK_HEX = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
_LISTEN = "0A"


def listening() -> set[tuple[str, str]]:
    """(address, port) in hex of every listening TCP socket of the machine."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == _LISTEN:
                address, port = cols[1].split(":")
                found.add((address, port))
    return found


@pytest.fixture
def local_ray(tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str]]]:
    """A local Ray started by gridsim (its session under a short test directory); the sockets opened meanwhile."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read the sockets from")
    assert not ray.is_initialized()
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))  # Ray writes its session token under ~/.ray
    for key in LOCAL_ENV:  # as a user's shell would be: none of gridsim's settings
        monkeypatch.delenv(key, raising=False)
    before = listening()
    init_local_ray(ray, tmp_path_factory.mktemp("ray"), 1)
    try:
        assert ray.get(ray.remote(lambda: 1).remote()) == 1  # a worker up, with its own server
        yield listening() - before
    finally:
        ray.shutdown()


def test_a_local_ray_listens_on_the_loopback_address_alone(local_ray: set[tuple[str, str]]) -> None:
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
    assert local_ray, "no socket seen: the check would pass whatever Ray bound"
    outward = {(a, int(p, 16)) for a, p in local_ray if a not in _LOOPBACK_HEX}
    assert outward == set(), f"listening beyond the loopback address (hex address, port): {outward}"


def test_a_sweep_on_the_local_ray_launcher_gets_the_loopback_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hydra's Ray launcher starts Ray in gridsim's process: the settings are in place before it does."""
    from sim.sweep.app import prepare_multirun

    for key in LOCAL_ENV:
        monkeypatch.delenv(key, raising=False)
    constants = pytest.importorskip("ray._private.ray_constants")
    monkeypatch.setattr(constants, "ENABLE_RAY_CLUSTER", True)  # as if Ray had been imported without them
    prepare_multirun(["scenario=textbook", "textbook.servers=1,2", "hydra/launcher=ray_local"])
    assert {k: os.environ.get(k) for k in LOCAL_ENV} == LOCAL_ENV
    assert constants.ENABLE_RAY_CLUSTER is False


def test_other_sweeps_keep_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.sweep.app import prepare_multirun

    monkeypatch.delenv("http_proxy", raising=False)
    prepare_multirun(["scenario=textbook", "textbook.servers=1,2", "hydra/launcher=joblib"])
    assert "http_proxy" not in os.environ
