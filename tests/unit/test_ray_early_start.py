"""A local Ray started early (``sim.runs.ray_blocks``): it comes up in a thread while the driver prepares the
blocks, runs them as the driver would in process, and is stopped whatever way the run ends, with none of its
processes left behind. Each case runs in a fresh interpreter: a second Ray started in one process (a test
worker's) comes up tens of seconds slower than the first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.util.jitcache import cache_root
from sim.util.ray_local import LOCAL_ENV

pytest.importorskip("ray")

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["territory=city", "territory.counties=2", "territory.townships_per_county=1", "run.horizon_days=10",
         "run.warmup_days=1", "engine.backend=ray", "engine.block_matters=1000", "engine.ray.workers=1"]

_CASE = """
import os, sys, time
from pathlib import Path
import ray
from sim.runs.config import load_config
from sim.runs.ray_blocks import RayBlocks
from sim.runs.stream import in_process, plan
from sim.scenario.territory import build_territory

def children():  # every live process under this one: Ray's head and raylet, and the workers under the raylet
    parents = {}
    for p in Path("/proc").iterdir():
        try:
            after = (p / "stat").read_text().rsplit(")", 1)[1].split() if p.name.isdigit() else []
        except OSError:
            continue
        if after and after[0] != "Z":
            parents[int(p.name)] = int(after[1])
    out, frontier = [], [os.getpid()]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        out += frontier
    return out

cfg = load_config(sys.argv[3:])
blocks = RayBlocks(cfg, Path(sys.argv[1]))
blocks.start_early(1)
try:
    if sys.argv[2] == "run":
        tasks = plan(cfg, build_territory(cfg), None)  # the driver's own work while Ray comes up
        assert len(tasks) == 2, tasks
        got = sorted((r.first, r.matters, r.visits) for r in blocks(tasks))
        assert not ray.is_initialized(), "Ray still up after the last block"
        want = [(r.first, r.matters, r.visits) for r in in_process(tasks)]
        assert got == want, (got, want)
    # "fail": the run failed before its blocks (the capacity check, the claim): only the ``finally`` below
finally:
    blocks.close()
assert not ray.is_initialized()
deadline = time.monotonic() + 15.0
while children() and time.monotonic() < deadline:
    time.sleep(0.2)
assert not children(), children()
print("ok")
"""


@pytest.mark.parametrize("how", ["run", "fail"])
def test_a_ray_started_early_runs_the_blocks_and_leaves_no_process(short_dir: Path, how: str) -> None:
    env = {**os.environ, **LOCAL_ENV, "HOME": str(short_dir), "GRIDSIM_CACHE_DIR": str(cache_root()),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", _CASE, str(short_dir / "ray"), how, *SMALL], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.strip().endswith("ok"), p.stderr[-3000:]
    assert "SIGTERM handler" not in p.stderr  # Ray's notice of a start outside the main thread is not the user's
    assert "Token authentication" not in p.stderr  # nor its note on the new cluster's token
