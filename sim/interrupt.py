"""SIGTERM handled like Ctrl-C: the run cleans up (no ``.partial-*`` left) and exits with one line.

``install()`` makes SIGTERM raise ``Terminated`` (a KeyboardInterrupt) in the main thread,
so every ``except BaseException`` / ``finally`` that cleans up after Ctrl-C runs for it
too; ``sim.errors.exit_code`` prints ``gridsim: terminated`` and returns 143 (128 + 15).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signal.Signals(signum).name)


def install() -> None:
    """Raise ``Terminated`` on SIGTERM (only from the main thread, where Python runs handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
