"""SIGTERM handled like Ctrl-C: the run cleans up (no ``.partial-*`` left) and exits with one line.

``install()`` makes SIGTERM raise ``Terminated`` (a KeyboardInterrupt) in the main thread,
so every ``except BaseException`` / ``finally`` that cleans up after Ctrl-C runs for it
too; ``sim.util.errors.exit_code`` prints ``gridsim: terminated`` and returns 143 (128 + 15).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM."""


_received: list[int] = []  # the SIGTERMs this process has been sent (``terminated``)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated(signal.Signals(signum).name)


def terminated() -> bool:
    """Whether this process has been sent SIGTERM: a library that turns any KeyboardInterrupt into a plain
    one (Ray's ``ray.wait`` does) loses ``Terminated``; its caller raises it again when this is true."""
    return bool(_received)


def install() -> None:
    """Raise ``Terminated`` on SIGTERM (only from the main thread, where Python runs handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few statements that must not be cut in two (claiming a
    directory and remembering it, so that cleanup knows of it); they are delivered on leaving."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
