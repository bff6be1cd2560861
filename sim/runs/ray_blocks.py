"""A streamed run's blocks on Ray: a running Ray of this process, a cluster, or a local Ray started early.

A local Ray takes seconds to start (its five processes, three of them Python) and its
workers more to import gridsim before their first block. None of that depends on the
run's matters, so ``RayBlocks.start_early`` begins it in a thread while the driver checks
capacity, claims the results directory and builds the territory, and the workers import
gridsim in a warm-up task meanwhile. The thread that started Ray stays alive until Ray is
stopped: Ray's processes are told to die with the thread that started them (Linux's
parent-death signal follows the thread, not the process).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any

from sim.runs.stream import BlockResult, BlockTask, run_block, warm_worker
from sim.scenario.schema import Config
from sim.util.errors import ConfigError, one_line
from sim.util.interrupt import Terminated, terminated
from sim.util.parallel import available_workers
from sim.util.partial import mark_owner
from sim.util.ray_local import (
    MAX_TEMP_DIR_CHARS,
    QuietStart,
    address_answers,
    dead_servers,
    init_local_ray,
    local_env,
    loopback_node,
    on_loopback,
    servers_dead,
    stop_owned,
)

#: how often a run that ends while its local Ray is still starting looks at the start (ended, or broken),
#: and the pause between the two kills of a broken one, in seconds
POLL_S, STOP_GRACE_S = 0.2, 0.5


class _EarlyStart:
    """A local Ray started (and its workers warmed) in a thread that lives until Ray is stopped."""

    def __init__(self, ray: ModuleType, temp_root: Path, workers: int) -> None:
        self.ray, self.temp_root, self.workers = ray, temp_root, workers
        self.ready = threading.Event()  # set when Ray is up and warm, or failed to start
        self.ray_stopped = threading.Event()  # set by the driver once it has stopped Ray: the thread may end
        self.error: BaseException | None = None
        # the driver's SIGTERM handler (gridsim's: ``sim.util.interrupt``), put back once Ray is up
        self.sigterm = signal.getsignal(signal.SIGTERM)
        self.thread = threading.Thread(target=self._run, name="gridsim-ray-start", daemon=True)
        self.dead_before: set[int] = set()  # dead servers of an earlier start of this process: not this one's

    def begin(self) -> None:
        self.dead_before = dead_servers(os.getpid())
        self.thread.start()

    def _run(self) -> None:
        quiet = QuietStart()
        quiet.attach()
        try:
            self.temp_root.mkdir(parents=True, exist_ok=True)
            mark_owner(self.temp_root)  # so that the next run removes it only once this process is gone
            init_local_ray(self.ray, self.temp_root, self.workers, lean=True)  # the run's own: stopped with it
            warm = self.ray.remote(num_cpus=1)(warm_worker)
            # as many as the workers, sent at once: each new worker takes one and imports gridsim (a worker
            # done first may take a second one, leaving the other to import with its first block)
            self.ray.get([warm.remote() for _ in range(self.workers)])
        except BaseException as exc:  # handed to the driver, which raises it in its own thread
            self.error = exc
        finally:
            quiet.detach()
            self.ready.set()
        self.ray_stopped.wait()  # Ray's processes die with this thread: it ends only once Ray is stopped

    def wait(self) -> None:
        """Until Ray is up (in the driver's main thread); its start's error, if any, raised here."""
        self.ready.wait()
        self._own_sigterm()
        if self.error is not None:
            raise self.error

    def _own_sigterm(self) -> None:
        """The driver's SIGTERM handler back in place: Ray's core installs its own as it connects (a stack
        dump on stderr before gridsim's one line); only the main thread may set a handler."""
        if threading.current_thread() is threading.main_thread() and callable(self.sigterm):
            signal.signal(signal.SIGTERM, self.sigterm)

    def close(self) -> None:
        """Ray stopped and the thread ended. Stopped even if its start failed half-way (``ray.shutdown`` does
        nothing when nothing is up), since any Ray of this start is the run's own; then any process of it
        still alive (an agent whose raylet a signal to the process group killed) is killed by its mark.

        A start still under way (the run is ending before its blocks: Ctrl-C, SIGTERM, an error) is waited
        for, and its Ray stopped as usual, unless one of its servers has died (a signal to the whole process
        group reaches them too): its start would then wait a minute for what will never answer, so its
        processes are killed by their mark, twice (one started between the two is caught by the second),
        and the thread, a daemon, ends with the process. (A healthy start is not killed: a driver whose Ray
        dies while it connects waits a minute for it, then exits 1.)"""
        while not self.ready.wait(POLL_S):
            if servers_dead(os.getpid(), self.dead_before):
                stop_owned(os.getpid())
                self.ready.wait(STOP_GRACE_S)
                stop_owned(os.getpid())
                self.ray_stopped.set()
                self._own_sigterm()
                return
        try:
            self.ray.shutdown()
        finally:
            self.ray_stopped.set()
            self.thread.join()
            self._own_sigterm()
            stop_owned(os.getpid())


class RayBlocks:
    """Tasks on Ray: a running Ray of this process, the cluster at ``engine.ray.address``, or a local Ray
    started here (loopback only, session files under ``temp_root``) and stopped when the tasks end.
    Ctrl-C (or any error) cancels every task not yet ended. Call ``close`` when the run ends, whatever way."""

    def __init__(self, cfg: Config, temp_root: Path) -> None:
        try:
            import ray  # an optional dependency (the ray extra), and seconds to import: only when asked for
        except ImportError:
            raise ConfigError("engine.backend", "ray is not installed: pip install 'gridsim[ray]'") from None
        self.ray, self.cfg, self.temp_root = ray, cfg, temp_root
        self.address = cfg.engine.ray.address
        self.early: _EarlyStart | None = None
        if self.address is not None:
            why = address_answers(self.address)
            if why is not None:
                raise ConfigError("engine.ray.address", f"{why}: start the cluster's head with `ray start --head` "
                                  "and give its address, or leave engine.ray.address unset for a local Ray")
        elif not ray.is_initialized() and len(str(temp_root)) > MAX_TEMP_DIR_CHARS:
            raise ConfigError("run.results_dir", f"a local Ray keeps its sockets under the results directory, whose "
                              f"path must be at most {MAX_TEMP_DIR_CHARS} characters for them: {temp_root}")

    def start_early(self, workers: int) -> None:
        """Begin starting a local Ray of ``workers`` workers now, if the run will start one (no address, no Ray
        running in this process), so that it comes up while the driver prepares the blocks."""
        if self.address is None and not self.ray.is_initialized() and self.early is None:
            self.early = _EarlyStart(self.ray, self.temp_root, max(1, workers))
            self.early.begin()

    def __call__(self, tasks: Sequence[BlockTask]) -> Iterator[BlockResult]:
        ray = self.ray
        started = False
        # a local Ray not started early (a caller that did not ask) starts now, the same way
        self.start_early(min(available_workers(self.cfg.engine.ray.workers), len(tasks)))
        if self.early is not None:
            self.early.wait()
        elif not ray.is_initialized():  # a cluster's head: joined here, left when the tasks end
            with local_env(), loopback_node() if on_loopback(str(self.address)) else nullcontext():
                try:
                    ray.init(address=self.address, configure_logging=False)
                except ConnectionError as exc:  # "auto" with no Ray on this machine, or a head gone since the check
                    raise ConfigError("engine.ray.address", f"no Ray to join at {self.address} ({one_line(exc)}): "
                                      "start one with `ray start --head`, or leave engine.ray.address unset for a "
                                      "local Ray") from None
            started = True
        remote = ray.remote(num_cpus=1, max_retries=3)(run_block)
        # at most engine.ray.workers tasks at once (0: one per CPU Ray has): the rest wait their turn here
        at_once = self.cfg.engine.ray.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        waiting = list(tasks)
        pending: list[Any] = []
        try:
            while waiting or pending:
                while waiting and len(pending) < at_once:
                    pending.append(remote.remote(waiting.pop(0)))
                try:
                    ready, pending = ray.wait(pending, num_returns=1)
                    got = ray.get(ready[0])
                except KeyboardInterrupt:  # Ray raises a plain one for any signal's exception: SIGTERM's too
                    if terminated():
                        raise Terminated("SIGTERM") from None
                    raise
                yield got
        finally:
            try:
                # stopped early (Ctrl-C, an error): no task goes on writing. A Ray this run started is stopped
                # whole just below, its workers with it, and a cluster this run joined ends the run's job when
                # it leaves (the job's workers are stopped); a forced cancel there only races the tasks'
                # replies, and Ray's core aborts the process (exit 1, not 130 or 143) when a reply comes for a
                # task it has already failed. Only a Ray this process had joined before the run is told.
                if self.early is None and not started:
                    for ref in pending:
                        ray.cancel(ref, force=True)
            finally:
                # in this thread: stopped beside the merge, Ray would be torn down while the merge still lets
                # go of the blocks' objects into it (a second gained, measured, for that risk)
                if started:
                    ray.shutdown()
                self.close()

    def close(self) -> None:
        """Stop a local Ray started early (the run ended, or failed before or after its blocks)."""
        if self.early is not None:
            self.early.close()
            self.early = None
