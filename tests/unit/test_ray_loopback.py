"""A local Ray that gridsim starts listens on 127.0.0.1 alone, even when Ray was imported before its settings.

Ray (on Linux) turns a node address of 127.0.0.1 into the machine's outward address and binds
its servers on every interface unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER`` was 0 at Ray's
first import. Here Ray is imported first, as a user's script might, in a process of its own
whose environment has none of gridsim's settings, and the sockets that appear while gridsim's
local Ray runs are read from ``/proc/net/tcp*``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.util.jitcache import cache_root
from sim.util.ray_local import LOCAL_ENV

pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[2]

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


#: in a process of its own (no Ray state left by another test): Ray imported first, then gridsim's local Ray
_CASE = """
import json, sys
from pathlib import Path
import ray  # before gridsim sets anything, as a user's script might
from sim.util.ray_local import init_local_ray
from tests.unit.test_ray_loopback import listening
before = listening()
init_local_ray(ray, Path(sys.argv[1]), 1, lean=True)  # as a run starts its own
assert ray.get(ray.remote(lambda: 1).remote()) == 1  # a worker up, with its own server
opened = sorted(listening() - before)
from ray._private import node, ray_constants, worker
from sim.util.ray_local import LEAN_HEAD_SKIPS, _skip_start
print(json.dumps({"gcs": ray.get_runtime_context().gcs_address, "nodes": [n["NodeManagerAddress"] for n in ray.nodes()],
                  "opened": opened, "switch_after": ray_constants.ENABLE_RAY_CLUSTER,
                  "processes": sorted(worker._global_node.all_processes),
                  "skips_left": [m for m in LEAN_HEAD_SKIPS if getattr(node.Node, m) is _skip_start]}))
