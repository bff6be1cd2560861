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


def signal_in(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM (``Terminated``) behind ``exc``: ``exc`` itself, or one in its chain
    (``__cause__`` and ``__context__``, walked), else None. The handler's exception can surface
    as another: raised while a numba-compiled function returns, numba's dispatcher reports it
    as ``SystemError("... returned a result with an exception set")`` with it as the context."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, KeyboardInterrupt):
            return e
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]
    return None


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

    old: dict[int, Handler] = {}
    try:
        # a handler not installed from Python (None) could not be put back: that signal is left as it is
        for s in [s for s in HELD if signal.getsignal(s) is not None]:
            old[s] = signal.signal(s, note)  # a signal sent before the block is handled here, as usual
    except BaseException:
        _put_back(old)
        raise
    try:
        yield
    finally:
        try:
            _put_back(old)
        finally:
            _deliver(held, old)


#: the signals ``signals_deferred`` holds back
HELD = (signal.SIGINT, signal.SIGTERM)
Handler = Callable[[int, FrameType | None], Any] | int | None


def _put_back(old: dict[int, Handler]) -> None:
    """Every handler of ``old`` back in place. Python runs a pending signal's handler inside
    ``signal.signal`` before the swap; one that raises (a Ctrl-C whose handler is back already)
    leaves the swap undone, so it is made again, and the first such exception raised at the end.
    (Each handler came from ``signal.signal`` and is not None, so a swap fails only that way.)"""
    first: BaseException | None = None
    for s, handler in old.items():
        while True:
            try:
                signal.signal(s, handler)
                break
            except BaseException as exc:
                first = first or exc
    if first is not None:
        raise first


def _deliver(held: list[int], old: dict[int, Handler]) -> None:
    """The signals held, each once, as they would have been handled (SIGTERM first: it says more
    than a Ctrl-C); one whose handler was to ignore it is skipped."""
    for s in sorted(set(held), key=lambda x: x != signal.SIGTERM):
        handler = old.get(s)
        if callable(handler):
            handler(s, None)  # raises KeyboardInterrupt / Terminated
        elif handler == signal.SIG_DFL:
            signal.raise_signal(s)  # the default action (SIGTERM's: the process ends)
