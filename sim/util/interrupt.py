"""SIGTERM handled like Ctrl-C: the run cleans up (no ``.partial-*`` left) and exits with one line.

``install()`` makes SIGTERM raise ``Terminated`` (a KeyboardInterrupt) in the main thread,
so every ``except BaseException`` / ``finally`` that cleans up after Ctrl-C runs for it
too; ``sim.util.errors.exit_code`` prints ``gridsim: terminated`` and returns 143 (128 + 15).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


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
    directory and remembering it, so that cleanup knows of it); they are delivered on leaving.

    The handlers are swapped for one that only notes the signal, rather than the signals being
    masked: a mask holds a signal back from this thread alone, and the kernel hands it to any
    other thread of the process (a worker pool's, a writer's), after which Python runs the
    handler in the main thread at once, in the middle of the statements held together.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    old = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if held:  # the first signal held, as it would have been handled (later ones add nothing)
            _deliver(held[0], old[signal.Signals(held[0])])


def _deliver(signum: int, handler: Callable[[int, FrameType | None], Any] | int | None) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)  # the default action (SIGTERM's: the process ends)