ray.shutdown()
"""


def test_a_local_ray_listens_on_the_loopback_address_alone(tmp_path_factory: pytest.TempPathFactory,
                                                            short_dir: Path) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read the sockets from")
    home = tmp_path_factory.mktemp("home")  # Ray writes its session token under ~/.ray
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_ENV and not k.startswith("RAY_")}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               GRIDSIM_CACHE_DIR=str(cache_root()))
    p = subprocess.run([sys.executable, "-c", _CASE, str(short_dir)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen["gcs"].startswith("127.0.0.1:")
    assert set(seen["nodes"]) == {"127.0.0.1"}
    assert seen["opened"], "no socket seen: the check would pass whatever Ray bound"
    outward = [(a, int(port, 16)) for a, port in seen["opened"] if a not in _LOOPBACK_HEX]
    assert outward == [], f"listening beyond the loopback address (hex address, port): {outward}"
    assert seen["switch_after"] is True, "Ray's switch not put back: a later join of a cluster would give 127.0.0.1"
    # a run's own Ray goes without the autoscaler's monitor and the dashboard's API server, and Ray's own
    # methods are put back after its start (a later ray.init of this process starts Ray whole)
    assert {"raylet", "gcs_server"} <= set(seen["processes"])
    assert not {"monitor", "dashboard"} & set(seen["processes"]), seen["processes"]
    assert seen["skips_left"] == []


def test_overlapping_lean_starts_put_rays_own_methods_back() -> None:
    """Two lean starts that overlap (one stuck in ray.init while a later run starts another) skip the two
    head processes while either is under way, and Ray's own methods are back once both have ended, whatever
    order they end in; a start that is not lean (a head others join) changes nothing."""
    from ray._private import node

    from sim.util.ray_local import LEAN_HEAD_SKIPS, _lean_head, _skip_start

    own = {m: node.Node.__dict__[m] for m in LEAN_HEAD_SKIPS}
    with _lean_head(lean=False):
        assert all(node.Node.__dict__[m] is own[m] for m in LEAN_HEAD_SKIPS)
    first, second = _lean_head(lean=True), _lean_head(lean=True)
    first.__enter__()
    second.__enter__()
    assert all(node.Node.__dict__[m] is _skip_start for m in LEAN_HEAD_SKIPS)
    first.__exit__(None, None, None)
    assert all(node.Node.__dict__[m] is _skip_start for m in LEAN_HEAD_SKIPS), "the second start is under way"
    second.__exit__(None, None, None)
    assert all(node.Node.__dict__[m] is own[m] for m in LEAN_HEAD_SKIPS)
    with pytest.raises(RuntimeError), _lean_head(lean=True):
        raise RuntimeError("ray.init failed")
    assert all(node.Node.__dict__[m] is own[m] for m in LEAN_HEAD_SKIPS)


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


#: a Ray started apart and kept until stdin closes, as a cluster's head would be (on this machine's loopback):
#: ``python -c HEAD <session directory> <CPUs>`` prints its address (the benchmarks' running Ray too)
HEAD = """
import sys
from pathlib import Path
import ray
from sim.util.ray_local import init_local_ray
init_local_ray(ray, Path(sys.argv[1]), int(sys.argv[2]))
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()
ray.shutdown()
"""
SMALL = ["territory=city", "territory.counties=2", "territory.townships_per_county=1", "run.horizon_days=10",
         "report.charts=false", "run.reuse=false", "engine.backend=ray", "engine.block_matters=1000"]


def test_a_run_joins_a_ray_running_on_the_loopback(tmp_path_factory: pytest.TempPathFactory,
                                                   short_dir: Path) -> None:
    """``engine.ray.address`` of a head on 127.0.0.1: the run's driver joins it there (before, it looked for
    its node on the machine's outward address and waited for ever)."""
    # the run's environment is a user's shell's: none of gridsim's settings (the head has them)
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_ENV and not k.startswith("RAY_")}
    env.update(HOME=str(tmp_path_factory.mktemp("home")), RAY_AUTH_MODE="token", GRIDSIM_CACHE_DIR=str(cache_root()),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    head = subprocess.Popen([sys.executable, "-c", HEAD, str(short_dir), "1"], cwd=ROOT, env={**env, **LOCAL_ENV},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert head.stdout is not None
        address = head.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), address
        results = tmp_path_factory.mktemp("results")
        p = subprocess.run([sys.executable, "-m", "sim.entry.cli", *SMALL, f"engine.ray.address={address}",
                            f"run.results_dir={results}"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=240)
        assert p.returncode == 0, p.stderr[-3000:]
        assert "block 2/2" in p.stdout
        assert [d.name for d in results.iterdir() if d.is_dir() and not d.name.startswith(".")], "no run written"
    finally:
        assert head.stdin is not None
        head.stdin.close()
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()


@pytest.mark.parametrize(("address", "loopback"), [("127.0.0.1:6379", True), ("ray://127.0.0.1:10001", True),
                                                   ("localhost:6379", True), ("[::1]:6379", True),
                                                   ("10.0.0.5:6379", False), ("head.cluster:6379", False),
                                                   ("ray://192.0.2.7:10001", False)])
def test_which_addresses_are_this_machines_loopback(address: str, loopback: bool) -> None:
    from sim.util.ray_local import on_loopback

    assert on_loopback(address) is loopback


def test_auto_with_no_ray_to_join_is_one_line_naming_the_key(tmp_path: Path) -> None:
    """``engine.ray.address=auto`` finds no Ray on this machine: Ray's ConnectionError becomes the key's error."""
    from types import SimpleNamespace

    from sim.runs.config import load_config
    from sim.runs.ray_blocks import RayBlocks
    from sim.util.errors import ConfigError

    cfg = load_config(["territory=township", "engine.backend=ray", "engine.ray.address=auto"])
    blocks = RayBlocks(cfg, tmp_path)

    def no_ray(**_kw: object) -> None:
        raise ConnectionError("Could not find any running Ray instance.")

    blocks.ray = SimpleNamespace(is_initialized=lambda: False, init=no_ray)  # type: ignore[assignment]
    with pytest.raises(ConfigError) as err:
        list(blocks([]))
    assert err.value.key == "engine.ray.address" and "no Ray to join at auto" in str(err.value)
    assert "\n" not in str(err.value)
