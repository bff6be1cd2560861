"""The errors a user sees, and the exit codes of every gridsim command (docs/limits.md, "Exit codes").

A script can trust the code: 0 is a complete result, anything else is not.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable

from sim.util.interrupt import Terminated, signal_in

#: the command did what was asked; its results are complete
EXIT_OK = 0
#: an unexpected error (a bug in gridsim): its traceback is printed
EXIT_BUG = 1
#: a bad key, value, file row or destination, or a disk that filled up while writing: one line, nothing kept
EXIT_BAD_INPUT = 2
#: a sweep or experiment finished every job it could, but some failed: its table marks which
EXIT_JOBS_FAILED = 3
#: Ctrl-C (SIGINT); 141: the reader of the output went away (SIGPIPE); 143: SIGTERM
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE, EXIT_TERMINATED = 130, 141, 143
#: errno values that mean the destination cannot take the results (not a bug): one line, EXIT_BAD_INPUT
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


class ConfigError(ValueError):
    """A config key or file row is wrong; the message is one line naming it and why.

    The command line prints ``gridsim: error: <message>`` and exits with code 2.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


class JobsFailed(Exception):
    """Some jobs of a sweep or scenarios of an experiment failed after the others finished.

    ``str(e)`` is one line saying how many and where the table is; the command exits with
    ``EXIT_JOBS_FAILED``.
    """


def one_line(exc: BaseException) -> str:
    """An error as one line (a failed job's table cell): a ConfigError as itself, else ``Type: first line``."""
    if isinstance(exc, ConfigError):
        return str(exc)
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def disk_problem(exc: OSError) -> str:
    """One line for a write the disk refused: the file and the reason."""
    where = exc.filename if exc.filename is not None else "writing the results"
    return f"{where}: {exc.strerror or os.strerror(exc.errno or 0)}: nothing half-written was kept"


def exit_code(prog: str, call: Callable[[], int]) -> int:
    """``call()``'s exit code; a ConfigError prints ``<prog>: error: <message>`` and gives 2 (so does a
    full or read-only disk), failed jobs ``<prog>: <message>`` and 3, Ctrl-C ``<prog>: interrupted``
    and 130, SIGTERM ``<prog>: terminated`` and 143 (no traceback). Any other error is raised."""
    try:
        return call()
    except BaseException as exc:
        code = _mapped(prog, exc)
        if code is None:
            raise
        return code


def _mapped(prog: str, exc: BaseException) -> int | None:
    """The exit code of ``exc`` after its one line, or None for an error that keeps its traceback.
    A signal comes first: an error raised while it was handled (see ``signal_in``) is its doing."""
    signalled = signal_in(exc)
    if isinstance(signalled, Terminated):
        print(f"{prog}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    if signalled is not None:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(exc, ConfigError):
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, JobsFailed):
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_JOBS_FAILED
    if isinstance(exc, BrokenPipeError):  # the reader went away (gridsim ... | head): stop quietly, as a pipe does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        print(f"{prog}: error: {disk_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, MemoryError):  # the run is undone as for any error; what is left is to say so
        print(f"{prog}: error: {memory_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return None


def memory_problem(exc: MemoryError) -> str:
    """An allocation that failed mid-run, in one line: the pre-flight checks resident memory, while an
    address-space limit (``ulimit -v``) also counts memory reserved and not yet used, so a run it let
    through can still stop here."""
    what = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "an allocation failed")
    return (f"out of memory ({what}): the run needs more memory than this process may take; use a smaller "
            "territory, a shorter run.horizon_days, fewer replications or engine.backend=ray, or raise the limit "
            "(an address-space limit, ulimit -v, counts memory reserved as well as used)")
