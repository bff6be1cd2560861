"""A signal that surfaces as another exception still ends as one line and its exit code (130 / 143).

A SIGTERM's ``Terminated`` raised while a numba-compiled function returns reaches the caller as
``SystemError("CPUDispatcher(...) returned a result with an exception set")`` with the
``Terminated`` as its context; such a run printed a traceback and exited 1.
"""

from __future__ import annotations

import pytest

from sim.runs.replicate import replicate
from sim.util.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, ConfigError, exit_code
from sim.util.interrupt import Terminated, signal_in


def _numba_like(signal_exc: KeyboardInterrupt) -> int:
    """What numba's dispatcher does when the signal handler raises as a compiled function returns."""
    try:
        raise signal_exc
    except KeyboardInterrupt:
        raise SystemError("CPUDispatcher(<function _open_pass>) returned a result with an exception set")  # noqa: B904 - as numba does: the signal is its context


def _caused(signal_exc: KeyboardInterrupt) -> int:
    """Deeper in the chain, and by ``raise ... from``: a wrapper of the SystemError."""
    try:
        _numba_like(signal_exc)
    except SystemError as e:
        raise RuntimeError("KPIs failed") from e
    return 0


@pytest.mark.parametrize("call", [_numba_like, _caused])
@pytest.mark.parametrize(("signal_exc", "code", "word"), [(Terminated("SIGTERM"), EXIT_TERMINATED, "terminated"),
                                                          (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted")])
def test_an_error_raised_while_a_signal_is_handled_is_that_signal(
        capsys: pytest.CaptureFixture[str], call, signal_exc: KeyboardInterrupt, code: int, word: str) -> None:
    assert exit_code("gridsim", lambda: call(signal_exc)) == code
    out, err = capsys.readouterr()
    assert err == f"gridsim: {word}\n" and out == ""


def test_a_signal_comes_before_the_error_raised_while_it_was_handled(capsys: pytest.CaptureFixture[str]) -> None:
    """A signal in the chain says why the command stopped, whatever was raised on the way out."""
    def cut() -> int:
        try:
            raise Terminated("SIGTERM")
        except Terminated:
            raise ConfigError("run.results_dir", "cannot be written") from None  # ``from None`` hides, not drops

    assert exit_code("gridsim", cut) == EXIT_TERMINATED
    assert capsys.readouterr().err == "gridsim: terminated\n"


def test_an_error_without_a_signal_keeps_its_traceback() -> None:
    def bug() -> int:
        try:
            raise KeyError("x")
        except KeyError:
            raise SystemError("no signal here") from None

    with pytest.raises(SystemError, match="no signal here"):
        exit_code("gridsim", bug)


def test_a_cycle_in_the_chain_ends_the_walk() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert signal_in(a) is None


def test_a_signal_in_disguise_is_no_failed_replication() -> None:
    """An experiment leaves a failed scenario out and goes on; a SIGTERM surfacing as a SystemError stops it."""
    failed: list[int] = []
    with pytest.raises(Terminated):
        replicate(lambda k: _numba_like(Terminated("SIGTERM")) if k == 1 else k, [0, 1, 2],
                  on_failed=lambda k, _e: failed.append(k))
    assert failed == []
