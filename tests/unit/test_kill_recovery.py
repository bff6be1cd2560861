"""Real ``python -m sim.entry.cli`` runs killed with SIGINT, SIGTERM and SIGKILL at several points (issue 13, item 6).

Each test waits for a point of the run (a line on stdout, or the ``.partial-*`` directory
appearing), sends the signal, and checks what is left: after SIGINT and SIGTERM nothing
(one line on stderr, exit 130 / 143); after SIGKILL the ``.partial-*``, which the next run
removes and reports; a ``.partial-*`` whose process is alive is left alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ["territory=township", "run.horizon_days=45", "run.warmup_days=5", "engine=agent", "run.progress=false"]
TIMEOUT = 240.0


def _start(results: Path, *extra: str) -> subprocess.Popen[str]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])  # this checkout first
    env = {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "sim.entry.cli", *RUN, f"run.results_dir={results}", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(proc: subprocess.Popen[str], prefix: str) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + TIMEOUT
    for line in proc.stdout:
        if line.startswith(prefix):
            return
        assert time.monotonic() < deadline, f"no line starting {prefix!r} in time"
    pytest.fail(f"the run ended before printing {prefix!r}")


def _wait_for_partial(proc: subprocess.Popen[str], results: Path, owned: bool = False) -> Path:
    """The run's .partial-* directory as soon as it exists (``owned``: once its owner file is written)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = [p for p in results.glob(".partial-*") if p.is_dir()] if results.is_dir() else []
        if owned:
            found = [p for p in found if (p / ".gridsim-owner.json").is_file()]
        if found:
            return found[0]
        assert proc.poll() is None, "the run ended before claiming its results directory"
        time.sleep(0.005)
    pytest.fail("no .partial-* directory in time")


def _stacks(pid: int) -> str:
    """Every thread's stack in process ``pid`` (py-spy, which the ray extra installs), or why not."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.is_file():
        return "(py-spy is not installed: no stacks)"
    dump = subprocess.run([str(spy), "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=60)
    return dump.stdout or dump.stderr


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Its exit code and stderr; a run that does not end in time fails the test with its threads' stacks (and
    is killed, so that no process outlives the test)."""
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        stacks = _stacks(proc.pid)
        proc.kill()
        proc.communicate()
        pytest.fail(f"the run had not ended {TIMEOUT:.0f} s after the signal; its threads:\n{stacks}")
    return proc.returncode, err


@pytest.mark.parametrize(("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                   (signal.SIGTERM, 143, "terminated")])
def test_signal_while_simulating_leaves_nothing(tmp_path: Path, sig: signal.Signals, code: int, word: str) -> None:
    results = tmp_path / "results"
    proc = _start(results)
    _wait_for_line(proc, "engine:")  # printed just before the engine starts
    proc.send_signal(sig)
    rc, err = _finish(proc)
    assert rc == code, err
    assert err.strip().splitlines() == [f"gridsim: {word}"], err
    assert not results.exists() or not any(results.iterdir())


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_writing_removes_the_partial_directory(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    results = tmp_path / "results"
    proc = _start(results)
    _wait_for_partial(proc, results)
    proc.send_signal(sig)
    rc, err = _finish(proc)
    if rc == 0:  # the write finished before the signal arrived: a complete directory, nothing partial
        assert "Traceback" not in err
    else:
        assert rc == code and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert not any(results.iterdir()), list(results.iterdir())
    assert not list(results.glob(".partial-*"))


def test_sigkill_leaves_a_partial_that_the_next_run_removes(tmp_path: Path) -> None:
    results = tmp_path / "results"
    proc = _start(results)
    partial = _wait_for_partial(proc, results, owned=True)
    proc.send_signal(signal.SIGKILL)
    rc, _ = _finish(proc)
    assert rc == -signal.SIGKILL
    assert partial.is_dir()
    owner = json.loads((partial / ".gridsim-owner.json").read_text())
    assert owner["pid"] == proc.pid
    # the next run (only the capacity check: quick) finds the process gone and removes the directory
    nxt = _start(results, "run.simulate=false")
    out, err = nxt.communicate(timeout=TIMEOUT)
    assert nxt.returncode == 0, err
    assert f"removed {partial}" in out and f"process {proc.pid} is gone" in out
    assert not partial.exists()


def test_a_partial_whose_process_is_alive_is_left_alone(tmp_path: Path) -> None:
    results = tmp_path / "results"
    live = results / ".partial-20260101-000000-township-baseline"
    live.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        start = Path(f"/proc/{sleeper.pid}/stat").read_text().rpartition(")")[2].split()[19]
        (live / ".gridsim-owner.json").write_text(json.dumps({"pid": sleeper.pid, "start": start}))
        nxt = _start(results, "run.simulate=false")
        out, err = nxt.communicate(timeout=TIMEOUT)
        assert nxt.returncode == 0, err
        assert live.is_dir() and "removed" not in out
    finally:
        sleeper.kill()
        sleeper.wait()
    # once its process is gone, the next run removes it
    nxt = _start(results, "run.simulate=false")
    out, _ = nxt.communicate(timeout=TIMEOUT)
    assert not live.exists() and f"process {sleeper.pid} is gone" in out
