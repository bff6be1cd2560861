"""The one error type a user ever sees: a bad config key or input file row."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from sim.util.interrupt import Terminated


class ConfigError(ValueError):
    """A config key or file row is wrong; the message is one line naming it and why.

    The command line prints ``gridsim: error: <message>`` and exits with code 2.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


def exit_code(prog: str, call: Callable[[], int]) -> int:
    """``call()``'s exit code; a ConfigError prints ``<prog>: error: <message>`` and gives 2,
    Ctrl-C ``<prog>: interrupted`` and 130, SIGTERM ``<prog>: terminated`` and 143 (no traceback)."""
    try:
        return call()
    except ConfigError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:  # the reader went away (gridsim ... | head): stop quietly, as a pipe does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
