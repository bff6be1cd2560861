"""``signals_deferred`` holds SIGINT and SIGTERM back until its block ends, with other threads alive.

A signal masked in the main thread alone would go to another thread of the process, and Python
would run its handler in the main thread at once, inside the block: a claimed results directory
could then be left with no one to remove it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from sim.util.interrupt import Terminated, install, signals_deferred


@pytest.fixture
def other_thread() -> Iterator[None]:
    """A second thread of the process that blocks no signal (as a worker pool's or a writer's)."""
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    yield
    stop.set()
    t.join()


@pytest.fixture
def terminated_on_sigterm() -> Iterator[None]:
    old = signal.getsignal(signal.SIGTERM)
    install()
    yield
    signal.signal(signal.SIGTERM, old)


@pytest.mark.usefixtures("other_thread", "terminated_on_sigterm")
@pytest.mark.parametrize(("sig", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
def test_the_block_runs_to_its_end_before_the_signal(sig: signal.Signals, raised: type[BaseException]) -> None:
    done: list[str] = []
    with pytest.raises(raised):
        with signals_deferred():
            os.kill(os.getpid(), sig)
            for _ in range(200):  # many chances for a handler to run here, were the signal not held
                time.sleep(0.001)
            done.append("claimed")
            done.append("remembered")
        done.append("after")  # not reached: the signal is delivered on leaving
    assert done == ["claimed", "remembered"]


@pytest.mark.usefixtures("terminated_on_sigterm")
def test_handlers_are_restored_and_nothing_held_is_delivered_twice() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with signals_deferred():
        pass
    assert {s: signal.getsignal(s) for s in before} == before


@pytest.mark.usefixtures("terminated_on_sigterm")
def test_sigterm_is_delivered_first_and_an_ignored_signal_skipped() -> None:
    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(Terminated):  # both held: SIGTERM says more than a Ctrl-C
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as under nohup: Ctrl-C ignored, SIGTERM not
        with pytest.raises(Terminated):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("terminated_on_sigterm")
def test_a_ctrl_c_while_the_handlers_go_back_leaves_every_handler_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that arrives once SIGINT's handler is back is handled inside the next swap (Python runs
    pending handlers there, before swapping): SIGTERM's handler must still go back."""
    real = signal.signal
    originals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    sent: list[bool] = []

    def swap(sig: int, handler: object) -> object:
        out = real(sig, handler)  # type: ignore[arg-type]
        if sig == signal.SIGINT and handler is originals[signal.SIGINT] and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(signal, "signal", swap)
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            pass
    monkeypatch.undo()
    assert sent and {s: signal.getsignal(s) for s in originals} == originals


@pytest.mark.usefixtures("terminated_on_sigterm")
def test_a_handler_not_installed_from_python_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """``signal.signal`` cannot put back a handler it reports as None (one a C library installed): such a
    signal is not swapped at all, and the block neither fails nor hangs putting handlers back."""
    real_get = signal.getsignal
    swapped: list[int] = []
    real_set = signal.signal

    def get(sig: int) -> object:
        return None if sig == signal.SIGTERM else real_get(sig)

    def swap(sig: int, handler: object) -> object:
        swapped.append(sig)
        return real_set(sig, handler)  # type: ignore[arg-type]

    before = real_get(signal.SIGTERM)
    monkeypatch.setattr(signal, "getsignal", get)
    monkeypatch.setattr(signal, "signal", swap)
    with signals_deferred():
        pass
    monkeypatch.undo()
    assert signal.SIGTERM not in swapped and swapped.count(signal.SIGINT) == 2
    assert signal.getsignal(signal.SIGTERM) is before
